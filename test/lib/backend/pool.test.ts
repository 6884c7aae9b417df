// The worker pool: the same results for 1, 2 and 3 threads on every pooled kernel (with
// the split threshold lowered so small shapes are split too), lazy start, crash and hang
// recovery, and thread-count validation.
import { afterAll, describe, expect, test } from "vitest";
import { maxRelErr, randomF32, rng } from "./helpers.js";
import vm from "node:vm";
import { getPool, setPoolThreads } from "../../../lib/backend/wasm/threads.js";
import { dispatchTuning } from "../../../lib/backend/wasm/dispatch.js";
import { wasmKernels, wasmRuntime } from "../../../lib/backend/wasm/index.js";
import { referenceKernels as ref } from "../../../lib/backend/reference.js";
import type { Conv2dParams, Kernels, Pool2dParams } from "../../../lib/backend/kernels.js";

const saved = dispatchTuning.minWorkPerThread;
afterAll(() => {
  dispatchTuning.minWorkPerThread = saved;
  getPool()?.shutdown();
});

/** Runs every pooled kernel once with fixed inputs; returns all outputs concatenated. */
function runAll(k: Partial<Kernels> | Kernels): Float32Array[] {
  const rand = rng(2024);
  const outs: Float32Array[] = [];
  const a = randomF32(37 * 29, rand), b = randomF32(29 * 41, rand);
  let o = new Float32Array(37 * 41);
  k.matmul!(a, b, o, { batch: 1, m: 37, n: 41, k: 29, transA: false, transB: false, strideA: 0, strideB: 0 });
  outs.push(o);
  o = new Float32Array(2 * 3 * 41);
  k.matmul!(randomF32(3 * 29, rand), b, o, { batch: 2, m: 3, n: 41, k: 29, transA: true, transB: false, strideA: 0, strideB: 0 });
  outs.push(o); // short and wide: split by columns
  const cp: Conv2dParams = { n: 5, cIn: 4, h: 12, w: 11, cOut: 6, kh: 3, kw: 3, strideH: 1, strideW: 2,
    padH: 1, padW: 1, dilationH: 1, dilationW: 1, groups: 2, outH: 12, outW: 6 };
  const x = randomF32(5 * 4 * 12 * 11, rand), w = randomF32(6 * 2 * 9, rand), dy = randomF32(5 * 6 * 12 * 6, rand);
  o = new Float32Array(dy.length); k.conv2dForward!(x, w, o, cp); outs.push(o);
  o = new Float32Array(x.length); k.conv2dBackwardInput!(dy, w, o, cp); outs.push(o);
  o = new Float32Array(w.length); k.conv2dBackwardWeight!(x, dy, o, cp); outs.push(o);
  const pp: Pool2dParams = { n: 5, c: 4, h: 12, w: 11, kh: 2, kw: 2, strideH: 2, strideW: 2, padH: 0, padW: 1,
    dilationH: 1, dilationW: 1, outH: 6, outW: 6, countIncludePad: false };
  const pdy = randomF32(5 * 4 * 36, rand);
  const arg = new Int32Array(pdy.length);
  o = new Float32Array(pdy.length); k.maxPool2dForward!(x, o, arg, pp); outs.push(o, Float32Array.from(arg));
  o = new Float32Array(x.length); k.maxPool2dBackward!(pdy, arg, o, pp); outs.push(o);
  o = new Float32Array(pdy.length); k.avgPool2dForward!(x, o, pp); outs.push(o);
  o = new Float32Array(x.length); k.avgPool2dBackward!(pdy, o, pp); outs.push(o);
  const big = randomF32(40000, rand), big2 = randomF32(40000, rand);
  o = new Float32Array(big.length); k.binary!("mul", big, big2, o); outs.push(o);
  o = new Float32Array(big.length); k.binaryScalar!("sub", big, 2, o, true); outs.push(o);
  o = new Float32Array(big.length); k.unary!("relu", big, o); outs.push(o);
  o = new Float32Array(200); k.reduce!("sum", big, o, 200, 200, 1); outs.push(o);
  return outs;
}

describe("worker pool", () => {
  test("1, 2 and 3 threads agree with each other and with the reference", () => {
    dispatchTuning.minWorkPerThread = 1;
    const kernels = wasmKernels()!;
    const want = runAll(ref);
    const results = [1, 2, 3].map((t) => {
      setPoolThreads(t);
      return runAll(kernels);
    });
    expect(getPool()!.liveWorkers).toBe(2);
    for (const [t, got] of results.entries()) {
      for (let i = 0; i < want.length; i++) {
        expect(maxRelErr(got[i]!, want[i]!), `threads=${t + 1} output ${i}`).toBeLessThan(1e-5);
        expect(maxRelErr(got[i]!, results[0]![i]!), `threads=${t + 1} vs 1, output ${i}`).toBeLessThan(1e-5);
      }
    }
  });

  test("a crashed worker makes the op throw a clear error and is replaced", () => {
    setPoolThreads(2);
    const pool = getPool()!;
    expect(() => pool.run("testop", "__crash__", [[], []])).toThrow(/testop: pool worker 1 died/);
    // the next op respawns the worker and works
    const kernels = wasmKernels()!;
    dispatchTuning.minWorkPerThread = 1;
    const want = runAll(ref);
    const got = runAll(kernels);
    for (let i = 0; i < want.length; i++) expect(maxRelErr(got[i]!, want[i]!)).toBeLessThan(1e-5);
    expect(pool.liveWorkers).toBe(1);
  });

  test("a wasm trap in a part is reported as an error and the pool keeps working", () => {
    setPoolThreads(2);
    const pool = getPool()!;
    const bad = 0xfffff000; // far past the end of the shared memory
    expect(() => pool.run("relu", "unaryRange", [[6, 1024, 1024, 0, 0], [6, bad, bad, 0, 1024]])).toThrow(/^relu: .*out of bounds/);
    const got = runAll(wasmKernels()!);
    const want = runAll(ref);
    for (let i = 0; i < want.length; i++) expect(maxRelErr(got[i]!, want[i]!)).toBeLessThan(1e-5);
  });

  test("a worker that never finishes times out instead of hanging, and is replaced", () => {
    setPoolThreads(2);
    const pool = getPool()!;
    const before = pool.timeoutMs;
    pool.timeoutMs = 300;
    try {
      const t0 = Date.now();
      expect(() => pool.run("spin", "__hang__", [[], []])).toThrow(/spin: pool workers did not finish within 300 ms/);
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      pool.timeoutMs = before;
    }
    const got = runAll(wasmKernels()!);
    const want = runAll(ref);
    for (let i = 0; i < want.length; i++) expect(maxRelErr(got[i]!, want[i]!)).toBeLessThan(1e-5);
  });

  test("an op terminated mid-flight (like a notebook interrupt) does not corrupt the next one", () => {
    setPoolThreads(2);
    const pool = getPool()!;
    const rt = wasmRuntime()!;
    const n = 640;
    const a = randomF32(n * n, rng(1));
    rt.reset();
    const pa = rt.put(a), c1 = rt.alloc(n * n * 4), c2 = rt.alloc(n * n * 4);
    const wsBytes = rt.exports.sgemmWorkspaceBytes!(n, n, n) as number;
    const ws1 = rt.alloc(wsBytes), ws2 = rt.alloc(wsBytes);
    // ..., ws, no triangle, no offset tables, row strides n
    const part = (c: number, r0: number, r1: number, ws: number) => [1, n, n, n, 0, 0, 0, 0, pa, pa, c, r0, r1, 0, n, ws, 0, 0, 0, n, n, 0, n];
    try {
      // the worker gets nearly all rows; vm's timeout terminates the caller while it waits
      expect(() => vm.runInNewContext("run()", { run: () => pool.run("mm", "matmulRange", [part(c1, 0, 4, ws1), part(c1, 4, n, ws2)]) }, { timeout: 3 }))
        .toThrow(/timed out/);
      // the worker is still busy with that job: the next op must not mistake its completion for its own
      rt.f32.fill(NaN, c2 >> 2, (c2 >> 2) + n * n);
      pool.run("mm", "matmulRange", [part(c2, 0, 4, ws1), part(c2, 4, n, ws2)]);
      const got = rt.f32.slice(c2 >> 2, (c2 >> 2) + n * n);
      const want = new Float32Array(n * n);
      ref.matmul(a, a, want, { batch: 1, m: n, n, k: n, transA: false, transB: false, strideA: 0, strideB: 0 });
      expect(maxRelErr(got, want)).toBeLessThan(1e-4); // float32 over k = 640
    } finally {
      rt.reset();
    }
  });

  test("float32 arrays from another realm (a vm context, as in notebook cells) use the wasm path", () => {
    const kernels = wasmKernels()!;
    const ctx = vm.createContext({});
    const a = vm.runInContext("new Float32Array([1, 2, 3, 4])", ctx) as Float32Array;
    expect(a instanceof Float32Array).toBe(false);
    const out = new Float32Array(4);
    const rt = wasmRuntime()!;
    rt.op = "(none)";
    kernels.matmul!(a, a, out, { batch: 1, m: 2, n: 2, k: 2, transA: false, transB: false, strideA: 0, strideB: 0 });
    expect([...out]).toEqual([7, 10, 15, 22]);
    expect(rt.op).toBe("matmul"); // the arena was used: not the reference fallback
  });

  test("when no worker thread can be started, the parts run one after another on the caller", () => {
    setPoolThreads(3);
    const pool = getPool()!;
    pool.shutdown();
    const spawn = (pool as unknown as { spawn: unknown }).spawn;
    (pool as unknown as { spawn: () => never }).spawn = () => { throw new Error("EAGAIN: no threads"); };
    try {
      dispatchTuning.minWorkPerThread = 1;
      const want = runAll(ref);
      const got = runAll(wasmKernels()!);
      for (let i = 0; i < want.length; i++) expect(maxRelErr(got[i]!, want[i]!), `output ${i}`).toBeLessThan(1e-5);
      expect(pool.liveWorkers).toBe(0);
    } finally {
      (pool as unknown as { spawn: unknown }).spawn = spawn;
    }
  });

  test("workers poll for a bounded time: the same results with and without, and an idle pool sleeps", async () => {
    setPoolThreads(3);
    const pool = getPool()!;
    const before = pool.spinMicros;
    expect(before).toBeGreaterThan(0);
    expect(() => { pool.spinMicros = -1; }).toThrow(/spinMicros/);
    dispatchTuning.minWorkPerThread = 1;
    try {
      pool.spinMicros = 0;
      const sleeping = runAll(wasmKernels()!);
      pool.spinMicros = 5000; // long enough that the next op finds both workers still polling
      const polling = runAll(wasmKernels()!);
      for (let i = 0; i < sleeping.length; i++) expect(maxRelErr(polling[i]!, sleeping[i]!), `output ${i}`).toBe(0);
      // After the window the workers sleep: a quarter second idle costs far less CPU than
      // two threads polling through it (500 ms).
      await new Promise((r) => setTimeout(r, 50));
      const c0 = process.cpuUsage();
      await new Promise((r) => setTimeout(r, 250));
      const c = process.cpuUsage(c0);
      expect((c.user + c.system) / 1000).toBeLessThan(150);
    } finally {
      pool.spinMicros = before;
    }
  });

  test("setNumThreads validates its argument and shrinks the pool", () => {
    expect(() => setPoolThreads(0)).toThrow(/setNumThreads/);
    expect(() => setPoolThreads(1.5)).toThrow(/setNumThreads/);
    setPoolThreads(1);
    expect(getPool()!.liveWorkers).toBe(0);
  });
});
