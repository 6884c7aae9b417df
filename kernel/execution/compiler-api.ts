// The cell compiler's interface as the kernel consumes it (implemented in kernel/compiler/).
// Kept here as a structural type so the kernel builds and runs with either the TypeScript
// compiler or the plain-JavaScript fallback below.
export interface CompilerConfig {
  cwd: string;
  /** Path of the prelude .d.ts whose exports are cell globals. */
  preludeTypes?: string;
  typeCheck: boolean;
}

/** 1-based, in the cell's own coordinates. */
export interface Diagnostic {
  line: number;
  column: number;
  message: string;
  code: number;
}

export type CompileResult =
  | { ok: true; js: string; filename: string; diagnostics: Diagnostic[]; mapStack(stack: string): string; /** Source map mappings of `js` onto the cell (the debugger attaches them while a frontend debugs). */ mappings?: string }
  | { ok: false; diagnostics: Diagnostic[]; ename: string; evalue: string; traceback: string[] };

export interface Completion {
  matches: string[];
  cursorStart: number;
  cursorEnd: number;
  metadata: Record<string, unknown>;
}

export interface CellCompilerLike {
  warmUp(): Promise<void>;
  setTypeCheck(on: boolean): void;
  compile(code: string, executionCount: number): CompileResult;
  commit(executionCount: number): void;
  /**
   * The kernel is about to run compiled cell `executionCount`: its commit is now certain, so
   * a compiler may take its declarations in at once and check a cell queued behind it.
   */
  running?(executionCount: number): void;
  complete(code: string, cursorPos: number): Completion;
  inspect(code: string, cursorPos: number, detailLevel: number): { found: boolean; data: Record<string, string> };
  isComplete(code: string): { status: "complete" | "incomplete" | "invalid" | "unknown"; indent?: string };
  /** A port on which the io thread passes on execute requests as they arrive (compile ahead). */
  attachSpeculation?(port: import("node:worker_threads").MessagePort): void;
}

export type CellCompilerConstructor = new (config: CompilerConfig) => CellCompilerLike;
