// The main thread's half of interrupting: how an interrupt reaches the cell it is for.
//
// Rules (the io thread's half is io-side.ts, the shared state shared-state.ts):
// 1. An execute request the io thread marked as interrupted before it started (start-up,
//    a queue) is stopped when it starts, and one interrupted while it compiled is stopped
//    before it runs (startCell, stopBeforeRun).
// 2. A cell's synchronous part runs under node:vm's SIGINT watchdog (breakOnSigint); while
//    its promise is awaited (run), an interrupt rejects the wait with Interrupted, and the
//    io thread may terminate a loop that never yields (the RUNNING flag allows it only then).
// 3. Interrupts arrive as messages from the io thread while the SIGINT thread owns SIGINT
//    (cells' SIGINT listeners are kept aside and called on each), else by SIGINT itself.
// 4. An interrupt counted before the current cell started is not for it.
// 5. A timer callback a cell left running is stopped by the SIGINT its run takes
//    (interruptible-timers.ts); without the SIGINT thread's message, that is also the only
//    sign of an interrupt for a cell awaiting meanwhile. An interrupt the io thread kept
//    for a request still to come (idle) was for that callback: the stop is recorded for it.
// 6. Kernel code that calls user code after the cell's run (the display hook of its result,
//    which may scan a huge tensor) runs under the watchdog too (stoppable).
import { EventEmitter } from "node:events";
import { interruptedError } from "../execution/thrown.js";
import { callInterruptibly } from "./interruptible-timers.js";
import { gb } from "./memory-budget.js";
import { redirectSigintListeners } from "./sigint-listeners.js";
import type { InterruptStateMain } from "./shared-state.js";

/** What the main thread needs of the io link for interrupts. */
export interface InterruptLink {
  readonly interrupts: InterruptStateMain;
  readonly sigintThread: boolean;
  onInterrupt: (seq: number) => void;
  onSigintThreadLost: () => void;
}

export class CellInterrupts {
  /** An interrupt arrived while no cell was being awaited (e.g. during a long type check). */
  pending = false;
  /** Set while a cell's promise (or a wait for its displays) is awaited: ends that wait. */
  private current: (() => void) | null = null;
  /** The io thread's interrupt count when the current cell started (rule 4). */
  private base = 0;
  /** Whether interrupts arrive as messages from the io thread (rule 3). */
  private byMessage = false;
  /** Cells' process.on("SIGINT") listeners while the SIGINT thread owns SIGINT. */
  private readonly sigintListeners = new EventEmitter();

  constructor(
    private readonly link: InterruptLink,
    private readonly reportError: (e: unknown) => void,
  ) {}

  get state(): InterruptStateMain {
    return this.link.interrupts;
  }

  /** Takes over SIGINT for the process (the kernel's own process, not unit tests). */
  ownSigint(): void {
    if (!this.link.sigintThread) {
      process.on("SIGINT", () => this.note());
      return;
    }
    this.byMessage = true;
    this.link.onInterrupt = (seq) => this.note(seq);
    const restore = redirectSigintListeners(this.sigintListeners);
    this.link.onSigintThreadLost = () => {
      this.byMessage = false;
      this.link.onInterrupt = () => undefined;
      restore();
      process.on("SIGINT", () => this.note());
    };
  }

  /**
   * An interrupt reached the main thread's event loop: a SIGINT (its listener), or a message
   * from the io thread carrying the io thread's interrupt count after it (seq).
   */
  note(seq?: number): void {
    this.state.acknowledge();
    if (seq !== undefined && seq <= this.base) return;
    if (this.current !== null) this.current();
    else this.pending = true;
    if (seq !== undefined && this.sigintListeners.listenerCount("SIGINT") > 0) {
      try {
        // Not under a SIGINT watchdog (unlike timer callbacks): the interrupt's own SIGINT may
        // still be on its way and would stop the listener it is meant to call.
        this.sigintListeners.emit("SIGINT", "SIGINT");
      } catch (e) {
        this.reportError(e);
      }
    }
  }

  /** A timer callback was stopped by an interrupt (rule 5). */
  timerInterrupted(): void {
    this.state.timerStopped();
    if (!this.byMessage) this.note();
  }

  /** Execute request `arrival` starts being handled (undefined: not a shell execute). */
  startRequest(arrival: number | undefined): void {
    if (arrival !== undefined) this.state.start(arrival);
  }

  finishRequest(arrival: number | undefined): void {
    if (arrival !== undefined) this.state.finish(arrival);
  }

  /**
   * A cell starts: earlier interrupts do not concern it (rule 4), except one the io thread
   * marked for this very request. Returns the interrupt count to pass to stopBeforeRun.
   */
  startCell(arrival: number | undefined): { before: number; stop: boolean } {
    this.pending = false;
    const before = this.state.interrupts();
    this.base = before;
    return { before, stop: arrival !== undefined && this.state.targeted(arrival) };
  }

  /**
   * Whether the cell must stop before it runs: interrupted while it waited for start-up or
   * compiled. One sent as interrupt_request is counted by the io thread in shared memory; a
   * SIGINT from a frontend in signal mode is only seen by the event loop, so after a compile
   * long enough for a user to have pressed interrupt, one loop turn lets it be delivered
   * (node:vm would otherwise drop it when it re-arms its SIGINT handling to run the cell).
   */
  async stopBeforeRun(arrival: number | undefined, before: number, compileMs: number, turnAfterMs: number): Promise<boolean> {
    if (this.state.interrupts() !== before || (arrival !== undefined && this.state.targeted(arrival))) {
      // Let its SIGINT be handled here rather than during the next cell.
      await new Promise((r) => setImmediate(r));
      return true;
    }
    if (compileMs >= turnAfterMs) await new Promise((r) => setImmediate(r));
    return this.pending;
  }

  /** Runs fn so that an interrupt stops it (rule 6); null when one did. */
  stoppable<T>(fn: () => T): { value: T } | null {
    let stopped = false;
    const value = callInterruptibly(fn, undefined, [], () => {
      stopped = true;
      this.state.acknowledge();
    }) as T;
    return stopped ? null : { value };
  }

  /** The MemoryError for execute request `arrival` if the io thread stopped it for memory, else null. */
  memoryError(arrival: number | undefined, budget: number, heapLimit: number): Error | null {
    const mb = arrival === undefined ? 0 : this.state.overBudgetMb(arrival);
    if (mb === 0) return null;
    const e = new Error(
      this.state.overHeapLimit(arrival!)
        ? `JavaScript heap reached ${gb(mb * 2 ** 20)} of its ${gb(heapLimit)} limit and the cell was stopped; its own variables are released, earlier ones kept (gradlab install --max-heap SIZE raises the limit)`
        : `cell used ${gb(mb * 2 ** 20)} of the kernel's ${gb(budget)} budget and was stopped; its own variables are released, earlier ones kept (GRADLAB_MAX_MEMORY sets the budget)`,
    );
    e.name = "MemoryError";
    return e;
  }

  /** A synchronous run ended by the watchdog: the interrupt is handled. */
  runInterrupted(e: unknown): void {
    if ((e as { code?: unknown } | null)?.code === "ERR_SCRIPT_EXECUTION_INTERRUPTED") this.state.acknowledge();
  }

  /** Awaits a cell's promise; an interrupt abandons the wait with Interrupted (rule 2). */
  async awaitCell<T>(completion: PromiseLike<T>): Promise<T> {
    this.state.setRunning(true);
    try {
      return await new Promise<T>((resolve, reject) => {
        this.current = () => reject(interruptedError());
        completion.then(resolve, reject);
      });
    } finally {
      this.current = null;
      this.state.setRunning(false);
    }
  }

  /** Runs wait(resolve); an interrupt resolves it with `onInterrupt` instead. */
  async interruptible<T>(wait: (resolve: (v: T) => void) => void, onInterrupt: T): Promise<T> {
    try {
      return await new Promise<T>((resolve) => {
        this.current = () => resolve(onInterrupt);
        wait(resolve);
      });
    } finally {
      this.current = null;
    }
  }

  /** For tests: ends the current wait as an interrupt would. */
  get waiting(): boolean {
    return this.current !== null;
  }
}
