// Elementwise float32 kernels over index ranges [i0, i1) (one thread's share), SIMD with a
// scalar tail. Op codes come from ../opcodes.ts (shared with the TypeScript side). maximum/minimum propagate
// NaN (wasm f32x4.max/min do, and so do the scalar helpers).

import { expV, logV, sigmoidV, tanhV } from "./transcendental";
import { BinaryCode, ExtremeCode, UnaryCode } from "../opcodes";

@inline function f(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}
@inline function maxNaN(x: f32, y: f32): f32 {
  return x != x || y != y ? NaN : max(x, y);
}
@inline function minNaN(x: f32, y: f32): f32 {
  return x != x || y != y ? NaN : min(x, y);
}

export function binaryRange(op: i32, a: usize, b: usize, out: usize, i0: i32, i1: i32): void {
  const v1 = i0 + ((i1 - i0) & ~3);
  switch (op) {
    case BinaryCode.add:
      for (let i = i0; i < v1; i += 4) { const x = v128.load(f(a, i)), y = v128.load(f(b, i)); v128.store(f(out, i), f32x4.add(x, y)); }
      for (let i = v1; i < i1; i++) { const x = load<f32>(f(a, i)), y = load<f32>(f(b, i)); store<f32>(f(out, i), x + y); }
      break;
    case BinaryCode.sub:
      for (let i = i0; i < v1; i += 4) { const x = v128.load(f(a, i)), y = v128.load(f(b, i)); v128.store(f(out, i), f32x4.sub(x, y)); }
      for (let i = v1; i < i1; i++) { const x = load<f32>(f(a, i)), y = load<f32>(f(b, i)); store<f32>(f(out, i), x - y); }
      break;
    case BinaryCode.mul:
      for (let i = i0; i < v1; i += 4) { const x = v128.load(f(a, i)), y = v128.load(f(b, i)); v128.store(f(out, i), f32x4.mul(x, y)); }
      for (let i = v1; i < i1; i++) { const x = load<f32>(f(a, i)), y = load<f32>(f(b, i)); store<f32>(f(out, i), x * y); }
      break;
    case BinaryCode.div:
      for (let i = i0; i < v1; i += 4) { const x = v128.load(f(a, i)), y = v128.load(f(b, i)); v128.store(f(out, i), f32x4.div(x, y)); }
      for (let i = v1; i < i1; i++) { const x = load<f32>(f(a, i)), y = load<f32>(f(b, i)); store<f32>(f(out, i), x / y); }
      break;
    case BinaryCode.maximum:
      for (let i = i0; i < v1; i += 4) { const x = v128.load(f(a, i)), y = v128.load(f(b, i)); v128.store(f(out, i), f32x4.max(x, y)); }
      for (let i = v1; i < i1; i++) { const x = load<f32>(f(a, i)), y = load<f32>(f(b, i)); store<f32>(f(out, i), maxNaN(x, y)); }
      break;
    case BinaryCode.minimum:
      for (let i = i0; i < v1; i += 4) { const x = v128.load(f(a, i)), y = v128.load(f(b, i)); v128.store(f(out, i), f32x4.min(x, y)); }
      for (let i = v1; i < i1; i++) { const x = load<f32>(f(a, i)), y = load<f32>(f(b, i)); store<f32>(f(out, i), minNaN(x, y)); }
      break;
  }
}

/** x op s, or s op x when scalarFirst (sub/div only; the rest commute). */
export function binaryScalarRange(op: i32, a: usize, s: f32, out: usize, i0: i32, i1: i32, scalarFirst: i32): void {
  const v1 = i0 + ((i1 - i0) & ~3);
  const sv = f32x4.splat(s);
  if (scalarFirst && (op == BinaryCode.sub || op == BinaryCode.div)) {
    for (let i = i0; i < v1; i += 4) { const x = v128.load(f(a, i)); v128.store(f(out, i), op == BinaryCode.sub ? f32x4.sub(sv, x) : f32x4.div(sv, x)); }
    for (let i = v1; i < i1; i++) { const x = load<f32>(f(a, i)); store<f32>(f(out, i), op == BinaryCode.sub ? s - x : s / x); }
    return;
  }
  switch (op) {
    case BinaryCode.add:
      for (let i = i0; i < v1; i += 4) { const x = v128.load(f(a, i)); v128.store(f(out, i), f32x4.add(x, sv)); }
      for (let i = v1; i < i1; i++) { const x = load<f32>(f(a, i)); store<f32>(f(out, i), x + s); }
      break;
    case BinaryCode.sub:
      for (let i = i0; i < v1; i += 4) { const x = v128.load(f(a, i)); v128.store(f(out, i), f32x4.sub(x, sv)); }
      for (let i = v1; i < i1; i++) { const x = load<f32>(f(a, i)); store<f32>(f(out, i), x - s); }
      break;
    case BinaryCode.mul:
      for (let i = i0; i < v1; i += 4) { const x = v128.load(f(a, i)); v128.store(f(out, i), f32x4.mul(x, sv)); }
      for (let i = v1; i < i1; i++) { const x = load<f32>(f(a, i)); store<f32>(f(out, i), x * s); }
      break;
    case BinaryCode.div:
      for (let i = i0; i < v1; i += 4) { const x = v128.load(f(a, i)); v128.store(f(out, i), f32x4.div(x, sv)); }
      for (let i = v1; i < i1; i++) { const x = load<f32>(f(a, i)); store<f32>(f(out, i), x / s); }
      break;
    case BinaryCode.maximum:
      for (let i = i0; i < v1; i += 4) { const x = v128.load(f(a, i)); v128.store(f(out, i), f32x4.max(x, sv)); }
      for (let i = v1; i < i1; i++) { const x = load<f32>(f(a, i)); store<f32>(f(out, i), maxNaN(x, s)); }
      break;
    case BinaryCode.minimum:
      for (let i = i0; i < v1; i += 4) { const x = v128.load(f(a, i)); v128.store(f(out, i), f32x4.min(x, sv)); }
      for (let i = v1; i < i1; i++) { const x = load<f32>(f(a, i)); store<f32>(f(out, i), minNaN(x, s)); }
      break;
  }
}

export function unaryRange(op: i32, a: usize, out: usize, i0: i32, i1: i32): void {
  const v1 = i0 + ((i1 - i0) & ~3);
  const one = f32x4.splat(1), zero = f32x4.splat(0);
  if (op >= UnaryCode.exp) {
    // exp, log, tanh, sigmoid: the tail goes through the same vector code, one lane used
    for (let i = i0; i < i1; i += 4) {
      const x = i + 4 <= i1 ? v128.load(f(a, i)) : f32x4.splat(load<f32>(f(a, i)));
      const y = op == UnaryCode.exp ? expV(x) : op == UnaryCode.log ? logV(x) : op == UnaryCode.tanh ? tanhV(x) : sigmoidV(x);
      if (i + 4 <= i1) v128.store(f(out, i), y);
      else {
        store<f32>(f(out, i), f32x4.extract_lane(y, 0));
        i -= 3;
      }
    }
    return;
  }
  switch (op) {
    case UnaryCode.neg:
      for (let i = i0; i < v1; i += 4) { const x = v128.load(f(a, i)); v128.store(f(out, i), f32x4.neg(x)); }
      for (let i = v1; i < i1; i++) { const x = load<f32>(f(a, i)); store<f32>(f(out, i), -x); }
      break;
    case UnaryCode.abs:
      for (let i = i0; i < v1; i += 4) { const x = v128.load(f(a, i)); v128.store(f(out, i), f32x4.abs(x)); }
      for (let i = v1; i < i1; i++) { const x = load<f32>(f(a, i)); store<f32>(f(out, i), abs(x)); }
      break;
    case UnaryCode.sqrt:
      for (let i = i0; i < v1; i += 4) { const x = v128.load(f(a, i)); v128.store(f(out, i), f32x4.sqrt(x)); }
      for (let i = v1; i < i1; i++) { const x = load<f32>(f(a, i)); store<f32>(f(out, i), sqrt(x)); }
      break;
    case UnaryCode.rsqrt:
      for (let i = i0; i < v1; i += 4) { const x = v128.load(f(a, i)); v128.store(f(out, i), f32x4.div(one, f32x4.sqrt(x))); }
      for (let i = v1; i < i1; i++) { const x = load<f32>(f(a, i)); store<f32>(f(out, i), <f32>1 / sqrt(x)); }
      break;
    case UnaryCode.square:
      for (let i = i0; i < v1; i += 4) { const x = v128.load(f(a, i)); v128.store(f(out, i), f32x4.mul(x, x)); }
      for (let i = v1; i < i1; i++) { const x = load<f32>(f(a, i)); store<f32>(f(out, i), x * x); }
      break;
    case UnaryCode.reciprocal:
      for (let i = i0; i < v1; i += 4) { const x = v128.load(f(a, i)); v128.store(f(out, i), f32x4.div(one, x)); }
      for (let i = v1; i < i1; i++) { const x = load<f32>(f(a, i)); store<f32>(f(out, i), <f32>1 / x); }
      break;
    case UnaryCode.relu:
      for (let i = i0; i < v1; i += 4) { const x = v128.load(f(a, i)); v128.store(f(out, i), f32x4.pmax(zero, x)); }
      for (let i = v1; i < i1; i++) { const x = load<f32>(f(a, i)); store<f32>(f(out, i), x > 0 ? x : <f32>0); }
      break;
  }
}

/**
 * Sums x viewed as [outer, size, inner] over the middle axis for outer rows [o0, o1), in
 * float64 (like the reference) so long float32 sums keep their precision. ws: inner*8 bytes.
 */
export function reduceSumRange(x: usize, out: usize, size: i32, inner: i32, o0: i32, o1: i32, ws: usize): void {
  for (let o = o0; o < o1; o++) {
    const base = f(x, o * size * inner);
    if (inner == 1) {
      let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
      let r = 0;
      for (; r + 4 <= size; r += 4) {
        const v = v128.load(f(base, r));
        acc0 = f64x2.add(acc0, f64x2.promote_low_f32x4(v));
        acc1 = f64x2.add(acc1, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
      }
      const acc = f64x2.add(acc0, acc1);
      let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
      for (; r < size; r++) s += <f64>load<f32>(f(base, r));
      store<f32>(f(out, o), <f32>s);
      continue;
    }
    memory.fill(ws, 0, <usize>inner << 3);
    const v1 = inner & ~3;
    for (let r = 0; r < size; r++) {
      const row = f(base, r * inner);
      for (let i = 0; i < v1; i += 4) {
        const v = v128.load(f(row, i));
        const p = ws + (<usize>i << 3);
        v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(v)));
        v128.store(p, f64x2.add(v128.load(p, 16), f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1))), 16);
      }
      for (let i = v1; i < inner; i++) {
        const p = ws + (<usize>i << 3);
        store<f64>(p, load<f64>(p) + <f64>load<f32>(f(row, i)));
      }
    }
    const ob = f(out, o * inner);
    for (let i = 0; i < inner; i++) store<f32>(f(ob, i), <f32>load<f64>(ws + (<usize>i << 3)));
  }
}

/**
 * Max (ExtremeCode.max) or min (ExtremeCode.min) of x viewed as [outer, size, inner] over the middle axis, for
 * outer rows [o0, o1); size >= 1. NaN propagates (f32x4.max/min and maxNaN/minNaN do).
 */
export function reduceMaxMinRange(op: i32, x: usize, out: usize, size: i32, inner: i32, o0: i32, o1: i32): void {
  for (let o = o0; o < o1; o++) {
    const base = f(x, o * size * inner);
    if (inner == 1) {
      let r = 0;
      let s = load<f32>(base);
      if (size >= 8) {
        let acc = v128.load(base);
        for (r = 4; r + 4 <= size; r += 4) {
          const v = v128.load(f(base, r));
          acc = op == ExtremeCode.max ? f32x4.max(acc, v) : f32x4.min(acc, v);
        }
        const a0 = f32x4.extract_lane(acc, 0), a1 = f32x4.extract_lane(acc, 1);
        const a2 = f32x4.extract_lane(acc, 2), a3 = f32x4.extract_lane(acc, 3);
        s = op == ExtremeCode.max ? maxNaN(maxNaN(a0, a1), maxNaN(a2, a3)) : minNaN(minNaN(a0, a1), minNaN(a2, a3));
      } else {
        r = 1;
      }
      for (; r < size; r++) {
        const v = load<f32>(f(base, r));
        s = op == ExtremeCode.max ? maxNaN(s, v) : minNaN(s, v);
      }
      store<f32>(f(out, o), s);
      continue;
    }
    const ob = f(out, o * inner);
    memory.copy(ob, base, <usize>inner << 2);
    const v1 = inner & ~3;
    for (let r = 1; r < size; r++) {
      const row = f(base, r * inner);
      for (let i = 0; i < v1; i += 4) {
        const a = v128.load(f(ob, i)), v = v128.load(f(row, i));
        v128.store(f(ob, i), op == ExtremeCode.max ? f32x4.max(a, v) : f32x4.min(a, v));
      }
      for (let i = v1; i < inner; i++) {
        const a = load<f32>(f(ob, i)), v = load<f32>(f(row, i));
        store<f32>(f(ob, i), op == ExtremeCode.max ? maxNaN(a, v) : minNaN(a, v));
      }
    }
  }
}

/** out[i] = y[i] > 0 ? dy[i] : 0 over [i0, i1): the backward of a ReLU with output y. */
export function reluMaskRange(dy: usize, y: usize, out: usize, i0: i32, i1: i32): void {
  const v1 = i0 + ((i1 - i0) & ~3);
  const zero = f32x4.splat(0);
  for (let i = i0; i < v1; i += 4) v128.store(f(out, i), v128.and(v128.load(f(dy, i)), f32x4.gt(v128.load(f(y, i)), zero)));
  for (let i = v1; i < i1; i++) store<f32>(f(out, i), load<f32>(f(y, i)) > 0 ? load<f32>(f(dy, i)) : <f32>0);
}

/**
 * out[i] = cond[i mod period] != 0 ? a[i] : b[i] for i in [i0, i1), cond one byte per element
 * (scalarA/scalarB: a[0], b[0] everywhere). i0 is a multiple of 4, and period too unless it is
 * at least i1 (no repeat in the range): a vector's four condition bytes are then adjacent.
 */
export function whereRange(cond: usize, a: usize, b: usize, scalarA: i32, scalarB: i32, out: usize, period: i32, i0: i32, i1: i32): void {
  const v1 = i0 + ((i1 - i0) & ~3);
  const zero = i32x4.splat(0);
  const sa = f32x4.splat(load<f32>(a)), sb = f32x4.splat(load<f32>(b));
  let c = i0 % period;
  for (let i = i0; i < v1; i += 4) {
    const m = i32x4.ne(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(cond + <usize>c))), zero);
    const va = scalarA ? sa : v128.load(f(a, i)), vb = scalarB ? sb : v128.load(f(b, i));
    v128.store(f(out, i), v128.bitselect(va, vb, m));
    c += 4;
    if (c == period) c = 0;
  }
  for (let i = v1; i < i1; i++) {
    store<f32>(f(out, i), load<u8>(cond + <usize>c) != 0 ? load<f32>(scalarA ? a : f(a, i)) : load<f32>(scalarB ? b : f(b, i)));
    if (++c == period) c = 0;
  }
}

