// Reference row scans.

import type { Values } from "../kernels/elementwise.js";

export function sortRows(data: Values, rows: number, size: number, descending: boolean, vals: Float64Array, idx: Int32Array): void {
  const order = Array.from({ length: size }, (_, i) => i);
  const key = (v: number) => (v !== v ? Infinity : v);
  for (let r = 0; r < rows; r++) {
    const base = r * size;
    for (let i = 0; i < size; i++) order[i] = i;
    order.sort((i, j) => {
      const a = data[base + i], b = data[base + j];
      const c = a !== a || b !== b ? (a !== a ? 1 : 0) - (b !== b ? 1 : 0) : key(a) - key(b);
      return (descending ? -c : c) || i - j;
    });
    for (let i = 0; i < size; i++) { vals[base + i] = data[base + order[i]]; idx[base + i] = order[i]; }
  }
}

export function cumsumRows(x: Values, rows: number, size: number, out: Values): void {
  for (let r = 0; r < rows; r++) {
    let acc = 0;
    for (let i = 0; i < size; i++) { acc += x[r * size + i]; out[r * size + i] = acc; }
  }
}

export function prodGradRows(x: Values, g: Values, rows: number, size: number, out: Values): void {
  for (let r = 0; r < rows; r++) {
    const base = r * size;
    // d(prod)/dx_i = (product before i) * (product after i).
    let acc = 1;
    for (let i = 0; i < size; i++) { out[base + i] = acc; acc *= x[base + i]; }
    acc = 1;
    for (let i = size - 1; i >= 0; i--) { out[base + i] *= acc * g[r]; acc *= x[base + i]; }
  }
}
