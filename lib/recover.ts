// State that a computation cut short can leave half-changed. An interrupt in a notebook
// terminates JavaScript without running `finally` blocks, so a call that changes state for
// its own length (grad mode inside `noGrad`, the wasm scratch arena, a pool op in flight)
// never changes it back. Each such module registers how to put its state right; `recover`
// runs them, latest first (the way `finally` blocks unwind: the pool settles before the
// arena it writes to is reset). The notebook kernel calls it when a cell ends (the prelude
// registers it); other hosts that stop computations from outside can call it too.

/** Why recovery runs: after "interrupt" any call may have been cut short. */
export type RecoverCause = "ok" | "error" | "interrupt";

const resets: ((cause: RecoverCause) => void)[] = [];

export function onRecover(reset: (cause: RecoverCause) => void): void {
  resets.push(reset);
}

/** Runs every reset (latest registered first); the first failure is thrown after all ran. */
export function recover(cause: RecoverCause = "interrupt"): void {
  let failure: unknown = null;
  for (let i = resets.length - 1; i >= 0; i--) {
    try {
      resets[i]!(cause);
    } catch (e) {
      failure ??= e;
    }
  }
  if (failure !== null) throw failure;
}

/**
 * A process-wide setting that calls change for their own length (`noGrad`, `detectAnomaly`)
 * and that `recover` puts back when such a call was cut short: to its value from before the
 * outermost call still open.
 */
export class ScopedSetting<T> {
  /** The value from before each `during` call still running, innermost last. */
  private readonly open: T[] = [];

  constructor(public value: T) {
    onRecover(() => {
      if (this.open.length === 0) return;
      this.value = this.open[0]!;
      this.open.length = 0;
    });
  }

  /** Runs fn with the setting at `value`, then puts back the one before. */
  during<R>(value: T, fn: () => R): R {
    this.open.push(this.value);
    this.value = value;
    try {
      return fn();
    } finally {
      this.value = this.open.pop()!;
    }
  }
}
