// The few magics gradlab has (README documents them):
//   %typecheck off | on   turn type checking of later cells off/on (off is faster)
//   %%time  or  %time <code>   time the cell (CPU and wall time, as IPython prints them)
//   %%timeit  or  %timeit <code>   run the cell in a loop, 7 times, and print the time per loop
//   ?name  or  name?      show name's type and documentation in the pager
// Magic lines come first in a cell. A magic line is blanked rather than removed, so the cell's
// line numbers stay its own; `%time <code>` keeps its code where it was (the magic word becomes
// spaces), so columns on that line stay too. %timeit loops the cell without moving it either:
// its magic word becomes `do {` (no longer than `%timeit`) and the cell is closed by a last line
// `} while (--__gradlab_timeit_left__ > 0);` — the kernel sets the count before each run, and the
// loop's overhead is a decrement and a compare, as in IPython's timeit.
import type { ErrorOutcome } from "../execution/thrown.js";

/** What %typecheck changes and where it reports (the Kernel; narrowed so this file needs no import of kernel.ts). */
export interface MagicsHost {
  typeCheck: boolean;
  readonly compiler: { setTypeCheck(on: boolean): void } | null;
  stream(name: "stdout" | "stderr", text: string): void;
}

const MAGIC_LINE = /^(\s*)(%%?)(\w+)(\s*)(.*?)\s*$/;
const KNOWN = "%typecheck on|off, %%time, %time <code>, %%timeit, %timeit <code> and ?name";

/** The global a %timeit cell counts down (declared for cells in compiler/kernel-globals.ts). */
export const TIMEIT_COUNTER = "__gradlab_timeit_left__";

export interface Magics {
  /** The cell without its magic lines (blanked). */
  code: string;
  /** Report the cell's CPU and wall time after it runs (%time, %%time). */
  time: boolean;
  /** Run the cell (a loop counting TIMEIT_COUNTER down) as %timeit does (%timeit, %%timeit). */
  timeit: boolean;
}

function usage(evalue: string): { error: ErrorOutcome } {
  return { error: { status: "error", ename: "UsageError", evalue, traceback: [`UsageError: ${evalue}`] } };
}

export function applyMagics(k: MagicsHost, code: string): Magics | { error: ErrorOutcome } {
  const lines = code.split("\n");
  let time = false;
  let timeit = false;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === "") continue;
    const m = MAGIC_LINE.exec(lines[i]);
    if (m === null) break;
    const [, indent, percents, name, gap, arg] = m;
    /** Where the code after a line magic starts. */
    const word = indent.length + percents.length + name.length + gap.length;
    if (name === "timeit") {
      if (time) return usage("%time and %timeit cannot time the same cell");
      if (percents === "%%" && arg !== "") return usage(`%%timeit takes no arguments (the cell below it is timed); got "${arg}"`);
      timeit = true;
      lines[i] = indent + "do {".padEnd(word - indent.length) + lines[i].slice(word);
      lines.push(`} while (--${TIMEIT_COUNTER} > 0);`);
      break;
    } else if (name === "time") {
      if (timeit) return usage("%time and %timeit cannot time the same cell");
      time = true;
      if (percents === "%%" && arg !== "") return usage(`%%time takes no arguments (the cell below it is timed); got "${arg}"`);
      if (percents === "%" && arg !== "") {
        // The code on the line is the cell's: only the magic word goes.
        lines[i] = " ".repeat(word) + lines[i].slice(word);
        break;
      }
    } else if (percents === "%" && name === "typecheck" && (arg === "on" || arg === "off")) {
      k.typeCheck = arg === "on";
      k.compiler?.setTypeCheck(k.typeCheck);
      k.stream("stdout", `type checking ${arg}\n`);
    } else if (percents === "%" && name === "typecheck") {
      k.stream("stdout", `type checking is ${k.typeCheck ? "on" : "off"} (use %typecheck on|off)\n`);
    } else {
      return usage(`unknown magic ${percents}${name} (gradlab has ${KNOWN})`);
    }
    lines[i] = "";
  }
  return { code: lines.join("\n"), time, timeit };
}

/** The expression a `?x` / `x?` cell asks about, or null when the cell is ordinary code. */
export function pagerTarget(code: string): string | null {
  const m = /^\s*\?\s*([A-Za-z_$][\w$.]*)\s*$/.exec(code) ?? /^\s*([A-Za-z_$][\w$.]*)\s*\?\s*$/.exec(code);
  return m === null ? null : m[1];
}

/**
 * A duration as IPython's %time prints it: three significant digits in s, ms, µs or ns
 * ("1.23 ms"), and minutes past a minute ("2min 5s").
 */
export function formatDuration(seconds: number): string {
  if (seconds >= 60) {
    const min = Math.floor(seconds / 60);
    return `${min}min ${Math.round(seconds - 60 * min)}s`;
  }
  const units: Array<[string, number]> = [["s", 1], ["ms", 1e3], ["µs", 1e6], ["ns", 1e9]];
  // Thousands below a second: 0 for seconds, 1 for ms, 2 for µs, 3 for ns (and below).
  const order = seconds > 0 ? Math.min(Math.max(-Math.floor(Math.floor(Math.log10(seconds)) / 3), 0), 3) : 3;
  const [unit, scale] = units[order]!;
  return `${Number((seconds * scale).toPrecision(3))} ${unit}`;
}

/** Starts timing a cell; the returned function gives IPython's two %time lines. */
export function startCellTimer(): () => string {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  return () => {
    const cpu = process.cpuUsage(cpu0);
    const wall = (performance.now() - wall0) / 1000;
    return `CPU times: user ${formatDuration(cpu.user / 1e6)}, sys ${formatDuration(cpu.system / 1e6)}, total ${formatDuration((cpu.user + cpu.system) / 1e6)}\nWall time: ${formatDuration(wall)}\n`;
  };
}

/** IPython's %timeit line: "1.23 ms ± 45.6 µs per loop (mean ± std. dev. of 7 runs, 100 loops each)". */
export function timeitReport(secondsPerLoop: number[], loops: number): string {
  const n = secondsPerLoop.length;
  const mean = secondsPerLoop.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(secondsPerLoop.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  return `${formatDuration(mean)} ± ${formatDuration(std)} per loop (mean ± std. dev. of ${n} run${n === 1 ? "" : "s"}, ${loops.toLocaleString("en-US")} loop${loops === 1 ? "" : "s"} each)\n`;
}
