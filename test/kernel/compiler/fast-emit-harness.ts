// Test helper: emits a cell both ways (TypeScript's transformer pipeline and the text splicer)
// from the same checked SourceFile, and runs scripts in fresh vm contexts to compare what they
// do: the value, the globals they publish, what they log, and the error they throw with its
// stack frames mapped back to the cell.
import vm from "node:vm";
import type TS from "typescript";
import { collectCellNames } from "../../../kernel/compiler/cell-names.js";
import { emitCheckedCell, type TranspiledCell } from "../../../kernel/compiler/runtime-transform.js";
import { mapStackTrace, SourceMapper } from "../../../kernel/compiler/source-map.js";
import { typescript } from "../../../kernel/compiler/typescript-loader.js";
import { bindingRegistry } from "../../../kernel/execution/bindings.js";

const CELL_FILE = "/gradlab-test/__gradlab_cell__.ts";

/** The text the kernel checks: the cell, then an export list of the names it declares (as cell-compiler.ts appends it). */
export function checkText(code: string): string {
  const ts = typescript();
  const names = collectCellNames(ts.createSourceFile(CELL_FILE, code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS));
  const list = [...names.declared].filter((n) => !names.exported.has(n));
  return list.length === 0 ? code : `${code}\n;export { ${list.join(", ")} };\n`;
}

let options: TS.CompilerOptions | undefined;
/** A program over the cell alone with the kernel's compiler options (types are not resolved: emit does not need them). */
export function checkedProgram(code: string): { program: TS.Program; sf: TS.SourceFile; text: string } {
  const ts = typescript();
  options ??= {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
    moduleDetection: ts.ModuleDetectionKind.Force, noLib: true, types: [], strict: true, skipLibCheck: true,
    esModuleInterop: true, allowImportingTsExtensions: true, resolveJsonModule: true, declaration: false,
    verbatimModuleSyntax: true, sourceMap: true, useDefineForClassFields: true, noEmitOnError: false, noResolve: true,
  };
  const text = checkText(code);
  const sf = ts.createSourceFile(CELL_FILE, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const host: TS.CompilerHost = {
    getSourceFile: (f) => (f === CELL_FILE ? sf : undefined),
    getDefaultLibFileName: () => "/gradlab-test/lib.d.ts",
    writeFile: () => undefined,
    getCurrentDirectory: () => "/gradlab-test",
    getCanonicalFileName: (f) => f,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => "\n",
    fileExists: (f) => f === CELL_FILE,
    readFile: (f) => (f === CELL_FILE ? text : undefined),
  };
  const program = ts.createProgram([CELL_FILE], options, host);
  return { program, sf, text };
}

export function slowEmit(code: string): TranspiledCell {
  const { program, sf } = checkedProgram(code);
  return emitCheckedCell(program, sf);
}

export function syntaxErrors(code: string): string[] {
  const { program, sf } = checkedProgram(code);
  return program.getSyntacticDiagnostics(sf).map((d) => typescript().flattenDiagnosticMessageText(d.messageText, "\n"));
}

/** A structural description of a value from another realm (no instanceof across contexts). */
export function describe(v: unknown, depth = 0, seen = new Set<unknown>()): string {
  if (v === null) return "null";
  const t = typeof v;
  if (t === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (t === "string") return JSON.stringify(v);
  if (t === "bigint") return `${String(v)}n`;
  if (t === "symbol") return `Symbol(${(v as symbol).description ?? ""})`;
  if (t !== "object" && t !== "function") return String(v);
  if (seen.has(v)) return "<cycle>";
  if (depth > 4) return "<deep>";
  seen.add(v);
  try {
    if (t === "function") {
      const f = v as (...a: unknown[]) => unknown;
      const kind = /^class\b/.test(Function.prototype.toString.call(f)) ? "class" : "function";
      const statics = Object.getOwnPropertyNames(f).filter((k) => !["length", "name", "prototype", "arguments", "caller"].includes(k));
      return `${kind} ${f.name}/${f.length}${statics.length ? ` {${statics.map((k) => `${k}: ${describe((f as unknown as Record<string, unknown>)[k], depth + 1, seen)}`).join(", ")}}` : ""}`;
    }
    const tag = Object.prototype.toString.call(v);
    if (tag === "[object Promise]") return "Promise";
    if (tag === "[object Error]") return `${(v as Error).name}: ${(v as Error).message}`;
    if (tag === "[object Map]") return `Map(${[...(v as Map<unknown, unknown>)].map(([k, x]) => `${describe(k, depth + 1, seen)} => ${describe(x, depth + 1, seen)}`).join(", ")})`;
    if (tag === "[object Set]") return `Set(${[...(v as Set<unknown>)].map((x) => describe(x, depth + 1, seen)).join(", ")})`;
    if (ArrayBuffer.isView(v)) return `${tag}(${Array.from(v as unknown as ArrayLike<number>).join(",")})`;
    if (Array.isArray(v)) return `[${v.map((x) => describe(x, depth + 1, seen)).join(", ")}]`;
    const proto = Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null;
    const name = proto?.constructor?.name ?? "null-proto";
    const keys = Object.keys(v as object);
    return `${name} {${keys.map((k) => `${k}: ${describe((v as Record<string, unknown>)[k], depth + 1, seen)}`).join(", ")}}`;
  } finally {
    seen.delete(v);
  }
}

/** Modules the stub importer serves. */
function stubModule(spec: string): unknown {
  switch (spec) {
    case "stats": return { mean: (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length, default: { version: "1.0" }, "odd-name": 7 };
    case "cjs-like": return { helper: (x: number) => x + 1 }; // no default: the namespace stands in
    case "./local.ts": return { double: (x: number) => 2 * x, Counter: class Counter { n = 0; inc() { return ++this.n; } } };
    case "side-effect": return {};
    default: throw new Error(`Cannot find module '${spec}'`);
  }
}

/** Deterministic stand-ins for the prelude's tensor API, so cells read like notebook code. */
const PRELUDE = `
class Tensor {
  constructor(data, shape) { this.data = Float64Array.from(data); this.shape = shape ?? [data.length]; this.grad = null; }
  get numel() { return this.data.length; }
  add(o) { return new Tensor(this.data.map((x, i) => x + (typeof o === "number" ? o : o.data[i % o.data.length])), this.shape); }
  mul(o) { return new Tensor(this.data.map((x, i) => x * (typeof o === "number" ? o : o.data[i % o.data.length])), this.shape); }
  sum() { return new Tensor([this.data.reduce((a, b) => a + b, 0)], []); }
  mean() { return new Tensor([this.data.reduce((a, b) => a + b, 0) / this.data.length], []); }
  relu() { return new Tensor(this.data.map((x) => Math.max(0, x)), this.shape); }
  item() { if (this.data.length !== 1) throw new Error("item: tensor of shape [" + this.shape.join(", ") + "] has " + this.data.length + " elements"); return this.data[0]; }
  reshape(shape) { const n = shape.reduce((a, b) => a * b, 1); if (n !== this.data.length) throw new Error("reshape: cannot reshape [" + this.shape.join(", ") + "] to [" + shape.join(", ") + "]"); return new Tensor(this.data, shape); }
  matmul(o) { if (this.shape[1] !== o.shape[0]) throw new Error("matmul: shapes [" + this.shape.join(", ") + "] and [" + o.shape.join(", ") + "] cannot be multiplied"); const [m, k] = this.shape, n = o.shape[1]; const out = new Array(m * n).fill(0); for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) out[i * n + j] += this.data[i * k + p] * o.data[p * n + j]; return new Tensor(out, [m, n]); }
  toArray() { return Array.from(this.data); }
}
globalThis.Tensor = Tensor;
globalThis.tensor = (data, shape) => new Tensor(data, shape);
globalThis.zeros = (shape) => new Tensor(new Array(shape.reduce((a, b) => a * b, 1)).fill(0), shape);
globalThis.arange = (n) => new Tensor(Array.from({ length: n }, (_, i) => i), [n]);
let seed = 1;
globalThis.manualSeed = (s) => { seed = s; };
globalThis.rand = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };
`;

export interface RunOutcome {
  value: string;
  hasValue: boolean;
  globals: string[];
  logs: string[];
  error?: string;
  /** The cell's stack frames as mapped: `name @ line:column` (or `<anonymous> @ …`). */
  frames?: string[];
}

export interface CompiledCell { js: string; mappings: string }

/** Runs a sequence of compiled cells in one fresh context (as a notebook would) and reports what the last did. */
export async function runCells(cells: CompiledCell[]): Promise<RunOutcome> {
  const logs: string[] = [];
  const ctx = vm.createContext({ setTimeout });
  vm.runInContext(PRELUDE, ctx);
  const baseline = new Set(Object.keys(ctx));
  baseline.add("setTimeout");
  ctx.console = { log: (...a: unknown[]) => { logs.push(a.map((x) => describe(x)).join(" ")); } };
  // "sync-fail" throws inside the call (a frame in the cell); others resolve or reject later.
  ctx.__gradlab_import__ = (spec: string) => {
    if (spec === "sync-fail") throw new Error("sync-fail: the importer threw");
    return Promise.resolve().then(() => stubModule(spec));
  };
  ctx.__gradlab_binding__ = bindingRegistry(vm.runInContext("globalThis", ctx) as object);
  baseline.add("console").add("__gradlab_import__").add("__gradlab_binding__");
  let outcome: RunOutcome | undefined;
  for (let i = 0; i < cells.length; i++) {
    const filename = `cell-${i + 1}.ts`;
    const cell = cells[i]!;
    const mappers = new Map([[filename, new SourceMapper(cell.mappings)]]);
    try {
      const r = await (new vm.Script(cell.js, { filename }).runInContext(ctx) as Promise<{ value: unknown; hasValue: boolean }>);
      const value = r.value && Object.prototype.toString.call(r.value) === "[object Promise]" ? `Promise(${describe(await (r.value as Promise<unknown>))})` : describe(r.value);
      outcome = { value, hasValue: r.hasValue, globals: [], logs };
    } catch (e) {
      const err = e as Error;
      const mapped = mapStackTrace(String(err?.stack ?? ""), mappers);
      const frames = mapped.split("\n").filter((l) => /^\s+at /.test(l) && l.includes(filename))
        .map((l) => {
          const m = /^\s+at (?:(.*) \()?[^\s()]*?(\d+):(\d+)\)?$/.exec(l);
          return m ? `${m[1] ?? "<top>"} @ ${m[2]}:${m[3]}` : l.trim();
        });
      outcome = { value: "", hasValue: false, globals: [], logs, error: `${err?.name}: ${err?.message}`, frames };
      break;
    }
  }
  outcome!.globals = Object.keys(ctx).filter((k) => !baseline.has(k)).map((k) => `${k} = ${describe(ctx[k])}`);
  return outcome!;
}

/** Where (1-based line:column) `needle` first occurs in `code`. */
export function positionOf(code: string, needle: string, from = 0): string {
  const at = code.indexOf(needle, from);
  if (at < 0) throw new Error(`${needle} not in the cell`);
  const before = code.slice(0, at).split("\n");
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}
