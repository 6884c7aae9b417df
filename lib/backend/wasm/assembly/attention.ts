// Fused small-shape attention on f32x4 for slices [b0, b1): scores, softmax and P·V in one
// pass per query row, and the backward (dV, dQ, dK) from P. Vectors run along the head dim.
// Same formulas as lib/backend/reference/attention.ts (sums in f32 here).

import { expShiftSum, rowMax } from "./softmax";

@inline function f(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** Σ a[e]·b[e] for e < n. */
@inline function dot(a: usize, b: usize, n: i32): f32 {
  let sv = f32x4.splat(0);
  let e = 0;
  for (; e + 4 <= n; e += 4) sv = f32x4.add(sv, f32x4.mul(v128.load(f(a, e)), v128.load(f(b, e))));
  let s = f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1) + f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3);
  for (; e < n; e++) s += load<f32>(f(a, e)) * load<f32>(f(b, e));
  return s;
}

/** y[e] += c·x[e] for e < n. */
@inline function axpy(y: usize, c: f32, x: usize, n: i32): void {
  const cv = f32x4.splat(c);
  let e = 0;
  for (; e + 4 <= n; e += 4) v128.store(f(y, e), f32x4.add(v128.load(f(y, e)), f32x4.mul(cv, v128.load(f(x, e)))));
  for (; e < n; e++) store<f32>(f(y, e), load<f32>(f(y, e)) + c * load<f32>(f(x, e)));
}

@inline function zero(p: usize, n: i32): void {
  memory.fill(p, 0, <usize>n << 2);
}

/** attn[b] = softmax(scale·q[b]·k[b]ᵀ + mask) (causal: keys j ≤ i), out[b] = attn[b]·v[b]. mask = 0: none. */
export function attentionForwardRange(q: usize, k: usize, v: usize, mask: usize, maskStride: i32, attn: usize, out: usize,
  L: i32, S: i32, E: i32, Ev: i32, scale: f32, causal: i32, b0: i32, b1: i32): void {
  for (let b = b0; b < b1; b++) {
    const kb = f(k, b * S * E), vb = f(v, b * S * Ev);
    for (let i = 0; i < L; i++) {
      const r = b * L + i;
      const qi = f(q, r * E), ar = f(attn, r * S), mr = f(mask, b * maskStride + i * S);
      const end = causal ? min(S, i + 1) : S;
      for (let j = 0; j < end; j++) {
        store<f32>(f(ar, j), scale * dot(qi, f(kb, j * E), E) + (mask ? load<f32>(f(mr, j)) : <f32>0));
      }
      let m = rowMax(ar, end);
      if (m == -Infinity) m = 0;
      const s = expShiftSum(ar, ar, end, m, true);
      const inv = <f32>1 / s;
      for (let j = 0; j < end; j++) store<f32>(f(ar, j), load<f32>(f(ar, j)) * inv);
      for (let j = end; j < S; j++) store<f32>(f(ar, j), 0);
      const oi = f(out, r * Ev);
      zero(oi, Ev);
      for (let j = 0; j < S; j++) axpy(oi, load<f32>(f(ar, j)), f(vb, j * Ev), Ev);
    }
  }
}

/**
 * From attn and g = ∂/∂out: dv = Pᵀ·g, dS = scale·P·(g·vᵀ − Σ), dq = dS·k, dk = dSᵀ·q for
 * slices [b0, b1); a zero pointer skips that gradient. scratch holds S floats per slice.
 */
export function attentionBackwardRange(q: usize, k: usize, v: usize, attn: usize, g: usize, dq: usize, dk: usize, dv: usize,
  scratch: usize, L: i32, S: i32, E: i32, Ev: i32, scale: f32, b0: i32, b1: i32): void {
  for (let b = b0; b < b1; b++) {
    const qb = f(q, b * L * E), kb = f(k, b * S * E), vb = f(v, b * S * Ev), gb = f(g, b * L * Ev), ab = f(attn, b * L * S);
    if (dv) {
      const dvb = f(dv, b * S * Ev);
      zero(dvb, S * Ev);
      for (let i = 0; i < L; i++) {
        const gi = f(gb, i * Ev), ar = f(ab, i * S);
        for (let j = 0; j < S; j++) axpy(f(dvb, j * Ev), load<f32>(f(ar, j)), gi, Ev);
      }
    }
    if (!dq && !dk) continue;
    const dqb = f(dq, b * L * E), dkb = f(dk, b * S * E), dS = f(scratch, b * S);
    if (dq) zero(dqb, L * E);
    if (dk) zero(dkb, S * E);
    for (let i = 0; i < L; i++) {
      const gi = f(gb, i * Ev), ar = f(ab, i * S), qi = f(qb, i * E), dqi = f(dqb, i * E);
      let s: f32 = 0;
      for (let j = 0; j < S; j++) {
        const d = dot(gi, f(vb, j * Ev), Ev);
        store<f32>(f(dS, j), d);
        s += d * load<f32>(f(ar, j));
      }
      for (let j = 0; j < S; j++) {
        const c = scale * load<f32>(f(ar, j)) * (load<f32>(f(dS, j)) - s);
        if (dq) axpy(dqi, c, f(kb, j * E), E);
        if (dk) axpy(f(dkb, j * E), c, qi, E);
      }
    }
  }
}
