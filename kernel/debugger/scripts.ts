// The scripts V8 reports (Debugger.scriptParsed) and their source maps: a cell's (inline,
// naming the cell's debugger path), a local .ts module's (inline, from the import hook) and
// lib's (dist/**/*.js.map beside each file). Maps load when first needed. Positions here are
// V8's: 0-based lines and columns.
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeMappings } from "../compiler/source-map.js";

export interface Script {
  id: string;
  url: string;
  sourceMapURL: string;
  /** undefined: not loaded yet; null: none or unreadable. */
  map?: SourceMap | null;
}

export function sourceMap(path: string, content: string | undefined, mappings: string): SourceMap {
  return { path, content, lines: decodeMappings(mappings) };
}

export interface SourceMap {
  /** The original file (one per map: tsc, transpileModule and the cell compiler write one). */
  path: string;
  content: string | undefined;
  /** Per generated line: [generatedColumn, originalLine, originalColumn], sorted. */
  lines: Array<Array<[number, number, number]>>;
}

export interface Location { line: number; column: number } // 0-based

/** A script URL as a file path, or null (node: internals, eval'd code, a cell's bare name). */
export function filePath(url: string): string | null {
  if (url.startsWith("file://")) {
    try {
      return fileURLToPath(url.replace(/\?.*$/, ""));
    } catch {
      return null;
    }
  }
  return isAbsolute(url) ? url : null;
}

function readMap(script: Script): SourceMap | null {
  const url = script.sourceMapURL;
  let text: string;
  let base: string | null = filePath(script.url);
  if (url.startsWith("data:")) {
    const comma = url.indexOf(",");
    const body = url.slice(comma + 1);
    text = url.slice(0, comma).endsWith(";base64") ? Buffer.from(body, "base64").toString("utf8") : decodeURIComponent(body);
  } else {
    if (base === null) return null;
    const file = url.startsWith("file://") ? fileURLToPath(url) : resolve(dirname(base), url);
    text = readFileSync(file, "utf8");
    base = file;
  }
  const raw = JSON.parse(text) as { sources?: string[]; sourceRoot?: string; sourcesContent?: (string | null)[]; mappings?: string };
  const source = raw.sources?.[0];
  if (source === undefined || typeof raw.mappings !== "string") return null;
  const path = isAbsolute(source) ? source : source.startsWith("file://") ? fileURLToPath(source) : resolve(base === null ? "/" : dirname(base), raw.sourceRoot ?? "", source);
  return sourceMap(path, raw.sourcesContent?.[0] ?? undefined, raw.mappings);
}

export class Scripts {
  private readonly byId = new Map<string, Script>();
  /** Scripts whose map has been loaded, by original path. */
  private readonly bySource = new Map<string, Set<Script>>();

  add(id: string, url: string, sourceMapURL: string): Script {
    const s: Script = { id, url, sourceMapURL };
    this.byId.set(id, s);
    return s;
  }

  get(id: string): Script | undefined {
    return this.byId.get(id);
  }

  map(script: Script): SourceMap | null {
    if (script.map === undefined) {
      let map: SourceMap | null;
      try {
        map = script.sourceMapURL === "" ? null : readMap(script);
      } catch {
        map = null;
      }
      this.setMap(script, map);
    }
    return script.map!;
  }

  /** A map known otherwise (a cell that ran before the debugger attached carries none). */
  setMap(script: Script, map: SourceMap | null): void {
    script.map = map;
    if (map === null) return;
    let set = this.bySource.get(map.path);
    if (set === undefined) this.bySource.set(map.path, (set = new Set()));
    set.add(script);
  }

  /** The script V8 compiled from a file name (the latest, for a name used twice). */
  byUrl(url: string): Script | undefined {
    let found: Script | undefined;
    for (const s of this.byId.values()) if (s.url === url) found = s;
    return found;
  }

  /**
   * The scripts compiled from `path`. Besides those already mapped, scripts whose file name
   * matches (x.ts ← x.js) have their maps loaded, so a breakpoint in a lib file loaded long ago
   * finds it without reading every map.
   */
  fromSource(path: string): Script[] {
    const stem = path.replace(/^.*[\\/]/, "").replace(/\.[cm]?tsx?$/, "");
    for (const s of this.byId.values()) {
      if (s.map !== undefined || s.sourceMapURL === "") continue;
      const name = s.url.replace(/[?#].*$/, "").replace(/^.*\//, "");
      if (name.replace(/\.[cm]?[jt]sx?$/, "") === stem) this.map(s);
    }
    return [...(this.bySource.get(path) ?? [])];
  }

  /** Where a generated position comes from, or null when it maps to nothing. */
  original(script: Script, at: Location): { path: string; line: number; column: number } | null {
    const map = this.map(script);
    const segments = map?.lines[at.line];
    if (!map || !segments || segments.length === 0) return null;
    let best: [number, number, number] | undefined;
    for (const s of segments) {
      if (s[0] > at.column) break;
      best = s;
    }
    // Within a segment the text is copied verbatim (the cell compiler's splices), so the offset carries over.
    const delta = best !== undefined ? at.column - best[0] : 0;
    best ??= segments[0]!;
    return { path: map.path, line: best[1], column: best[2] + delta };
  }

  /**
   * The first generated position of an original line, or of the next line that has code (a
   * breakpoint on a blank line or a comment moves down, as debugpy's does).
   */
  generated(script: Script, line: number): { at: Location; line: number } | null {
    const map = this.map(script);
    if (!map) return null;
    let found: { at: Location; line: number } | null = null;
    map.lines.forEach((segments, genLine) => {
      for (const [genCol, srcLine] of segments) {
        if (srcLine < line) continue;
        if (found === null || srcLine < found.line || (srcLine === found.line && (genLine < found.at.line || (genLine === found.at.line && genCol < found.at.column)))) {
          found = { at: { line: genLine, column: genCol }, line: srcLine };
        }
      }
    });
    return found;
  }
}
