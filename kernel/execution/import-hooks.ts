// Module loader hooks, registered with module.register on the first import of a local file or
// a notebook package (importer.ts). They run on Node's loader thread and:
// - resolve `gradlab` and `gradlab/…` from anywhere (a local helper, a package in the notebook's
//   node_modules) to the kernel's own package, so every module shares the cells' library
//   instance (one Tensor class, one grad mode, one worker pool);
// - resolve the modules the kernel provides (provided-modules.ts: `tslab`) to its shims;
// - let `./util.js` find `./util.ts`, as TypeScript's NodeNext convention expects, and
//   transpile .ts/.mts files to JavaScript (TypeScript loads lazily, here), with their imports
//   of CommonJS packages taken from `module.exports` (commonJsImports), as a cell's are.
import { existsSync } from "node:fs";
import { createRequire, isBuiltin } from "node:module";
import { fileURLToPath } from "node:url";
import type TS from "typescript";
import { isCommonJs } from "./module-format.js";

type Next<A extends unknown[], R> = (...args: A) => Promise<R>;
interface ResolveContext { parentURL?: string; conditions?: string[] }
interface ResolveResult { url: string; format?: string | null; shortCircuit?: boolean }
interface LoadResult { format: string; source?: string | ArrayBuffer | Uint8Array | null; shortCircuit?: boolean }

/** What the kernel passes to module.register. */
export interface ImportHooksData {
  /** file: URL of the kernel's package.json: `gradlab` resolves as a self-reference from there. */
  gradlabPackageJson: string;
  /** Bare specifiers the kernel provides, to file: URLs of their modules. */
  provided: Record<string, string>;
}

let data: ImportHooksData | undefined;

export function initialize(d: ImportHooksData): void {
  data = d;
}

const TS_FILE = /\.(ts|mts|cts|tsx)(\?.*)?$/;

export async function resolve(specifier: string, context: ResolveContext, next: Next<[string, ResolveContext], ResolveResult>): Promise<ResolveResult> {
  if (data !== undefined) {
    const provided = data.provided[specifier];
    if (provided !== undefined) return { url: provided, format: "module", shortCircuit: true };
    if (specifier === "gradlab" || specifier.startsWith("gradlab/")) return next(specifier, { ...context, parentURL: data.gradlabPackageJson });
  }
  const parent = context.parentURL;
  if (parent !== undefined && TS_FILE.test(parent) && specifier.startsWith(".") && /\.m?js$/.test(specifier)) {
    const tsUrl = new URL(specifier.replace(/\.js$/, ".ts").replace(/\.mjs$/, ".mts"), parent);
    if (!existsSync(fileURLToPath(new URL(specifier, parent))) && existsSync(fileURLToPath(tsUrl))) return { url: tsUrl.href, shortCircuit: true };
  }
  return next(specifier, context);
}

let ts: typeof import("typescript") | null = null;

export async function load(url: string, context: { format?: string | null }, next: Next<[string, { format?: string | null }], LoadResult>): Promise<LoadResult> {
  if (!TS_FILE.test(url) || !url.startsWith("file:")) return next(url, context);
  ts ??= createRequire(import.meta.url)("typescript") as typeof import("typescript");
  const typescript = ts;
  const { readFile } = await import("node:fs/promises");
  const file = fileURLToPath(url.replace(/\?.*$/, ""));
  const source = await readFile(file, "utf8");
  const out = typescript.transpileModule(source, {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false, inlineSourceMap: true, inlineSources: true, esModuleInterop: true },
    transformers: { before: [commonJsImports(typescript, file)] },
  });
  // transpileModule reports syntax errors only (no type checking); the JavaScript it still
  // emits for a broken file would fail later with a message that names neither file nor line.
  const first = out.diagnostics?.find((d) => d.category === typescript.DiagnosticCategory.Error);
  if (first !== undefined) {
    const where = first.file !== undefined && first.start !== undefined ? first.file.getLineAndCharacterOfPosition(first.start) : null;
    const at = where === null ? file : `${file}:${where.line + 1}:${where.character + 1}`;
    const more = out.diagnostics!.length > 1 ? ` (and ${out.diagnostics!.length - 1} more)` : "";
    throw new SyntaxError(`${at}: ${typescript.flattenDiagnosticMessageText(first.messageText, "\n")} [TS${first.code}]${more}`);
  }
  return { format: "module", source: out.outputText, shortCircuit: true };
}

/**
 * Named and namespace imports of a CommonJS package read `module.exports`
 * (`import { chunk } from "cjs"` → `import m from "cjs"; const { chunk } = m;`): Node's own
 * named exports for CommonJS are only what its source scan finds, and TypeScript checked the
 * file as if they were all there. (CommonJS exports are not live bindings anyway.)
 */
function commonJsImports(ts: typeof TS, file: string): TS.TransformerFactory<TS.SourceFile> {
  const require = createRequire(file);
  const isCommonJsPackage = (spec: string): boolean => {
    if (spec.startsWith(".") || spec.startsWith("/") || spec.includes(":") || isBuiltin(spec) || spec === "gradlab" || spec.startsWith("gradlab/")) return false;
    try {
      return isCommonJs(require.resolve(spec));
    } catch {
      return false; // not resolvable for require (ESM-only, or missing): Node's own import decides
    }
  };
  return (context) => (sf) => {
    const f = context.factory;
    let n = 0;
    const statements = sf.statements.flatMap((st): TS.Statement[] => {
      const clause = ts.isImportDeclaration(st) ? st.importClause : undefined;
      const bindings = clause?.namedBindings;
      if (!clause || clause.isTypeOnly || !bindings || !ts.isStringLiteral((st as TS.ImportDeclaration).moduleSpecifier)) return [st];
      const spec = ((st as TS.ImportDeclaration).moduleSpecifier as TS.StringLiteral).text;
      if (!isCommonJsPackage(spec)) return [st];
      const exports = f.createUniqueName(`__gradlab_cjs_${n++}`);
      const binding = ts.isNamespaceImport(bindings)
        ? f.createIdentifier(bindings.name.text)
        : f.createObjectBindingPattern(bindings.elements.filter((el) => !el.isTypeOnly).map((el) => f.createBindingElement(undefined, el.propertyName && ts.isIdentifier(el.propertyName) ? el.propertyName.text : undefined, el.name.text)));
      // A namespace import keeps `default` beside the exports' own properties.
      const value = ts.isNamespaceImport(bindings)
        ? f.createObjectLiteralExpression([f.createSpreadAssignment(exports), f.createPropertyAssignment("default", exports)])
        : exports;
      const out: TS.Statement[] = [
        f.createImportDeclaration(undefined, f.createImportClause(false, exports, undefined), f.createStringLiteral(spec)),
        f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(binding, undefined, undefined, value)], ts.NodeFlags.Const)),
      ];
      if (clause.name) out.push(f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(clause.name.text, undefined, undefined, exports)], ts.NodeFlags.Const)));
      return out.map((s) => ts.setTextRange(s, st));
    });
    return f.updateSourceFile(sf, statements);
  };
}
