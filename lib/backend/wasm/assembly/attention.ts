// Fused small-shape attention on f32x4 for slices [b0, b1): scores, softmax and P·V in one
// pass per query row, and the backward (dV, dQ, dK) from P. Scores and their gradients run
// four keys per vector against a transposed copy of K (or V) in the slice's scratch, rows
// padded to Sp = S rounded up to 4; P·V and the dQ/dK/dV sums run along the head dim.
// Same formulas as lib/backend/reference/attention.ts (sums in f32 here).

import { expV } from "./transcendental";

@inline function f(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** y[e] += c·x[e] for e < n. */
@inline function axpy(y: usize, c: f32, x: usize, n: i32): void {
  const cv = f32x4.splat(c);
  let e = 0;
  for (; e + 4 <= n; e += 4) v128.store(f(y, e), f32x4.add(v128.load(f(y, e)), f32x4.mul(cv, v128.load(f(x, e)))));
  for (; e < n; e++) store<f32>(f(y, e), load<f32>(f(y, e)) + c * load<f32>(f(x, e)));
}

/**
 * y[e] = Σ_j c[j·cs]·x[j·xs + e] for e < n, j < m: summed in registers per block of 4 (no
 * store-to-load chain through y), the same order as axpy over j.
 */
@inline function combine(y: usize, c: usize, cs: i32, x: usize, xs: i32, m: i32, n: i32): void {
  let e = 0;
  for (; e + 4 <= n; e += 4) {
    let acc = f32x4.splat(0);
    for (let j = 0; j < m; j++) acc = f32x4.add(acc, f32x4.mul(f32x4.splat(load<f32>(f(c, j * cs))), v128.load(f(x, j * xs + e))));
    v128.store(f(y, e), acc);
  }
  for (; e < n; e++) {
    let acc: f32 = 0;
    for (let j = 0; j < m; j++) acc += load<f32>(f(c, j * cs)) * load<f32>(f(x, j * xs + e));
    store<f32>(f(y, e), acc);
  }
}

@inline function zero(p: usize, n: i32): void {
  memory.fill(p, 0, <usize>n << 2);
}

/** t[e·Sp + j] = x[j·stride + e]: the [S, n] matrix x transposed into rows of Sp, pad lanes 0. */
@inline function transposeInto(t: usize, x: usize, S: i32, n: i32, stride: i32, Sp: i32): void {
  zero(t, n * Sp);
  for (let j = 0; j < S; j++) for (let e = 0; e < n; e++) store<f32>(f(t, e * Sp + j), load<f32>(f(x, j * stride + e)));
}

/** Row 0 of slice b of a strided operand: data + offsets[b]. */
@inline function sliceAt(data: usize, offsets: usize, b: i32): usize {
  return f(data, load<i32>(offsets + (<usize>b << 2)));
}

/** dst[j] = a·(x row · t column j) over keys j in [jb, jb + 4): x[e] against t[e·Sp + j]. */
@inline function rowTimesT(x: usize, t: usize, n: i32, Sp: i32, jb: i32): v128 {
  // two accumulators (even and odd e) halve the chain of dependent adds
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
  let e = 0;
  for (; e + 2 <= n; e += 2) {
    a0 = f32x4.add(a0, f32x4.mul(f32x4.splat(load<f32>(f(x, e))), v128.load(f(t, e * Sp + jb))));
    a1 = f32x4.add(a1, f32x4.mul(f32x4.splat(load<f32>(f(x, e + 1))), v128.load(f(t, (e + 1) * Sp + jb))));
  }
  if (e < n) a0 = f32x4.add(a0, f32x4.mul(f32x4.splat(load<f32>(f(x, e))), v128.load(f(t, e * Sp + jb))));
  return f32x4.add(a0, a1);
}

/** Lanes j ≥ end of the block starting at key jb. */
@inline function pastEnd(jb: i32, end: i32): v128 {
  return i32x4.ge_s(i32x4.add(i32x4.splat(jb), i32x4(0, 1, 2, 3)), i32x4.splat(end));
}

@inline function storeRow(dst: usize, src: usize, S: i32): void {
  let j = 0;
  for (; j + 4 <= S; j += 4) v128.store(f(dst, j), v128.load(f(src, j)));
  for (; j < S; j++) store<f32>(f(dst, j), load<f32>(f(src, j)));
}

/** Scratch floats one slice needs: a transposed K or V ([E or Ev, Sp]) and three rows of Sp. */
export function attentionScratchFloats(S: i32, E: i32, Ev: i32): i32 {
  const Sp = (S + 3) & ~3;
  return max(E, Ev) * Sp + 3 * Sp;
}

/**
 * attn[b] = softmax(scale·q[b]·k[b]ᵀ + mask) (causal: keys j ≤ i), out[b] = attn[b]·v[b].
 * q, k, v and out are strided: slice b starts at offsets[b] (i32 elements), rows `qs`/`ks`/`vs`/`os`
 * apart. mask = 0: none. scratch: attentionScratchFloats per slice.
 */
export function attentionForwardRange(q: usize, qo: usize, qs: i32, k: usize, ko: usize, ks: i32, v: usize, vo: usize, vs: i32,
  mask: usize, maskStride: i32, attn: usize, out: usize, oo: usize, os: i32, scratch: usize,
  L: i32, S: i32, E: i32, Ev: i32, scale: f32, causal: i32, b0: i32, b1: i32): void {
  const Sp = (S + 3) & ~3;
  const kv = f32x4.splat(scale), ninf = f32x4.splat(-Infinity);
  for (let b = b0; b < b1; b++) {
    const kt = f(scratch, b * attentionScratchFloats(S, E, Ev)), row = f(kt, E * Sp);
    transposeInto(kt, sliceAt(k, ko, b), S, E, ks, Sp);
    const vb = sliceAt(v, vo, b), qb = sliceAt(q, qo, b), ob = sliceAt(out, oo, b);
    for (let i = 0; i < L; i++) {
      const r = b * L + i;
      const qi = f(qb, i * qs), mr = f(mask, b * maskStride + i * S);
      const end = causal ? min(S, i + 1) : S;
      let mv = ninf;
      for (let jb = 0; jb < Sp; jb += 4) {
        let s = f32x4.mul(kv, rowTimesT(qi, kt, E, Sp, jb));
        // the mask row is read whole vectors at a time: pad lanes are replaced just below
        if (mask) s = f32x4.add(s, v128.load(f(mr, jb)));
        s = v128.bitselect(ninf, s, pastEnd(jb, end));
        v128.store(f(row, jb), s);
        mv = f32x4.max(mv, s);
      }
      let m = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
      if (m == -Infinity) m = 0;
      const msv = f32x4.splat(m);
      let sv = f32x4.splat(0);
      for (let jb = 0; jb < Sp; jb += 4) {
        const e = expV(f32x4.sub(v128.load(f(row, jb)), msv));
        v128.store(f(row, jb), e);
        sv = f32x4.add(sv, e);
      }
      const inv = f32x4.splat(<f32>1 / (f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1) + f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3)));
      for (let jb = 0; jb < Sp; jb += 4) {
        // pad lanes past S are −∞ → 0; 0·∞ (all keys hidden) stays NaN as in the reference
        const p = f32x4.mul(v128.load(f(row, jb)), inv);
        v128.store(f(row, jb), v128.bitselect(f32x4.splat(0), p, pastEnd(jb, end)));
      }
      storeRow(f(attn, r * S), row, S);
      combine(f(ob, i * os), row, 1, vb, vs, end, Ev);
    }
  }
}

/**
 * From attn and g = ∂/∂out: dv = Pᵀ·g, dS = scale·P·(g·vᵀ − Σ), dq = dS·k, dk = dSᵀ·q for
 * slices [b0, b1) (q, k, v, g and the gradients strided as in the forward); a zero pointer
 * skips that gradient. scratch: attentionScratchFloats per slice.
 */
export function attentionBackwardRange(q: usize, qo: usize, qs: i32, k: usize, ko: usize, ks: i32, v: usize, vo: usize, vs: i32, attn: usize,
  g: usize, go: usize, gs: i32, dq: usize, dqo: usize, dqs: i32, dk: usize, dko: usize, dks: i32, dv: usize, dvo: usize, dvs: i32,
  scratch: usize, L: i32, S: i32, E: i32, Ev: i32, scale: f32, b0: i32, b1: i32): void {
  const Sp = (S + 3) & ~3;
  const kv = f32x4.splat(scale);
  for (let b = b0; b < b1; b++) {
    const qb = sliceAt(q, qo, b), kb = sliceAt(k, ko, b), vb = sliceAt(v, vo, b), gb = sliceAt(g, go, b), ab = f(attn, b * L * S);
    if (dv) {
      const dvb = sliceAt(dv, dvo, b);
      for (let j = 0; j < S; j++) combine(f(dvb, j * dvs), f(ab, j), S, gb, gs, L, Ev);
    }
    if (!dq && !dk) continue;
    const vt = f(scratch, b * attentionScratchFloats(S, E, Ev)), pr = f(vt, Ev * Sp), ds = f(pr, Sp);
    transposeInto(vt, vb, S, Ev, vs, Sp);
    zero(pr, Sp);
    const dqb = dq ? sliceAt(dq, dqo, b) : 0, dkb = dk ? sliceAt(dk, dko, b) : 0;
    if (dk) for (let j = 0; j < S; j++) zero(f(dkb, j * dks), E);
    for (let i = 0; i < L; i++) {
      const gi = f(gb, i * gs), qi = f(qb, i * qs), dqi = f(dqb, i * dqs);
      storeRow(pr, f(ab, i * S), S);
      // dA = g_i·vᵀ four keys at a time; s = Σ_j dA_j·P_j
      let sv = f32x4.splat(0);
      for (let jb = 0; jb < Sp; jb += 4) {
        const d = rowTimesT(gi, vt, Ev, Sp, jb);
        v128.store(f(ds, jb), d);
        sv = f32x4.add(sv, f32x4.mul(d, v128.load(f(pr, jb))));
      }
      const s = f32x4.splat(f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1) + f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3));
      for (let jb = 0; jb < Sp; jb += 4) {
        v128.store(f(ds, jb), f32x4.mul(f32x4.mul(kv, v128.load(f(pr, jb))), f32x4.sub(v128.load(f(ds, jb)), s)));
      }
      if (dq) combine(dqi, ds, 1, kb, ks, S, E);
      if (dk) for (let j = 0; j < S; j++) axpy(f(dkb, j * dks), load<f32>(f(ds, j)), qi, E);
    }
  }
}
