// The SIGINT thread: holds node:vm's SIGINT watchdog open for the whole process and reports
// every SIGINT to the io thread.
//
// Why: a cell runs under `breakOnSigint` so an interrupt stops even a loop that never yields.
// Node starts a watchdog helper thread (and installs its SIGINT handler) when the first such
// run starts and joins it when the last one ends: per cell that would be a thread create +
// join, costly on a loaded machine. The helper is shared by the whole process and counts its
// users, so while this thread sits in a run of its own, a cell's run only registers with the
// running helper, which is cheap.
//
// While the helper runs, SIGINT goes to it, not to libuv: process.on("SIGINT") listeners on
// the main thread must not exist (node:vm removes them around each run, and removing the last
// one resets SIGINT to its default action: the process would die). On a SIGINT the helper
// stops the run registered last: a cell's (or a timer callback's) run on the main thread when
// there is one, exactly as before; else this thread's, which then tells the io thread, and
// the io thread interrupts the main thread by message (a cell awaiting something) or by
// terminating its JavaScript (a loop after an await). So a SIGINT is seen even while the main
// thread is busy outside a run, which the main thread's own listener could not do.
//
// This thread's run is nested (an outer run calls a function that loops over inner runs): the
// inner one ends on a SIGINT as an ordinary exception while the outer one keeps the helper
// running, so after a signal there is no moment without the helper's SIGINT handler.
import { workerData } from "node:worker_threads";
import vm from "node:vm";
import type { MessagePort } from "node:worker_threads";

export interface SigintThreadData {
  /** To the io thread: { t: "armed" } once, then { t: "signal" } per SIGINT. */
  port: MessagePort;
}

const { port } = workerData as SigintThreadData;
const never = new Int32Array(new SharedArrayBuffer(4));
const g = globalThis as Record<string, unknown>;
g.__gradlabWaitForever = () => Atomics.wait(never, 0, 0);
const inner = new vm.Script("__gradlabWaitForever()", { filename: "gradlab-sigint-inner" });
g.__gradlabServe = (): never => {
  port.postMessage({ t: "armed" });
  for (;;) {
    try {
      inner.runInThisContext({ breakOnSigint: true });
    } catch (e) {
      if ((e as { code?: unknown }).code !== "ERR_SCRIPT_EXECUTION_INTERRUPTED") throw e;
      port.postMessage({ t: "signal" });
    }
  }
};
const outer = new vm.Script("__gradlabServe()", { filename: "gradlab-sigint-outer" });
for (;;) {
  try {
    outer.runInThisContext({ breakOnSigint: true });
  } catch (e) {
    // A signal that landed between two inner runs ends the outer one: report it, re-arm.
    if ((e as { code?: unknown }).code !== "ERR_SCRIPT_EXECUTION_INTERRUPTED") throw e;
    port.postMessage({ t: "signal" });
  }
}
