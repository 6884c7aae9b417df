// Maps positions in a cell's generated JavaScript back to the cell's TypeScript, from the
// source map TypeScript emits (mappings only: one source, no names needed).

/** One generated line's segments: [generatedColumn, originalLine, originalColumn], 0-based, sorted. */
type LineSegments = Array<[number, number, number]>;

export interface Position { line: number; column: number } // 1-based

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64.length; i++) DIGIT[BASE64.charCodeAt(i)] = i;

/** Decodes a source map "mappings" string (Base64 VLQ, relative fields) into absolute segments per line. */
export function decodeMappings(mappings: string): LineSegments[] {
  const lines: LineSegments[] = [];
  let line: LineSegments = [];
  let genCol = 0, srcLine = 0, srcCol = 0;
  const fields: number[] = [];
  let i = 0;
  const flushSegment = () => {
    if (fields.length >= 4) {
      genCol += fields[0]!;
      srcLine += fields[2]!;
      srcCol += fields[3]!;
      line.push([genCol, srcLine, srcCol]);
    } else if (fields.length >= 1) {
      genCol += fields[0]!;
    }
    fields.length = 0;
  };
  while (i < mappings.length) {
    const c = mappings.charCodeAt(i);
    if (c === 59 /* ; */) { flushSegment(); lines.push(line); line = []; genCol = 0; i++; continue; }
    if (c === 44 /* , */) { flushSegment(); i++; continue; }
    let value = 0, shift = 0, digit: number;
    do {
      digit = DIGIT[mappings.charCodeAt(i++)] ?? -1;
      if (digit < 0) throw new Error(`source map: invalid base64 character at ${i - 1}`);
      value += (digit & 31) << shift;
      shift += 5;
    } while (digit & 32);
    fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
  }
  flushSegment();
  lines.push(line);
  for (const l of lines) l.sort((a, b) => a[0] - b[0]);
  return lines;
}

export class SourceMapper {
  private readonly lines: LineSegments[];
  constructor(mappings: string) { this.lines = decodeMappings(mappings); }

  /** Generated 1-based line/column → original 1-based line/column, or undefined when unmapped. */
  original(line: number, column: number): Position | undefined {
    const segments = this.lines[line - 1];
    if (!segments || segments.length === 0) return undefined;
    const col = column - 1;
    let best = segments[0]!;
    for (const s of segments) {
      if (s[0] > col) break;
      best = s;
    }
    // Within a segment the text is copied verbatim, so the offset carries over.
    const delta = best[0] <= col ? col - best[0] : 0;
    return { line: best[1] + 1, column: best[2] + 1 + delta };
  }
}

/** One signed number as a source map's base64 VLQ (shared by fast-emit.ts's incremental encoder). */
export function vlq(n: number): string {
  let v = n < 0 ? (-n << 1) | 1 : n << 1;
  let out = "";
  do {
    let digit = v & 31;
    v >>>= 5;
    if (v > 0) digit |= 32;
    out += BASE64[digit];
  } while (v > 0);
  return out;
}

/** Encodes absolute segments per generated line (one source) as a "mappings" string. */
export function encodeMappings(lines: readonly LineSegments[]): string {
  let srcLine = 0, srcCol = 0;
  return lines.map((segments) => {
    let genCol = 0;
    return segments.map(([g, l, c]) => {
      const seg = vlq(g - genCol) + "A" + vlq(l - srcLine) + vlq(c - srcCol);
      genCol = g; srcLine = l; srcCol = c;
      return seg;
    }).join(",");
  }).join(";");
}

/**
 * The same mappings with every original position on the cell's first line moved `delta` (< 0)
 * columns: for a cell compiled with `-delta` characters added in front of it. A segment that
 * starts inside the added text starts that much later instead (segments copy text verbatim).
 */
export function shiftFirstLine(mappings: string, delta: number): string {
  return encodeMappings(decodeMappings(mappings).map((segments) =>
    segments.map(([g, l, c]): [number, number, number] => {
      if (l !== 0) return [g, l, c];
      const moved = c + delta;
      return moved >= 0 ? [g, l, moved] : [g - moved, l, 0];
    })));
}

/**
 * A `file:line:col` location: the file is a whole token (starts the line or follows a space or
 * "(") of at most PATH_MAX characters. Both bounds keep matching linear in the line's length:
 * unbounded `[^\s()]+` retried at every position of a long token is quadratic (minutes on a
 * message of a few MB).
 */
const LOCATION = /(?<![^\s(])([^\s()]{1,4096}):(\d{1,9}):(\d{1,9})/g;
const FRAME = /^\s+at /;

/**
 * Rewrites `file:line:col` locations of known generated files in a stack trace's frames
 * (`    at …` lines) to the cells' own coordinates; the message lines are the user's text and
 * stay as they are. Frames of other files are left alone; frames of the generated wrapper
 * around a cell (no source position) are dropped.
 */
export function mapStackTrace(stack: string, mappers: ReadonlyMap<string, SourceMapper>): string {
  const out: string[] = [];
  for (const line of stack.split("\n")) {
    if (!FRAME.test(line)) {
      out.push(line);
      continue;
    }
    let unmapped = false;
    const mapped = line.replace(LOCATION, (whole, file: string, l: string, c: string) => {
      const mapper = mappers.get(file);
      if (!mapper) return whole;
      const pos = mapper.original(Number(l), Number(c));
      if (!pos) { unmapped = true; return whole; }
      return `${file}:${pos.line}:${pos.column}`;
    });
    if (!unmapped) out.push(mapped);
  }
  return out.join("\n");
}
