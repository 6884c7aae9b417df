// Fused small-shape attention on f32x4 for slices [b0, b1), four query rows at a time: for
// scores, softmax and their gradients a vector's lanes are four rows of one slice, so they
// need no horizontal sums and the block's S exps are independent of each other (a row at a
// time, each exp waited on the one before). Rows go into lanes and back by 4×4 transposes.
// Products with v or k (P·V, dS·K) run row by row with lanes over the columns instead, so
// v's and k's rows load as whole vectors and a block short of four rows computes no empty
// lanes. Same formulas as lib/backend/reference/attention.ts, summed in f32 in the
// reference's order (the relaxed build fuses each multiply-add: one rounding instead of two).

import { expV } from "./transcendental";
import { madd } from "./madd";

@inline function f(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** The i-th vector of a scratch array. */
@inline function vec(p: usize, i: i32): usize {
  return p + (<usize>i << 4);
}

/** Row l of the block of rows starting at r0 (stride floats apart); rows past nr read row 0 (computed, never stored). */
@inline function rowOf(r0: usize, l: i32, nr: i32, stride: i32): usize {
  return l < nr ? f(r0, l * stride) : r0;
}

/** dst[e] = (r0[e], r1[e], r2[e], r3[e]) for e < n: four rows into lanes. */
function gatherT(dst: usize, r0: usize, r1: usize, r2: usize, r3: usize, n: i32): void {
  let e = 0;
  for (; e + 4 <= n; e += 4) {
    const x0 = v128.load(f(r0, e)), x1 = v128.load(f(r1, e)), x2 = v128.load(f(r2, e)), x3 = v128.load(f(r3, e));
    const t0 = i32x4.shuffle(x0, x1, 0, 4, 1, 5), t1 = i32x4.shuffle(x2, x3, 0, 4, 1, 5);
    const t2 = i32x4.shuffle(x0, x1, 2, 6, 3, 7), t3 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
    v128.store(vec(dst, e), i64x2.shuffle(t0, t1, 0, 2));
    v128.store(vec(dst, e + 1), i64x2.shuffle(t0, t1, 1, 3));
    v128.store(vec(dst, e + 2), i64x2.shuffle(t2, t3, 0, 2));
    v128.store(vec(dst, e + 3), i64x2.shuffle(t2, t3, 1, 3));
  }
  for (; e < n; e++) {
    let x = f32x4.splat(load<f32>(f(r0, e)));
    x = f32x4.replace_lane(x, 1, load<f32>(f(r1, e)));
    x = f32x4.replace_lane(x, 2, load<f32>(f(r2, e)));
    x = f32x4.replace_lane(x, 3, load<f32>(f(r3, e)));
    v128.store(vec(dst, e), x);
  }
}

/** Row l (l < nr) gets lane l of src[e] for e < n: lanes back into rows. */
function scatterT(src: usize, n: i32, nr: i32, r0: usize, r1: usize, r2: usize, r3: usize): void {
  let e = 0;
  for (; e + 4 <= n; e += 4) {
    const x0 = v128.load(vec(src, e)), x1 = v128.load(vec(src, e + 1)), x2 = v128.load(vec(src, e + 2)), x3 = v128.load(vec(src, e + 3));
    const t0 = i32x4.shuffle(x0, x1, 0, 4, 1, 5), t1 = i32x4.shuffle(x2, x3, 0, 4, 1, 5);
    const t2 = i32x4.shuffle(x0, x1, 2, 6, 3, 7), t3 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
    v128.store(f(r0, e), i64x2.shuffle(t0, t1, 0, 2));
    if (nr > 1) v128.store(f(r1, e), i64x2.shuffle(t0, t1, 1, 3));
    if (nr > 2) v128.store(f(r2, e), i64x2.shuffle(t2, t3, 0, 2));
    if (nr > 3) v128.store(f(r3, e), i64x2.shuffle(t2, t3, 1, 3));
  }
  for (; e < n; e++) {
    const x = v128.load(vec(src, e));
    store<f32>(f(r0, e), f32x4.extract_lane(x, 0));
    if (nr > 1) store<f32>(f(r1, e), f32x4.extract_lane(x, 1));
    if (nr > 2) store<f32>(f(r2, e), f32x4.extract_lane(x, 2));
    if (nr > 3) store<f32>(f(r3, e), f32x4.extract_lane(x, 3));
  }
}

/**
 * y[e] (=|+=) Σ_{l < nr} c[l]·x_l[e] for e < n, x_l the rows of the block (rows apart), c the
 * lanes of one vector: the sums over query rows of dK and dV, in row order.
 */
@inline function rowsCombine(y: usize, c: usize, x: usize, rows: i32, nr: i32, n: i32, first: bool): void {
  let e = 0;
  if (nr == 4) {
    const c0 = v128.load32_splat(c), c1 = v128.load32_splat(c, 4), c2 = v128.load32_splat(c, 8), c3 = v128.load32_splat(c, 12);
    const x1 = f(x, rows), x2 = f(x1, rows), x3 = f(x2, rows);
    for (; e + 4 <= n; e += 4) {
      let acc = first ? f32x4.splat(0) : v128.load(f(y, e));
      acc = madd(c0, v128.load(f(x, e)), acc);
      acc = madd(c1, v128.load(f(x1, e)), acc);
      acc = madd(c2, v128.load(f(x2, e)), acc);
      acc = madd(c3, v128.load(f(x3, e)), acc);
      v128.store(f(y, e), acc);
    }
  }
  for (; e + 4 <= n; e += 4) {
    let acc = first ? f32x4.splat(0) : v128.load(f(y, e));
    for (let l = 0; l < nr; l++) acc = madd(v128.load32_splat(f(c, l)), v128.load(f(x, l * rows + e)), acc);
    v128.store(f(y, e), acc);
  }
  for (; e < n; e++) {
    let acc: f32 = first ? 0 : load<f32>(f(y, e));
    for (let l = 0; l < nr; l++) acc += load<f32>(f(c, l)) * load<f32>(f(x, l * rows + e));
    store<f32>(f(y, e), acc);
  }
}


/** acc + Σ_{e < n} x[e]·y[e] in e order: x vectors of lanes, y scalars (splat). */
@inline function dotT(acc: v128, x: usize, y: usize, n: i32): v128 {
  let e = 0;
  for (; e + 4 <= n; e += 4) {
    acc = madd(v128.load(vec(x, e)), v128.load32_splat(f(y, e)), acc);
    acc = madd(v128.load(vec(x, e), 16), v128.load32_splat(f(y, e), 4), acc);
    acc = madd(v128.load(vec(x, e), 32), v128.load32_splat(f(y, e), 8), acc);
    acc = madd(v128.load(vec(x, e), 48), v128.load32_splat(f(y, e), 12), acc);
  }
  for (; e < n; e++) acc = madd(v128.load(vec(x, e)), v128.load32_splat(f(y, e)), acc);
  return acc;
}

/** y[e] = Σ_{j < n} p[j]·v[j·vs + e] for e < Ev, in j order: one output row, lanes over e. */
@inline function rowTimesV(y: usize, p: usize, v: usize, vs: i32, n: i32, Ev: i32): void {
  let e = 0;
  for (; e + 8 <= Ev; e += 8) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
    let vj = f(v, e);
    for (let j = 0; j < n; j++) {
      const pj = v128.load32_splat(f(p, j));
      a0 = madd(pj, v128.load(vj), a0);
      a1 = madd(pj, v128.load(vj, 16), a1);
      vj = f(vj, vs);
    }
    v128.store(f(y, e), a0);
    v128.store(f(y, e), a1, 16);
  }
  for (; e + 4 <= Ev; e += 4) {
    let a0 = f32x4.splat(0);
    let vj = f(v, e);
    for (let j = 0; j < n; j++) {
      a0 = madd(v128.load32_splat(f(p, j)), v128.load(vj), a0);
      vj = f(vj, vs);
    }
    v128.store(f(y, e), a0);
  }
  for (; e < Ev; e++) {
    let acc: f32 = 0;
    for (let j = 0; j < n; j++) acc += load<f32>(f(p, j)) * load<f32>(f(v, j * vs + e));
    store<f32>(f(y, e), acc);
  }
}

/** Row 0 of slice b of a strided operand: data + offsets[b]. */
@inline function sliceAt(data: usize, offsets: usize, b: i32): usize {
  return f(data, load<i32>(offsets + (<usize>b << 2)));
}

/**
 * Scratch floats for a range of slices (at b0's place, so concurrent ranges never share it):
 * vectors of four rows, forward qᵀ [E], scores [S]; backward gᵀ [Ev], qᵀ [E], P [S], dS [S],
 * and dS's four rows of S floats.
 */
export function attentionScratchFloats(S: i32, E: i32, Ev: i32): i32 {
  return 4 * (E + Ev + 3 * S);
}

/**
 * attn[b] = softmax(scale·q[b]·k[b]ᵀ + mask) (causal: keys j ≤ i), out[b] = attn[b]·v[b].
 * q, k, v and out are strided: slice b starts at offsets[b] (i32 elements), rows `qs`/`ks`/`vs`/`os`
 * apart. mask = 0: none. scratch: attentionScratchFloats per slice.
 */
export function attentionForwardRange(q: usize, qo: usize, qs: i32, k: usize, ko: usize, ks: i32, v: usize, vo: usize, vs: i32,
  mask: usize, maskStride: i32, attn: usize, out: usize, oo: usize, os: i32, scratch: usize,
  L: i32, S: i32, E: i32, Ev: i32, scale: f32, causal: i32, b0: i32, b1: i32): void {
  const qT = f(scratch, b0 * attentionScratchFloats(S, E, Ev)), sc = vec(qT, E);
  const kv = f32x4.splat(scale), ninf = f32x4.splat(-Infinity), zero = f32x4.splat(0);
  for (let b = b0; b < b1; b++) {
    const qb = sliceAt(q, qo, b), kb = sliceAt(k, ko, b), vb = sliceAt(v, vo, b), ob = sliceAt(out, oo, b);
    for (let i0 = 0; i0 < L; i0 += 4) {
      const nr = min(4, L - i0);
      const q0 = f(qb, i0 * qs);
      gatherT(qT, q0, rowOf(q0, 1, nr, qs), rowOf(q0, 2, nr, qs), rowOf(q0, 3, nr, qs), E);
      // causal: row i sees keys j <= i, so the block's rows see at most i0 + nr of them
      const jEnd = causal ? min(S, i0 + nr) : S;
      const rowIdx = i32x4.add(i32x4.splat(i0), i32x4(0, 1, 2, 3));
      const mr = f(mask, b * maskStride + i0 * S);
      let mv = ninf;
      for (let j = 0; j < jEnd; j++) {
        const kj = f(kb, j * ks);
        let s = f32x4.mul(kv, dotT(zero, qT, kj, E));
        if (mask) {
          let m4 = f32x4.splat(load<f32>(f(mr, j)));
          if (nr > 1) m4 = f32x4.replace_lane(m4, 1, load<f32>(f(mr, S + j)));
          if (nr > 2) m4 = f32x4.replace_lane(m4, 2, load<f32>(f(mr, 2 * S + j)));
          if (nr > 3) m4 = f32x4.replace_lane(m4, 3, load<f32>(f(mr, 3 * S + j)));
          s = f32x4.add(s, m4);
        }
        if (causal) s = v128.bitselect(ninf, s, i32x4.gt_s(i32x4.splat(j), rowIdx));
        v128.store(vec(sc, j), s);
        mv = f32x4.max(mv, s);
      }
      // a row whose keys are all hidden (−∞) takes 0 as its max, as the reference (no ∞ − ∞)
      mv = v128.bitselect(zero, mv, f32x4.eq(mv, ninf));
      let sum = zero;
      for (let j = 0; j < jEnd; j++) {
        const e = expV(f32x4.sub(v128.load(vec(sc, j)), mv));
        v128.store(vec(sc, j), e);
        sum = f32x4.add(sum, e);
      }
      const inv = f32x4.div(f32x4.splat(1), sum);
      for (let j = 0; j < S; j++) {
        // keys past a row's end are 0 (0·∞ when every key is hidden stays NaN, as in the reference)
        let p = j < jEnd ? f32x4.mul(v128.load(vec(sc, j)), inv) : zero;
        if (causal) p = v128.bitselect(zero, p, i32x4.gt_s(i32x4.splat(j), rowIdx));
        v128.store(vec(sc, j), p);
      }
      const a0 = f(attn, (b * L + i0) * S);
      scatterT(sc, S, nr, a0, f(a0, S), f(a0, 2 * S), f(a0, 3 * S));
      // out rows from the weights just stored, lanes over e: v's rows load as vectors
      for (let l = 0; l < nr; l++) rowTimesV(f(ob, (i0 + l) * os), f(a0, l * S), vb, vs, jEnd, Ev);
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
  const gT = f(scratch, b0 * attentionScratchFloats(S, E, Ev)), qT = vec(gT, Ev), P = vec(qT, E), dS = vec(P, S), dSr = vec(dS, S);
  const kv = f32x4.splat(scale), zero = f32x4.splat(0);
  for (let b = b0; b < b1; b++) {
    const qb = sliceAt(q, qo, b), kb = sliceAt(k, ko, b), vb = sliceAt(v, vo, b), gb = sliceAt(g, go, b);
    const dkb = dk ? sliceAt(dk, dko, b) : 0, dvb = dv ? sliceAt(dv, dvo, b) : 0;
    if (L == 0) {
      // no query rows: the sums over them are empty
      if (dk) for (let j = 0; j < S; j++) memory.fill(f(dkb, j * dks), 0, <usize>E << 2);
      if (dv) for (let j = 0; j < S; j++) memory.fill(f(dvb, j * dvs), 0, <usize>Ev << 2);
      continue;
    }
    for (let i0 = 0; i0 < L; i0 += 4) {
      const nr = min(4, L - i0), first = i0 == 0;
      const a0 = f(attn, (b * L + i0) * S), g0 = f(gb, i0 * gs), q0 = f(qb, i0 * qs);
      gatherT(P, a0, rowOf(a0, 1, nr, S), rowOf(a0, 2, nr, S), rowOf(a0, 3, nr, S), S);
      if (dv) for (let j = 0; j < S; j++) rowsCombine(f(dvb, j * dvs), vec(P, j), g0, gs, nr, Ev, first);
      if (!dq && !dk) continue;
      gatherT(gT, g0, rowOf(g0, 1, nr, gs), rowOf(g0, 2, nr, gs), rowOf(g0, 3, nr, gs), Ev);
      // dA_j = g_i·v_j; s = Σ_j dA_j·P_j; dS_j = scale·P_j·(dA_j − s)
      let s = zero;
      for (let j = 0; j < S; j++) {
        const vj = f(vb, j * vs);
        const d = dotT(zero, gT, vj, Ev);
        v128.store(vec(dS, j), d);
        s = f32x4.add(s, f32x4.mul(d, v128.load(vec(P, j))));
      }
      for (let j = 0; j < S; j++) v128.store(vec(dS, j), f32x4.mul(f32x4.mul(kv, v128.load(vec(P, j))), f32x4.sub(v128.load(vec(dS, j)), s)));
      if (dq) {
        // dS's rows (lanes back into rows), then dq's rows with lanes over e: k's rows load as vectors
        scatterT(dS, S, nr, dSr, f(dSr, S), f(dSr, 2 * S), f(dSr, 3 * S));
        const d0 = f(sliceAt(dq, dqo, b), i0 * dqs);
        for (let l = 0; l < nr; l++) rowTimesV(f(d0, l * dqs), f(dSr, l * S), kb, ks, S, E);
      }
      if (dk) for (let j = 0; j < S; j++) rowsCombine(f(dkb, j * dks), vec(dS, j), q0, qs, nr, E, first);
    }
  }
}
