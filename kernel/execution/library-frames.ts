// Stack frames inside gradlab's own compiled library (dist/lib, dist/visualizers) rewritten
// to the TypeScript source positions, through the .js.map files tsc writes beside them: a
// traceback then names lib/ops/matmul.ts:42 rather than dist/lib/ops/matmul.js:37.
import { readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const DIST = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

const maps = new Map<string, SourceMap | null>();

function mapFor(js: string): SourceMap | null {
  let m = maps.get(js);
  if (m === undefined) {
    try {
      m = new SourceMap(JSON.parse(readFileSync(`${js}.map`, "utf8")));
    } catch {
      m = null; // no map (or unreadable): the frame stays as it is
    }
    maps.set(js, m);
  }
  return m;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const FRAME = new RegExp(`(?:file://)?(${escapeRegExp(DIST)}/(?:lib|visualizers)/[^\\s():]+\\.js):(\\d+):(\\d+)`, "g");

/** One position in a compiled library file → its TypeScript source, or null when the map has none. */
export function sourcePosition(js: string, line: number, column: number): string | null {
  const map = mapFor(js);
  const e = map?.findEntry(line - 1, column - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number } | undefined;
  if (!e?.originalSource || e.originalLine === undefined || e.originalColumn === undefined) return null;
  const src = e.originalSource.startsWith("file://") ? fileURLToPath(e.originalSource) : isAbsolute(e.originalSource) ? e.originalSource : resolve(dirname(js), e.originalSource);
  return `${src}:${e.originalLine + 1}:${e.originalColumn + 1}`;
}

/** Rewrites every dist/lib and dist/visualizers position in `frames`; others are left alone. */
export function mapLibraryFrames(frames: string): string {
  if (!frames.includes(join(DIST, "lib")) && !frames.includes(join(DIST, "visualizers"))) return frames;
  return frames.replace(FRAME, (whole, js: string, line: string, col: string) => sourcePosition(js, Number(line), Number(col)) ?? whole);
}
