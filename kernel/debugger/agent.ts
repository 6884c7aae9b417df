// The debugger's main-thread half: a small object the io thread's adapter (adapter.ts) reaches
// through the V8 inspector (under DEBUG_AGENT on the main realm's global) to list the cells'
// names, describe values in one line, expand them and render them as MIME bundles. It runs
// only when the adapter calls it; until a frontend attaches, a cell pays one property read.
import { inspect } from "node:util";
import { DISPLAY_HOOK, hasDisplayHook, toBundle, type MimeBundle } from "../display/mime-bundle.js";
import { cellPath } from "./cell-files.js";

export const DEBUG_AGENT = Symbol.for("gradlab.debugger");

/** A value's row in a variables list. */
export interface Described {
  type: string;
  value: string;
  /** Whether expanding it shows children (an object, not a primitive). */
  expandable: boolean;
}

/** A row's children as the adapter reads them: `values[i]` belongs to `rows[i]`. */
export interface View {
  rows: (Described & { name: string })[];
  values: unknown[];
}

const ONE_LINE = 160;
const MAX_CHILDREN = 300;

type Dict = Record<string | symbol, unknown>;

const isObject = (v: unknown): v is Dict => (typeof v === "object" && v !== null) || typeof v === "function";

/** A lib Tensor, known by shape (the kernel does not import lib). */
function isTensor(v: unknown): v is Dict & { shape: readonly number[]; dtype: string } {
  return isObject(v) && Array.isArray((v as Dict).shape) && typeof (v as Dict).dtype === "string" && "requiresGrad" in v;
}

function isModule(v: unknown): v is Dict & { namedParameters(): Iterable<[string, unknown]> } {
  return isObject(v) && typeof (v as Dict).namedParameters === "function" && typeof (v as Dict).forward === "function";
}

function clip(text: string): string {
  const line = text.replace(/\s*\n\s*/g, " ");
  return line.length > ONE_LINE ? `${line.slice(0, ONE_LINE - 1)}…` : line;
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (!isObject(v)) return typeof v;
  if (isTensor(v)) return "Tensor";
  try {
    const name = (Object.getPrototypeOf(v) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
    if (typeof name === "string" && name !== "") return name;
  } catch {
    /* a Proxy may throw */
  }
  return typeof v === "function" ? "function" : "object";
}

function pairs(iterable: Iterable<unknown>): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const p of iterable) if (Array.isArray(p) && p.length === 2) out.push([String(p[0]), p[1]]);
  return out;
}

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function describe(v: unknown): Described {
  const type = typeName(v);
  try {
    if (isTensor(v) && hasDisplayHook(v)) {
      // The display hook's text starts with the one-line summary (visualizers' tensorSummary).
      const text = (v[DISPLAY_HOOK]() as MimeBundle)["text/plain"];
      if (typeof text === "string") return { type, value: clip(text.split("\n")[0]!), expandable: true };
    }
    if (isModule(v)) {
      const params = pairs(v.namedParameters());
      const count = params.reduce((n, [, p]) => n + (isTensor(p) ? numel(p.shape) : 0), 0);
      return { type, value: `${type} (${params.length} parameter tensors, ${count.toLocaleString("en-US")} values)`, expandable: true };
    }
    const text = typeof v === "string" ? JSON.stringify(v) : inspect(v, { depth: 1, breakLength: Infinity, maxArrayLength: 10, maxStringLength: ONE_LINE });
    return { type, value: clip(text), expandable: isObject(v) };
  } catch (e) {
    return { type, value: `<cannot show: ${(e as Error)?.message ?? String(e)}>`, expandable: false };
  }
}

/** What expanding a value shows: a tensor's shape/dtype/grad, a module's parameters, else its properties. */
export function children(v: unknown): [string, unknown][] {
  if (!isObject(v)) return [];
  if (isTensor(v)) {
    const gradFn = (v.gradFn as { name?: unknown } | null | undefined)?.name ?? null;
    return [["shape", [...v.shape]], ["dtype", v.dtype], ["requiresGrad", v.requiresGrad], ["grad", v.grad ?? null], ["gradFn", gradFn], ["isLeaf", v.isLeaf]];
  }
  if (isModule(v)) {
    const out = pairs(v.namedParameters());
    out.push(["training", v.training]);
    return out;
  }
  if (v instanceof Map) return [...v.entries()].slice(0, MAX_CHILDREN).map(([k, x]) => [typeof k === "string" ? k : inspect(k, { depth: 0 }), x]);
  if (v instanceof Set) return [...v.values()].slice(0, MAX_CHILDREN).map((x, i) => [String(i), x]);
  if (Array.isArray(v) || ArrayBuffer.isView(v)) {
    const items = v as ArrayLike<unknown>;
    const out: [string, unknown][] = [];
    for (let i = 0; i < Math.min(items.length, MAX_CHILDREN); i++) out.push([String(i), items[i]]);
    out.push(["length", items.length]);
    return out;
  }
  const out: [string, unknown][] = [];
  for (const key of Object.keys(v).slice(0, MAX_CHILDREN)) {
    const d = Object.getOwnPropertyDescriptor(v, key);
    // Getters are not run: showing a value must not change the program.
    out.push([key, d !== undefined && "value" in d ? d.value : d?.get !== undefined ? "<getter>" : undefined]);
  }
  return out;
}

export function view(entries: [string, unknown][]): View {
  return { rows: entries.map(([name, value]) => ({ name, ...describe(value) })), values: entries.map(([, value]) => value) };
}

export interface DebugAgent {
  /** Set by the adapter while a frontend is attached: cells then carry source maps. */
  attached: boolean;
  /** The cells' own top-level names and their values. */
  globals(): [string, unknown][];
  view(entries: [string, unknown][]): View;
  children(v: unknown): [string, unknown][];
  describe(v: unknown): Described;
  /** The value's MIME bundle (its display hook's), or text when the hook is asynchronous. */
  bundle(v: unknown): MimeBundle;
  /** The value of a cell's top-level name, by name (richInspectVariables while not stopped). */
  lookup(name: string): unknown;
  /** copyToGlobals: makes `name` a cell global holding `v`. */
  assign(name: string, v: unknown): void;
  /** Cells run while no frontend was attached, by script filename (their functions may be called later). */
  readonly ranBefore: Map<string, { code: string; mappings: string }>;
  /** Those cells with their debugger paths, for the adapter's attach. */
  earlierCells(): { filename: string; path: string; code: string; mappings: string }[];
}

/** Installs the agent for the cell context whose global is `global` (call before cells run). */
export function installDebugAgent(global: Dict): DebugAgent {
  // Names the context has before any cell runs (host globals, the kernel's) are not the user's.
  const before = new Set(Object.keys(global));
  const agent: DebugAgent = {
    attached: false,
    globals() {
      const out: [string, unknown][] = [];
      for (const name of Object.keys(global)) {
        if (before.has(name) || name.startsWith("__gradlab")) continue;
        try {
          out.push([name, global[name]]);
        } catch (e) {
          out.push([name, `<cannot read: ${(e as Error)?.message ?? String(e)}>`]);
        }
      }
      return out;
    },
    view,
    children,
    describe,
    bundle(v) {
      try {
        const b = toBundle(v);
        return b instanceof Promise ? (b.catch(() => undefined), { "text/plain": describe(v).value }) : b;
      } catch (e) {
        return { "text/plain": `<cannot show: ${(e as Error)?.message ?? String(e)}>` };
      }
    },
    lookup: (name) => global[name],
    assign: (name, v) => {
      global[name] = v;
    },
    ranBefore: new Map(),
    earlierCells() {
      return [...this.ranBefore].map(([filename, c]) => ({ filename, path: cellPath(c.code), ...c }));
    },
  };
  // On both globals: the inspector runs a function in the world of the object it is called
  // on, and a cell's values belong to the cell context (agent.ts's callers: adapter.ts onValue).
  for (const g of [globalThis as Dict, global]) Object.defineProperty(g, DEBUG_AGENT, { value: agent, configurable: true, writable: true, enumerable: false });
  return agent;
}

/**
 * The script to run for a cell: while a frontend is attached, with an inline source map
 * naming the cell's debugger path (the hash of its text) and carrying its text, so
 * breakpoints, frames and steps are in the cell's own lines. Otherwise the script as it is,
 * its text and mappings kept (two references) for a debugger attached later.
 */
export function scriptForDebugger(agent: DebugAgent, js: string, code: string, compiled: { filename: string; mappings?: string }): string {
  const mappings = compiled.mappings;
  if (mappings === undefined) return js;
  if (!agent.attached) {
    agent.ranBefore.set(compiled.filename, { code, mappings });
    return js;
  }
  const map = JSON.stringify({ version: 3, sources: [cellPath(code)], sourcesContent: [code], names: [], mappings });
  return `${js}\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(map).toString("base64")}`;
}
