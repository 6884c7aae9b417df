// Pointwise activations and their fused backward passes on f32x4, for elements [i0, i1).
// Same formulas as lib/backend/reference/activation.ts (exact GELU through the same erfc
// polynomial); the tail goes through the vector code with one lane used.

import { expV, tanhV } from "./transcendental";
import { PointwiseCode } from "../opcodes";

@inline function f(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

const SQRT_2_OVER_PI: f32 = 0.7978845608028654;
const INV_SQRT_2PI: f32 = 0.3989422804014327;
const GELU_C: f32 = 0.044715;

/** Φ(x) = ½·erfc(−x/√2) via erfc(z) = t·exp(−z² + P(t)), t = 1/(1 + z/2) (reference/activation.ts). */
@inline function phiV(x: v128): v128 {
  const one = f32x4.splat(1);
  const z = f32x4.mul(f32x4.abs(x), f32x4.splat(0.7071067811865476));
  const t = f32x4.div(one, f32x4.add(one, f32x4.mul(f32x4.splat(0.5), z)));
  let p = f32x4.splat(0.1689107654457585);
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-0.8139785058875301));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.4744448380269721));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-1.12227490182042));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.27203490821391907));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-0.18420384121207248));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.09643612942965898));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.37411985364067757));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.0000229011061137));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-1.2655122236321272));
  const e = f32x4.mul(f32x4.mul(f32x4.splat(0.5), t), expV(f32x4.sub(p, f32x4.mul(z, z))));
  return v128.bitselect(e, f32x4.sub(one, e), f32x4.lt(x, f32x4.splat(0)));
}

@inline function sigmoidStable(x: v128): v128 {
  // 1/(1 + e^−x): e^−x saturates to +inf for very negative x, giving 0 as it should
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), expV(f32x4.neg(x))));
}

@inline function forward(op: i32, x: v128): v128 {
  const half = f32x4.splat(0.5), one = f32x4.splat(1);
  if (op == PointwiseCode.gelu) return f32x4.mul(x, phiV(x));
  if (op == PointwiseCode.geluTanh) {
    const x3 = f32x4.mul(f32x4.mul(x, x), x);
    const u = f32x4.mul(f32x4.splat(SQRT_2_OVER_PI), f32x4.add(x, f32x4.mul(f32x4.splat(GELU_C), x3)));
    return f32x4.mul(f32x4.mul(half, x), f32x4.add(one, tanhV(u)));
  }
  return f32x4.mul(x, sigmoidStable(x)); // silu
}

@inline function backward(op: i32, s: v128, g: v128): v128 {
  const half = f32x4.splat(0.5), one = f32x4.splat(1);
  switch (op) {
    case PointwiseCode.gelu: {
      const pdf = f32x4.mul(f32x4.splat(INV_SQRT_2PI), expV(f32x4.mul(f32x4.splat(-0.5), f32x4.mul(s, s))));
      return f32x4.mul(g, f32x4.add(phiV(s), f32x4.mul(s, pdf)));
    }
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

export function pointwiseRange(op: i32, x: usize, out: usize, i0: i32, i1: i32): void {
  let i = i0;
  for (; i + 4 <= i1; i += 4) v128.store(f(out, i), forward(op, v128.load(f(x, i))));
  for (; i < i1; i++) store<f32>(f(out, i), f32x4.extract_lane(forward(op, f32x4.splat(load<f32>(f(x, i)))), 0));
}

export function pointwiseBackwardRange(op: i32, s: usize, g: usize, dx: usize, i0: i32, i1: i32): void {
  let i = i0;
  for (; i + 4 <= i1; i += 4) v128.store(f(dx, i), backward(op, v128.load(f(s, i)), v128.load(f(g, i))));
  for (; i < i1; i++) {
    const r = backward(op, f32x4.splat(load<f32>(f(s, i))), f32x4.splat(load<f32>(f(g, i))));
    store<f32>(f(dx, i), f32x4.extract_lane(r, 0));
  }
}
