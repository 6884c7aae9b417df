// Shared state that lets the io thread stop a cell the SIGINT watchdog cannot reach. The
// watchdog (vm breakOnSigint) only covers a cell's synchronous part; a loop after an `await`
// runs as a promise continuation and never returns to the event loop, so the main thread's
// SIGINT listener cannot run. The main thread marks when it awaits a cell's asynchronous part
// and acknowledges every interrupt it handles; if an interrupt is not acknowledged in time
// during that part, the io
// thread terminates the current JavaScript execution of the main thread through the
// inspector protocol (Runtime.terminateExecution: the main thread survives, the loop dies, and
// the pending SIGINT then rejects the cell as Interrupted).
// The io thread also counts the interrupts it received while the main thread was busy, so the
// main thread can see one that arrived during a compile without waiting for its SIGINT to be
// delivered by the event loop.
const RUNNING = 0;
const ACKS = 1;
const INTERRUPTS = 2;

export function createCellWatch(): SharedArrayBuffer {
  return new SharedArrayBuffer(12);
}

/** main thread */
export class CellWatchMain {
  private readonly s: Int32Array;
  constructor(buffer: SharedArrayBuffer) {
    this.s = new Int32Array(buffer);
  }
  setRunning(on: boolean): void {
    Atomics.store(this.s, RUNNING, on ? 1 : 0);
  }
  acknowledge(): void {
    Atomics.add(this.s, ACKS, 1);
  }
  /** How many interrupts the io thread has received while the kernel was busy (ever). */
  interrupts(): number {
    return Atomics.load(this.s, INTERRUPTS);
  }
}

/** io thread */
export class CellWatchIo {
  private readonly s: Int32Array;
  private session: import("node:inspector").Session | null = null;
  constructor(buffer: SharedArrayBuffer) {
    this.s = new Int32Array(buffer);
  }
  acks(): number {
    return Atomics.load(this.s, ACKS);
  }
  running(): boolean {
    return Atomics.load(this.s, RUNNING) === 1;
  }
  /** Records an interrupt of the busy main thread (read by CellWatchMain.interrupts); returns the new count. */
  countInterrupt(): number {
    return Atomics.add(this.s, INTERRUPTS, 1) + 1;
  }
  /** After graceMs, terminates the main thread's JavaScript if the interrupt was not handled. */
  async escalate(acksBefore: number, graceMs: number, log: (s: string) => void): Promise<void> {
    await new Promise((r) => setTimeout(r, graceMs));
    if (this.acks() !== acksBefore || !this.running()) return;
    const inspector = await import("node:inspector");
    if (this.session === null) {
      this.session = new inspector.Session();
      this.session.connectToMainThread();
    }
    log("interrupt not handled by the cell: terminating its JavaScript execution");
    this.session.post("Runtime.terminateExecution", (err) => {
      if (err) log(`Runtime.terminateExecution failed: ${err.message}`);
    });
  }
}
