export { CellCompiler, type CompilerConfig, type CompileResult, type Diagnostic } from "./cell-compiler.js";
export { transpileLocalModule } from "./transpile-local-module.js";
export { IMPORT_FUNCTION } from "./runtime-transform.js";
