// The kernel's last resort, on a thread of its own that outlives the io thread and never
// runs anything else: it ends the process when (1) a shutdown was requested and the process
// has not exited within SHUTDOWN_GRACE_MS (the main thread may be stuck in a cell, or still
// starting up, and the io thread has closed its sockets and gone), or (2) the process that
// started the kernel is gone (ipykernel's parent poller): a kernel nobody can reach must not
// hold its ports and a core forever.
import { writeSync } from "node:fs";
import { workerData } from "node:worker_threads";
import type { WatchdogData } from "./watchdog.js";

const { control, parentPid, startPpid, supervisorParent, graceMs } = workerData as WatchdogData;
const s = new Int32Array(control);

function log(text: string): void {
  try {
    writeSync(2, `[gradlab watchdog] ${text}\n`);
  } catch {
    /* stderr closed */
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function parentGone(): string | null {
  if (startPpid > 1 && process.ppid !== startPpid) return `parent process ${startPpid} is gone`;
  if (parentPid > 0 && !alive(parentPid)) return `the Jupyter process ${parentPid} (JPY_PARENT_PID) is gone`;
  if (supervisorParent > 0 && !alive(supervisorParent)) return `process ${supervisorParent}, which started the kernel's supervisor, is gone`;
  return null;
}

for (;;) {
  if (Atomics.wait(s, 0, 0, 1000) !== "timed-out" || Atomics.load(s, 0) !== 0) {
    Atomics.wait(s, 0, Atomics.load(s, 0), graceMs);
    log(`the kernel did not exit within ${graceMs} ms of its shutdown request: killing it`);
    process.kill(process.pid, "SIGKILL");
  }
  const why = parentGone();
  if (why !== null) {
    log(`${why}: exiting`);
    process.kill(process.pid, "SIGTERM");
    Atomics.wait(s, 0, Atomics.load(s, 0), 2000);
    process.kill(process.pid, "SIGKILL");
  }
}
