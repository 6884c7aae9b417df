// The nbformat 4 notebook shapes the runner reads and writes (only what it touches; unknown
// fields are carried through untouched).
import { readFileSync } from "node:fs";

export type MultilineString = string | string[];
export type MimeBundle = Record<string, unknown>;

export type Output =
  | { output_type: "stream"; name: "stdout" | "stderr"; text: MultilineString }
  | { output_type: "display_data"; data: MimeBundle; metadata: Record<string, unknown> }
  | { output_type: "execute_result"; data: MimeBundle; metadata: Record<string, unknown>; execution_count: number | null }
  | { output_type: "error"; ename: string; evalue: string; traceback: string[] };

export interface CodeCell {
  cell_type: "code";
  id?: string;
  metadata: Record<string, unknown>;
  source: MultilineString;
  outputs: Output[];
  execution_count: number | null;
}

export interface OtherCell {
  cell_type: "markdown" | "raw";
  id?: string;
  metadata: Record<string, unknown>;
  source: MultilineString;
  attachments?: Record<string, MimeBundle>;
}

export type Cell = CodeCell | OtherCell;

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown> & { kernelspec?: { name: string; display_name: string; language?: string } };
  cells: Cell[];
}

export function joinSource(s: MultilineString): string {
  return Array.isArray(s) ? s.join("") : s;
}

/** nbformat's on-disk multiline form: one string per line, each keeping its "\n". */
export function splitLines(text: string): string[] {
  const lines = text.split(/(?<=\n)/);
  return lines.length === 1 && lines[0] === "" ? [] : lines;
}

export function readNotebook(path: string): Notebook {
  let nb: Notebook;
  try {
    nb = JSON.parse(readFileSync(path, "utf8")) as Notebook;
  } catch (e) {
    throw new Error(`${path}: not a readable notebook (${(e as Error).message})`);
  }
  if (typeof nb !== "object" || nb === null || !Array.isArray(nb.cells)) throw new Error(`${path}: not a notebook (no "cells" array)`);
  if (nb.nbformat !== 4) throw new Error(`${path}: nbformat ${String(nb.nbformat)} is not supported (need 4)`);
  return nb;
}

/** Serialises like Jupyter does (1-space indent, trailing newline) so diffs stay small. */
export function formatNotebook(nb: Notebook): string {
  return JSON.stringify(nb, null, 1) + "\n";
}
