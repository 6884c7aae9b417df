// Where a notebook's time goes, op by op: runs a tutorial notebook's code cells in this
// process (types stripped by TypeScript, the prelude's names in scope, as the kernel has
// them), then prints the time of each cell and, summed over the run, the time of each op's
// forward and of each backward node. What the kernel adds on top (compiling cells, drawing
// displays: `display` and a cell's last value are not rendered here) is what
// bench/notebook-time.ts measures minus these figures.
//   node dist/bench/notebook-ops.js notebooks/09-transformers-and-attention.ipynb [--top N]
// A forward op's figure is the time since the previous op ended, so work between ops that
// records nothing (item(), argmax, the data loader, optimizer steps) is charged to the next op;
// "between ops" in the cell table is the time outside any recorded op or backward node.

import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import ts from "typescript";
import { setOpObserver } from "../lib/ops/op.js";
import { GradFn } from "../lib/autograd/graph.js";
import { fmt, table } from "./timing.js";

interface NotebookJson {
  cells: { cell_type: string; source: string | string[] }[];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: "string", default: "15" } } });
const path = positionals[0];
if (path === undefined) throw new Error("usage: node dist/bench/notebook-ops.js NOTEBOOK.ipynb [--top N]");
const top = Number(values.top);
const nb = JSON.parse(readFileSync(path, "utf8")) as NotebookJson;
const cells = nb.cells.filter((c) => c.cell_type === "code").map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source));

// One function body: every cell in turn, each followed by a mark, so declarations carry over
// from cell to cell as in the kernel.
const body = cells.map((src, i) => `${src}\n;__mark(${i});`).join("\n");
const js = ts.transpileModule(body, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;

const prelude = (await import("../visualizers/prelude.js")) as Record<string, unknown>;
const scope: Record<string, unknown> = { ...prelude, display: (x: unknown) => x };

const forward = new Map<string, [number, number]>();
const backward = new Map<string, [number, number]>();
const add = (m: Map<string, [number, number]>, k: string, ms: number) => {
  const e = m.get(k) ?? [0, 0];
  e[0] += ms;
  e[1]++;
  m.set(k, e);
};
let last = performance.now();
let inOps = 0;
let depth = 0;
setOpObserver((_out, name) => {
  const t = performance.now();
  if (depth === 0) {
    // ops a backward node runs are that node's time
    add(forward, name, t - last);
    inOps += t - last;
  }
  last = t;
});
const apply = GradFn.prototype.apply;
GradFn.prototype.apply = function (this: GradFn, grad) {
  const t0 = performance.now();
  depth++;
  try {
    return apply.call(this, grad);
  } finally {
    depth--;
    const ms = performance.now() - t0;
    if (depth === 0) {
      add(backward, this.name, ms);
      inOps += ms;
    }
    last = performance.now();
  }
};

const cellRows: string[][] = [];
let cellStart = performance.now(), opsAtStart = 0;
scope.__mark = (i: number) => {
  const t = performance.now();
  const first = cells[i]!.split("\n").find((l) => l.trim() !== "" && !l.trim().startsWith("//")) ?? "";
  cellRows.push([String(i + 1), first.trim().slice(0, 56), fmt(t - cellStart, 0), fmt(inOps - opsAtStart, 0), fmt(t - cellStart - (inOps - opsAtStart), 0)]);
  cellStart = t;
  last = t;
  opsAtStart = inOps;
};
// Exports named like reserved words (`var`) cannot be parameters; cells cannot name them either.
const usable = (k: string) => {
  try {
    new Function(k, "");
    return true;
  } catch {
    return false;
  }
};
const names = Object.keys(scope).filter(usable);
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<void>;
const run = new AsyncFunction(...names, js);
const t0 = performance.now(), c0 = process.cpuUsage();
await run(...names.map((k) => scope[k]));
const c = process.cpuUsage(c0);
setOpObserver(null);
GradFn.prototype.apply = apply;

console.log(`${path}: ${cells.length} code cells in ${fmt(performance.now() - t0, 0)} ms wall, ${fmt((c.user + c.system) / 1000, 0)} ms CPU (all threads); load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}\n`);
table(["cell", "first line", "ms", "in ops ms", "between ops ms"], cellRows);
for (const [label, m] of [["forward op (time since the previous op)", forward], ["backward node", backward]] as const) {
  const total = [...m.values()].reduce((s, e) => s + e[0], 0);
  const rows = [...m].sort((a, b) => b[1][0] - a[1][0]).slice(0, top).map(([k, [ms, n]]) => [k, fmt(ms, 0), `${((100 * ms) / total).toFixed(0)}%`, String(n), fmt((1000 * ms) / n, 0)]);
  console.log(`${label}: ${fmt(total, 0)} ms in all`);
  table([label.split(" (")[0]!, "ms", "share", "calls", "µs/call"], rows);
}
process.exit(0);
