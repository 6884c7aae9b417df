// Starting the watchdog thread (watchdog-thread.ts) and telling it of a shutdown.
import { Worker } from "node:worker_threads";
import { supervised } from "../supervise/handover.js";

export interface WatchdogData {
  control: SharedArrayBuffer;
  /** JPY_PARENT_PID (set by Jupyter), or 0. */
  parentPid: number;
  /** The parent process when the kernel started (1 or 0: unknown). */
  startPpid: number;
  /** Under the supervisor (bin/gradlab-supervise.sh): the process that started it, or 0. */
  supervisorParent: number;
  graceMs: number;
}

/** A shutdown must end the process within this long, whatever the main thread does. */
export const SHUTDOWN_GRACE_MS = 1500;

/** The parent pid as early as the process knows it (bin/gradlab.js records it first thing). */
export function startPpid(): number {
  const early = (globalThis as Record<symbol, unknown>)[Symbol.for("gradlab.startPpid")];
  return typeof early === "number" ? early : process.ppid;
}

export class Watchdog {
  private readonly control = new SharedArrayBuffer(4);

  constructor(env: NodeJS.ProcessEnv = process.env) {
    const pid = (text: string | undefined): number => {
      const n = Number.parseInt(text ?? "", 10);
      return Number.isInteger(n) && n > 1 ? n : 0;
    };
    // The supervising shell outlives a frontend that dies without stopping it: watch the frontend.
    const supervisorParent = supervised(env) ? pid(env.GRADLAB_PARENT_PID) : 0;
    const data: WatchdogData = { control: this.control, parentPid: pid(env.JPY_PARENT_PID), startPpid: startPpid(), supervisorParent, graceMs: SHUTDOWN_GRACE_MS };
    const worker = new Worker(new URL("./watchdog-thread.js", import.meta.url), { workerData: data, stdout: false, stderr: false });
    worker.unref();
    worker.on("error", (e) => {
      try {
        process.stderr.write(`[gradlab] watchdog thread failed: ${e.message}\n`);
      } catch {
        /* stderr closed */
      }
    });
  }

  /** The buffer the io thread signals a shutdown on (see shutdownRequested). */
  get buffer(): SharedArrayBuffer {
    return this.control;
  }
}

/** From any thread: the process must be gone within SHUTDOWN_GRACE_MS. */
export function shutdownRequested(control: SharedArrayBuffer): void {
  const s = new Int32Array(control);
  Atomics.store(s, 0, 1);
  Atomics.notify(s, 0);
}
