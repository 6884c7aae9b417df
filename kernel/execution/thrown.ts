// What a cell threw → the ename / evalue / traceback Jupyter shows. User code may throw
// anything: a string, null, an object whose getters throw, a Proxy whose every trap throws,
// an Error with a 5 MB message. None of these may crash the kernel or leave a request
// unanswered, so every read of the thrown value is guarded and every text is bounded.
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import { mapLibraryFrames } from "./library-frames.js";

export interface ErrorOutcome {
  status: "error";
  ename: string;
  evalue: string;
  traceback: string[];
}

const KERNEL_DIR = dirname(dirname(fileURLToPath(import.meta.url)));

/**
 * Longest evalue / traceback line sent. ipykernel sends everything, but a multi-megabyte
 * traceback freezes a browser tab and adds nothing a person can read.
 */
export const MAX_ERROR_TEXT = 20_000;

export function clip(text: string, max = MAX_ERROR_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [${text.length - max} more characters]`;
}

/** A property of a thrown value, or undefined when reading it throws (getters, Proxy traps). */
function read(value: object, key: string): unknown {
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

/** Node's inspect text of any value; never throws. */
export function describe(value: unknown): string {
  try {
    return inspect(value, { colors: false, depth: 2, maxStringLength: MAX_ERROR_TEXT, breakLength: 120 });
  } catch (e) {
    let why = "";
    try {
      why = `: ${String((e as Error)?.message)}`;
    } catch {
      /* the error thrown while inspecting is itself hostile */
    }
    return `<a ${typeof value} that cannot be displayed${why}>`;
  }
}

export function interruptedError(): Error {
  const e = new Error("execution interrupted by the user");
  e.name = "Interrupted";
  return e;
}

/** Frames inside the kernel or Node's internals say nothing about the user's cell. */
function userFrame(line: string): boolean {
  return !line.includes("node:vm") && !line.includes("node:internal") && !line.includes(KERNEL_DIR);
}

/** The index where a V8 stack's frames start ("\n    at …"), or -1 when it has none. */
function framesStart(stack: string): number {
  return stack.search(/\n {4}at /);
}

/** Longest message whose quoted positions are mapped (see mapQuoted). */
const MAX_QUOTING = 4000;

/**
 * Cell positions a short message quotes (anomaly mode's "forward called at cell-3.ts:2:5")
 * read as the cell's own, like the frames: each is mapped as a one-location frame.
 */
function mapQuoted(text: string, mapStack: (stack: string) => string): string {
  if (text.length > MAX_QUOTING) return text;
  return text.replace(/(?<![^\s(])[^\s()]{1,300}:\d{1,9}:\d{1,9}/g, (loc) => {
    try {
      const mapped = mapStack(`    at ${loc}`).trim().replace(/^at /, "");
      return mapped === "" ? loc : mapped;
    } catch {
      return loc;
    }
  });
}

const REPEATS_SHOWN = 3;
const MAX_FRAMES = 200;

/**
 * Deep recursion with `Error.stackTraceLimit = Infinity` gives thousands of identical frames:
 * like Python, show a repeated frame three times and then how often it repeats.
 */
export function collapseFrames(frames: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < frames.length; ) {
    let j = i + 1;
    while (j < frames.length && frames[j] === frames[i]) j++;
    const run = j - i;
    for (let r = 0; r < Math.min(run, REPEATS_SHOWN); r++) out.push(frames[i]);
    if (run > REPEATS_SHOWN) out.push(`    [previous frame repeated ${run - REPEATS_SHOWN} more times]`);
    i = j;
  }
  if (out.length <= MAX_FRAMES) return out;
  const half = MAX_FRAMES / 2;
  return [...out.slice(0, half), `    [… ${out.length - MAX_FRAMES} more frames …]`, ...out.slice(-half)];
}

/**
 * mapStack rewrites cell positions in frames, then library positions go to their TypeScript
 * sources (library-frames.ts). Both run on the frames only: an error message
 * is user text of any length, and a frame regex run over a megabyte-long message would
 * backtrack long enough to hang the kernel.
 */
export function errorOutcome(e: unknown, mapStack: (stack: string) => string = (s) => s): ErrorOutcome {
  if (typeof e === "object" && e !== null) {
    const message = read(e, "message");
    if (typeof message === "string") {
      const rawName = read(e, "name");
      const code = read(e, "code");
      const name = typeof rawName === "string" && rawName !== "" ? rawName : "Error";
      if (code === "ERR_SCRIPT_EXECUTION_INTERRUPTED" || name === "Interrupted") {
        return { status: "error", ename: "Interrupted", evalue: "execution interrupted by the user", traceback: ["Interrupted: execution interrupted by the user"] };
      }
      const stack = read(e, "stack");
      let lines: string[];
      if (typeof stack === "string" && stack !== "") {
        const at = framesStart(stack);
        const head = at < 0 ? stack : stack.slice(0, at);
        let frames = at < 0 ? "" : stack.slice(at + 1);
        try {
          frames = mapLibraryFrames(mapStack(frames));
        } catch {
          /* an unmappable stack is still worth showing as it is */
        }
        lines = [clip(mapQuoted(head, mapStack)), ...collapseFrames(frames.split("\n").filter((l) => l !== "" && userFrame(l)).map((l) => clip(l)))];
      } else {
        lines = [clip(`${name}: ${message}`)];
      }
      return { status: "error", ename: clip(name, 200), evalue: clip(mapQuoted(message, mapStack)), traceback: lines };
    }
  }
  const text = describe(e);
  return { status: "error", ename: "Uncaught", evalue: clip(text), traceback: [clip(`Uncaught ${text}`)] };
}

/** One text block for an error reported on stderr (a timer's or a promise's, after its cell). */
export function formatThrown(e: unknown, mapStack?: (stack: string) => string): string {
  return errorOutcome(e, mapStack).traceback.join("\n");
}
