// The few magics gradlab has (README documents them):
//   %typecheck off | on   turn type checking of later cells off/on (off is faster)
//   ?name  or  name?      show name's type and documentation in the pager
// A magic line is blanked rather than removed, so the cell's line numbers stay its own.
import type { ErrorOutcome, Kernel } from "../kernel.js";

const MAGIC_LINE = /^\s*%(\w+)\s*(.*?)\s*$/;

export function applyMagics(k: Kernel, code: string): { code: string } | { error: ErrorOutcome } {
  const lines = code.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === "" ) continue;
    const m = MAGIC_LINE.exec(lines[i]);
    if (m === null) break;
    const [, name, arg] = m;
    if (name === "typecheck" && (arg === "on" || arg === "off")) {
      k.typeCheck = arg === "on";
      k.compiler?.setTypeCheck(k.typeCheck);
      k.stream("stdout", `type checking ${arg}\n`);
    } else if (name === "typecheck") {
      k.stream("stdout", `type checking is ${k.typeCheck ? "on" : "off"} (use %typecheck on|off)\n`);
    } else {
      return { error: { status: "error", ename: "UsageError", evalue: `unknown magic %${name} (gradlab has %typecheck on|off and ?name)`, traceback: [`UsageError: unknown magic %${name}`] } };
    }
    lines[i] = "";
  }
  return { code: lines.join("\n") };
}

/** The expression a `?x` / `x?` cell asks about, or null when the cell is ordinary code. */
export function pagerTarget(code: string): string | null {
  const m = /^\s*\?\s*([A-Za-z_$][\w$.]*)\s*$/.exec(code) ?? /^\s*([A-Za-z_$][\w$.]*)\s*\?\s*$/.exec(code);
  return m === null ? null : m[1];
}
