// The interrupt state both threads read and write without waiting for each other (shared
// memory: the main thread may be blocked in a cell, the io thread must still decide).
//
// - ARRIVED / STARTED / FINISHED number the shell execute requests: the io thread counts
//   each one it forwards, the main thread records the one it starts and the last it
//   finished. So the io thread knows whether a cell is owed an interrupt even before the
//   main thread has taken it up (start-up, a queue behind a long compile), and which one.
// - TARGET is the execute request the last interrupt was for: the oldest unfinished one.
//   The main thread checks it when it starts a request and after compiling it.
// - INTERRUPTS counts interrupts the io thread sent for a cell; the main thread compares it
//   before and after a compile (a SIGINT is only seen by the event loop).
// - RUNNING is set while the main thread awaits a cell's asynchronous part, ACKS counts the
//   interrupts the main thread handled: an interrupt not handled within the grace period
//   while RUNNING is escalated (io-side.ts).
// - EARLY counts interrupts the io thread kept for a request still to come (io-side.ts rule
//   5); TARGET_EARLY is the EARLY number TARGET was set from, 0 for one sent for a request
//   already there. TIMER_STOP is EARLY as the main thread read it when it last stopped a
//   timer callback: that callback took those interrupts, so they are no request's.
const RUNNING = 0;
const ACKS = 1;
const INTERRUPTS = 2;
const ARRIVED = 3;
const STARTED = 4;
const FINISHED = 5;
const TARGET = 6;
/** The execute request stopped for crossing the memory budget, and the MB it had reached. */
const OVER_BUDGET = 7;
const OVER_BUDGET_MB = 8;
/** 1 when that stop was for the JavaScript heap nearing V8's limit, 0 for the resident budget. */
const OVER_BUDGET_HEAP = 9;
const EARLY = 10;
const TARGET_EARLY = 11;
const TIMER_STOP = 12;
const WORDS = 13;

export function createInterruptState(): SharedArrayBuffer {
  return new SharedArrayBuffer(WORDS * 4);
}

/** The main thread's view. */
export class InterruptStateMain {
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
  /** How many interrupts the io thread has sent for cells (ever). */
  interrupts(): number {
    return Atomics.load(this.s, INTERRUPTS);
  }
  /** Execute request number `arrival` (its stamp from the io thread) starts. */
  start(arrival: number): void {
    Atomics.store(this.s, STARTED, arrival);
  }
  finish(arrival: number): void {
    Atomics.store(this.s, FINISHED, arrival);
  }
  /** The MB the process had reached when execute request `arrival` was stopped for memory, or 0. */
  overBudgetMb(arrival: number): number {
    return Atomics.load(this.s, OVER_BUDGET) === arrival ? Atomics.load(this.s, OVER_BUDGET_MB) : 0;
  }
  /** Whether execute request `arrival` was stopped for its JavaScript heap (not resident memory). */
  overHeapLimit(arrival: number): boolean {
    return Atomics.load(this.s, OVER_BUDGET) === arrival && Atomics.load(this.s, OVER_BUDGET_HEAP) === 1;
  }
  /**
   * Whether an interrupt was sent for execute request `arrival`. One kept while idle is not
   * if a timer callback was stopped since: the io thread may have handed it on before this
   * thread recorded the stop, but this thread runs the request only after the stop.
   */
  targeted(arrival: number): boolean {
    if (Atomics.load(this.s, TARGET) !== arrival) return false;
    const early = Atomics.load(this.s, TARGET_EARLY);
    return early === 0 || early > Atomics.load(this.s, TIMER_STOP);
  }
  /** A timer callback was stopped by an interrupt: the ones kept while idle so far were for it. */
  timerStopped(): void {
    Atomics.store(this.s, TIMER_STOP, Atomics.load(this.s, EARLY));
  }
}

/** The io thread's view. */
export class InterruptStateIo {
  private readonly s: Int32Array;
  constructor(buffer: SharedArrayBuffer) {
    this.s = new Int32Array(buffer);
  }
  acks(): number {
    return Atomics.load(this.s, ACKS);
  }
  running(): boolean {
    return Atomics.load(this.s, RUNNING) === 1;
  }
  /** Stamps a forwarded execute request; returns its number. */
  arrive(): number {
    return Atomics.add(this.s, ARRIVED, 1) + 1;
  }
  /** The oldest execute request not finished yet, or 0 when there is none. */
  oldestUnfinished(): number {
    const finished = Atomics.load(this.s, FINISHED);
    return Atomics.load(this.s, ARRIVED) > finished ? finished + 1 : 0;
  }
  /** Whether the main thread has started execute request `arrival` (and not finished it). */
  started(arrival: number): boolean {
    return Atomics.load(this.s, STARTED) === arrival && Atomics.load(this.s, FINISHED) < arrival;
  }
  /** Records that `arrival` is stopped for crossing the memory budget (or nearing the heap limit) at `bytes`. */
  overBudget(arrival: number, bytes: number, heap = false): void {
    Atomics.store(this.s, OVER_BUDGET_MB, Math.max(1, Math.round(bytes / 2 ** 20)));
    Atomics.store(this.s, OVER_BUDGET_HEAP, heap ? 1 : 0);
    Atomics.store(this.s, OVER_BUDGET, arrival);
  }
  /** Counts an interrupt kept for a request still to come; returns its EARLY number. */
  keepEarly(): number {
    return Atomics.add(this.s, EARLY, 1) + 1;
  }
  /** Whether the main thread has stopped a timer callback since interrupt `early` (keepEarly) was kept. */
  takenByTimer(early: number): boolean {
    return early <= Atomics.load(this.s, TIMER_STOP);
  }
  /**
   * Marks `arrival` as interrupted and counts the interrupt; returns the new count. `early`:
   * the keepEarly number of the interrupt when it was kept for a request still to come.
   */
  target(arrival: number, early = 0): number {
    if (arrival > 0) {
      // TARGET_EARLY first: the main thread reads TARGET, then TARGET_EARLY, so it never
      // pairs a new TARGET with the previous one's TARGET_EARLY.
      Atomics.store(this.s, TARGET_EARLY, early);
      Atomics.store(this.s, TARGET, arrival);
    }
    return Atomics.add(this.s, INTERRUPTS, 1) + 1;
  }
}
