// Softmax / log-softmax of contiguous rows, its backward, and the attention weights
// softmax(scale·scores + mask) with an optional causal limit, on f32x4 for rows [r0, r1).
// Same formulas as lib/backend/reference/softmax.ts (sums in f32 here).

import { expV, logV } from "./transcendental";

@inline function f(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}
@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}
@inline function maxNaN(a: f32, b: f32): f32 {
  return a != a || b != b ? NaN : max(a, b);
}

/** max of n values at p (NaN if any is NaN); −∞ for n = 0. */
export function rowMax(p: usize, n: i32): f32 {
  let j = 0;
  let m: f32 = -Infinity;
  if (n >= 4) {
    let mv = v128.load(p);
    for (j = 4; j + 4 <= n; j += 4) mv = f32x4.max(mv, v128.load(f(p, j)));
    m = maxNaN(maxNaN(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), maxNaN(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
  }
  for (; j < n; j++) m = maxNaN(m, load<f32>(f(p, j)));
  return m;
}

/** out[j] = e^(x[j] − m) for j < n (when store), returning Σ. */
export function expShiftSum(x: usize, out: usize, n: i32, m: f32, keep: bool): f32 {
  const mv = f32x4.splat(m);
  let sv = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const e = expV(f32x4.sub(v128.load(f(x, j)), mv));
    if (keep) v128.store(f(out, j), e);
    sv = f32x4.add(sv, e);
  }
  let s = hsum(sv);
  for (; j < n; j++) {
    const e = f32x4.extract_lane(expV(f32x4.splat(load<f32>(f(x, j)) - m)), 0);
    if (keep) store<f32>(f(out, j), e);
    s += e;
  }
  return s;
}

@inline function scaleRow(p: usize, n: i32, k: f32): void {
  const kv = f32x4.splat(k);
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(f(p, j), f32x4.mul(v128.load(f(p, j)), kv));
  for (; j < n; j++) store<f32>(f(p, j), load<f32>(f(p, j)) * k);
}

export function softmaxRowsRange(x: usize, out: usize, size: i32, log: i32, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const xr = f(x, r * size), or = f(out, r * size);
    let m = rowMax(xr, size);
    if (m == -Infinity) m = 0; // all −∞: avoid ∞ − ∞
    const s = expShiftSum(xr, or, size, m, !log);
    if (log) {
      // logV, not Mathf.log: the module keeps no static data (its lookup tables would sit
      // where the arena starts)
      const lse = m + f32x4.extract_lane(logV(f32x4.splat(s)), 0);
      const lv = f32x4.splat(lse);
      let j = 0;
      for (; j + 4 <= size; j += 4) v128.store(f(or, j), f32x4.sub(v128.load(f(xr, j)), lv));
      for (; j < size; j++) store<f32>(f(or, j), load<f32>(f(xr, j)) - lse);
    } else {
      scaleRow(or, size, <f32>1 / s);
    }
  }
}

export function softmaxBackwardRowsRange(y: usize, g: usize, dx: usize, size: i32, log: i32, scale: f32, r0: i32, r1: i32): void {
  const kv = f32x4.splat(scale);
  for (let r = r0; r < r1; r++) {
    const yr = f(y, r * size), gr = f(g, r * size), dr = f(dx, r * size);
    let sv = f32x4.splat(0);
    let j = 0;
    if (log) {
      for (; j + 4 <= size; j += 4) sv = f32x4.add(sv, v128.load(f(gr, j)));
      let s = hsum(sv);
      for (; j < size; j++) s += load<f32>(f(gr, j));
      const ss = f32x4.splat(s);
      for (j = 0; j + 4 <= size; j += 4) {
        const e = expV(v128.load(f(yr, j)));
        v128.store(f(dr, j), f32x4.mul(kv, f32x4.sub(v128.load(f(gr, j)), f32x4.mul(e, ss))));
      }
      for (; j < size; j++) {
        const e = f32x4.extract_lane(expV(f32x4.splat(load<f32>(f(yr, j)))), 0);
        store<f32>(f(dr, j), scale * (load<f32>(f(gr, j)) - e * s));
      }
    } else {
      for (; j + 4 <= size; j += 4) sv = f32x4.add(sv, f32x4.mul(v128.load(f(gr, j)), v128.load(f(yr, j))));
      let s = hsum(sv);
      for (; j < size; j++) s += load<f32>(f(gr, j)) * load<f32>(f(yr, j));
      const ss = f32x4.splat(s);
      for (j = 0; j + 4 <= size; j += 4) {
        const yv = v128.load(f(yr, j));
        v128.store(f(dr, j), f32x4.mul(f32x4.mul(kv, yv), f32x4.sub(v128.load(f(gr, j)), ss)));
      }
      for (; j < size; j++) store<f32>(f(dr, j), scale * load<f32>(f(yr, j)) * (load<f32>(f(gr, j)) - s));
    }
  }
}

/**
 * Rows r = b·L + i of `batch` [L, S] score matrices: out = softmax(scale·x + mask) over the
 * first `end` keys (end = i + 1 when causal, else S), zeros after. mask = 0: none.
 */
export function attentionSoftmaxRange(x: usize, mask: usize, maskStride: i32, out: usize, L: i32, S: i32, scale: f32, causal: i32, r0: i32, r1: i32): void {
  const kv = f32x4.splat(scale);
  for (let r = r0; r < r1; r++) {
    const b = r / L, i = r - b * L;
    const xr = f(x, r * S), or = f(out, r * S);
    const mr = f(mask, b * maskStride + i * S);
    const end = causal ? min(S, i + 1) : S;
    let j = 0;
    for (; j + 4 <= end; j += 4) {
      let v = f32x4.mul(kv, v128.load(f(xr, j)));
      if (mask) v = f32x4.add(v, v128.load(f(mr, j)));
      v128.store(f(or, j), v);
    }
    for (; j < end; j++) store<f32>(f(or, j), scale * load<f32>(f(xr, j)) + (mask ? load<f32>(f(mr, j)) : <f32>0));
    let m = rowMax(or, end);
    if (m == -Infinity) m = 0;
    const s = expShiftSum(or, or, end, m, true);
    scaleRow(or, end, <f32>1 / s);
    for (j = end; j < S; j++) store<f32>(f(or, j), 0);
  }
}
