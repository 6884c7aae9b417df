// Multi-channel conv2d at stride and dilation 1 as an implicit GEMM: no im2col matrix. The
// image is copied once, zero-padded, to xp [c, Hp, Wp]; then tap k = (ci, ki, kj) of output
// position q = oh·Wp + ow is xp[off[k] + q] with off[k] = ci·Hp·Wp + ki·Wp + kj, so 8
// consecutive q are 8 consecutive floats and the micro-kernels load them straight from xp.
// The output is computed "wide" (Wp columns a row, the last kw − 1 of them junk that is
// dropped) for the forward and input gradient; the weight gradient reads only real columns.

import { packedTile, rowsTile } from "./tile4x8";
import { maxPool2x2Row } from "./pool2d";

@inline function f(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

@inline function roundUp(x: i32, m: i32): i32 {
  return ((x + m - 1) / m) * m;
}

/** dst[0, n) = src[0, n) with vector moves (rows here are a few dozen floats: no memory.copy call). */
@inline export function copyFloats(dst: usize, src: usize, n: i32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(f(dst, j), v128.load(f(src, j)));
  for (; j < n; j++) store<f32>(f(dst, j), load<f32>(f(src, j)));
}

/** Floats of the padded copy of one image: Hp·Wp a channel, then zeros the last wide tiles read past it. */
@inline export function paddedFloats(c: i32, Hp: i32, Wp: i32): i32 {
  return c * Hp * Wp + 2 * Wp + 32;
}

/** Wide output columns, rounded up to the 8-wide tile. */
@inline function wideCols(outH: i32, Wp: i32): i32 {
  return roundUp(outH * Wp, 8);
}

/**
 * Row by row between a compact [c, rows, cols] block and one whose planes are `plane` floats
 * and rows `row` floats apart: toStrided copies compact → strided, else strided → compact.
 */
function copyPlanes(compact: usize, strided: usize, plane: i32, row: i32, c: i32, rows: i32, cols: i32, toStrided: bool): void {
  for (let ci = 0; ci < c; ci++) {
    for (let i = 0; i < rows; i++) {
      const a = f(compact, (ci * rows + i) * cols), b = f(strided, ci * plane + i * row);
      if (toStrided) copyFloats(b, a, cols);
      else copyFloats(a, b, cols);
    }
  }
}

/** dst [c, Hp, Wp] = src [c, h, w] placed at (pH, pW), zeros around it and in the slack after it. */
export function padPlanes(src: usize, c: i32, h: i32, w: i32, pH: i32, pW: i32, Hp: i32, Wp: i32, dst: usize): void {
  memory.fill(dst, 0, <usize>paddedFloats(c, Hp, Wp) << 2);
  copyPlanes(src, f(dst, pH * Wp + pW), Hp * Wp, Wp, c, h, w, true);
}

/** offs[k] = byte offset of tap k = (ci, ki, kj) in the padded image; k ≥ K (to a multiple of 4) repeats tap 0 (results never read). */
function tapOffsets(c: i32, kh: i32, kw: i32, Hp: i32, Wp: i32, offs: usize): void {
  let k = 0;
  for (let ci = 0; ci < c; ci++)
    for (let ki = 0; ki < kh; ki++)
      for (let kj = 0; kj < kw; kj++) store<i32>(f(offs, k++), (ci * Hp * Wp + ki * Wp + kj) << 2);
  for (; k < roundUp(c * kh * kw, 4); k++) store<i32>(f(offs, k), 0);
}

/**
 * Forward weights as [cOut/4][K][4] (zero channels past cOut): wt [cOut, cIn, kh, kw], or
 * with flip the input gradient's kernel, wt [cIn, cOut, kh, kw] read as its transposed and
 * 180°-rotated [cOut', cIn', kh, kw] with cOut' = cIn of wt and cIn' = its cOut.
 */
function packWeights(wt: usize, cOut: i32, cIn: i32, kh: i32, kw: i32, flip: bool, dst: usize): void {
  const K = cIn * kh * kw, T = kh * kw;
  for (let cb = 0; cb < cOut; cb += 4) {
    for (let k = 0; k < K; k++) {
      const ci = k / T, t = k - ci * T;
      for (let i = 0; i < 4; i++) {
        const co = cb + i;
        let v: f32 = 0;
        if (co < cOut) v = flip ? load<f32>(f(wt, (ci * cOut + co) * T + T - 1 - t)) : load<f32>(f(wt, co * K + k));
        store<f32>(f(dst, (cb * K + k * 4) + i), v);
      }
    }
  }
}

/** bias[c] as a lane, 0 past cOut or without bias. */
@inline function biasLane(bias: usize, c: i32, cOut: i32): f32 {
  return bias && c < cOut ? load<f32>(f(bias, c)) : 0;
}

/**
 * wide [cOut4, Q] = relu?(W @ taps(xp) + bias) over Q (a multiple of 8) wide positions: for
 * each 4-channel block and 8 positions, a 4×8 register tile over the K taps (6 loads per 8
 * multiply-adds; the tap rows come from the offset table). relu: max(v, 0), NaN becomes 0.
 */
function wideForward(xp: usize, wpk: usize, offs: usize, K: i32, cOut: i32, Q: i32, wide: usize, bias: usize, relu: i32): void {
  for (let cb = 0; cb < cOut; cb += 4) {
    const ab = f(wpk, cb * K), end = f(ab, 4 * K);
    const bv0 = f32x4.splat(biasLane(bias, cb, cOut)), bv1 = f32x4.splat(biasLane(bias, cb + 1, cOut));
    const bv2 = f32x4.splat(biasLane(bias, cb + 2, cOut)), bv3 = f32x4.splat(biasLane(bias, cb + 3, cOut));
    const r0 = f(wide, cb * Q), qs = <usize>Q << 2;
    for (let q = 0; q < Q; q += 8) {
      const d = f(r0, q);
      packedTile(ab, end, f(xp, q), 0, true, offs, d, d + qs, d + 2 * qs, d + 3 * qs, false, true, bv0, bv1, bv2, bv3, relu != 0);
    }
  }
}

/** out [c, outH, outW] = the real columns of wide [c, Q] (rows Wp apart). */
@inline function narrowRows(wide: usize, Q: i32, Wp: i32, c: i32, outH: i32, outW: i32, out: usize): void {
  copyPlanes(out, wide, Q, Wp, c, outH, outW, false);
}

/** Whether the implicit kernels take this conv: groups 1, stride and dilation 1, several input channels. */
export function implicitConv(cIn: i32, groups: i32, sH: i32, sW: i32, dH: i32, dW: i32, kh: i32, kw: i32, pH: i32, pW: i32): i32 {
  return <i32>(cIn > 1 && groups == 1 && sH == 1 && sW == 1 && dH == 1 && dW == 1 && kh * kw > 1 && pH < kh && pW < kw);
}

// One thread's workspace: xp | wide | packed weights | accumulator | offsets | dyT, each
// 64-byte aligned (plain arithmetic: the module has no allocator).
@inline function xpAt(ws: usize): usize {
  return (ws + 63) & ~63;
}
@inline function wideAt(ws: usize, cIn: i32, Hp: i32, Wp: i32): usize {
  return (f(xpAt(ws), paddedFloats(cIn, Hp, Wp)) + 63) & ~63;
}
@inline function packedAt(ws: usize, cIn: i32, cOut: i32, Hp: i32, Wp: i32, outH: i32): usize {
  return (f(wideAt(ws, cIn, Hp, Wp), roundUp(cOut, 4) * wideCols(outH, Wp) + 32) + 63) & ~63;
}
@inline function packedFloats(K: i32, cOut: i32): i32 {
  return roundUp(K, 4) * roundUp(cOut, 8);
}
@inline function accAt(packed: usize, K: i32, cOut: i32): usize {
  return f(packed, packedFloats(K, cOut));
}
@inline function offsAt(packed: usize, K: i32, cOut: i32): usize {
  return (f(packed, 2 * packedFloats(K, cOut)) + 63) & ~63;
}
@inline function dyTAt(offs: usize, K: i32): usize {
  return (f(offs, roundUp(K, 4)) + 63) & ~63;
}

/** Bytes of one thread's workspace in a conv's layout (channels c → cOut, Hp × Wp padded planes, P real outputs). */
function layoutBytes(c: i32, cOut: i32, kh: i32, kw: i32, Hp: i32, Wp: i32, outH: i32, P: i32): i32 {
  const K = c * kh * kw;
  const end = f(dyTAt(offsAt(packedAt(0, c, cOut, Hp, Wp, outH), K, cOut), K), P * roundUp(cOut, 8));
  return <i32>end + 64;
}

/** Workspace bytes one thread needs for any of the three implicit kernels of this conv (see implicitConv). */
export function implicitWorkspaceBytes(cIn: i32, h: i32, w: i32, cOut: i32, kh: i32, kw: i32, pH: i32, pW: i32, outH: i32, outW: i32): i32 {
  const forward = layoutBytes(cIn, cOut, kh, kw, h + 2 * pH, w + 2 * pW, outH, outH * outW);
  const input = layoutBytes(cOut, cIn, kh, kw, outH + 2 * (kh - 1 - pH), outW + 2 * (kw - 1 - pW), h, h * w);
  return max(forward, input);
}

/**
 * Images [b0, b1) of relu?(conv2d(x, wt) + bias) (see implicitConv). pooled 0: out
 * [n, cOut, outH, outW]; otherwise the conv output is 2×2, stride-2 max pooled while in
 * cache into out and argmax [n, cOut, outH/2, outW/2] (argmax as maxPool2dForward's).
 */
export function implicitForwardRange(cIn: i32, h: i32, w: i32, cOut: i32, kh: i32, kw: i32, pH: i32, pW: i32,
                                     outH: i32, outW: i32, x: usize, wt: usize, out: usize, argmax: usize,
                                     b0: i32, b1: i32, ws: usize, bias: usize, relu: i32, pooled: i32): void {
  const Hp = h + 2 * pH, Wp = w + 2 * pW, K = cIn * kh * kw, Q = wideCols(outH, Wp);
  const xp = xpAt(ws), wide = wideAt(ws, cIn, Hp, Wp), packed = packedAt(ws, cIn, cOut, Hp, Wp, outH);
  const offs = offsAt(packed, K, cOut);
  packWeights(wt, cOut, cIn, kh, kw, false, packed);
  tapOffsets(cIn, kh, kw, Hp, Wp, offs);
  const pHo = outH >> 1, pWo = outW >> 1, per = cOut * pHo * pWo;
  for (let b = b0; b < b1; b++) {
    padPlanes(f(x, b * cIn * h * w), cIn, h, w, pH, pW, Hp, Wp, xp);
    wideForward(xp, packed, offs, K, cOut, Q, wide, bias, relu);
    if (!pooled) {
      narrowRows(wide, Q, Wp, cOut, outH, outW, f(out, b * cOut * outH * outW));
      continue;
    }
    for (let c = 0; c < cOut; c++) {
      for (let ph = 0; ph < pHo; ph++) {
        const r0 = f(wide, c * Q + 2 * ph * Wp), o = b * per + (c * pHo + ph) * pWo;
        maxPool2x2Row(r0, f(r0, Wp), 2 * ph * outW, outW, pWo, f(out, o), f(argmax, o), true, relu != 0);
      }
    }
  }
}

/**
 * Images [b0, b1) of dx = conv2d's input gradient, as the forward conv of dy zero-padded by
 * (kh − 1 − pH, kw − 1 − pW) with the transposed, rotated kernel: dx [n, cIn, h, w] overwritten.
 */
export function implicitBackwardInputRange(cIn: i32, h: i32, w: i32, cOut: i32, kh: i32, kw: i32, pH: i32, pW: i32,
                                           outH: i32, outW: i32, dy: usize, wt: usize, dx: usize,
                                           b0: i32, b1: i32, ws: usize): void {
  const qH = kh - 1 - pH, qW = kw - 1 - pW;
  const Hp = outH + 2 * qH, Wp = outW + 2 * qW, K = cOut * kh * kw, Q = wideCols(h, Wp);
  const xp = xpAt(ws), wide = wideAt(ws, cOut, Hp, Wp), packed = packedAt(ws, cOut, cIn, Hp, Wp, h);
  const offs = offsAt(packed, K, cIn);
  packWeights(wt, cIn, cOut, kh, kw, true, packed);
  tapOffsets(cOut, kh, kw, Hp, Wp, offs);
  for (let b = b0; b < b1; b++) {
    padPlanes(f(dy, b * cOut * outH * outW), cOut, outH, outW, qH, qW, Hp, Wp, xp);
    wideForward(xp, packed, offs, K, cIn, Q, wide, 0, 0);
    narrowRows(wide, Q, Wp, cIn, h, w, f(dx, b * cIn * h * w));
  }
}

/** dyT [P, c8] = dy [c, P] transposed, zero channels past c: 4×4 blocks through registers. */
export function transposeDy(dy: usize, c: i32, P: i32, c8: i32, dst: usize): void {
  const P4 = P & ~3, c4 = c & ~3;
  for (let ch = 0; ch < c4; ch += 4) {
    const s0 = f(dy, ch * P), s1 = f(s0, P), s2 = f(s1, P), s3 = f(s2, P);
    for (let q = 0; q < P4; q += 4) {
      const o = <usize>q << 2;
      const x0 = v128.load(s0 + o), x1 = v128.load(s1 + o), x2 = v128.load(s2 + o), x3 = v128.load(s3 + o);
      const t0 = i32x4.shuffle(x0, x1, 0, 4, 1, 5), t1 = i32x4.shuffle(x2, x3, 0, 4, 1, 5);
      const t2 = i32x4.shuffle(x0, x1, 2, 6, 3, 7), t3 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
      const d = f(dst, q * c8 + ch), cs = <usize>c8 << 2;
      v128.store(d, i64x2.shuffle(t0, t1, 0, 2));
      v128.store(d + cs, i64x2.shuffle(t0, t1, 1, 3));
      v128.store(d + 2 * cs, i64x2.shuffle(t2, t3, 0, 2));
      v128.store(d + 3 * cs, i64x2.shuffle(t2, t3, 1, 3));
    }
  }
  for (let q = 0; q < P; q++) {
    const d = f(dst, q * c8);
    for (let ch = q < P4 ? c4 : 0; ch < c; ch++) store<f32>(f(d, ch), load<f32>(f(dy, ch * P + q)));
    for (let ch = c; ch < c8; ch++) store<f32>(f(d, ch), 0);
  }
}

/** Floats of dyT a band of output rows of the weight gradient reads: it stays in L1 across all tap blocks. */
const DY_BAND_FLOATS = 8192;

/**
 * acc [K4, c8] += taps(xp) [K4, P] @ dyT [P, c8] for one image: 4 taps × 8 channels a
 * register tile, summed over the real output positions in row order, a band of rows at a
 * time (each band's dyT is read once per tap block).
 */
function weightGradImage(xp: usize, offs: usize, dyT: usize, K: i32, c8: i32, outH: i32, outW: i32, Wp: i32, acc: usize): void {
  const cs = <usize>c8 << 2, band = max(1, DY_BAND_FLOATS / (c8 * outW));
  for (let oh0 = 0; oh0 < outH; oh0 += band) {
    const rows = min(band, outH - oh0), xr = <usize>(oh0 * Wp) << 2, bb = f(dyT, oh0 * outW * c8);
    for (let kb = 0; kb < K; kb += 4) {
      const x0 = xp + <usize>load<i32>(f(offs, kb)) + xr, x1 = xp + <usize>load<i32>(f(offs, kb + 1)) + xr;
      const x2 = xp + <usize>load<i32>(f(offs, kb + 2)) + xr, x3 = xp + <usize>load<i32>(f(offs, kb + 3)) + xr;
      for (let cb = 0; cb < c8; cb += 8) {
        const d0 = f(acc, kb * c8 + cb);
        rowsTile(x0, x1, x2, x3, f(bb, cb), cs, rows, outW, <usize>Wp << 2, d0, d0 + cs, d0 + 2 * cs, d0 + 3 * cs);
      }
    }
  }
}

/** dw [cOut, K] += acc [K4, c8] transposed (its first K rows and cOut columns). */
function flushAcc(acc: usize, K: i32, cOut: i32, c8: i32, dw: usize): void {
  for (let o = 0; o < cOut; o++) {
    for (let k = 0; k < K; k++) {
      const q = f(dw, o * K + k);
      store<f32>(q, load<f32>(q) + load<f32>(f(acc, k * c8 + o)));
    }
  }
}

/**
 * dw partial c (cOut × K floats at dw + c·cOut·K) += the weight gradient of the images of
 * [b0, b1) in chunk c = b / chunk, each chunk's images summed in order into a zeroed
 * accumulator first, as conv2dBackwardWeightRange: the partials do not depend on the split.
 */
export function implicitBackwardWeightRange(cIn: i32, h: i32, w: i32, cOut: i32, kh: i32, kw: i32, pH: i32, pW: i32,
                                            outH: i32, outW: i32, x: usize, dy: usize, dw: usize,
                                            b0: i32, b1: i32, ws: usize, chunk: i32): void {
  const Hp = h + 2 * pH, Wp = w + 2 * pW, K = cIn * kh * kw, K4 = roundUp(K, 4), c8 = roundUp(cOut, 8), P = outH * outW;
  const xp = xpAt(ws), packed = packedAt(ws, cIn, cOut, Hp, Wp, outH);
  const acc = accAt(packed, K, cOut), offs = offsAt(packed, K, cOut), dyT = dyTAt(offs, K);
  tapOffsets(cIn, kh, kw, Hp, Wp, offs);
  const part = <usize>(cOut * K) << 2, accBytes = <usize>(K4 * c8) << 2;
  let cur = b0 / chunk;
  memory.fill(acc, 0, accBytes);
  for (let b = b0; b < b1; b++) {
    if (b / chunk != cur) {
      flushAcc(acc, K, cOut, c8, dw + <usize>cur * part);
      memory.fill(acc, 0, accBytes);
      cur = b / chunk;
    }
    padPlanes(f(x, b * cIn * h * w), cIn, h, w, pH, pW, Hp, Wp, xp);
    transposeDy(f(dy, b * cOut * P), cOut, P, c8, dyT);
    weightGradImage(xp, offs, dyT, K, c8, outH, outW, Wp, acc);
  }
  if (b1 > b0) flushAcc(acc, K, cOut, c8, dw + <usize>cur * part);
}

/** dst [c, Q] = dy [c, outH, outW] in wide rows (Wp apart), zeros in the junk columns and the tail. */
function wideRows(dy: usize, c: i32, outH: i32, outW: i32, Wp: i32, Q: i32, dst: usize): void {
  memory.fill(dst, 0, <usize>(c * Q) << 2);
  copyPlanes(dy, dst, Q, Wp, c, outH, outW, true);
}

/**
 * The scatter's tap blocks: block j holds taps j + i·M (i < 4, M = K4/4), a quarter of the
 * taps apart, so a tile's four rows land in different places of the padded image (adjacent
 * taps overlap, and re-reading a just stored, overlapping vector stalls store forwarding).
 * wpk [M][cOut][4] their weights (0 past K), offs [M][4] their byte offsets (−1 past K).
 */
function packTapBlocks(wt: usize, cOut: i32, K: i32, kh: i32, kw: i32, Hp: i32, Wp: i32, dst: usize, offs: usize): void {
  const M = roundUp(K, 4) >> 2, T = kh * kw;
  for (let j = 0; j < M; j++) {
    for (let i = 0; i < 4; i++) {
      const k = j + i * M, ci = k / T, t = k - ci * T, ki = t / kw, kj = t - ki * kw;
      store<i32>(f(offs, j * 4 + i), k < K ? (ci * Hp * Wp + ki * Wp + kj) << 2 : -1);
      for (let co = 0; co < cOut; co++) store<f32>(f(dst, (j * cOut + co) * 4 + i), k < K ? load<f32>(f(wt, co * K + k)) : 0);
    }
  }
}

/**
 * dxp[off[k] + q] += Σ_co wt[co, k] · dyw[co, q] for every tap k and wide position q: the
 * input gradient's column matrix, 4 taps × 8 positions a register tile (taps as
 * packTapBlocks groups them), added into the padded image (col2im) straight from the
 * registers. Junk columns of dyw are zero, so they add 0.
 */
function wideInputScatter(dyw: usize, wpk: usize, offs: usize, K: i32, cOut: i32, Q: i32, dxp: usize): void {
  const qs = <usize>Q << 2, M = roundUp(K, 4) >> 2, zero = f32x4.splat(0);
  for (let j = 0; j < M; j++) {
    const ab = f(wpk, j * cOut * 4), end = f(ab, 4 * cOut);
    const o0 = load<i32>(f(offs, 4 * j)), o1 = load<i32>(f(offs, 4 * j + 1));
    const o2 = load<i32>(f(offs, 4 * j + 2)), o3 = load<i32>(f(offs, 4 * j + 3));
    for (let q = 0; q < Q; q += 8) {
      const dq = f(dxp, q);
      packedTile(ab, end, f(dyw, q), qs, false, 0, o0 < 0 ? 0 : dq + <usize>o0, o1 < 0 ? 0 : dq + <usize>o1,
        o2 < 0 ? 0 : dq + <usize>o2, o3 < 0 ? 0 : dq + <usize>o3, true, false, zero, zero, zero, zero, false);
    }
  }
}

/** dx [c, h, w] = the interior of the padded planes xp [c, Hp, Wp] at (pH, pW). */
@inline function unpadPlanes(xp: usize, c: i32, h: i32, w: i32, pH: i32, pW: i32, Hp: i32, Wp: i32, dx: usize): void {
  copyPlanes(dx, f(xp, pH * Wp + pW), Hp * Wp, Wp, c, h, w, false);
}

/**
 * Images [b0, b1) of dx = conv2d's input gradient as column-matrix tiles added into a padded
 * image (wideInputScatter), for convs whose rotated forward (implicitBackwardInputRange)
 * would read mostly padding: dx [n, cIn, h, w] overwritten.
 */
export function implicitBackwardInputScatterRange(cIn: i32, h: i32, w: i32, cOut: i32, kh: i32, kw: i32, pH: i32, pW: i32,
                                                  outH: i32, outW: i32, dy: usize, wt: usize, dx: usize,
                                                  b0: i32, b1: i32, ws: usize): void {
  const Hp = h + 2 * pH, Wp = w + 2 * pW, K = cIn * kh * kw, Q = wideCols(outH, Wp);
  const xp = xpAt(ws), wide = wideAt(ws, cIn, Hp, Wp), packed = packedAt(ws, cIn, cOut, Hp, Wp, outH);
  const offs = offsAt(packed, K, cOut);
  packTapBlocks(wt, cOut, K, kh, kw, Hp, Wp, packed, offs);
  for (let b = b0; b < b1; b++) {
    wideRows(f(dy, b * cOut * outH * outW), cOut, outH, outW, Wp, Q, wide);
    memory.fill(xp, 0, <usize>paddedFloats(cIn, Hp, Wp) << 2);
    wideInputScatter(wide, packed, offs, K, cOut, Q, xp);
    unpadPlanes(xp, cIn, h, w, pH, pW, Hp, Wp, f(dx, b * cIn * h * w));
  }
}
