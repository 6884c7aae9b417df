// The io thread's half of interrupting: it decides, for each interrupt_request (or SIGINT
// reported by the SIGINT thread, or shutdown), what there is to stop and how.
//
// Rules (the main thread's half is main-side.ts, the shared state shared-state.ts):
// 1. A prompt() waiting for input is woken; it throws Interrupted. Nothing else is done.
// 2. Otherwise the interrupt is for the oldest execute request not finished yet, even one
//    the main thread has not started (it is busy starting up or compiling): it is marked
//    in shared memory, and the main thread stops it when it starts it or after its compile.
// 3. If a cell is running (or the main thread says it is busy), the main thread is told by
//    message (a cell awaiting something) and by SIGINT (node:vm's watchdog stops a run in
//    progress). If the interrupt is not acknowledged within the grace period while the cell's
//    asynchronous part runs (a loop after an await never returns to the event loop), the
//    main thread's JavaScript is terminated through the inspector.
// 4. With nothing to stop, a SIGINT is still sent once per grace period: a timer callback a
//    finished cell left looping runs under the watchdog (interruptible-timers.ts).
// 5. Shell and control are separate sockets: an interrupt sent right after an execute
//    request can arrive first. An execute request of the same session that arrives within
//    a second after it but was sent before it (header dates) is the one it was for, unless
//    the interrupt's SIGINT stopped a timer callback meanwhile (rule 4): that was what it
//    stopped, and a request sent in the same millisecond would be interrupted for nothing.
// A SIGINT nothing needs is delivered to the next run under a watchdog (the next cell, which
// would fail as "Interrupted" at once), so one is sent only when it has something to stop.
import type { MessagePort } from "node:worker_threads";
import type { InterruptStateIo } from "./shared-state.js";

/** How much a cell must have grown the process (besides crossing the budget) to be stopped for memory. */
const GROWTH_BYTES = 64 * 2 ** 20;

/**
 * A cell is stopped when the main thread's JavaScript heap passes its V8 limit less this
 * fraction: V8 aborts the whole process at the limit, and the stop (a SIGINT, or after the
 * grace period a termination) and the unwinding need room to run in. The limit counts the
 * young generation too, which the old generation cannot grow into. V8 also aborts after a few
 * full GCs in a row that leave the old generation above 80% of its maximum, so the mark
 * stays well below that while the samples below are taken (on a loaded machine they lag).
 */
const HEAP_HEADROOM_FRACTION = 0.4;
const HEAP_HEADROOM_MIN = 64 * 2 ** 20;
/**
 * Heap samples (one per check) that must all be above the mark. Checks come every 25 ms: a
 * cell allocating fast crosses from the mark to V8's give-up zone in a few hundred ms, and
 * with 100 ms checks a loaded machine sometimes lost that race (the process aborted).
 */
const HEAP_SAMPLES = 4;

/** How long the main thread has to handle an interrupt before its JavaScript is terminated. */
export const INTERRUPT_GRACE_MS = 300;

export interface IoInterruptDeps {
  state: InterruptStateIo;
  /** The SIGINT thread's port (sigint-thread.ts), when the kernel has one. */
  sigint: MessagePort | undefined;
  /** Wakes a prompt() waiting for input; true when one was waiting (rule 1). */
  cancelInput(): boolean;
  /** Whether the main thread is between a busy and an idle status. */
  mainBusy(): boolean;
  /** Told of every interrupt first (the debugger resumes a paused cell). */
  beforeInterrupt(): void;
  /** Tells the main thread of an interrupt for its cell (seq: the interrupt count after it). */
  notifyMain(seq: number): void;
  log(text: string): void;
}

export class IoInterrupts {
  /** The last SIGINT sent for a cell: a second interrupt within the grace period sends no other. */
  private lastSignal: { acks: number; at: number } | null = null;
  /** The last SIGINT sent with nothing running (kept apart: it must not delay a cell's). */
  private lastIdleSignal = -Infinity;
  /** Until the SIGINT thread is armed, a SIGINT would kill the process. */
  private armed = false;
  /** The execute request a SIGINT was owed to while the SIGINT thread was not armed yet. */
  private owed = 0;
  private session: import("node:inspector").Session | null = null;
  /** An interrupt that found nothing to stop (rule 5); id: its keepEarly number. */
  private early: { session: unknown; sentAt: number; until: number; id: number } | null = null;

  constructor(private readonly d: IoInterruptDeps) {
    d.sigint?.on("message", (m: { t: "armed" | "signal" }) => {
      if (m.t === "armed") {
        this.armed = true;
        // A first cell can start its loop before the SIGINT thread is up (start-up).
        if (this.owed !== 0 && this.d.state.started(this.owed)) process.kill(process.pid, "SIGINT");
        this.owed = 0;
      }
      // Our own SIGINT (an interrupt_request) reaches it when no run took it: already handled.
      else if (!this.ownSignal()) this.interrupt("signal");
    });
    d.sigint?.unref();
  }

  /**
   * Stops a running cell once the process's resident memory passes `budget` bytes, or the
   * main thread's JavaScript heap nears `heapLimit` (checked every intervalMs; the heap only
   * once the resident memory could hold that much): the cell fails with a MemoryError
   * (main-side.ts), the kernel lives.
   */
  watchMemory(budget: number, heapLimit: number, intervalMs = 25): void {
    let stopped = 0;
    const stop = (cell: number, bytes: number, heap: boolean): void => {
      if (cell === stopped) return;
      stopped = cell;
      this.d.log(heap
        ? `a cell's JavaScript heap reached ${Math.round(bytes / 2 ** 20)} MB of V8's ${Math.round(heapLimit / 2 ** 20)} MB limit: stopping it`
        : `a cell reached ${Math.round(bytes / 2 ** 20)} MB, over the memory budget of ${Math.round(budget / 2 ** 20)} MB: stopping it`);
      this.d.state.overBudget(cell, bytes, heap);
      this.interrupt("request");
    };
    const heapStop = heapLimit - Math.max(HEAP_HEADROOM_MIN, HEAP_HEADROOM_FRACTION * heapLimit);
    let asking = false;
    const heapSeen: number[] = [];
    let heapCell = 0;
    // A cell is stopped only while it grows: memory an earlier (stopped) cell left for the
    // garbage collector must not stop the next one.
    let watched = 0;
    let atStart = 0;
    setInterval(() => {
      const cell = this.d.state.oldestUnfinished();
      if (cell === 0 || cell === stopped || !this.d.state.started(cell)) return;
      const rss = process.memoryUsage.rss();
      if (cell !== watched) {
        watched = cell;
        atStart = rss;
      }
      if (rss > budget && rss >= atStart + GROWTH_BYTES) return stop(cell, rss, false);
      // The heap is part of the resident memory: it can only be near its limit if RSS is.
      if (asking || heapLimit <= 0 || rss < heapStop) return;
      asking = true;
      void this.mainHeapUsed()
        .then((used) => {
          if (cell !== heapCell) heapSeen.length = 0;
          heapCell = cell;
          heapSeen.push(used);
          if (heapSeen.length > HEAP_SAMPLES) heapSeen.shift();
          // Garbage is not growth: the heap must stay above the mark over several samples (a
          // GC in between brings garbage, an earlier cell's too, back down).
          const floor = Math.min(...heapSeen);
          if (heapSeen.length === HEAP_SAMPLES && floor > heapStop && this.d.state.oldestUnfinished() === cell) stop(cell, floor, true);
        })
        .catch((e) => this.d.log(`could not read the main thread's heap: ${e}`))
        .finally(() => (asking = false));
    }, intervalMs).unref();
  }

  /**
   * The main thread's heap use, through the inspector: the main thread answers between any
   * two JavaScript statements, also in a loop that never yields.
   */
  private async mainHeapUsed(): Promise<number> {
    const session = await this.mainSession();
    return new Promise((resolve, reject) =>
      session.post("Runtime.getHeapUsage", (err, r) => (err ? reject(err) : resolve((r as { usedSize: number }).usedSize))),
    );
  }

  /** An inspector session on the main thread (it stays open: connecting costs a round trip). */
  private async mainSession(): Promise<import("node:inspector").Session> {
    if (this.session === null) {
      const { Session } = await import("node:inspector");
      if (this.session === null) {
        const session = new Session();
        session.connectToMainThread();
        this.session = session;
      }
    }
    return this.session;
  }

  /** Counts an execute request forwarded to the main thread; returns its stamp. */
  arrive(header: { session?: unknown; date?: unknown }): number {
    const n = this.d.state.arrive();
    const e = this.early;
    // An interrupt that stopped a timer callback is spent. The main thread may record the
    // stop only after `n` arrived: target() passes e.id on, and the main thread, which runs
    // `n` only after that callback, checks it again (InterruptStateMain.targeted).
    if (e !== null && this.d.state.takenByTimer(e.id)) this.early = null;
    else if (e !== null && performance.now() < e.until && header.session === e.session && sentAt(header) <= e.sentAt) {
      this.early = null;
      this.d.state.target(n, e.id);
    }
    return n;
  }

  /** An interrupt_request (its header), shutdown, or a SIGINT from the frontend ("signal"). */
  interrupt(kind: "request" | "signal" = "request", header?: { session?: unknown; date?: unknown }): void {
    this.d.beforeInterrupt();
    const { state } = this.d;
    const acks = state.acks();
    if (this.d.cancelInput()) return;
    const oldest = state.oldestUnfinished();
    const busy = this.d.mainBusy();
    if (oldest === 0 && !busy) {
      // Counted before its SIGINT: a timer callback that SIGINT stops is seen to have taken it.
      if (header !== undefined) this.early = { session: header.session, sentAt: sentAt(header), until: performance.now() + 1000, id: state.keepEarly() };
      if (kind === "request" && performance.now() - this.lastIdleSignal >= INTERRUPT_GRACE_MS) {
        this.lastIdleSignal = performance.now();
        this.sendSigint();
      }
      return;
    }
    const seq = state.target(oldest);
    // Not started yet: the main thread stops it when it starts it (nothing to signal).
    if (oldest !== 0 && !state.started(oldest) && !busy) return;
    if (this.d.sigint !== undefined) this.d.notifyMain(seq);
    if (kind === "request" && !this.signal(acks)) return;
    void this.escalate(acks).catch((e) => this.d.log(`interrupt escalation failed: ${e}`));
  }

  private ownSignal(): boolean {
    const now = performance.now();
    return (this.lastSignal !== null && now - this.lastSignal.at < INTERRUPT_GRACE_MS) || now - this.lastIdleSignal < INTERRUPT_GRACE_MS;
  }

  /** Sends a SIGINT for a cell; false when one was sent just now for the same unhandled interrupt. */
  private signal(acks: number): boolean {
    // One signal per grace period for an interrupt the main thread has not handled: without
    // a SIGINT thread, a second SIGINT can land while node:vm has removed the SIGINT
    // listeners around a run and no watchdog is armed, and the default action kills the
    // kernel. Once it is acknowledged, a new interrupt (the next cell's) gets its own.
    const now = performance.now();
    if (this.lastSignal !== null && this.lastSignal.acks === acks && now - this.lastSignal.at < INTERRUPT_GRACE_MS) return false;
    this.lastSignal = { acks, at: now };
    if (this.d.sigint !== undefined && !this.armed) this.owed = this.d.state.oldestUnfinished();
    this.sendSigint();
    return true;
  }

  private sendSigint(): void {
    if (this.d.sigint === undefined || this.armed) process.kill(process.pid, "SIGINT");
  }

  /** After the grace period, terminates the main thread's JavaScript if the interrupt was not handled. */
  private async escalate(acksBefore: number): Promise<void> {
    await new Promise((r) => setTimeout(r, INTERRUPT_GRACE_MS));
    const { state } = this.d;
    if (state.acks() !== acksBefore || !state.running()) return;
    const session = await this.mainSession();
    this.d.log("interrupt not handled by the cell: terminating its JavaScript execution");
    session.post("Runtime.terminateExecution", (err) => {
      if (err) this.d.log(`Runtime.terminateExecution failed: ${err.message}`);
    });
  }
}

/** A header's date in ms (NaN when it has none: such a request is never taken for an earlier one). */
function sentAt(header: { date?: unknown }): number {
  return typeof header.date === "string" ? Date.parse(header.date) : Number.NaN;
}
