// The TypeScript cell compiler (see cell-compiler.ts for how cells are checked and run).
export { CellCompiler, type CompilerConfig, type CompileResult, type Diagnostic } from "./cell-compiler.js";
export type { Completion, Inspection } from "./completion.js";
export type { IsCompleteResult } from "./is-complete.js";
export { transpileLocalModule } from "./transpile-local-module.js";
export { IMPORT_FUNCTION } from "./runtime-transform.js";
export { ThreadedCellCompiler } from "./threaded-compiler.js";
