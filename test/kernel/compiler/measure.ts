// Timing of the cell compiler (not a test): `node` on the compiled file prints
// warm-up, first cell, median type-checked compile + commit, and complete times.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";

const t0 = performance.now();
const { CellCompiler } = await import("../../../kernel/compiler/index.js");
const prelude = process.argv[2];
const compiler = new CellCompiler({ cwd: mkdtempSync(path.join(tmpdir(), "gradlab-measure-")), preludeTypes: prelude, typeCheck: true });
const tImported = performance.now();
await compiler.warmUp();
const tWarm = performance.now();
const first = compiler.compile("const a = 1 + 2;\na * 2", 1);
if (!first.ok) throw new Error(first.evalue);
compiler.commit(1);
const tFirst = performance.now();

function median(xs: number[]): number { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; }
const compileTimes: number[] = [], commitTimes: number[] = [], completeTimes: number[] = [], offTimes: number[] = [];
const cpu0 = process.cpuUsage();
for (let i = 0; i < 200; i++) {
  const n = 10 + i;
  const code = `const v${i % 5} = a + ${i};\nv${i % 5} * 2`;
  let t = performance.now();
  const r = compiler.compile(code, n);
  compileTimes.push(performance.now() - t);
  if (!r.ok) throw new Error(r.evalue);
  t = performance.now();
  compiler.commit(n);
  commitTimes.push(performance.now() - t);
}
const cpu1 = process.cpuUsage(cpu0);
for (let i = 0; i < 50; i++) {
  const t = performance.now();
  compiler.complete(`v${i % 5}.toF`, 6);
  completeTimes.push(performance.now() - t);
}
compiler.setTypeCheck(false);
for (let i = 0; i < 100; i++) {
  const t = performance.now();
  compiler.compile(`const w = ${i};\nw + 1`, 1000 + i);
  offTimes.push(performance.now() - t);
}
const f = (x: number) => x.toFixed(2);
console.log(JSON.stringify({
  importMs: f(tImported - t0), warmUpMs: f(tWarm - tImported), firstCellMs: f(tFirst - tWarm),
  compileMedianMs: f(median(compileTimes)), commitMedianMs: f(median(commitTimes)),
  checkedCellCpuMs: f((cpu1.user + cpu1.system) / 1000 / 200),
  completeMedianMs: f(median(completeTimes)), transpileOnlyMedianMs: f(median(offTimes)),
}));
