// Timings of the cell compiler alone (not a test; the kernel's end-to-end numbers come from
// `npm run bench:kernel`). After `npm run build`:
//   node dist/bench/measure-compiler.js [prelude.d.ts]
// (default prelude: dist/visualizers/prelude.d.ts). Prints start-up phases (readyMs: until
// cells can be checked; warmUpMs also counts the rest of the warm-up, which waits for 100 ms of
// quiet), then per-cell times of a small type-checked cell (compile, commit), complete, inspect
// and transpile-only compiles: min / median over many runs, plus CPU ms per checked cell.
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CellCompiler } from "../kernel/compiler/cell-compiler.js";
import { typescript } from "../kernel/compiler/typescript-loader.js";

const defaultPrelude = fileURLToPath(new URL("../visualizers/prelude.d.ts", import.meta.url));
const prelude = process.argv[2] ?? (existsSync(defaultPrelude) ? defaultPrelude : undefined);
const ms = (x: number) => Number(x.toFixed(2));
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: ms(s[0]!), median: ms(s[Math.floor(s.length / 2)]!), p90: ms(s[Math.floor(s.length * 0.9)]!) };
};

const t0 = performance.now();
typescript();
const t1 = performance.now();
const compiler = new CellCompiler({ cwd: mkdtempSync(path.join(tmpdir(), "gradlab-measure-")), preludeTypes: prelude, typeCheck: true });
// Ready is when cells can be checked; the rest of the warm-up waits for a quiet compiler.
let ready = 0;
await compiler.warmUp(() => (ready = performance.now()));
const t2 = performance.now();
const first = compiler.compile("const a = [1, 2, 3].map((x) => x * 2);\na.length", 1);
if (!first.ok) throw new Error(first.evalue);
compiler.commit(1);
const t3 = performance.now();

const compileTimes: number[] = [], commitTimes: number[] = [], completeTimes: number[] = [], inspectTimes: number[] = [], offTimes: number[] = [];
const cpu0 = process.cpuUsage();
const N = 300;
for (let i = 0; i < N; i++) {
  const n = 10 + i;
  let t = performance.now();
  const r = compiler.compile(`const v${i % 5} = a.length + ${i};\nv${i % 5} * 2`, n);
  compileTimes.push(performance.now() - t);
  if (!r.ok) throw new Error(r.evalue);
  t = performance.now();
  compiler.commit(n);
  commitTimes.push(performance.now() - t);
}
const cpu = process.cpuUsage(cpu0);
for (let i = 0; i < 50; i++) {
  let t = performance.now();
  compiler.complete(`v${i % 5}.toF`, 6);
  completeTimes.push(performance.now() - t);
  t = performance.now();
  compiler.inspect(`a.map`, 3, 0);
  inspectTimes.push(performance.now() - t);
}
compiler.setTypeCheck(false);
for (let i = 0; i < 100; i++) {
  const t = performance.now();
  compiler.compile(`const w = ${i};\nw + 1`, 1000 + i);
  offTimes.push(performance.now() - t);
}
console.log(JSON.stringify({
  prelude: prelude ?? null,
  startup: { loadTypeScriptMs: ms(t1 - t0), readyMs: ms(ready - t1), warmUpMs: ms(t2 - t1), firstCellMs: ms(t3 - t2) },
  checkedCompile: stats(compileTimes),
  commit: stats(commitTimes),
  checkedCellCpuMs: ms((cpu.user + cpu.system) / 1000 / N),
  complete: stats(completeTimes),
  inspect: stats(inspectTimes),
  transpileOnlyCompile: stats(offTimes),
}, null, 1));
