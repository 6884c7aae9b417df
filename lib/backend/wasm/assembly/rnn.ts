// The LSTM cell's pointwise math on f32x4 for rows [r0, r1) (same formulas and
// layout as lib/backend/reference/rnn.ts). H not a multiple of 4 leaves a scalar tail
// that goes through the vector code with one lane used.

import { expV, tanhV } from "./transcendental";

@inline function f(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}
@inline function sig(x: v128): v128 {
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), expV(f32x4.neg(x))));
}
/** 4 lanes at p + j, or lane 0 only when fewer than 4 are left (`n` = 1). */
@inline function ld(p: usize, j: i32, n: i32): v128 {
  return n == 4 ? v128.load(f(p, j)) : f32x4.splat(load<f32>(f(p, j)));
}
@inline function st(p: usize, j: i32, n: i32, v: v128): void {
  if (n == 4) v128.store(f(p, j), v);
  else store<f32>(f(p, j), f32x4.extract_lane(v, 0));
}

export function lstmCellRange(gates: usize, c: usize, hc: usize, acts: usize, H: i32, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const gb = f(gates, r * 4 * H), ab = f(acts, r * 4 * H), cb = f(c, r * H), ob = f(hc, r * 2 * H);
    for (let j = 0; j < H;) {
      const n = j + 4 <= H ? 4 : 1;
      const i = sig(ld(gb, j, n)), fg = sig(ld(gb, H + j, n)), g = tanhV(ld(gb, 2 * H + j, n)), o = sig(ld(gb, 3 * H + j, n));
      st(ab, j, n, i); st(ab, H + j, n, fg); st(ab, 2 * H + j, n, g); st(ab, 3 * H + j, n, o);
      const c2 = f32x4.add(f32x4.mul(fg, ld(cb, j, n)), f32x4.mul(i, g));
      st(ob, H + j, n, c2);
      st(ob, j, n, f32x4.mul(o, tanhV(c2)));
      j += n;
    }
  }
}

export function lstmCellBackwardRange(acts: usize, c: usize, hc: usize, ghc: usize, dGates: usize, dc: usize, H: i32, r0: i32, r1: i32): void {
  const one = f32x4.splat(1);
  for (let r = r0; r < r1; r++) {
    const ab = f(acts, r * 4 * H), db = f(dGates, r * 4 * H), cb = f(c, r * H), dcb = f(dc, r * H);
    const ob = f(hc, r * 2 * H), gob = f(ghc, r * 2 * H);
    for (let j = 0; j < H;) {
      const n = j + 4 <= H ? 4 : 1;
      const i = ld(ab, j, n), fg = ld(ab, H + j, n), g = ld(ab, 2 * H + j, n), o = ld(ab, 3 * H + j, n);
      const tc = tanhV(ld(ob, H + j, n));
      const gh = ld(gob, j, n);
      const gc = f32x4.add(ld(gob, H + j, n), f32x4.mul(f32x4.mul(gh, o), f32x4.sub(one, f32x4.mul(tc, tc))));
      st(db, j, n, f32x4.mul(f32x4.mul(gc, g), f32x4.mul(i, f32x4.sub(one, i))));
      st(db, H + j, n, f32x4.mul(f32x4.mul(gc, ld(cb, j, n)), f32x4.mul(fg, f32x4.sub(one, fg))));
      st(db, 2 * H + j, n, f32x4.mul(f32x4.mul(gc, i), f32x4.sub(one, f32x4.mul(g, g))));
      st(db, 3 * H + j, n, f32x4.mul(f32x4.mul(gh, tc), f32x4.mul(o, f32x4.sub(one, o))));
      st(dcb, j, n, f32x4.mul(gc, fg));
      j += n;
    }
  }
}
