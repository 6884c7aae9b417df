// A cell that calls process.exit() must not take the kernel (and every variable in it) down
// without a word: ipykernel turns `sys.exit()` into a SystemExit exception that IPython
// reports while the kernel keeps running, and this does the same. process.exit,
// process.reallyExit, process.abort and a fatal process.kill aimed at the kernel itself
// throw a SystemExit error that names the call; to stop the kernel, the user restarts or
// shuts it down from the frontend. The kernel's own exits go through `exitProcess`.

import { constants as osConstants } from "node:os";

/** The real process.exit, for the kernel's own shutdown paths. */
export const exitProcess: (code?: number) => never = process.exit.bind(process);

export class SystemExit extends Error {
  constructor(call: string) {
    super(`${call}: a cell cannot end the kernel, it keeps running with its state (restart or shut down the kernel from the frontend instead)`);
    this.name = "SystemExit";
  }
}

/** Signals that do not end the process (0 tests for existence; SIGINT is the kernel's interrupt). */
const HARMLESS = new Set<string | number>([0, "SIGINT", "SIGWINCH", "SIGCHLD", "SIGCONT", "SIGURG"]);

/** HARMLESS as signal numbers (what process._kill takes). */
const HARMLESS_NUMBERS = new Set([0, ...[...HARMLESS].filter((s): s is string => typeof s === "string").map((s) => osConstants.signals[s as keyof typeof osConstants.signals])]);

let guarded = false;

export function guardProcess(): void {
  if (guarded) return;
  guarded = true;
  const p = process as NodeJS.Process & { reallyExit?: (code?: number) => never };
  const kill = process.kill.bind(process);
  const show = (v: unknown): string => (typeof v === "string" ? JSON.stringify(v) : v === undefined ? "" : String(v));
  p.exit = ((code?: unknown) => {
    throw new SystemExit(`process.exit(${show(code)})`);
  }) as typeof process.exit;
  if (typeof p.reallyExit === "function") {
    p.reallyExit = ((code?: unknown) => {
      throw new SystemExit(`process.reallyExit(${show(code)})`);
    }) as never;
  }
  p.abort = (() => {
    throw new SystemExit("process.abort()");
  }) as typeof process.abort;
  // process._kill is what process.kill calls underneath: reachable from a cell too.
  const internal = p as unknown as { _kill?: (pid: number, signal: number) => number };
  if (typeof internal._kill === "function") {
    const rawKill = internal._kill.bind(process);
    internal._kill = (pid: number, signal: number) => {
      const self = Number(pid) === process.pid || Number(pid) === 0 || Number(pid) === -process.pid;
      if (self && !HARMLESS_NUMBERS.has(Number(signal))) throw new SystemExit(`process._kill(${show(pid)}, ${show(signal)})`);
      return rawKill(pid, signal);
    };
  }
  p.kill = ((pid: number, signal?: string | number) => {
    const self = Number(pid) === process.pid || Number(pid) === 0 || Number(pid) === -process.pid;
    if (self && !HARMLESS.has(signal ?? "SIGTERM")) throw new SystemExit(`process.kill(${show(pid)}${signal === undefined ? "" : `, ${show(signal)}`})`);
    return kill(pid, signal);
  }) as typeof process.kill;
}

/**
 * The kernel's uncaught-error listeners survive a cell's `process.removeAllListeners()`:
 * without them the next error in a timer kills the kernel. SIGINT is not protected: node:vm
 * itself removes every SIGINT listener around each script run and adds them back afterwards,
 * and restoring it here would duplicate it. (A cell that removes the kernel's SIGINT listener
 * loses the interrupt of an `await`; a synchronous loop is still interrupted by vm's watchdog.)
 */
export function protectListeners(own: ReadonlyArray<readonly [string, (...args: never[]) => void]>): void {
  const removeAll = process.removeAllListeners.bind(process);
  let depth = 0; // EventEmitter's removeAllListeners() calls removeAllListeners(event) per event
  process.removeAllListeners = ((event?: string | symbol) => {
    depth++;
    try {
      if (event === undefined) removeAll();
      else removeAll(event);
    } finally {
      depth--;
    }
    if (depth > 0) return process;
    for (const [name, fn] of own) {
      const restore = event === undefined || event === name;
      if (restore && !process.listeners(name as "SIGINT").includes(fn as () => void)) process.on(name as "SIGINT", fn as () => void);
    }
    return process;
  }) as typeof process.removeAllListeners;
}
