// Reference strided kernels. Dims are coalesced first (adjacent dims every operand walks
// with one stride merge, size-1 dims drop), so the innermost row is as long as possible;
// each row then runs one op's own loop (the switch sits outside the loop).

import type { Values } from "../kernels/elementwise.js";
import type { StridedBinaryOp, StridedUnaryOp } from "../kernels/strided.js";

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

function unaryRow(op: StridedUnaryOp, x: Values, px: number, sx: number, out: Values, po: number, so: number, n: number): void {
  switch (op) {
    case "copy":
      if (sx === 1 && so === 1 && x !== out) {
        // Same element type: a memcpy (this loop is polymorphic over the array types, and slow).
        if (n >= 8 && x.constructor === out.constructor) out.set(x.subarray(px, px + n) as never, po);
        else for (let j = 0; j < n; j++) out[po + j] = x[px + j];
        return;
      }
      for (let j = 0; j < n; j++, px += sx, po += so) out[po] = x[px];
      return;
    case "toBool": for (let j = 0; j < n; j++, px += sx, po += so) out[po] = x[px] !== 0 ? 1 : 0; return;
    case "logicalNot": for (let j = 0; j < n; j++, px += sx, po += so) out[po] = x[px] === 0 ? 1 : 0; return;
  }
  throw new Error(`stridedUnary: unknown op ${String(op)}`);
}

function binaryRow(op: StridedBinaryOp, x: Values, px: number, sx: number, y: Values, py: number, sy: number,
  out: Values, po: number, so: number, n: number): void {
  switch (op) {
    case "add": for (let j = 0; j < n; j++, px += sx, py += sy, po += so) out[po] = x[px] + y[py]; return;
    case "sub": for (let j = 0; j < n; j++, px += sx, py += sy, po += so) out[po] = x[px] - y[py]; return;
    case "mul": for (let j = 0; j < n; j++, px += sx, py += sy, po += so) out[po] = x[px] * y[py]; return;
    case "div": for (let j = 0; j < n; j++, px += sx, py += sy, po += so) out[po] = x[px] / y[py]; return;
    case "pow": for (let j = 0; j < n; j++, px += sx, py += sy, po += so) out[po] = Math.pow(x[px], y[py]); return;
    case "maximum":
      for (let j = 0; j < n; j++, px += sx, py += sy, po += so) { const a = x[px], b = y[py]; out[po] = a > b || a !== a ? a : b; }
      return;
    case "minimum":
      for (let j = 0; j < n; j++, px += sx, py += sy, po += so) { const a = x[px], b = y[py]; out[po] = a < b || a !== a ? a : b; }
      return;
    case "eq": for (let j = 0; j < n; j++, px += sx, py += sy, po += so) out[po] = x[px] === y[py] ? 1 : 0; return;
    case "ne": for (let j = 0; j < n; j++, px += sx, py += sy, po += so) out[po] = x[px] !== y[py] ? 1 : 0; return;
    case "lt": for (let j = 0; j < n; j++, px += sx, py += sy, po += so) out[po] = x[px] < y[py] ? 1 : 0; return;
    case "le": for (let j = 0; j < n; j++, px += sx, py += sy, po += so) out[po] = x[px] <= y[py] ? 1 : 0; return;
    case "gt": for (let j = 0; j < n; j++, px += sx, py += sy, po += so) out[po] = x[px] > y[py] ? 1 : 0; return;
    case "ge": for (let j = 0; j < n; j++, px += sx, py += sy, po += so) out[po] = x[px] >= y[py] ? 1 : 0; return;
    case "logicalAnd": for (let j = 0; j < n; j++, px += sx, py += sy, po += so) out[po] = x[px] !== 0 && y[py] !== 0 ? 1 : 0; return;
    case "logicalOr": for (let j = 0; j < n; j++, px += sx, py += sy, po += so) out[po] = x[px] !== 0 || y[py] !== 0 ? 1 : 0; return;
    case "floorDiv": for (let j = 0; j < n; j++, px += sx, py += sy, po += so) out[po] = Math.floor(x[px] / y[py]); return;
    case "remainder":
      for (let j = 0; j < n; j++, px += sx, py += sy, po += so) { const a = x[px], b = y[py]; out[po] = a - Math.floor(a / b) * b; }
      return;
  }
  throw new Error(`stridedBinary: unknown op ${String(op)}`);
}

/**
 * Calls row(offsets..., n) for every innermost row of `shape` (coalesced, non-empty, at
 * least one dim), walking the outer dims like an odometer.
 */
function forEachRow(shape: number[], strides: number[][], row: (offsets: number[], n: number) => void, offsets: number[]): void {
  const nd = shape.length;
  const n = shape[nd - 1];
  let outer = 1;
  for (let d = 0; d < nd - 1; d++) outer *= shape[d];
  const idx = new Int32Array(nd);
  const k = offsets.length;
  const cur = offsets.slice();
  for (let r = 0; r < outer; r++) {
    row(cur, n);
    for (let d = nd - 2; d >= 0; d--) {
      for (let q = 0; q < k; q++) cur[q] += strides[q][d];
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
      for (let q = 0; q < k; q++) cur[q] -= strides[q][d] * shape[d];
    }
  }
}

// float32 copies and adds (gradient accumulation into views, strided outputs) in loops of
// their own: V8 keeps element-access feedback per function, and the shared row loops above
// see every array type, which makes each access several times slower.
function copyRowF32(x: Float32Array, px: number, sx: number, out: Float32Array, po: number, so: number, n: number): void {
  for (let j = 0; j < n; j++, px += sx, po += so) out[po] = x[px]!;
}

function addRowF32(x: Float32Array, px: number, sx: number, y: Float32Array, py: number, sy: number, out: Float32Array, po: number, so: number, n: number): void {
  for (let j = 0; j < n; j++, px += sx, py += sy, po += so) out[po] = x[px]! + y[py]!;
}

const isF32 = (v: Values): v is Float32Array => v instanceof Float32Array;

export function stridedUnary(op: StridedUnaryOp, x: Values, xo: number, xs: readonly number[],
  out: Values, oo: number, os: readonly number[], shape: readonly number[]): void {
  if (shape.includes(0)) return;
  const [cs, [cx, co]] = coalesce(shape, [xs, os]);
  if (cs.length === 0) { unaryRow(op, x, xo, 0, out, oo, 0, 1); return; }
  const sx = cx![cs.length - 1], so = co![cs.length - 1];
  if (op === "copy" && (sx !== 1 || so !== 1) && isF32(x) && isF32(out)) {
    forEachRow(cs, [cx!, co!], (p, n) => copyRowF32(x, p[0], sx, out, p[1], so, n), [xo, oo]);
    return;
  }
  forEachRow(cs, [cx!, co!], (p, n) => unaryRow(op, x, p[0], sx, out, p[1], so, n), [xo, oo]);
}

export function stridedBinary(op: StridedBinaryOp, x: Values, xo: number, xs: readonly number[],
  y: Values, yo: number, ys: readonly number[], out: Values, oo: number, os: readonly number[], shape: readonly number[]): void {
  if (shape.includes(0)) return;
  const [cs, [cx, cy, co]] = coalesce(shape, [xs, ys, os]);
  if (cs.length === 0) { binaryRow(op, x, xo, 0, y, yo, 0, out, oo, 0, 1); return; }
  const last = cs.length - 1;
  const sx = cx![last], sy = cy![last], so = co![last];
  if (op === "add" && isF32(x) && isF32(y) && isF32(out)) {
    forEachRow(cs, [cx!, cy!, co!], (p, n) => addRowF32(x, p[0], sx, y, p[1], sy, out, p[2], so, n), [xo, yo, oo]);
    return;
  }
  forEachRow(cs, [cx!, cy!, co!], (p, n) => binaryRow(op, x, p[0], sx, y, p[1], sy, out, p[2], so, n), [xo, yo, oo]);
}
