// The Adam/AdamW update of one parameter on f64x2: every product, sum, quotient and square
// root in float64 in the reference's order, rounded to f32 only when stored, so the result
// is bit-identical to reference/optimizer.ts (JS arithmetic is float64 too).

@inline function ld(p: usize, i: i32): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p + (<usize>i << 2)));
}
@inline function st(p: usize, i: i32, v: v128): void {
  v128.store64_lane(p + (<usize>i << 2), f32x4.demote_f64x2_zero(v), 0);
}

/**
 * Elements [i0, i1) of one parameter w with gradient g and moments m, v (vmax: AMSGrad's
 * running maximum, 0 without). plain = 1: no decay, no L2 term, not maximising (the
 * reference's short loop, whose gradient term is g itself).
 */
export function adamRange(w: usize, g: usize, m: usize, v: usize, vmax: usize, n: i32,
  b1: f64, c1: f64, b2: f64, c2: f64, eps: f64, decay: f64, l2: f64, sign: f64, stepSize: f64, bc2Sqrt: f64, plain: i32): void {
  const B1 = f64x2.splat(b1), C1 = f64x2.splat(c1), B2 = f64x2.splat(b2), C2 = f64x2.splat(c2);
  const EPS = f64x2.splat(eps), DEC = f64x2.splat(decay), L2 = f64x2.splat(l2), SG = f64x2.splat(sign);
  const SS = f64x2.splat(stepSize), BC = f64x2.splat(bc2Sqrt);
  const n2 = n & ~1;
  for (let i = 0; i < n2; i += 2) {
    let wi = ld(w, i);
    let gi = ld(g, i);
    if (!plain) {
      wi = f64x2.mul(wi, DEC);
      gi = f64x2.add(f64x2.mul(SG, gi), f64x2.mul(L2, wi));
    }
    const mi = f64x2.add(f64x2.mul(B1, ld(m, i)), f64x2.mul(C1, gi));
    const vi = f64x2.add(f64x2.mul(B2, ld(v, i)), f64x2.mul(f64x2.mul(C2, gi), gi));
    st(m, i, mi);
    st(v, i, vi);
    let vm = vi;
    if (vmax) {
      // the reference stores vi (rounded) and compares it as a double
      const old = ld(vmax, i);
      vm = v128.bitselect(vi, old, f64x2.gt(vi, old));
      st(vmax, i, vm);
    }
    const q = f64x2.div(f64x2.mul(SS, mi), f64x2.add(f64x2.div(f64x2.sqrt(vm), BC), EPS));
    st(w, i, f64x2.sub(wi, q));
  }
  for (let i = n2; i < n; i++) {
    let wi = <f64>load<f32>(w + (<usize>i << 2));
    let gi = <f64>load<f32>(g + (<usize>i << 2));
    if (!plain) {
      wi = wi * decay;
      gi = sign * gi + l2 * wi;
    }
    const mi = b1 * <f64>load<f32>(m + (<usize>i << 2)) + c1 * gi;
    const vi = b2 * <f64>load<f32>(v + (<usize>i << 2)) + c2 * gi * gi;
    store<f32>(m + (<usize>i << 2), <f32>mi);
    store<f32>(v + (<usize>i << 2), <f32>vi);
    let vm = vi;
    if (vmax) {
      const old = <f64>load<f32>(vmax + (<usize>i << 2));
      vm = vi > old ? vi : old;
      store<f32>(vmax + (<usize>i << 2), <f32>vm);
    }
    store<f32>(w + (<usize>i << 2), <f32>(wi - (stepSize * mi) / (f64.sqrt(vm) / bc2Sqrt + eps)));
  }
}

/** f64 slots per parameter in adamGroupRange's table: w, g, m, v, vmax, start, n, stepSize, bc2Sqrt. */
export const ADAM_SLOTS: i32 = 9;

/**
 * Elements [e0, e1) of a group of parameters laid end to end (parameter p holds elements
 * [start, start + n)), each updated as adamRange does: the unit one thread takes of a
 * whole optimizer step. Elements never interact, so any split gives the same bits.
 */
export function adamGroupRange(table: usize, count: i32, b1: f64, c1: f64, b2: f64, c2: f64, eps: f64, decay: f64, l2: f64, sign: f64,
  plain: i32, e0: i32, e1: i32): void {
  for (let p = 0; p < count; p++) {
    const t = table + (<usize>(p * ADAM_SLOTS) << 3);
    const start = <i32>load<f64>(t, 40), n = <i32>load<f64>(t, 48);
    const lo = max(e0, start), hi = min(e1, start + n);
    if (lo >= hi) continue;
    const off = <usize>(lo - start) << 2;
    const vmax = <usize>load<f64>(t, 32);
    adamRange(<usize>load<f64>(t) + off, <usize>load<f64>(t, 8) + off, <usize>load<f64>(t, 16) + off, <usize>load<f64>(t, 24) + off,
      vmax ? vmax + off : 0, hi - lo, b1, c1, b2, c2, eps, decay, l2, sign, load<f64>(t, 56), load<f64>(t, 64), plain);
  }
}
