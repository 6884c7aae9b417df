// The LSTM cell's pointwise math on f32x4 for rows [r0, r1) (same formulas and
// layout as lib/backend/reference/rnn.ts). H not a multiple of 4 leaves a scalar tail
// that goes through the vector code with one lane used.

import { sigmoidGateV, tanhGateV } from "./transcendental";
import { madd } from "./madd";

@inline function f(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}
@inline function sig(x: v128): v128 {
  return sigmoidGateV(x);
}
@inline function tanhV(x: v128): v128 {
  return tanhGateV(x);
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

// A whole LSTM layer's recurrence for batch rows [r0, r1). Rows of a batch never interact
// in an LSTM, so a thread runs every time step of its rows with no barrier, and the pool is
// dispatched once per sequence. W_hh is packed once into 8-column panels (rnnPackPanels) and
// read packed by every step; A (the previous h, or the gate gradients) is read in place.

const NR: i32 = 8;

/**
 * B(p, j) = b[p*rsB + j*csB] for p < k, j < n, as ceil(n/8) panels of k×8 floats (panel q
 * holds columns 8q … 8q+7, p-major), columns past n zero.
 */
export function rnnPackPanels(k: i32, n: i32, b: usize, rsB: i32, csB: i32, dst: usize): void {
  for (let j = 0; j < n; j += NR) {
    const cols = min(NR, n - j);
    for (let p = 0; p < k; p++) {
      for (let c = 0; c < NR; c++) {
        store<f32>(dst, c < cols ? load<f32>(f(b, p * rsB + (j + c) * csB)) : 0);
        dst += 4;
      }
    }
  }
}

/** Bytes of rnnPackPanels' output for a k×n B. */
export function rnnPanelBytes(k: i32, n: i32): i32 {
  return ((n + NR - 1) / NR) * NR * k * 4;
}

/**
 * C[i, j] = Σ_p A[i, p]·B(p, j) (+ D[i, j] when hasAdd, then + bias[j] when hasBias) for i < m, j < n, A rows of k floats
 * lda apart, B as packed panels. Each C element is one multiply-add chain over p = 0 … k−1
 * whatever m, so any split of the rows gives the same bits. tmp: 32 floats.
 */
function rowsTimesPanels(m: i32, k: i32, a: usize, lda: i32, panels: usize, n: i32, c: usize, ldc: i32,
                         hasAdd: i32, d: usize, ldd: i32, hasBias: i32, bias: usize, tmp: usize): void {
  for (let j = 0; j < n; j += NR) {
    const cols = min(NR, n - j);
    const bp0 = panels + (<usize>(j * k) << 2);
    for (let i = 0; i < m; i += 4) {
      const rows = min(4, m - i);
      // missing rows of an edge block re-read the block's first row; their results are dropped
      let a0 = f(a, i * lda);
      let a1 = rows > 1 ? f(a0, lda) : a0, a2 = rows > 2 ? f(a0, 2 * lda) : a0, a3 = rows > 3 ? f(a0, 3 * lda) : a0;
      let bp = bp0;
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
      let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
      for (let p = 0; p < k; p++) {
        const b0 = v128.load(bp), b1 = v128.load(bp, 16);
        let av = v128.load32_splat(a0);
        c00 = madd(av, b0, c00); c01 = madd(av, b1, c01);
        av = v128.load32_splat(a1);
        c10 = madd(av, b0, c10); c11 = madd(av, b1, c11);
        av = v128.load32_splat(a2);
        c20 = madd(av, b0, c20); c21 = madd(av, b1, c21);
        av = v128.load32_splat(a3);
        c30 = madd(av, b0, c30); c31 = madd(av, b1, c31);
        a0 += 4; a1 += 4; a2 += 4; a3 += 4; bp += 32;
      }
      const cb = f(c, i * ldc + j), db = f(d, i * ldd + j);
      const lc = <usize>ldc << 2, ldb = <usize>ldd << 2;
      if (rows == 4 && cols == NR) {
        if (hasAdd) {
          c00 = f32x4.add(c00, v128.load(db)); c01 = f32x4.add(c01, v128.load(db, 16));
          c10 = f32x4.add(c10, v128.load(db + ldb)); c11 = f32x4.add(c11, v128.load(db + ldb, 16));
          c20 = f32x4.add(c20, v128.load(db + 2 * ldb)); c21 = f32x4.add(c21, v128.load(db + 2 * ldb, 16));
          c30 = f32x4.add(c30, v128.load(db + 3 * ldb)); c31 = f32x4.add(c31, v128.load(db + 3 * ldb, 16));
        }
        if (hasBias) {
          const bb = f(bias, j), b0 = v128.load(bb), b1 = v128.load(bb, 16);
          c00 = f32x4.add(c00, b0); c01 = f32x4.add(c01, b1); c10 = f32x4.add(c10, b0); c11 = f32x4.add(c11, b1);
          c20 = f32x4.add(c20, b0); c21 = f32x4.add(c21, b1); c30 = f32x4.add(c30, b0); c31 = f32x4.add(c31, b1);
        }
        v128.store(cb, c00); v128.store(cb, c01, 16);
        v128.store(cb + lc, c10); v128.store(cb + lc, c11, 16);
        v128.store(cb + 2 * lc, c20); v128.store(cb + 2 * lc, c21, 16);
        v128.store(cb + 3 * lc, c30); v128.store(cb + 3 * lc, c31, 16);
        continue;
      }
      v128.store(tmp, c00); v128.store(tmp, c01, 16); v128.store(tmp, c10, 32); v128.store(tmp, c11, 48);
      v128.store(tmp, c20, 64); v128.store(tmp, c21, 80); v128.store(tmp, c30, 96); v128.store(tmp, c31, 112);
      for (let r = 0; r < rows; r++) {
        for (let q = 0; q < cols; q++) {
          let v = load<f32>(f(tmp, r * NR + q));
          if (hasAdd) v += load<f32>(db + <usize>r * ldb + (<usize>q << 2));
          if (hasBias) v += load<f32>(f(bias, j + q));
          store<f32>(cb + <usize>r * lc + (<usize>q << 2), v);
        }
      }
    }
  }
}

/**
 * Forward over all L steps for rows [r0, r1): gates = h_t·W_hhᵀ + xw_t (wPanels: W_hhᵀ packed,
 * k = H, n = 4H), then the cell. h and c [L, N, H] hold the state each step starts from (the
 * first step's filled in by the caller) and get the next one; hc [L, N, 2H], acts [L, N, 4H]
 * as lstmCellRange; gates: an [N, 4H] scratch shared by the threads (each uses its rows);
 * bias [4H] added to every row when hasBias.
 */
export function lstmSequenceRange(xw: usize, hasBias: i32, bias: usize, wPanels: usize, h: usize, c: usize, hc: usize, acts: usize, gates: usize,
                                  tmp: usize, L: i32, N: i32, H: i32, reverse: i32, r0: i32, r1: i32): void {
  const G = 4 * H, NH = N * H, NG = N * G, m = r1 - r0;
  for (let s = 0; s < L; s++) {
    const t = reverse ? L - 1 - s : s;
    rowsTimesPanels(m, H, f(h, t * NH + r0 * H), H, wPanels, G, f(gates, r0 * G), G, 1, f(xw, t * NG + r0 * G), G, hasBias, bias, tmp);
    const hct = f(hc, t * 2 * NH);
    lstmCellRange(gates, f(c, t * NH), hct, f(acts, t * NG), H, r0, r1);
    if (s + 1 < L) {
      const tn = reverse ? t - 1 : t + 1, bytes = <usize>H << 2;
      for (let r = r0; r < r1; r++) {
        memory.copy(f(h, tn * NH + r * H), f(hct, r * 2 * H), bytes);
        memory.copy(f(c, tn * NH + r * H), f(hct, r * 2 * H + H), bytes);
      }
    }
  }
}

/**
 * Backward over all L steps (last first) for rows [r0, r1), from gh = ∂/∂h_t [L, N, H]:
 * dGates [L, N, 4H]; dh, dc [N, H] hold ∂/∂h, ∂/∂c of the last step's output on entry (set by
 * the caller) and ∂/∂h0, ∂/∂c0 on return. wPanels: W_hh packed (k = 4H, n = H); ghc: an
 * [N, 2H] scratch shared by the threads (each uses its rows).
 */
export function lstmSequenceBackwardRange(acts: usize, cPrev: usize, hc: usize, gh: usize, wPanels: usize, dGates: usize,
                                          dh: usize, dc: usize, ghc: usize, tmp: usize, L: i32, N: i32, H: i32, reverse: i32,
                                          r0: i32, r1: i32): void {
  const G = 4 * H, NH = N * H, NG = N * G, m = r1 - r0;
  for (let s = L - 1; s >= 0; s--) {
    const t = reverse ? L - 1 - s : s;
    // the gradient reaching h_t, c_t: from the output at t and from step t + 1 through the state
    const gt = f(gh, t * NH);
    for (let r = r0; r < r1; r++) {
      const q = f(ghc, r * 2 * H), gq = f(gt, r * H), hr = f(dh, r * H), cr = f(dc, r * H);
      for (let j = 0; j < H;) {
        const n = j + 4 <= H ? 4 : 1;
        st(q, j, n, f32x4.add(ld(gq, j, n), ld(hr, j, n)));
        st(q, H + j, n, ld(cr, j, n));
        j += n;
      }
    }
    const dgt = f(dGates, t * NG);
    lstmCellBackwardRange(f(acts, t * NG), f(cPrev, t * NH), f(hc, t * 2 * NH), ghc, dgt, dc, H, r0, r1);
    rowsTimesPanels(m, G, f(dgt, r0 * G), G, wPanels, H, f(dh, r0 * H), H, 0, 0, 0, 0, 0, tmp);
  }
}

/**
 * dst[j] = Σ_r src[r*n + j] for columns [c0, c1) (c0 a multiple of 4), rows in order: the
 * same bits whatever the split. Row by row, so src streams through memory once.
 */
export function columnSumRange(src: usize, rows: i32, n: i32, dst: usize, c0: i32, c1: i32): void {
  const w = c1 - c0, w4 = w & ~3, d = f(dst, c0);
  memory.fill(d, 0, <usize>w << 2);
  for (let r = 0; r < rows; r++) {
    const row = f(src, r * n + c0);
    let j = 0;
    for (; j < w4; j += 4) v128.store(f(d, j), f32x4.add(v128.load(f(d, j)), v128.load(f(row, j))));
    for (; j < w; j++) store<f32>(f(d, j), load<f32>(f(d, j)) + load<f32>(f(row, j)));
  }
}
