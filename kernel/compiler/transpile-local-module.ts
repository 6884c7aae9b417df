// Local `.ts` files next to a notebook are imported as ES modules: strip types, keep imports.
import { typescript } from "./typescript-loader.js";

export function transpileLocalModule(source: string, fileName: string): string {
  const ts = typescript();
  const out = ts.transpileModule(source, {
    fileName,
    reportDiagnostics: true,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleDetection: ts.ModuleDetectionKind.Force,
      esModuleInterop: true,
      // Specifiers stay as written: the executor's loader resolves `./util.ts` and `./util.js`.
      inlineSourceMap: true,
      inlineSources: true,
    },
  });
  const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    const d = errors[0]!;
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    const loc = where ? `:${where.line + 1}:${where.character + 1}` : "";
    throw new SyntaxError(`${fileName}${loc}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
  }
  return out.outputText;
}
