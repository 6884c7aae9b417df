// The ambient types a cell is checked against besides the prelude: the ECMAScript library and,
// once a cell needs them, Node's types. Both are cheap to carry only if they are few files:
// every cell builds a new program (whose cost grows with the number of files) and a new
// checker (whose cost grows with the number of global declarations).
import { existsSync, readFileSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import path from "node:path";
import { typescript } from "./typescript-loader.js";

/**
 * The text of lib.es2023.d.ts with everything it references, in reference order, as ONE file
 * (used with `noLib`): the many files of the ES library become one.
 */
export function bundledLib(): string {
  const ts = typescript();
  const dir = path.dirname(ts.getDefaultLibFilePath({ target: ts.ScriptTarget.ES2022 }));
  const seen = new Set<string>();
  const parts: string[] = [];
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const text = readFileSync(path.join(dir, `lib.${name}.d.ts`), "utf8");
    for (const m of text.matchAll(/^\/\/\/\s*<reference\s+lib="([^"]+)"\s*\/>/gm)) visit(m[1]!.toLowerCase());
    parts.push(text.replace(/^\/\/\/\s*<reference\s+(lib|no-default-lib)=.*$/gm, ""));
  };
  visit("es2023");
  return parts.join("\n");
}

export interface NodeTypes { file: string; text: string }

/**
 * @types/node's index without its `/// <reference lib="es2020" />` (which would pull in a
 * second copy of the ES library), placed beside the real index so its relative references
 * resolve. Undefined when @types/node is not installed.
 */
export function nodeTypes(): NodeTypes | undefined {
  try {
    const dir = path.dirname(createRequire(import.meta.url).resolve("@types/node/package.json"));
    const index = path.join(dir, "index.d.ts");
    if (!existsSync(index)) return undefined;
    const text = readFileSync(index, "utf8").replace(/^\/\/\/\s*<reference\s+lib=.*$/gm, "");
    return { file: path.join(dir, "__gradlab_node_types__.d.ts"), text };
  } catch {
    return undefined;
  }
}

const NODE_GLOBALS = [
  // Not `module` or `global`: common variable names in a deep-learning notebook.
  "process", "Buffer", "__dirname", "__filename", "require", "NodeJS", "setImmediate",
  "clearImmediate", "structuredClone", "fetch", "TextEncoder", "TextDecoder", "URL", "URLSearchParams",
  "performance", "AbortController", "AbortSignal", "Blob", "EventTarget", "Event", "WebAssembly", "atob", "btoa",
  "crypto", "MessageChannel", "MessagePort", "BroadcastChannel", "Response", "Request", "Headers", "FormData",
  "ReadableStream", "WritableStream", "TransformStream", "DOMException", "SharedArrayBuffer",
];
const builtins = builtinModules.filter((m) => !m.startsWith("_")).map((m) => m.replace(/[/]/g, "\\/")).join("|");
const NEEDS_NODE = new RegExp(
  `["']node:|["'](?:${builtins})(?:\\/[\\w/]*)?["']|\\b(?:${NODE_GLOBALS.join("|")})\\b`,
);

/**
 * Whether a cell refers to Node's modules or globals. (The prelude's declarations are not
 * scanned: where they mention a Node type without importing it, that type is `any` to cells.)
 */
export function needsNodeTypes(code: string): boolean {
  return NEEDS_NODE.test(code);
}
