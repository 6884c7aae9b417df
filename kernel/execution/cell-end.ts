// Libraries' "cell ended" resets. An interrupt stops a cell by terminating its JavaScript,
// which skips every `finally` block on the way out: state a library changes only for the
// length of a call (grad mode inside `noGrad`, a scratch arena in use) stays changed. The
// kernel knows nothing about that state; a library loaded with the kernel (the prelude)
// registers a reset under CELL_END on the process global, and the kernel calls every reset
// when a cell ends, however it ends, and after an interrupt stops a timer callback.
export const CELL_END = Symbol.for("gradlab.onCellEnd");

/** Why a cell ended: "interrupt" may have cut any call short; "error" and "ok" ran their finally blocks. */
export type CellEndCause = "ok" | "error" | "interrupt";
export type CellEndHook = (cause: CellEndCause) => void;
/** What a library finds at globalThis[CELL_END]: registers a reset, returns its removal. */
export type RegisterCellEnd = (hook: CellEndHook) => () => void;

export class CellEndHooks {
  private readonly hooks = new Set<CellEndHook>();

  constructor(private readonly report: (e: unknown) => void) {}

  readonly register: RegisterCellEnd = (hook) => {
    if (typeof hook !== "function") throw new TypeError("onCellEnd: expected a function");
    this.hooks.add(hook);
    return () => void this.hooks.delete(hook);
  };

  /** Puts it on the process global, where libraries of the kernel's realm look for it. */
  install(): void {
    (globalThis as Record<symbol, unknown>)[CELL_END] = this.register;
  }

  run(cause: CellEndCause): void {
    for (const hook of [...this.hooks]) {
      try {
        hook(cause);
      } catch (e) {
        this.report(e);
      }
    }
  }
}
