// Module loader hooks (registered with module.register on the first local .ts import): let
// `./util.js` find `./util.ts` as TypeScript's NodeNext convention expects, and transpile
// .ts/.mts files to JavaScript. Runs on Node's loader thread; TypeScript loads there lazily.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

type Next<A extends unknown[], R> = (...args: A) => Promise<R>;
interface ResolveResult { url: string; format?: string | null; shortCircuit?: boolean }
interface LoadResult { format: string; source?: string | ArrayBuffer | Uint8Array | null; shortCircuit?: boolean }

const TS = /\.(ts|mts|cts|tsx)(\?.*)?$/;

export async function resolve(specifier: string, context: { parentURL?: string }, next: Next<[string, { parentURL?: string }], ResolveResult>): Promise<ResolveResult> {
  const parent = context.parentURL;
  if (parent !== undefined && TS.test(parent) && specifier.startsWith(".") && /\.m?js$/.test(specifier)) {
    const tsUrl = new URL(specifier.replace(/\.js$/, ".ts").replace(/\.mjs$/, ".mts"), parent);
    if (!existsSync(fileURLToPath(new URL(specifier, parent))) && existsSync(fileURLToPath(tsUrl))) return { url: tsUrl.href, shortCircuit: true };
  }
  return next(specifier, context);
}

let ts: typeof import("typescript") | null = null;

export async function load(url: string, context: { format?: string | null }, next: Next<[string, { format?: string | null }], LoadResult>): Promise<LoadResult> {
  if (!TS.test(url) || !url.startsWith("file:")) return next(url, context);
  ts ??= createRequire(import.meta.url)("typescript") as typeof import("typescript");
  const { readFile } = await import("node:fs/promises");
  const file = fileURLToPath(url.replace(/\?.*$/, ""));
  const source = await readFile(file, "utf8");
  const out = ts.transpileModule(source, {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false, inlineSourceMap: true, inlineSources: true, esModuleInterop: true },
  });
  return { format: "module", source: out.outputText, shortCircuit: true };
}
