// Jupyter's is_complete: may the frontend run the cell when the user presses Enter, or is
// the user still typing (an open bracket, string, template or comment at the end)?
import { typescript } from "./typescript-loader.js";

export interface IsCompleteResult { status: "complete" | "incomplete" | "invalid" | "unknown"; indent?: string }

export function isComplete(code: string): IsCompleteResult {
  const ts = typescript();
  if (code.trim() === "") return { status: "complete" };
  const sf = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const errors = (sf as unknown as { parseDiagnostics: Array<{ start: number }> }).parseDiagnostics;
  if (errors.length === 0) return { status: "complete" };
  // Errors only where the text runs out mean the cell is unfinished; one earlier is a mistake.
  const end = code.trimEnd().length;
  if (errors.every((d) => d.start >= end)) return { status: "incomplete", indent: "  ".repeat(openDepth(code)) };
  return { status: "invalid" };
}

/** How many brackets (and template substitutions) are open at the end of `code`. */
function openDepth(code: string): number {
  const ts = typescript();
  const K = ts.SyntaxKind;
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, code);
  const stack: Array<"bracket" | "template"> = [];
  for (let t = scanner.scan(); t !== K.EndOfFileToken; t = scanner.scan()) {
    if (t === K.OpenBraceToken || t === K.OpenParenToken || t === K.OpenBracketToken) stack.push("bracket");
    else if (t === K.TemplateHead) stack.push("template");
    else if (t === K.CloseBraceToken && stack[stack.length - 1] === "template") {
      if (scanner.reScanTemplateToken(false) === K.TemplateTail) stack.pop();
    } else if (t === K.CloseBraceToken || t === K.CloseParenToken || t === K.CloseBracketToken) stack.pop();
  }
  return stack.length;
}
