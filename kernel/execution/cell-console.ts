// The `console` cells see: Node's formatting (without colours), written as stream messages.
// Written here rather than `new Console(...)` because node:console's Console class is missing
// in a process started from a V8 startup snapshot.
import { formatWithOptions, inspect, type InspectOptions } from "node:util";

export type StreamWriter = (name: "stdout" | "stderr", text: string) => void;

export function createCellConsole(write: StreamWriter): Console {
  let indent = "";
  const counts = new Map<string, number>();
  const timers = new Map<string, number>();
  const out = (name: "stdout" | "stderr", args: unknown[]): void => {
    const text = formatWithOptions({ colors: false }, ...args);
    write(name, (indent === "" ? text : text.replace(/^/gm, indent)) + "\n");
  };
  const elapsed = (label: string): string | null => {
    const t = timers.get(label);
    if (t === undefined) {
      out("stderr", [`Warning: No such label '${label}' for console timer`]);
      return null;
    }
    const ms = performance.now() - t;
    return ms < 1000 ? `${ms.toFixed(3)}ms` : `${(ms / 1000).toFixed(3)}s`;
  };
  const c = {
    log: (...a: unknown[]) => out("stdout", a),
    info: (...a: unknown[]) => out("stdout", a),
    debug: (...a: unknown[]) => out("stdout", a),
    warn: (...a: unknown[]) => out("stderr", a),
    error: (...a: unknown[]) => out("stderr", a),
    trace: (...a: unknown[]) => {
      const e = { name: "Trace", message: formatWithOptions({ colors: false }, ...a) } as Error;
      Error.captureStackTrace(e, c.trace);
      out("stderr", [e.stack]);
    },
    dir: (obj: unknown, options?: InspectOptions) => write("stdout", indent + inspect(obj, { colors: false, ...options }) + "\n"),
    dirxml: (...a: unknown[]) => out("stdout", a),
    table: (data: unknown) => out("stdout", [data]),
    assert: (ok: unknown, ...a: unknown[]) => {
      if (!ok) out("stderr", a.length > 0 ? [`Assertion failed: ${formatWithOptions({ colors: false }, ...a)}`] : ["Assertion failed"]);
    },
    count: (label = "default") => {
      const n = (counts.get(label) ?? 0) + 1;
      counts.set(label, n);
      out("stdout", [`${label}: ${n}`]);
    },
    countReset: (label = "default") => void counts.delete(label),
    group: (...a: unknown[]) => {
      if (a.length > 0) out("stdout", a);
      indent += "  ";
    },
    groupCollapsed: (...a: unknown[]) => c.group(...a),
    groupEnd: () => void (indent = indent.slice(2)),
    time: (label = "default") => void timers.set(label, performance.now()),
    timeLog: (label = "default", ...a: unknown[]) => {
      const e = elapsed(label);
      if (e !== null) out("stdout", [`${label}: ${e}`, ...a]);
    },
    timeEnd: (label = "default") => {
      const e = elapsed(label);
      if (e !== null) out("stdout", [`${label}: ${e}`]);
      timers.delete(label);
    },
    clear: () => undefined,
    profile: () => undefined,
    profileEnd: () => undefined,
    timeStamp: () => undefined,
  };
  return c as unknown as Console;
}
