// Loops over strided (possibly broadcast, possibly non-contiguous) operands. Used where the
// contiguous kernels do not apply: broadcasting binary ops, copies into/out of views, casts.
// The per-element expression is compiled once per op with `new Function`, so the inner loop is
// a tight loop without a call per element; dims are coalesced first so the inner loop is long.

import type { TypedArray } from "../dtype.js";

type Arr = TypedArray;
type Strided1 = (x: Arr, xo: number, xs: readonly number[], out: Arr, oo: number, os: readonly number[], shape: readonly number[]) => void;
type Strided2 = (x: Arr, xo: number, xs: readonly number[], y: Arr, yo: number, ys: readonly number[], out: Arr, oo: number, os: readonly number[], shape: readonly number[]) => void;

/** Element expressions over `a` (and `b`). Every value is read as a JS double. */
export const UNARY_EXPR = {
  copy: "a",
  toBool: "(a !== 0 ? 1 : 0)",
  logicalNot: "(a === 0 ? 1 : 0)",
} as const;

export const BINARY_EXPR = {
  add: "a + b", sub: "a - b", mul: "a * b", div: "a / b", pow: "Math.pow(a, b)",
  maximum: "(a > b || a !== a ? a : b)", minimum: "(a < b || a !== a ? a : b)",
  eq: "(a === b ? 1 : 0)", ne: "(a !== b ? 1 : 0)", lt: "(a < b ? 1 : 0)", le: "(a <= b ? 1 : 0)",
  gt: "(a > b ? 1 : 0)", ge: "(a >= b ? 1 : 0)",
  logicalAnd: "(a !== 0 && b !== 0 ? 1 : 0)", logicalOr: "(a !== 0 || b !== 0 ? 1 : 0)",
  // Integer division rounding toward -inf (PyTorch's floor_divide) and a remainder with the sign of b.
  floorDiv: "Math.floor(a / b)", remainder: "(a - Math.floor(a / b) * b)",
} as const;

export type UnaryExpr = keyof typeof UNARY_EXPR;
export type BinaryExpr = keyof typeof BINARY_EXPR;

const cache1 = new Map<string, Strided1>();
const cache2 = new Map<string, Strided2>();

function compile(arity: 1 | 2, expr: string): Strided1 | Strided2 {
  const y = arity === 2;
  const src = `
    const nd = shape.length;
    if (nd === 0) { const a = x[xo]; ${y ? "const b = y[yo];" : ""} out[oo] = ${expr}; return; }
    const n = shape[nd - 1], sx = xs[nd - 1], so = os[nd - 1]${y ? ", sy = ys[nd - 1]" : ""};
    let outer = 1;
    for (let d = 0; d < nd - 1; d++) outer *= shape[d];
    const idx = new Int32Array(nd);
    let px0 = xo, po0 = oo${y ? ", py0 = yo" : ""};
    for (let r = 0; r < outer; r++) {
      let px = px0, po = po0${y ? ", py = py0" : ""};
      for (let j = 0; j < n; j++) {
        const a = x[px]; ${y ? "const b = y[py];" : ""}
        out[po] = ${expr};
        px += sx; po += so; ${y ? "py += sy;" : ""}
      }
      for (let d = nd - 2; d >= 0; d--) {
        px0 += xs[d]; po0 += os[d]; ${y ? "py0 += ys[d];" : ""}
        if (++idx[d] < shape[d]) break;
        idx[d] = 0;
        px0 -= xs[d] * shape[d]; po0 -= os[d] * shape[d]; ${y ? "py0 -= ys[d] * shape[d];" : ""}
      }
    }`;
  const params = y ? ["x", "xo", "xs", "y", "yo", "ys", "out", "oo", "os", "shape"] : ["x", "xo", "xs", "out", "oo", "os", "shape"];
  return new Function(...params, src) as Strided1 | Strided2;
}

/**
 * Merges adjacent dims that every operand walks with a single stride and drops size-1 dims,
 * so e.g. a contiguous [64, 32, 32] copy becomes one loop of 65536.
 */
export function coalesce(shape: readonly number[], strides: (readonly number[])[]): [number[], number[][]] {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d];
    if (size === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k][last] === s[d] * size)) {
      outShape[last] *= size;
      strides.forEach((s, k) => { outStrides[k][last] = s[d]; });
    } else {
      outShape.push(size);
      strides.forEach((s, k) => outStrides[k].push(s[d]));
    }
  }
  return [outShape, outStrides];
}

function anyZero(shape: readonly number[]): boolean {
  for (const s of shape) if (s === 0) return true;
  return false;
}

/** out[...] = expr(x[...]) over `shape`, every operand with its own strides and offset. */
export function map1(expr: UnaryExpr, x: Arr, xo: number, xs: readonly number[], out: Arr, oo: number, os: readonly number[], shape: readonly number[]): void {
  if (anyZero(shape)) return;
  let fn = cache1.get(expr);
  if (!fn) { fn = compile(1, UNARY_EXPR[expr]) as Strided1; cache1.set(expr, fn); }
  const [cs, [cx, co]] = coalesce(shape, [xs, os]);
  fn(x, xo, cx, out, oo, co, cs);
}

/** out[...] = expr(x[...], y[...]) over `shape`. */
export function map2(expr: BinaryExpr, x: Arr, xo: number, xs: readonly number[], y: Arr, yo: number, ys: readonly number[], out: Arr, oo: number, os: readonly number[], shape: readonly number[]): void {
  if (anyZero(shape)) return;
  let fn = cache2.get(expr);
  if (!fn) { fn = compile(2, BINARY_EXPR[expr]) as Strided2; cache2.set(expr, fn); }
  const [cs, [cx, cy, co]] = coalesce(shape, [xs, ys, os]);
  fn(x, xo, cx, y, yo, cy, out, oo, co, cs);
}
