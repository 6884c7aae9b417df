// TypeScript diagnostics in the cell's own coordinates, and the Jupyter error they become.
import type TS from "typescript";
import { typescript } from "./typescript-loader.js";

export interface Diagnostic { line: number; column: number; message: string; code: number } // 1-based

/**
 * Converts diagnostics located in the checked file (whose first `cellLength` characters are
 * the cell text) to cell coordinates. Positions past the cell (in text the compiler appended)
 * are clamped to the cell's end.
 */
export function toCellDiagnostics(diags: readonly TS.Diagnostic[], cellText: string): Diagnostic[] {
  const ts = typescript();
  const lineStarts = computeLineStarts(cellText);
  return diags.map((d) => {
    const pos = Math.min(d.start ?? 0, cellText.length);
    const { line, column } = lineColumn(lineStarts, pos);
    return { line, column, message: ts.flattenDiagnosticMessageText(d.messageText, "\n"), code: d.code };
  });
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 /* \r */ && text.charCodeAt(i + 1) === 10) continue;
    if (c === 10 || c === 13) starts.push(i + 1);
  }
  return starts;
}

function lineColumn(starts: number[], pos: number): { line: number; column: number } {
  let lo = 0, hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= pos) lo = mid; else hi = mid - 1;
  }
  return { line: lo + 1, column: pos - starts[lo]! + 1 };
}

/**
 * Jupyter error fields for failed compilation: one traceback entry per error, with the line and
 * a caret. `file` names the file the positions are in when that is not the cell (a local module).
 */
export function compileError(ename: string, diags: readonly Diagnostic[], cellText: string, spans: readonly number[], file?: string):
  { ename: string; evalue: string; traceback: string[] } {
  const at = (d: Diagnostic): string => `${file === undefined ? "" : `${file}:`}${d.line}:${d.column}`;
  const lines = cellText.split(/\r\n|\r|\n/);
  const traceback: string[] = [];
  for (let i = 0; i < diags.length; i++) {
    const d = diags[i]!;
    const src = lines[d.line - 1] ?? "";
    const gutter = String(d.line).padStart(4) + " | ";
    const width = Math.max(1, Math.min(spans[i] ?? 1, src.length - d.column + 1));
    traceback.push(
      `${ename}: (${at(d)}) ${d.message} [TS${d.code}]\n` +
      `${gutter}${src}\n` +
      `${" ".repeat(gutter.length - 2)}| ${" ".repeat(d.column - 1)}${"^".repeat(width)}`,
    );
  }
  const first = diags[0];
  const more = diags.length > 1 ? ` (and ${diags.length - 1} more error${diags.length > 2 ? "s" : ""})` : "";
  const evalue = first ? `(${at(first)}) ${first.message}${more}` : "compilation failed";
  return { ename, evalue, traceback };
}

/** TS7016: "Could not find a declaration file for module …" (an error only under noImplicitAny). */
const UNTYPED_MODULE = 7016;

export function isUntypedModule(d: TS.Diagnostic): boolean { return d.code === UNTYPED_MODULE; }

/** TS7016 restated as a one-line warning: the module is typed as `any`, the cell runs. */
export function untypedModuleNote(d: TS.Diagnostic, text: string): TS.Diagnostic {
  const ts = typescript();
  const spec = d.start === undefined || d.length === undefined ? "this module" : text.slice(d.start, d.start + d.length);
  return { ...d, category: ts.DiagnosticCategory.Warning, messageText: `${spec} has no type declarations: it is typed as any (types come from a .d.ts in the package or an @types package)` };
}
