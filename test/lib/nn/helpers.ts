import { expect } from "vitest";
import { gradcheck, randn, type Tensor } from "../../../lib/index.js";
import type { Module } from "../../../lib/nn/index.js";

/** gradcheck of `m.forward(...inputs)` with respect to the inputs that require grad and every parameter. */
export function gradcheckModule(m: Module, inputs: Tensor[], forward?: (...xs: Tensor[]) => Tensor | Tensor[]): void {
  const run = forward ?? ((...xs: Tensor[]) => m.forward(...xs));
  expect(gradcheck(() => run(...inputs), [...inputs, ...m.parameters()], { atol: 1e-5, rtol: 1e-3 })).toBe(true);
}

export function rand64(shape: number[], requiresGrad = true): Tensor {
  return randn(shape, { dtype: "float64", requiresGrad });
}

export function expectAllClose(actual: unknown, expected: unknown, tol = 1e-5): void {
  const a = (Array.isArray(actual) ? actual.flat(Infinity) : [actual]) as number[];
  const e = (Array.isArray(expected) ? expected.flat(Infinity) : [expected]) as number[];
  expect(a.length).toBe(e.length);
  a.forEach((v, i) => {
    if (Math.abs(v - e[i]) > tol * (1 + Math.abs(e[i]))) {
      throw new Error(`element ${i}: ${v} differs from ${e[i]} by more than ${tol}`);
    }
  });
}

/** Plain nested-array 2-D matmul for references. */
export function mm(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
}

export const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
