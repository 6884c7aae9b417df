// Reference reductions over the middle axis of [outer, size, inner].

import type { TypedArray } from "../../dtype.js";
import type { ReduceOp } from "../kernels/reduce.js";

type Arr = TypedArray;

export function reduce(op: ReduceOp, x: Arr, out: Arr, outer: number, size: number, inner: number): void {
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      const base = o * size;
      let acc: number;
      switch (op) {
        case "sum": acc = 0; for (let r = 0; r < size; r++) acc += x[base + r]; break;
        case "prod": acc = 1; for (let r = 0; r < size; r++) acc *= x[base + r]; break;
        case "max":
          acc = size === 0 ? -Infinity : x[base];
          for (let r = 1; r < size; r++) { const v = x[base + r]; if (v > acc || (v !== v && acc === acc)) acc = v; }
          break;
        case "min":
          acc = size === 0 ? Infinity : x[base];
          for (let r = 1; r < size; r++) { const v = x[base + r]; if (v < acc || (v !== v && acc === acc)) acc = v; }
          break;
        default: throw new Error(`reduce: unknown op ${String(op)}`);
      }
      out[o] = acc;
    }
    return;
  }
  // Accumulate row by row so the inner loop walks memory contiguously. Sums accumulate in a
  // float64 scratch row so float32 results do not lose precision on long reductions.
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    if (size === 0) acc.fill(op === "sum" ? 0 : op === "prod" ? 1 : op === "max" ? -Infinity : Infinity);
    else for (let i = 0; i < inner; i++) acc[i] = x[base + i];
    for (let r = 1; r < size; r++) {
      const rb = base + r * inner;
      switch (op) {
        case "sum": for (let i = 0; i < inner; i++) acc[i] += x[rb + i]; break;
        case "prod": for (let i = 0; i < inner; i++) acc[i] *= x[rb + i]; break;
        case "max": for (let i = 0; i < inner; i++) { const v = x[rb + i], a = acc[i]; if (v > a || (v !== v && a === a)) acc[i] = v; } break;
        case "min": for (let i = 0; i < inner; i++) { const v = x[rb + i], a = acc[i]; if (v < a || (v !== v && a === a)) acc[i] = v; } break;
        default: throw new Error(`reduce: unknown op ${String(op)}`);
      }
    }
    const ob = o * inner;
    for (let i = 0; i < inner; i++) out[ob + i] = acc[i];
  }
}

export function argReduce(op: "max" | "min", x: Arr, values: Arr, indices: Int32Array, outer: number, size: number, inner: number): void {
  const isMax = op === "max";
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    for (let i = 0; i < inner; i++) {
      let best = x[base + i], bi = 0;
      for (let r = 1; r < size; r++) {
        if (best !== best) break; // NaN wins and stays
        const v = x[base + r * inner + i];
        if (isMax ? v > best || v !== v : v < best || v !== v) { best = v; bi = r; }
      }
      values[o * inner + i] = best;
      indices[o * inner + i] = bi;
    }
  }
}
