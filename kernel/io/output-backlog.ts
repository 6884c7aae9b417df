// Bounds the output the main thread has handed to the io thread but the io thread has not yet
// sent. A cell printing in a tight loop can produce text faster than the io thread frames,
// signs and sends it; without a bound the queue between the threads grows until memory runs
// out. Past the bound the main thread blocks (as a writer to a full pipe does) until the io
// thread has caught up to half of it.
export const BACKLOG_HIGH = 32 * 1024 * 1024;
export const BACKLOG_LOW = BACKLOG_HIGH / 2;

export function createBacklog(): SharedArrayBuffer {
  return new SharedArrayBuffer(4);
}

/** The cost of one message: its text plus a fixed part for the message itself. */
export function messageCost(textLength: number): number {
  return 256 + textLength;
}

/** main thread */
export class BacklogWriter {
  private readonly s: Int32Array;
  constructor(buffer: SharedArrayBuffer) {
    this.s = new Int32Array(buffer);
  }
  /** Records `cost` more pending output; blocks while the io thread is too far behind. */
  add(cost: number): void {
    // Waits before counting this message (it is not posted yet: counting it first could wait
    // for a message that cannot arrive).
    if (Atomics.load(this.s, 0) > BACKLOG_HIGH) this.waitForIoThread();
    Atomics.add(this.s, 0, cost);
  }

  private waitForIoThread(): void {
    // Short timed waits: an interrupt's SIGINT watchdog gets control back between them, and a
    // dead io thread (the process is exiting anyway) cannot block the kernel for long.
    const deadline = Date.now() + 30_000;
    for (let n = Atomics.load(this.s, 0); n > BACKLOG_LOW && Date.now() < deadline; n = Atomics.load(this.s, 0)) {
      Atomics.wait(this.s, 0, n, 50);
    }
  }
}

/** io thread */
export class BacklogReader {
  private readonly s: Int32Array;
  constructor(buffer: SharedArrayBuffer) {
    this.s = new Int32Array(buffer);
  }
  done(cost: number): void {
    const before = Atomics.sub(this.s, 0, cost);
    if (before > BACKLOG_LOW && before - cost <= BACKLOG_LOW) Atomics.notify(this.s, 0);
  }
}
