// When the cell compiler does its background work: the warm-up's later steps wait for a quiet
// compiler, the rest of a lazily loaded prelude loads in small steps between cells, and the
// documentation upgrade waits until the kernel is idle (no cell running, nothing asked). The compiler reports activity (touch)
// and says what each job does; this file owns the timers and the rules. Its timers are
// unref'd, so they never keep a process alive.

/** The warm-up's later steps wait for the compiler to be this quiet (ms). */
export const WARM_QUIET_MS = 100;
/** The prelude's background steps wait for the compiler to be this quiet (ms). */
export const PRELUDE_QUIET_MS = 20;
/** The documentation upgrade waits for the kernel to be this idle (ms). */
export const IDLE_MS = 1000;

export class IdleWork {
  private lastActivity = 0;
  /** A compiled cell is running on the main thread (between its compile and its commit). */
  private running = false;
  private stepTimer: ReturnType<typeof setTimeout> | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;

  /** A cell was compiled, committed or completed: background work waits a while longer. */
  touch(): void {
    this.lastActivity = performance.now();
  }

  /**
   * A compiled cell starts (true) or has finished (false) running. While it runs the kernel is
   * busy however quiet the compiler is: a cell's CPU time (a training loop next to its worker
   * pool) is what idle-time work must not take.
   */
  cellRunning(on: boolean): void {
    this.running = on;
    this.touch();
  }

  private sinceActivity(): number {
    return performance.now() - this.lastActivity;
  }

  /**
   * Waits at least `ms`, until nothing has touched the compiler for `ms` and no cell is
   * running. (Not unref'd: whoever awaits gets an answer.)
   */
  async quiet(ms: number): Promise<void> {
    for (let left = ms; left > 0; left = this.running ? ms : ms - this.sinceActivity()) {
      await new Promise<void>((r) => setTimeout(r, left));
    }
  }

  /**
   * Runs `step` whenever the compiler has been quiet for PRELUDE_QUIET_MS (a cell arriving
   * meanwhile waits for one step at most) until `done()`; then `then()`. A failing step ends
   * the job: what it would have loaded, cells load themselves.
   */
  inSteps(done: () => boolean, step: () => void, then: () => void): void {
    if (this.stepTimer || done()) return;
    const tick = (): void => {
      this.stepTimer = undefined;
      if (done()) return;
      const quiet = this.sinceActivity();
      if (quiet < PRELUDE_QUIET_MS || this.running) {
        this.stepTimer = setTimeout(tick, this.running ? PRELUDE_QUIET_MS : PRELUDE_QUIET_MS - quiet).unref();
        return;
      }
      try {
        step();
      } catch {
        return;
      }
      if (done()) then();
      else this.stepTimer = setTimeout(tick, 0).unref();
    };
    this.stepTimer = setTimeout(tick, 0).unref();
  }

  /**
   * Runs `job` once the kernel has been idle for IDLE_MS (no cell running and the compiler
   * untouched), if `pending()` still says so then.
   * A failure is swallowed: the job is a convenience and must not end the thread from a timer.
   */
  whenIdle(pending: () => boolean, job: () => void): void {
    if (this.idleTimer || !pending()) return;
    const tick = (): void => {
      this.idleTimer = undefined;
      if (!pending()) return;
      if (this.running || this.sinceActivity() < IDLE_MS) {
        this.idleTimer = setTimeout(tick, IDLE_MS).unref();
        return;
      }
      try {
        job();
      } catch {
        /* see above */
      }
    };
    this.idleTimer = setTimeout(tick, IDLE_MS).unref();
  }
}
