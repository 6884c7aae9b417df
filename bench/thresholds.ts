// `node dist/bench/thresholds.js`: where the backend's dispatch thresholds come from.
// (1) matmul split across threads vs inline, by size: the pool pays off above some flop
// count (dispatchTuning.minWorkPerThread); (2) wasm elementwise (copy in, SIMD, copy out)
// vs the JS reference loop, by length (dispatchTuning.minElementwise).

import { availableParallelism } from "node:os";
import { wasmKernels } from "../lib/backend/wasm/index.js";
import { dispatchTuning } from "../lib/backend/wasm/dispatch.js";
import { getPool, setPoolThreads } from "../lib/backend/wasm/threads.js";
import { referenceKernels as ref } from "../lib/backend/reference.js";
import { time, table } from "./timing.js";

const wk = wasmKernels()!;
const threads = Math.max(2, availableParallelism());
const us = (ms: number) => (ms * 1000).toFixed(1);

{
  // empty job round trip: the fixed cost of waking the workers and joining them
  setPoolThreads(threads);
  const pool = getPool()!;
  const parts = Array.from({ length: threads }, () => [] as number[]);
  pool.run("probe", "__probe__", parts);
  const t = time(() => pool.run("probe", "__probe__", parts), 300, 2000);
  console.log(`empty job round trip through ${threads - 1} worker(s): ${us(t.ms)} µs fastest, ${us(t.median)} µs median\n`);
}

const rows: string[][] = [];
for (const n of [16, 32, 48, 64, 96, 128, 192]) {
  const a = Float32Array.from({ length: n * n }, Math.random), c = new Float32Array(n * n);
  const p = { batch: 1, m: n, n, k: n, transA: false, transB: false, strideA: 0, strideB: 0 };
  const saved = dispatchTuning.minWorkPerThread;
  dispatchTuning.minWorkPerThread = 1; // force splitting
  setPoolThreads(1);
  const t1 = time(() => wk.matmul!(a, a, c, p), 200, 5000).ms;
  setPoolThreads(threads);
  const tN = time(() => wk.matmul!(a, a, c, p), 200, 5000).ms;
  dispatchTuning.minWorkPerThread = saved;
  rows.push([`${n}³`, (2 * n ** 3 / 1e6).toFixed(2), us(t1), us(tN), tN < t1 ? "split" : "inline"]);
}
console.log("matmul: inline vs split (µs)");
table(["size", "MFLOP", "1 thread", `${threads} threads`, "faster"], rows);

const erows: string[][] = [];
for (const n of [1024, 4096, 16384, 65536, 262144, 1048576]) {
  const a = Float32Array.from({ length: n }, Math.random), b = Float32Array.from({ length: n }, Math.random), o = new Float32Array(n);
  const saved = dispatchTuning.minElementwise;
  dispatchTuning.minElementwise = 0;
  setPoolThreads(threads);
  const tr = time(() => ref.binary("add", a, b, o), 150, 5000).ms;
  const tw = time(() => wk.binary!("add", a, b, o), 150, 5000).ms;
  const rr = time(() => ref.unary("relu", a, o), 150, 5000).ms;
  const rw = time(() => wk.unary!("relu", a, o), 150, 5000).ms;
  dispatchTuning.minElementwise = saved;
  erows.push([String(n), us(tr), us(tw), us(rr), us(rw)]);
}
console.log("elementwise: JS reference vs wasm incl. copies (µs)");
table(["length", "add ref", "add wasm", "relu ref", "relu wasm"], erows);
process.exit(0);
