import { test, expect } from "vitest";
import { matmulF32 } from "../../../lib/backend/wasm/matmul.js";
import { getPool, setPoolThreads } from "../../../lib/backend/pool/index.js";
test("smoke", () => {
  const m = 300, n = 200, k = 150;
  const a = Float32Array.from({ length: m * k }, () => Math.random());
  const b = Float32Array.from({ length: k * n }, () => Math.random());
  const ref = new Float32Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) { let s = 0; for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j]; ref[i * n + j] = s; }
  for (const t of [1, 2, 3]) {
    setPoolThreads(t);
    const out = new Float32Array(m * n);
    const t0 = performance.now();
    matmulF32(a, b, out, { batch: 1, m, n, k, transA: false, transB: false, strideA: 0, strideB: 0 });
    console.log(t, performance.now() - t0, getPool()!.liveWorkers);
    let e = 0; for (let i = 0; i < out.length; i++) e = Math.max(e, Math.abs(out[i] - ref[i]));
    expect(e).toBeLessThan(1e-3);
  }
  setPoolThreads(2);
  expect(() => getPool()!.run("crashop", "__crash__", [[], []])).toThrow(/died/);
  const out = new Float32Array(m * n);
  matmulF32(a, b, out, { batch: 1, m, n, k, transA: false, transB: false, strideA: 0, strideB: 0 });
  let e = 0; for (let i = 0; i < out.length; i++) e = Math.max(e, Math.abs(out[i] - ref[i]));
  expect(e).toBeLessThan(1e-3);
});
