// SIMD exp / log / tanh / sigmoid on f32x4 (four lanes at once, ~1 ulp-level accuracy for
// float32), so these ops do not fall back to one Math.exp call per element.
//   exp: x = n·ln2 + r, |r| <= ln2/2 (Cody–Waite split of ln2), e^r by its Taylor series to
//        r^7, times 2^n built in the exponent bits (in two halves so n may reach ±150);
//        0 for x ≤ −104 without computing it.
//   log: x = m·2^e with m in [√½, √2), log m = 2·atanh(s), s = (m−1)/(m+1), odd series to s^11.
//   tanh: |x| < 0.625 odd polynomial (Cephes' tanhf coefficients), else 1 − 2/(e^{2|x|}+1).
//   sigmoid: 1/(1 + e^−x).

import { madd } from "./madd";

@inline function pow2i(n: v128, bias: v128): v128 {
  // 2^n for integer lanes n in [-126, 127] (bias: 127 in every lane)
  return i32x4.shl(i32x4.add(n, bias), 23);
}

/**
 * expV's constants as a table in memory (bytes [EXP_K, EXP_K + 240), below the arena),
 * written once at load by transcendentalInit (runtime.ts): loaded where used, each costs one
 * load instead of the three instructions V8 spends rebuilding a vector constant from
 * immediates at every use inside a loop (exp of 2^19 floats: 1.6× faster).
 */
const EXP_K: usize = 256;
export function transcendentalInit(): void {
  v128.store(EXP_K, f32x4.splat(89.0), 0);
  v128.store(EXP_K, f32x4.splat(-104.0), 16);
  v128.store(EXP_K, f32x4.splat(1.44269504088896341), 32);
  v128.store(EXP_K, f32x4.splat(0.693359375), 48);
  v128.store(EXP_K, f32x4.splat(-2.12194440e-4), 64);
  v128.store(EXP_K, f32x4.splat(1.0 / 5040.0), 80);
  v128.store(EXP_K, f32x4.splat(1.0 / 720.0), 96);
  v128.store(EXP_K, f32x4.splat(1.0 / 120.0), 112);
  v128.store(EXP_K, f32x4.splat(1.0 / 24.0), 128);
  v128.store(EXP_K, f32x4.splat(1.0 / 6.0), 144);
  v128.store(EXP_K, f32x4.splat(0.5), 160);
  v128.store(EXP_K, f32x4.splat(1.0), 176);
  v128.store(EXP_K, i32x4.splat(127), 192);
  v128.store(EXP_K, f32x4.splat(Infinity), 208);
  v128.store(EXP_K, f32x4.splat(88.72283905206835), 224);
}

@inline function k(off: usize): v128 {
  return v128.load(EXP_K + off);
}

@inline export function expV(x: v128): v128 {
  // x ≤ −104 (−∞: a masked score) rounds to 0: computed from 0 instead and zeroed at the end,
  // as the product below would be a subnormal, which x86 makes ~100× slower (a microcode
  // assist per lane). pmin is one instruction (min with NaN semantics is several); NaN stays NaN.
  const dead = f32x4.le(x, k(16));
  const xc = v128.andnot(f32x4.pmin(x, k(0)), dead);
  const nf = f32x4.nearest(f32x4.mul(xc, k(32)));
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(nf, k(48))), f32x4.mul(nf, k(64)));
  // Horner steps as multiply-adds: fused in the relaxed build (one instruction, one rounding)
  let p = k(80);
  p = madd(p, r, k(96));
  p = madd(p, r, k(112));
  p = madd(p, r, k(128));
  p = madd(p, r, k(144));
  p = madd(p, r, k(160));
  const one = k(176);
  p = madd(p, r, one);
  p = madd(p, r, one);
  const n = i32x4.trunc_sat_f32x4_s(nf);
  const h = i32x4.shr_s(n, 1);
  const bias = k(192);
  let y = f32x4.mul(f32x4.mul(p, pow2i(h, bias)), pow2i(i32x4.sub(n, h), bias));
  y = v128.bitselect(k(208), y, f32x4.gt(x, k(224)));
  return v128.andnot(y, dead);
}

@inline export function logV(x: v128): v128 {
  // scale subnormals into the normal range first
  const tiny = f32x4.lt(x, f32x4.splat(1.17549435e-38));
  const xs = v128.bitselect(f32x4.mul(x, f32x4.splat(8388608.0)), x, tiny);
  const bits = xs;
  let e = i32x4.sub(i32x4.shr_u(bits, 23), i32x4.splat(127));
  let m = v128.or(v128.and(bits, i32x4.splat(0x007fffff)), i32x4.splat(0x3f800000)); // [1, 2)
  const big = f32x4.gt(m, f32x4.splat(1.41421356));
  m = v128.bitselect(f32x4.mul(m, f32x4.splat(0.5)), m, big);
  e = i32x4.sub(e, big); // big lanes are -1: e + 1
  e = v128.bitselect(i32x4.sub(e, i32x4.splat(23)), e, tiny);
  const s = f32x4.div(f32x4.sub(m, f32x4.splat(1)), f32x4.add(m, f32x4.splat(1)));
  const z = f32x4.mul(s, s);
  let p = f32x4.splat(2.0 / 11.0);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.0 / 9.0));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.0 / 7.0));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.0 / 5.0));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.0 / 3.0));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.0));
  const ef = f32x4.convert_i32x4_s(e);
  let y = f32x4.add(f32x4.mul(p, s), f32x4.mul(ef, f32x4.splat(0.693147180559945)));
  // special values: 0 -> -inf, negative -> NaN, +inf -> +inf, NaN -> NaN
  y = v128.bitselect(f32x4.splat(-Infinity), y, f32x4.eq(x, f32x4.splat(0)));
  y = v128.bitselect(f32x4.splat(NaN), y, v128.or(f32x4.lt(x, f32x4.splat(0)), f32x4.ne(x, x)));
  y = v128.bitselect(x, y, f32x4.eq(x, f32x4.splat(Infinity)));
  return y;
}

@inline export function tanhV(x: v128): v128 {
  const a = f32x4.abs(x);
  const s = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, s), f32x4.splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, s), f32x4.splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, s), f32x4.splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, s), f32x4.splat(-3.33332819422e-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, s), x), x);
  const e = expV(f32x4.add(a, a));
  const large = f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(e, f32x4.splat(1))));
  const y = v128.bitselect(small, large, f32x4.lt(a, f32x4.splat(0.625)));
  // odd function: |y| with the sign of x (keeps tanh(-0) = -0 and tanh(NaN) = NaN)
  return v128.or(f32x4.abs(y), v128.and(x, i32x4.splat(0x80000000)));
}

@inline export function sigmoidV(x: v128): v128 {
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), expV(f32x4.neg(x))));
}

// Gate versions for the LSTM cell, where five of these per hidden unit bound the step:
// exp with its input clamped to [-87.3, 88.4] (one 2^n; e^x saturates at ~2.4e38 and ~1.2e-38,
// which changes σ and tanh by less than 1e-38), Cephes' expf polynomial, and multiply-adds
// (fused in the relaxed build) throughout.
@inline function expGateV(x: v128): v128 {
  const xc = f32x4.pmax(f32x4.pmin(x, f32x4.splat(88.3762626647949)), f32x4.splat(-87.3365447505531));
  const nf = f32x4.nearest(f32x4.mul(xc, f32x4.splat(1.44269504088896341)));
  const r = madd(nf, f32x4.splat(2.12194440e-4), madd(nf, f32x4.splat(-0.693359375), xc));
  let p = madd(f32x4.splat(1.9875691500e-4), r, f32x4.splat(1.3981999507e-3));
  p = madd(p, r, f32x4.splat(8.3334519073e-3));
  p = madd(p, r, f32x4.splat(4.1665795894e-2));
  p = madd(p, r, f32x4.splat(1.6666665459e-1));
  p = madd(p, r, f32x4.splat(5.0000001201e-1));
  const e = f32x4.add(madd(p, f32x4.mul(r, r), r), f32x4.splat(1));
  return f32x4.mul(e, pow2i(i32x4.trunc_sat_f32x4_s(nf), i32x4.splat(127)));
}

/** σ(x) = 1/(1 + e^−x) with expGateV. */
@inline export function sigmoidGateV(x: v128): v128 {
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), expGateV(f32x4.neg(x))));
}

/** tanh as tanhV (same split and small-|x| polynomial) with expGateV and multiply-adds. */
@inline export function tanhGateV(x: v128): v128 {
  const a = f32x4.abs(x);
  const s = f32x4.mul(x, x);
  let p = madd(f32x4.splat(-5.70498872745e-3), s, f32x4.splat(2.06390887954e-2));
  p = madd(p, s, f32x4.splat(-5.37397155531e-2));
  p = madd(p, s, f32x4.splat(1.33314422036e-1));
  p = madd(p, s, f32x4.splat(-3.33332819422e-1));
  const small = madd(f32x4.mul(p, s), x, x);
  const e = expGateV(f32x4.add(a, a));
  const large = f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(e, f32x4.splat(1))));
  const y = v128.bitselect(small, large, f32x4.lt(a, f32x4.splat(0.625)));
  return v128.or(f32x4.abs(y), v128.and(x, i32x4.splat(0x80000000)));
}
