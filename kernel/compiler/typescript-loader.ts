// TypeScript is megabytes of JavaScript, slow to load, so it is loaded on first use
// (normally from CellCompiler.warmUp, in the background of kernel start) rather than when
// this module is imported. It goes through `require` so the kernel's V8 code cache
// (kernel/startup/code-cache.ts hooks the CommonJS loader) applies.
import { createRequire } from "node:module";
import type TS from "typescript";

export type TypeScript = typeof TS;

let loaded: TypeScript | undefined;

export function typescript(): TypeScript {
  if (!loaded) loaded = createRequire(import.meta.url)("typescript") as TypeScript;
  return loaded;
}
