// Reference random fills and dropout masks.

import type { Float } from "../../dtype.js";
import type { Values } from "../kernels/elementwise.js";
import type { RandomSource } from "../kernels/random.js";

export function fillUniform(out: Values, gen: RandomSource, double: boolean): void {
  if (double) for (let i = 0; i < out.length; i++) out[i] = gen.nextDouble();
  else for (let i = 0; i < out.length; i++) out[i] = gen.nextFloat();
}

export function fillNormal(out: Values, gen: RandomSource): void {
  for (let i = 0; i < out.length; i++) out[i] = gen.nextNormal();
}

export function fillRandint(out: Values, gen: RandomSource, low: number, high: number): void {
  for (let i = 0; i < out.length; i++) out[i] = gen.nextInt(low, high);
}

export function randperm(out: Values, gen: RandomSource): void {
  const n = out.length;
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = gen.nextInt(0, i + 1);
    const tmp = out[i]; out[i] = out[j]; out[j] = tmp;
  }
}

export function multinomial(p: Values, rows: number, c: number, samples: number, replacement: boolean, gen: RandomSource, out: Int32Array): string {
  const w = new Float64Array(c);
  for (let r = 0; r < rows; r++) {
    let total = 0;
    for (let j = 0; j < c; j++) {
      const v = p[r * c + j];
      if (!(v >= 0) || !Number.isFinite(v)) return `probabilities must be finite and non-negative, got ${v}`;
      w[j] = v; total += v;
    }
    for (let s = 0; s < samples; s++) {
      if (!(total > 0)) return "the weights of a row sum to zero";
      let u = gen.nextDouble() * total, k = 0;
      while (k < c - 1 && (u >= w[k] || w[k] === 0)) { u -= w[k]; k++; }
      while (w[k] === 0 && k > 0) k--; // rounding at the end: fall back to the last non-zero weight
      out[r * samples + s] = k;
      if (!replacement) { total -= w[k]; w[k] = 0; }
    }
  }
  return "";
}

export function bernoulliMask(keep: Uint8Array, p: number, gen: RandomSource): void {
  for (let u = 0; u < keep.length; u++) keep[u] = gen.nextFloat() >= p ? 1 : 0;
}

export function applyMask(x: Float, keep: Uint8Array, run: number, scale: number, out: Float): void {
  for (let u = 0, i = 0; u < keep.length; u++) {
    if (keep[u]) for (let e = 0; e < run; e++, i++) out[i] = x[i] * scale;
    else for (let e = 0; e < run; e++, i++) out[i] = 0;
  }
}
