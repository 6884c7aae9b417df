// Pointwise activations and their fused backward passes on f32x4, for elements [i0, i1).
// Same formulas as lib/backend/reference/activation.ts (exact GELU through the same erfc
// polynomial), except that exact GELU on |x| <= 2 uses odd polynomials without exp or
// division; the tail goes through the vector code with one lane used.

import { expV, tanhV } from "./transcendental";
import { PointwiseCode } from "../opcodes";

@inline function f(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

const SQRT_2_OVER_PI: f32 = 0.7978845608028654;
const INV_SQRT_2PI: f32 = 0.3989422804014327;
const GELU_C: f32 = 0.044715;

/**
 * Φ(x) = ½·erfc(|x|/√2) for x < 0, 1 − that otherwise, with erfc(z) = t·e^{−z²}·Q(t),
 * t = 1/(1 + z/2) (reference/activation.ts); `ez` is e^{−z²} = e^{−x²/2}, which the
 * backward reuses for the density.
 */
@inline function phiFromExp(x: v128, ez: v128): v128 {
  const one = f32x4.splat(1);
  const z = f32x4.mul(f32x4.abs(x), f32x4.splat(0.7071067811865476));
  const t = f32x4.div(one, f32x4.add(one, f32x4.mul(f32x4.splat(0.5), z)));
  let q = f32x4.splat(0.04238794672497721);
  q = f32x4.add(f32x4.mul(q, t), f32x4.splat(-0.23102407167963548));
  q = f32x4.add(f32x4.mul(q, t), f32x4.splat(0.48651144855905554));
  q = f32x4.add(f32x4.mul(q, t), f32x4.splat(-0.44734550150279895));
  q = f32x4.add(f32x4.mul(q, t), f32x4.splat(0.12733619784006106));
  q = f32x4.add(f32x4.mul(q, t), f32x4.splat(-0.05733550912511611));
  q = f32x4.add(f32x4.mul(q, t), f32x4.splat(0.09302713764999236));
  q = f32x4.add(f32x4.mul(q, t), f32x4.splat(0.17537278817247287));
  q = f32x4.add(f32x4.mul(q, t), f32x4.splat(0.2468809179376406));
  q = f32x4.add(f32x4.mul(q, t), f32x4.splat(0.28209384047143626));
  q = f32x4.add(f32x4.mul(q, t), f32x4.splat(0.282094794926184));
  const e = f32x4.mul(f32x4.mul(f32x4.mul(f32x4.splat(0.5), t), ez), q);
  return v128.bitselect(e, f32x4.sub(one, e), f32x4.lt(x, f32x4.splat(0)));
}

/** e^{−x²/2} */
@inline function halfGauss(x: v128): v128 {
  return expV(f32x4.mul(f32x4.splat(-0.5), f32x4.mul(x, x)));
}

/** |x| at most this takes the central polynomials below (most activations of a trained net). */
const CENTRAL: f32 = 2.0;

/**
 * Φ(x) = ½ + x·P(x²) on |x| <= CENTRAL: P of degree 7, fitted (weighted least squares
 * iterated towards minimax on the error of x·P) to (Φ(x) − ½)/x; 2e-9 absolute in float64,
 * so float32 rounding dominates, and Φ(−2) = 0.0228 keeps 3e-6 relative accuracy.
 */
@inline function centralPhi(x: v128): v128 {
  const u = f32x4.mul(x, x);
  let p = f32x4.splat(-1.666708040683577e-8);
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(5.21944137926287e-7));
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(-8.957153555855982e-6));
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(0.00011446142417588463));
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(-0.0011862068500216446));
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(0.009972865523103952));
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(-0.06649018767521703));
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(0.39894226475461114));
  return f32x4.add(f32x4.splat(0.5), f32x4.mul(x, p));
}

/** GELU's derivative Φ(x) + x·φ(x) = ½ + x·R(x²) on |x| <= CENTRAL, R of degree 8 fitted as P. */
@inline function centralGeluGrad(x: v128): v128 {
  const u = f32x4.mul(x, x);
  let p = f32x4.splat(1.4757245763538908e-8);
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(-4.875813785535232e-7));
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(8.644464318691217e-6));
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(-0.00011167900111562131));
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(0.0011518553317343481));
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(-0.00949640102059301));
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(0.059840259381607204));
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(-0.2659612799357976));
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(0.7978845451292245));
  return f32x4.add(f32x4.splat(0.5), f32x4.mul(x, p));
}

/** Lanes with |x| <= CENTRAL (false for NaN). */
@inline function centralLanes(x: v128): v128 {
  return f32x4.le(f32x4.abs(x), f32x4.splat(CENTRAL));
}

/** x·Φ(x); the erfc path runs only for vectors with a lane outside the central range. */
@inline function geluExact(x: v128): v128 {
  const central = centralLanes(x);
  let phi = centralPhi(x);
  if (!i32x4.all_true(central)) phi = v128.bitselect(phi, phiFromExp(x, halfGauss(x)), central);
  return f32x4.mul(x, phi);
}

/** Φ(x) + x·φ(x), φ(x) = e^{−x²/2}/√(2π), choosing per lane as geluExact does. */
@inline function geluExactGrad(x: v128): v128 {
  const central = centralLanes(x);
  let d = centralGeluGrad(x);
  if (!i32x4.all_true(central)) {
    const ez = halfGauss(x);
    const outer = f32x4.add(phiFromExp(x, ez), f32x4.mul(x, f32x4.mul(f32x4.splat(INV_SQRT_2PI), ez)));
    d = v128.bitselect(d, outer, central);
  }
  return d;
}

@inline function sigmoidStable(x: v128): v128 {
  // 1/(1 + e^−x): e^−x saturates to +inf for very negative x, giving 0 as it should
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), expV(f32x4.neg(x))));
}

/** The forward of op (geluTanh or silu; exact GELU has its own loop). */
@inline function forward(op: i32, x: v128): v128 {
  const half = f32x4.splat(0.5), one = f32x4.splat(1);
  if (op == PointwiseCode.geluTanh) {
    const x3 = f32x4.mul(f32x4.mul(x, x), x);
    const u = f32x4.mul(f32x4.splat(SQRT_2_OVER_PI), f32x4.add(x, f32x4.mul(f32x4.splat(GELU_C), x3)));
    return f32x4.mul(f32x4.mul(half, x), f32x4.add(one, tanhV(u)));
  }
  return f32x4.mul(x, sigmoidStable(x)); // silu
}

/** The backward of op (all but exact GELU, which has its own loop), given the saved s. */
@inline function backward(op: i32, s: v128, g: v128): v128 {
  const half = f32x4.splat(0.5), one = f32x4.splat(1);
  switch (op) {
    case PointwiseCode.geluTanh: {
      const s2 = f32x4.mul(s, s);
      const u = f32x4.mul(f32x4.splat(SQRT_2_OVER_PI), f32x4.add(s, f32x4.mul(f32x4.splat(GELU_C), f32x4.mul(s2, s))));
      const t = tanhV(u);
      const du = f32x4.mul(f32x4.splat(SQRT_2_OVER_PI), f32x4.add(one, f32x4.mul(f32x4.splat(3 * GELU_C), s2)));
      const d = f32x4.add(f32x4.mul(half, f32x4.add(one, t)), f32x4.mul(f32x4.mul(f32x4.mul(half, s), f32x4.sub(one, f32x4.mul(t, t))), du));
      return f32x4.mul(g, d);
    }
    case PointwiseCode.silu: {
      const y = sigmoidStable(s);
      return f32x4.mul(g, f32x4.mul(y, f32x4.add(one, f32x4.mul(s, f32x4.sub(one, y)))));
    }
    case PointwiseCode.tanh:
      return f32x4.mul(g, f32x4.sub(one, f32x4.mul(s, s)));
    default: // sigmoid
      return f32x4.mul(g, f32x4.mul(s, f32x4.sub(one, s)));
  }
}

// exact GELU loops apart, so the other ops' loop stays as small as it was
export function pointwiseRange(op: i32, x: usize, out: usize, i0: i32, i1: i32): void {
  let i = i0;
  if (op == PointwiseCode.gelu) {
    for (; i + 4 <= i1; i += 4) v128.store(f(out, i), geluExact(v128.load(f(x, i))));
    for (; i < i1; i++) store<f32>(f(out, i), f32x4.extract_lane(geluExact(f32x4.splat(load<f32>(f(x, i)))), 0));
    return;
  }
  for (; i + 4 <= i1; i += 4) v128.store(f(out, i), forward(op, v128.load(f(x, i))));
  for (; i < i1; i++) store<f32>(f(out, i), f32x4.extract_lane(forward(op, f32x4.splat(load<f32>(f(x, i)))), 0));
}

export function pointwiseBackwardRange(op: i32, s: usize, g: usize, dx: usize, i0: i32, i1: i32): void {
  let i = i0;
  if (op == PointwiseCode.gelu) {
    for (; i + 4 <= i1; i += 4) v128.store(f(dx, i), f32x4.mul(v128.load(f(g, i)), geluExactGrad(v128.load(f(s, i)))));
    for (; i < i1; i++) store<f32>(f(dx, i), load<f32>(f(g, i)) * f32x4.extract_lane(geluExactGrad(f32x4.splat(load<f32>(f(s, i)))), 0));
    return;
  }
  if (op == PointwiseCode.relu) {
    // reluMaskRange's rule: g where y > 0, else +0
    const zero = f32x4.splat(0);
    for (; i + 4 <= i1; i += 4) v128.store(f(dx, i), v128.and(v128.load(f(g, i)), f32x4.gt(v128.load(f(s, i)), zero)));
    for (; i < i1; i++) store<f32>(f(dx, i), load<f32>(f(s, i)) > 0 ? load<f32>(f(g, i)) : <f32>0);
    return;
  }
  for (; i + 4 <= i1; i += 4) v128.store(f(dx, i), backward(op, v128.load(f(s, i)), v128.load(f(g, i))));
  for (; i < i1; i++) {
    const r = backward(op, f32x4.splat(load<f32>(f(s, i))), f32x4.splat(load<f32>(f(g, i))));
    store<f32>(f(dx, i), f32x4.extract_lane(r, 0));
  }
}
