// Cross-entropy over rows of c logits with class-index targets (the layout of logits
// [n, c] with inner = 1), forward and backward for rows [r0, r1), on f32x4. Same formulas as
// lib/backend/reference/loss.ts; w = 0: no class weights.

import { expV, logV } from "./transcendental";
import { expShiftSum, rowMax } from "./softmax";

@inline function f(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}
@inline function wt(w: usize, k: i32): f32 {
  return w ? load<f32>(f(w, k)) : <f32>1;
}

export function crossEntropyRowsRange(x: usize, target: usize, w: usize, loss: usize, lse: usize, c: i32, ignoreIndex: i32, eps: f32, r0: i32, r1: i32): void {
  const sm = eps / <f32>c;
  for (let r = r0; r < r1; r++) {
    const y = load<i32>(target + (<usize>r << 2));
    if (y == ignoreIndex) { store<f32>(f(loss, r), 0); store<f32>(f(lse, r), 0); continue; }
    const xr = f(x, r * c);
    let m = rowMax(xr, c);
    if (m == -Infinity) m = 0;
    const l = m + f32x4.extract_lane(logV(f32x4.splat(expShiftSum(xr, xr, c, m, false))), 0);
    store<f32>(f(lse, r), l);
    let acc = (<f32>1 - eps) * wt(w, y) * (l - load<f32>(f(xr, y)));
    if (eps > 0) {
      let smooth: f32 = 0;
      for (let k = 0; k < c; k++) smooth += wt(w, k) * (l - load<f32>(f(xr, k)));
      acc += sm * smooth;
    }
    store<f32>(f(loss, r), acc);
  }
}

/** coefPer = 0: every row's gradient scale is `coef`. wAll = Σ weights (c without weights). */
export function crossEntropyBackwardRowsRange(x: usize, target: usize, w: usize, lse: usize, coef: f32, coefPer: usize, dx: usize,
  c: i32, ignoreIndex: i32, eps: f32, wAll: f32, r0: i32, r1: i32): void {
  const sm = eps / <f32>c;
  for (let r = r0; r < r1; r++) {
    const xr = f(x, r * c), dr = f(dx, r * c);
    const y = load<i32>(target + (<usize>r << 2));
    if (y == ignoreIndex) { memory.fill(dr, 0, <usize>c << 2); continue; }
    const s = coefPer ? load<f32>(f(coefPer, r)) : coef;
    const l = f32x4.splat(load<f32>(f(lse, r)));
    const wy = wt(w, y);
    const a = f32x4.splat(s * ((<f32>1 - eps) * wy + sm * wAll));
    let k = 0;
    for (; k + 4 <= c; k += 4) {
      let v = f32x4.mul(expV(f32x4.sub(v128.load(f(xr, k)), l)), a);
      if (eps > 0) v = f32x4.sub(v, f32x4.mul(f32x4.splat(s * sm), w ? v128.load(f(w, k)) : f32x4.splat(1)));
      v128.store(f(dr, k), v);
    }
    for (; k < c; k++) {
      const e = f32x4.extract_lane(f32x4.mul(expV(f32x4.sub(f32x4.splat(load<f32>(f(xr, k))), l)), a), 0);
      store<f32>(f(dr, k), e - s * sm * wt(w, k));
    }
    store<f32>(f(dr, y), load<f32>(f(dr, y)) - s * (<f32>1 - eps) * wy);
  }
}
