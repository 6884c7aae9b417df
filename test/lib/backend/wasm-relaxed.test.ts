// The relaxed-SIMD build of the module (fused multiply-adds in the GEMM) against the plain
// build: chosen only where the engine validates it, and equal to the plain build within
// float32 rounding. The comparison runs in a child Node with --experimental-wasm-relaxed-simd
// (Node 20 needs the flag; this test process does not have it).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { preferredBuild, wasmPath } from "../../../lib/backend/wasm/runtime.js";

const plain = wasmPath("simd"), relaxed = wasmPath("relaxed-simd");

// Runs sgemm of both builds on the same inputs (shapes with full and edge tiles, k past one
// KC block) and reports each build's largest error against a float64 product.
const CHILD = String.raw`
const fs = require("fs");
const [plainFile, relaxedFile] = process.argv.slice(1);
function load(file) {
  const memory = new WebAssembly.Memory({ initial: 512, maximum: 65536, shared: true });
  const inst = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(file)), { env: { memory } });
  return { e: inst.exports, f32: new Float32Array(memory.buffer) };
}
let seed = 1;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
const out = { validates: WebAssembly.validate(fs.readFileSync(relaxedFile)), shapes: [] };
for (const [m, n, k] of [[4, 8, 16], [37, 29, 300], [64, 64, 64], [5, 3, 7], [128, 96, 513]]) {
  const a = Float32Array.from({ length: m * k }, rand), b = Float32Array.from({ length: k * n }, rand);
  const want = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) { let s = 0; for (let q = 0; q < k; q++) s += a[i * k + q] * b[q * n + j]; want[i * n + j] = s; }
  const errs = [];
  const results = [];
  for (const file of [plainFile, relaxedFile]) {
    const { e, f32 } = load(file);
    const pa = 1024, pb = pa + m * k * 4, pc = pb + k * n * 4, ws = pc + m * n * 4 + 64;
    f32.set(a, pa >> 2); f32.set(b, pb >> 2);
    e.sgemm(m, n, k, pa, k, 1, pb, n, 1, pc, n, 0, ws);
    const c = f32.slice(pc >> 2, (pc >> 2) + m * n);
    results.push(c);
    let err = 0;
    for (let i = 0; i < m * n; i++) err = Math.max(err, Math.abs(c[i] - want[i]) / Math.sqrt(k));
    errs.push(err);
  }
  let diff = 0;
  for (let i = 0; i < m * n; i++) diff = Math.max(diff, Math.abs(results[0][i] - results[1][i]) / Math.sqrt(k));
  out.shapes.push({ m, n, k, plainErr: errs[0], relaxedErr: errs[1], diff });
}
console.log(JSON.stringify(out));
`;

describe("relaxed-SIMD build", () => {
  test("both builds exist; without the engine flag the plain one is chosen", () => {
    expect(plain).not.toBeNull();
    expect(relaxed).not.toBeNull();
    const probe = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly;
    const relaxedRuns = probe.validate(readFileSync(relaxed!));
    expect(preferredBuild()).toBe(relaxedRuns ? "relaxed-simd" : "simd");
  });

  test("sgemm of the relaxed build equals the plain build within float32 rounding", () => {
    const flags = Number(process.versions.node.split(".")[0]) < 21 ? ["--experimental-wasm-relaxed-simd"] : [];
    const r = JSON.parse(execFileSync(process.execPath, [...flags, "-e", CHILD, plain!, relaxed!], { encoding: "utf8" })) as {
      validates: boolean; shapes: { m: number; n: number; k: number; plainErr: number; relaxedErr: number; diff: number }[];
    };
    expect(r.validates).toBe(true);
    for (const s of r.shapes) {
      const label = `${s.m}x${s.n}x${s.k}`;
      expect(s.plainErr, label).toBeLessThan(1e-5);
      expect(s.relaxedErr, label).toBeLessThan(1e-5);
      expect(s.diff, label).toBeLessThan(2e-6);
    }
  });
});
