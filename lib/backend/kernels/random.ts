// Fills from a random source (lib/random.ts's Generator: its stream decides the values, so
// results depend on the seed only), and the masks of dropout.

import type { Float } from "../../dtype.js";
import type { Values } from "./elementwise.js";

/** The draws the kernels use; lib/random.ts's Generator is one. */
export interface RandomSource {
  /** uniform in [0, 1) with float32 resolution */
  nextFloat(): number;
  /** uniform in [0, 1) with float64 resolution */
  nextDouble(): number;
  nextNormal(): number;
  /** an integer in [low, high) */
  nextInt(low: number, high: number): number;
}

export interface RandomKernels {
  /** out[i] uniform in [0, 1): float32 resolution, float64 resolution when `double`. */
  fillUniform(out: Values, gen: RandomSource, double: boolean): void;
  fillNormal(out: Values, gen: RandomSource): void;
  fillRandint(out: Values, gen: RandomSource, low: number, high: number): void;
  /** out = a uniformly random permutation of 0..out.length-1 (Fisher–Yates). */
  randperm(out: Values, gen: RandomSource): void;
  /**
   * `samples` category indices per row of non-negative weights w [rows, c] into out
   * [rows, samples]; without replacement a drawn category's weight drops to 0. Returns ""
   * or what is wrong ("a weight is negative or not finite: v", "a row's weights sum to zero").
   */
  multinomial(w: Values, rows: number, c: number, samples: number, replacement: boolean, gen: RandomSource, out: Int32Array): string;
  /** keep[u] = 1 with probability 1 − p (draws nextFloat() >= p), else 0. */
  bernoulliMask(keep: Uint8Array, p: number, gen: RandomSource): void;
  /** out[u·run + e] = keep[u] ? x[u·run + e]·scale : 0 (dropout forward and backward). */
  applyMask(x: Float, keep: Uint8Array, run: number, scale: number, out: Float): void;
}
