// Input (and text output) history, persisted across restarts as JSON lines in the user's
// Jupyter data directory (sqlite is not available). Each kernel start is a new session,
// numbered after the highest one already in the file.
//
// The file is opened once (append mode) and each cell costs one write(2) of one line, which
// the kernel does after the cell's reply and idle status are on their way. A small write costs
// little system time; an asynchronous fs.write would cost a thread-pool round trip of
// main-thread CPU and could lose the last lines when the kernel exits.
import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, statSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export interface HistoryEntry {
  session: number;
  line: number;
  input: string;
  output: string | null;
}

export type HistoryRow = [number, number, string] | [number, number, [string, string | null]];

export function defaultHistoryPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.JUPYTER_DATA_DIR ?? join(env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "jupyter");
  return join(base, "gradlab", "history.jsonl");
}

/** Glob as IPython's history search uses it (sqlite GLOB): * ? [set], whole string, case-sensitive. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === "*") re += "[\\s\\S]*";
    else if (ch === "?") re += "[\\s\\S]";
    else if (ch === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end < 0) re += "\\[";
      else {
        let set = glob.slice(i + 1, end);
        if (set.startsWith("^")) set = "\\^" + set.slice(1);
        re += `[${set.replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else re += ch.replace(/[.+^${}()|\\/\]]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** The highest session number in the file, from its tail (sessions only grow, but kernels may interleave). */
function lastSession(text: string): number {
  let max = 0;
  let end = text.length;
  for (let seen = 0; end > 0 && seen < 2000; seen++) {
    const start = text.lastIndexOf("\n", end - 1) + 1;
    const m = /^\{"s":(\d+)/.exec(text.slice(start, Math.min(end, start + 32)));
    if (m !== null) max = Math.max(max, Number(m[1]));
    end = start - 1;
  }
  return max;
}

/** Bytes [start, end) of the file open as `fd` (or, when null, at `path`), as text. */
function readRange(fd: number | null, path: string, start: number, end: number): string {
  const own = fd === null ? openSync(path, "r") : fd;
  try {
    const buf = Buffer.allocUnsafe(Math.max(0, end - start));
    let got = 0;
    while (got < buf.length) {
      const n = readSync(own, buf, got, buf.length - got, start + got);
      if (n === 0) break;
      got += n;
    }
    return buf.toString("utf8", 0, got);
  } finally {
    if (fd === null) closeSync(own);
  }
}

/**
 * Bytes of the file's end read at start for the last session number (lastSession looks at
 * its last lines); when they hold no whole line (one huge cell), the whole file is read.
 */
const TAIL_BYTES = 64 << 10;

/** The highest session number in bytes [0, size) of the file: from its tail, else from all of it. */
function lastSessionOf(fd: number | null, path: string, size: number): number {
  const found = lastSession(readRange(fd, path, Math.max(0, size - TAIL_BYTES), size));
  return found > 0 || size <= TAIL_BYTES ? found : lastSession(readRange(fd, path, 0, size));
}

/** A cell's input or output longer than this is stored cut, with a note of how much. */
export const MAX_HISTORY_TEXT = 1 << 20;
/** Past this size the file is moved to history.jsonl.1 at start (replacing an older one). */
export const MAX_HISTORY_FILE = 16 << 20;

function bounded(text: string): string {
  return text.length <= MAX_HISTORY_TEXT ? text : `${text.slice(0, MAX_HISTORY_TEXT)}… [${text.length - MAX_HISTORY_TEXT} more characters not kept in history]`;
}

export class HistoryStore {
  private parsed: HistoryEntry[] | null = null;
  /**
   * The file's length at start: the first query reads and parses those bytes, so a long
   * history costs neither start-up time nor memory until something asks for it (this
   * session's own lines are in `added`).
   */
  private startBytes = 0;
  private readonly added: HistoryEntry[] = [];
  readonly session: number;
  /** The history file, open for appending (and the first query's read); null when history is kept in memory only. */
  private fd: number | null = null;

  constructor(private readonly path: string | null = defaultHistoryPath()) {
    let sessionBefore = 0, last = 0;
    if (path !== null) {
      try {
        const size = statSync(path).size;
        if (size > MAX_HISTORY_FILE) {
          // Session numbers carry on from the rotated file's.
          sessionBefore = lastSessionOf(null, path, size);
          renameSync(path, `${path}.1`);
        }
      } catch {
        /* first run, or it cannot be moved: read what is there */
      }
      try {
        mkdirSync(dirname(path), { recursive: true });
        // read and append: a later query reads this file's first bytes through it, even if
        // another kernel has rotated it meanwhile
        this.fd = openSync(path, "a+");
      } catch {
        /* an unwritable history only loses history */
      }
      try {
        this.startBytes = this.fd !== null ? fstatSync(this.fd).size : statSync(path).size;
        last = lastSessionOf(this.fd, path, this.startBytes);
      } catch {
        /* first run */
      }
    }
    this.session = Math.max(sessionBefore, last) + 1;
    this.write({ s: this.session, start: new Date().toISOString() });
  }

  private get entries(): HistoryEntry[] {
    if (this.parsed === null) {
      const out: HistoryEntry[] = [];
      let raw = "";
      try {
        if (this.path !== null && this.startBytes > 0) raw = readRange(this.fd, this.path, 0, this.startBytes);
      } catch {
        /* gone since start: only this session's lines */
      }
      for (const line of raw.split("\n")) {
        if (line === "") continue;
        try {
          const o = JSON.parse(line) as { s?: unknown; n?: unknown; i?: unknown; o?: unknown };
          if (typeof o.s === "number" && typeof o.n === "number" && typeof o.i === "string") out.push({ session: o.s, line: o.n, input: o.i, output: typeof o.o === "string" ? o.o : null });
        } catch {
          /* a torn line from a crash: skip it */
        }
      }
      this.parsed = out;
    }
    return this.parsed.length === 0 ? this.added : this.added.length === 0 ? this.parsed : (this.parsed = [...this.parsed, ...this.added.splice(0)]);
  }

  private write(record: object): void {
    if (this.fd === null) return;
    // One write per line on an O_APPEND descriptor: lines of kernels sharing the file never
    // interleave mid-line.
    try {
      writeSync(this.fd, JSON.stringify(record) + "\n");
    } catch {
      /* a full disk only loses history */
    }
  }

  /** Closes the file (later appends are kept in memory only). */
  close(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
    this.fd = null;
  }

  append(line: number, input: string, output: string | null): void {
    input = bounded(input);
    output = output === null ? null : bounded(output);
    this.added.push({ session: this.session, line, input, output });
    this.write({ s: this.session, n: line, i: input, o: output });
  }

  private rows(entries: HistoryEntry[], output: boolean): HistoryRow[] {
    return entries.map((e) => (output ? [e.session, e.line, [e.input, e.output]] : [e.session, e.line, e.input]));
  }

  tail(n: number, output: boolean): HistoryRow[] {
    return this.rows(n > 0 ? this.entries.slice(-n) : [], output);
  }

  /** session <= 0 counts back from the current one; stop is exclusive (null/undefined: to the end). */
  range(session: number, start: number, stop: number | null | undefined, output: boolean): HistoryRow[] {
    const s = session <= 0 ? this.session + session : session;
    return this.rows(
      this.entries.filter((e) => e.session === s && e.line >= start && (stop === null || stop === undefined || stop <= 0 || e.line < stop)),
      output,
    );
  }

  /** The last n matches (all when n is absent), oldest first; unique keeps each input's latest run. */
  search(pattern: string, n: number | null | undefined, unique: boolean, output: boolean): HistoryRow[] {
    const re = globToRegExp(pattern);
    let hits = this.entries.filter((e) => re.test(e.input));
    if (unique) {
      const seen = new Set<string>();
      const kept: HistoryEntry[] = [];
      for (let i = hits.length - 1; i >= 0; i--) {
        if (seen.has(hits[i].input)) continue;
        seen.add(hits[i].input);
        kept.push(hits[i]);
      }
      hits = kept.reverse();
    }
    if (typeof n === "number" && n > 0) hits = hits.slice(-n);
    return this.rows(hits, output);
  }
}
