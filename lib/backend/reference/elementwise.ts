// Reference elementwise kernels. Each op gets its own loop (the switch sits outside the
// loop) so V8 compiles tight code.

import type { Float, TypedArray } from "../../dtype.js";
import type { BinaryOp, UnaryOp } from "../kernels/elementwise.js";

// Any dtype: int32 and bool tensors use the same loops.
type Arr = TypedArray;

export function unary(op: UnaryOp, x: Arr, out: Arr): void {
  const n = x.length;
  switch (op) {
    case "neg": for (let i = 0; i < n; i++) out[i] = -x[i]; return;
    case "abs": for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]); return;
    case "exp": for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]); return;
    case "log": for (let i = 0; i < n; i++) out[i] = Math.log(x[i]); return;
    case "sqrt": for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]); return;
    case "rsqrt": for (let i = 0; i < n; i++) out[i] = 1 / Math.sqrt(x[i]); return;
    case "sin": for (let i = 0; i < n; i++) out[i] = Math.sin(x[i]); return;
    case "cos": for (let i = 0; i < n; i++) out[i] = Math.cos(x[i]); return;
    case "square": for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v * v; } return;
    case "reciprocal": for (let i = 0; i < n; i++) out[i] = 1 / x[i]; return;
    case "log1p": for (let i = 0; i < n; i++) out[i] = Math.log1p(x[i]); return;
    case "expm1": for (let i = 0; i < n; i++) out[i] = Math.expm1(x[i]); return;
    case "sign": for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v > 0 ? 1 : v < 0 ? -1 : v; } return;
    case "tanh": for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]); return;
    case "sigmoid": for (let i = 0; i < n; i++) out[i] = 1 / (1 + Math.exp(-x[i])); return;
    case "relu": for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v > 0 ? v : 0; } return;
  }
  throw new Error(`unary: unknown op ${String(op)}`);
}

export function binary(op: BinaryOp, a: Arr, b: Arr, out: Arr): void {
  const n = out.length;
  switch (op) {
    case "add": for (let i = 0; i < n; i++) out[i] = a[i] + b[i]; return;
    case "sub": for (let i = 0; i < n; i++) out[i] = a[i] - b[i]; return;
    case "mul": for (let i = 0; i < n; i++) out[i] = a[i] * b[i]; return;
    case "div": for (let i = 0; i < n; i++) out[i] = a[i] / b[i]; return;
    case "pow": for (let i = 0; i < n; i++) out[i] = Math.pow(a[i], b[i]); return;
    case "maximum": for (let i = 0; i < n; i++) { const x = a[i], y = b[i]; out[i] = x > y || x !== x ? x : y; } return;
    case "minimum": for (let i = 0; i < n; i++) { const x = a[i], y = b[i]; out[i] = x < y || x !== x ? x : y; } return;
  }
  throw new Error(`binary: unknown op ${String(op)}`);
}

export function binaryScalar(op: BinaryOp, x: Arr, s: number, out: Arr, scalarFirst: boolean): void {
  const n = x.length;
  if (scalarFirst) {
    switch (op) {
      case "add": for (let i = 0; i < n; i++) out[i] = s + x[i]; return;
      case "sub": for (let i = 0; i < n; i++) out[i] = s - x[i]; return;
      case "mul": for (let i = 0; i < n; i++) out[i] = s * x[i]; return;
      case "div": for (let i = 0; i < n; i++) out[i] = s / x[i]; return;
      case "pow": for (let i = 0; i < n; i++) out[i] = Math.pow(s, x[i]); return;
      default: break; // maximum/minimum are symmetric
    }
  }
  switch (op) {
    case "add": for (let i = 0; i < n; i++) out[i] = x[i] + s; return;
    case "sub": for (let i = 0; i < n; i++) out[i] = x[i] - s; return;
    case "mul": for (let i = 0; i < n; i++) out[i] = x[i] * s; return;
    case "div": for (let i = 0; i < n; i++) out[i] = x[i] / s; return;
    case "pow":
      if (s === 2) for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v * v; }
      else for (let i = 0; i < n; i++) out[i] = Math.pow(x[i], s);
      return;
    case "maximum":
      if (s !== s) { out.fill(NaN); return; }
      for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v > s || v !== v ? v : s; }
      return;
    case "minimum":
      if (s !== s) { out.fill(NaN); return; }
      for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v < s || v !== v ? v : s; }
      return;
  }
  throw new Error(`binaryScalar: unknown op ${String(op)}`);
}

export function reluMask(dy: Float, y: Float, out: Float): void {
  for (let i = 0, n = out.length; i < n; i++) out[i] = y[i] > 0 ? dy[i] : 0;
}

export function where(cond: Arr, a: Arr, b: Arr, out: Arr): void {
  const n = out.length, p = cond.length, sa = a.length === 1, sb = b.length === 1;
  if (p === 0 ? n !== 0 : n % p !== 0) throw new Error(`where: condition of ${p} elements does not repeat evenly over ${n}`);
  for (let i0 = 0; i0 < n; i0 += p) {
    for (let c = 0, i = i0; c < p; c++, i++) out[i] = cond[c] !== 0 ? a[sa ? 0 : i] : b[sb ? 0 : i];
  }
}

export function allEqual(a: Arr, b: Arr): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function allClose(a: Arr, b: Arr, rtol: number, atol: number): boolean {
  for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i] - b[i]) <= atol + rtol * Math.abs(b[i]))) return false;
  return true;
}
