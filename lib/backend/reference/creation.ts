// Reference creation fills.

import type { Values } from "../kernels/elementwise.js";

export function fillArange(out: Values, start: number, step: number): void {
  for (let i = 0; i < out.length; i++) out[i] = start + i * step;
}

export function fillLinspace(out: Values, start: number, end: number, step: number): void {
  const steps = out.length, half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) out[i] = i < half ? start + step * i : end - step * (steps - 1 - i);
}

export function fillEye(out: Values, rows: number, cols: number): void {
  for (let i = 0; i < Math.min(rows, cols); i++) out[i * cols + i] = 1;
}

export function fromNumbers(values: ArrayLike<number | boolean>, out: Values, bool: boolean): void {
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    out[i] = bool ? (v !== 0 ? 1 : 0) : v;
  }
}
