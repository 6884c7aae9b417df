// Direct forward convolution of single-channel images (stride 1, dilation 1): a first
// layer's im2col GEMM has depth kh·kw only (9 for 3×3), too short to amortize its packing,
// so this reads the taps straight from a zero-padded copy of the image instead, with the
// bias and ReLU applied in registers. Under a ReLU and a max pool, the weight and bias
// gradients of any stride-1 conv come from the pooled gradient at the argmax positions only
// (directMaxPoolWeightGrad). (Without a pool the weight gradient stays on im2col + GEMM,
// whose depth is the image size: a direct version of it measured slower.)

import { madd } from "./madd";
import { maxPool2x2Vectors } from "./pool2d";

@inline function f(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** Width of the padded image: every 4-wide output vector reads its kw taps inside a row. */
@inline export function paddedWidth(outW: i32, kw: i32): i32 {
  return ((outW + 3) & ~3) + kw;
}

/** Floats the padded copy of one image takes. */
export function paddedImageFloats(outH: i32, outW: i32, kh: i32, kw: i32): i32 {
  return (outH + kh - 1) * paddedWidth(outW, kw) + 8; // the last row's 8-wide tile reads past it
}

/** dst [outH + kh − 1, paddedWidth] = the h×w plane x at (pH, pW), zeros around it. */
export function padImage(x: usize, h: i32, w: i32, pH: i32, pW: i32, outH: i32, outW: i32, kh: i32, kw: i32, dst: usize): void {
  const rows = outH + kh - 1, Wp = paddedWidth(outW, kw);
  memory.fill(dst, 0, <usize>paddedImageFloats(outH, outW, kh, kw) << 2);
  const c0 = max(0, -pW), c1 = min(w, Wp - pW);
  for (let i = max(0, -pH); i < h && pH + i < rows; i++) {
    const src = f(x, i * w), d = f(dst, (pH + i) * Wp + pW);
    if (c1 > c0) memory.copy(f(d, c0), f(src, c0), <usize>(c1 - c0) << 2);
  }
}

/** Stores the first n (1–4) lanes of v at p. */
@inline function storeLanes(p: usize, v: v128, n: i32): void {
  if (n >= 4) { v128.store(p, v); return; }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

@inline function biasOf(bias: usize, c: i32): v128 {
  return bias ? v128.load32_splat(f(bias, c)) : f32x4.splat(0);
}

/** relu: max(v, 0) with NaN becoming 0, as the reference. */
@inline function act(v: v128, relu: i32): v128 {
  return relu ? f32x4.pmax(f32x4.splat(0), v) : v;
}

/**
 * Output rows [oh0, oh1) of relu?(bias + the conv of the padded image xp with wt [cOut, kh, kw])
 * (bias 0: none): channel c's row oh goes to out + (c·cs + (oh − oh0)·outW) floats, so cs =
 * outH·outW writes the [cOut, outH, outW] output. Register tile: up to 6 output channels × 8
 * positions (2 + nc loads per 2·nc multiply-adds); a remainder of 1 or 2 channels joins the
 * last block of 4 (5 or 6 channels), as fewer multiply-add chains than that wait on latency.
 */
export function directForward1(xp: usize, wt: usize, out: usize, cOut: i32, kh: i32, kw: i32, outW: i32,
                               oh0: i32, oh1: i32, cs: i32, bias: usize, relu: i32): void {
  const r = cOut & 3;
  let co = 0;
  for (; co + 4 <= cOut - (r == 1 || r == 2 ? 4 : 0); co += 4) directChannels(xp, wt, out, co, 4, kh, kw, outW, oh0, oh1, cs, bias, relu);
  // a literal channel count each, so every inlined copy is free of per-tap branches
  const nc = cOut - co;
  if (nc == 1) directChannels(xp, wt, out, co, 1, kh, kw, outW, oh0, oh1, cs, bias, relu);
  else if (nc == 2) directChannels(xp, wt, out, co, 2, kh, kw, outW, oh0, oh1, cs, bias, relu);
  else if (nc == 3) directChannels(xp, wt, out, co, 3, kh, kw, outW, oh0, oh1, cs, bias, relu);
  else if (nc == 5) directChannels(xp, wt, out, co, 5, kh, kw, outW, oh0, oh1, cs, bias, relu);
  else if (nc == 6) directChannels(xp, wt, out, co, 6, kh, kw, outW, oh0, oh1, cs, bias, relu);
}

/**
 * directForward1 for channels [co, co + nc), nc ≤ 6 (a literal at every call): a pair of
 * accumulators per channel over 8 positions, 2·nc multiply-add chains at once; a row's last
 * 1–4 positions take one accumulator per channel (no lanes computed past the row).
 */
@inline function directChannels(xp: usize, wt: usize, out: usize, co: i32, nc: i32, kh: i32, kw: i32, outW: i32,
                                oh0: i32, oh1: i32, cs: i32, bias: usize, relu: i32): void {
  const Wp = paddedWidth(outW, kw), K = kh * kw, P = cs;
  const last = co + nc - 1;
  const w0 = f(wt, co * K), w1 = f(wt, min(co + 1, last) * K), w2 = f(wt, min(co + 2, last) * K);
  const w3 = f(wt, min(co + 3, last) * K), w4 = f(wt, min(co + 4, last) * K), w5 = f(wt, last * K);
  const ba = biasOf(bias, co), bb = biasOf(bias, min(co + 1, last)), bc = biasOf(bias, min(co + 2, last));
  const bd = biasOf(bias, min(co + 3, last)), be = biasOf(bias, min(co + 4, last)), bf = biasOf(bias, last);
  for (let oh = oh0; oh < oh1; oh++) {
    const o0 = f(out, co * P + (oh - oh0) * outW), o1 = f(o0, P), o2 = f(o1, P), o3 = f(o2, P), o4 = f(o3, P), o5 = f(o4, P);
    let ow = 0;
    for (; ow + 4 < outW; ow += 8) {
      let a0 = ba, a1 = ba, b0 = bb, b1 = bb, c0 = bc, c1 = bc, d0 = bd, d1 = bd, e0 = be, e1 = be, g0 = bf, g1 = bf;
      for (let ki = 0; ki < kh; ki++) {
        const xr = f(xp, (oh + ki) * Wp + ow);
        const t0 = ki * kw;
        for (let kj = 0; kj < kw; kj++) {
          const x0 = v128.load(f(xr, kj)), x1 = v128.load(f(xr, kj + 4));
          const t = t0 + kj;
          let wv = v128.load32_splat(f(w0, t));
          a0 = madd(wv, x0, a0); a1 = madd(wv, x1, a1);
          if (nc > 1) {
            wv = v128.load32_splat(f(w1, t));
            b0 = madd(wv, x0, b0); b1 = madd(wv, x1, b1);
          }
          if (nc > 2) {
            wv = v128.load32_splat(f(w2, t));
            c0 = madd(wv, x0, c0); c1 = madd(wv, x1, c1);
          }
          if (nc > 3) {
            wv = v128.load32_splat(f(w3, t));
            d0 = madd(wv, x0, d0); d1 = madd(wv, x1, d1);
          }
          if (nc > 4) {
            wv = v128.load32_splat(f(w4, t));
            e0 = madd(wv, x0, e0); e1 = madd(wv, x1, e1);
          }
          if (nc > 5) {
            wv = v128.load32_splat(f(w5, t));
            g0 = madd(wv, x0, g0); g1 = madd(wv, x1, g1);
          }
        }
      }
      const n1 = min(4, outW - ow - 4);
      v128.store(f(o0, ow), act(a0, relu)); storeLanes(f(o0, ow + 4), act(a1, relu), n1);
      if (nc > 1) { v128.store(f(o1, ow), act(b0, relu)); storeLanes(f(o1, ow + 4), act(b1, relu), n1); }
      if (nc > 2) { v128.store(f(o2, ow), act(c0, relu)); storeLanes(f(o2, ow + 4), act(c1, relu), n1); }
      if (nc > 3) { v128.store(f(o3, ow), act(d0, relu)); storeLanes(f(o3, ow + 4), act(d1, relu), n1); }
      if (nc > 4) { v128.store(f(o4, ow), act(e0, relu)); storeLanes(f(o4, ow + 4), act(e1, relu), n1); }
      if (nc > 5) { v128.store(f(o5, ow), act(g0, relu)); storeLanes(f(o5, ow + 4), act(g1, relu), n1); }
    }
    if (ow < outW) {
      let a0 = ba, b0 = bb, c0 = bc, d0 = bd, e0 = be, g0 = bf;
      for (let ki = 0; ki < kh; ki++) {
        const xr = f(xp, (oh + ki) * Wp + ow);
        const t0 = ki * kw;
        for (let kj = 0; kj < kw; kj++) {
          const x0 = v128.load(f(xr, kj));
          const t = t0 + kj;
          a0 = madd(v128.load32_splat(f(w0, t)), x0, a0);
          if (nc > 1) b0 = madd(v128.load32_splat(f(w1, t)), x0, b0);
          if (nc > 2) c0 = madd(v128.load32_splat(f(w2, t)), x0, c0);
          if (nc > 3) d0 = madd(v128.load32_splat(f(w3, t)), x0, d0);
          if (nc > 4) e0 = madd(v128.load32_splat(f(w4, t)), x0, e0);
          if (nc > 5) g0 = madd(v128.load32_splat(f(w5, t)), x0, g0);
        }
      }
      const n0 = outW - ow;
      storeLanes(f(o0, ow), act(a0, relu), n0);
      if (nc > 1) storeLanes(f(o1, ow), act(b0, relu), n0);
      if (nc > 2) storeLanes(f(o2, ow), act(c0, relu), n0);
      if (nc > 3) storeLanes(f(o3, ow), act(d0, relu), n0);
      if (nc > 4) storeLanes(f(o4, ow), act(e0, relu), n0);
      if (nc > 5) storeLanes(f(o5, ow), act(g0, relu), n0);
    }
  }
}

/**
 * The 2×2, stride-2 max pool of directForward1's output, pooled [cOut, outH/2, outW/2] with
 * argmax (flat index in the outH·outW plane), as maxPool2dForward over the full output would
 * give, the conv rows never stored: a register tile of 2 channels × 2 rows × 8 positions
 * (6 loads per 8 multiply-adds) is pooled where it was computed.
 */
export function directMaxPool1(xp: usize, wt: usize, out: usize, argmax: usize, cOut: i32, kh: i32, kw: i32,
                               outH: i32, outW: i32, bias: usize, relu: i32): void {
  let co = 0;
  for (; co + 2 <= cOut; co += 2) directPoolChannels(xp, wt, out, argmax, co, 2, kh, kw, outH, outW, bias, relu);
  if (co < cOut) directPoolChannels(xp, wt, out, argmax, co, 1, kh, kw, outH, outW, bias, relu);
}

/** directMaxPool1 for channels [co, co + nc), nc ≤ 2 (a literal at every call). */
@inline function directPoolChannels(xp: usize, wt: usize, out: usize, argmax: usize, co: i32, nc: i32, kh: i32, kw: i32,
                                    outH: i32, outW: i32, bias: usize, relu: i32): void {
  const pH = outH >> 1, pW = outW >> 1, PP = pH * pW;
  for (let ph = 0; ph < pH; ph++) {
    const p0 = co * PP + ph * pW;
    // 8 conv positions make 4 pooled ones; a row's last 1 or 2 pooled ones take 4 positions
    let pw = 0;
    for (; pw + 2 < pW; pw += 4) poolTile(xp, wt, out, argmax, co, nc, 2, kh, kw, outW, 2 * ph, pw, p0, PP, min(4, pW - pw), bias, relu);
    if (pw < pW) poolTile(xp, wt, out, argmax, co, nc, 1, kh, kw, outW, 2 * ph, pw, p0, PP, pW - pw, bias, relu);
  }
}

/**
 * One tile of directPoolChannels: conv rows oh and oh + 1 at 4·V positions from 2·pw (V = 1
 * or 2, a literal), pooled into the n pooled positions from pw of row p0's channels.
 */
@inline function poolTile(xp: usize, wt: usize, out: usize, argmax: usize, co: i32, nc: i32, V: i32, kh: i32, kw: i32,
                          outW: i32, oh: i32, pw: i32, p0: i32, PP: i32, n: i32, bias: usize, relu: i32): void {
  const Wp = paddedWidth(outW, kw), K = kh * kw, ow = 2 * pw;
  const w0 = f(wt, co * K), w1 = f(wt, (co + nc - 1) * K);
  const ba = biasOf(bias, co), bb = biasOf(bias, co + nc - 1);
  let a0 = ba, a1 = ba, a2 = ba, a3 = ba, b0 = bb, b1 = bb, b2 = bb, b3 = bb;
  for (let ki = 0; ki < kh; ki++) {
    const xt = f(xp, (oh + ki) * Wp + ow), xb = f(xt, Wp);
    const t0 = ki * kw;
    for (let kj = 0; kj < kw; kj++) {
      const u0 = v128.load(f(xt, kj)), v0 = v128.load(f(xb, kj));
      let u1 = u0, v1 = v0;
      if (V > 1) {
        u1 = v128.load(f(xt, kj + 4));
        v1 = v128.load(f(xb, kj + 4));
      }
      let wv = v128.load32_splat(f(w0, t0 + kj));
      a0 = madd(wv, u0, a0); a2 = madd(wv, v0, a2);
      if (V > 1) { a1 = madd(wv, u1, a1); a3 = madd(wv, v1, a3); }
      if (nc > 1) {
        wv = v128.load32_splat(f(w1, t0 + kj));
        b0 = madd(wv, u0, b0); b2 = madd(wv, v0, b2);
        if (V > 1) { b1 = madd(wv, u1, b1); b3 = madd(wv, v1, b3); }
      }
    }
  }
  // with V = 1 the second vectors repeat the first: pooled lanes 2 and 3 are not stored
  if (V == 1) { a1 = a0; a3 = a2; b1 = b0; b3 = b2; }
  const i = oh * outW + ow, noNaN = relu != 0;
  maxPool2x2Vectors(act(a0, relu), act(a1, relu), act(a2, relu), act(a3, relu), i, outW, f(out, p0 + pw), f(argmax, p0 + pw), n, noNaN);
  if (nc > 1) maxPool2x2Vectors(act(b0, relu), act(b1, relu), act(b2, relu), act(b3, relu), i, outW, f(out, p0 + PP + pw), f(argmax, p0 + PP + pw), n, noNaN);
}

/** Rows directMaxPoolWeightGrad1 sums in one pass over its visit list. */
const TAP_ROWS = 3;

/** Floats one channel's weight-gradient accumulator takes: kh rows (rounded up to whole passes) of kw taps padded to whole vectors. */
@inline export function tapFloats(kh: i32, kw: i32): i32 {
  return ((kh + TAP_ROWS - 1) / TAP_ROWS) * TAP_ROWS * ((kw + 3) & ~3);
}

/** Floats of the zero rows directMaxPoolWeightGrad1 reads past the padded image (a last pass of rows past kh). */
@inline export function tapExtraFloats(outW: i32, kw: i32): i32 {
  return (TAP_ROWS - 1) * paddedWidth(outW, kw);
}

/** Floats between two channels' padded planes in directMaxPoolWeightGrad's image: padImage's, rounded to whole vectors. */
@inline export function paddedPlaneFloats(outH: i32, outW: i32, kh: i32, kw: i32): i32 {
  return (paddedImageFloats(outH, outW, kh, kw) + 3) & ~3;
}

/** Bytes of directMaxPoolWeightGrad's scratch: cIn padded planes, tapExtraFloats more, and one channel's visit list. */
export function poolWeightGradScratchBytes(cIn: i32, outH: i32, outW: i32, kh: i32, kw: i32, PP: i32): i32 {
  return ((cIn * paddedPlaneFloats(outH, outW, kh, kw) + tapExtraFloats(outW, kw) + 15) & ~15) * 4 + 8 * PP + 64;
}

/**
 * acc[r, 0 : 4·V] += Σ_i g[i] · xp[off[i] + r·Wp : + 4·V] for rows r < 3 (V = 1 or 2
 * vectors per row), the sums in registers: six multiply-add chains at once (with one vector
 * per row, positions alternate between two accumulator sets).
 */
@inline function tapRows(xp: usize, offs: usize, gs: usize, m: i32, Wp: i32, V: i32, acc: usize): void {
  const z = f32x4.splat(0);
  let a0 = z, a1 = z, b0 = z, b1 = z, c0 = z, c1 = z;
  const r1 = <usize>Wp << 2, r2 = r1 << 1;
  if (V > 1) {
    for (let i = 0; i < m; i++) {
      const s = f(xp, load<i32>(f(offs, i))), g = v128.load32_splat(f(gs, i));
      a0 = madd(g, v128.load(s), a0); a1 = madd(g, v128.load(s, 16), a1);
      b0 = madd(g, v128.load(s + r1), b0); b1 = madd(g, v128.load(s + r1, 16), b1);
      c0 = madd(g, v128.load(s + r2), c0); c1 = madd(g, v128.load(s + r2, 16), c1);
    }
  } else {
    let i = 0;
    for (; i + 2 <= m; i += 2) {
      const s = f(xp, load<i32>(f(offs, i))), t = f(xp, load<i32>(f(offs, i + 1)));
      const g = v128.load32_splat(f(gs, i)), h = v128.load32_splat(f(gs, i + 1));
      a0 = madd(g, v128.load(s), a0); b0 = madd(g, v128.load(s + r1), b0); c0 = madd(g, v128.load(s + r2), c0);
      a1 = madd(h, v128.load(t), a1); b1 = madd(h, v128.load(t + r1), b1); c1 = madd(h, v128.load(t + r2), c1);
    }
    if (i < m) {
      const s = f(xp, load<i32>(f(offs, i))), g = v128.load32_splat(f(gs, i));
      a0 = madd(g, v128.load(s), a0); b0 = madd(g, v128.load(s + r1), b0); c0 = madd(g, v128.load(s + r2), c0);
    }
    a0 = f32x4.add(a0, a1); b0 = f32x4.add(b0, b1); c0 = f32x4.add(c0, c1);
  }
  const row = <usize>V << 4;
  v128.store(acc, f32x4.add(v128.load(acc), a0));
  v128.store(acc + row, f32x4.add(v128.load(acc + row), b0));
  v128.store(acc + 2 * row, f32x4.add(v128.load(acc + 2 * row), c0));
  if (V > 1) {
    v128.store(acc, f32x4.add(v128.load(acc, 16), a1), 16);
    v128.store(acc + row, f32x4.add(v128.load(acc + row, 16), b1), 16);
    v128.store(acc + 2 * row, f32x4.add(v128.load(acc + 2 * row, 16), c1), 16);
  }
}

/**
 * The weight and bias gradients of maxPool(relu(conv(xp))) for one image of cIn channels, from
 * the pooled gradient alone: the conv output's gradient is the pooled one at each argmax (where
 * the pooled value is > 0, the ReLU's mask), zero elsewhere, so only those positions are
 * visited (a quarter of them for a 2×2 pool): dw[c, ci, ki, :] += g · xp[ci, oh + ki, ow : ow + kw]
 * over whole vectors (the lanes past kw, and the rows past kh up to whole passes, gather
 * padding or the next plane and are dropped by the caller). acc: [cOut, cIn, tapFloats] then
 * [cOut] for db, added into. dy, pooled, argmax: this image's [cOut, PP] planes; argmax indexes
 * the outH·outW conv plane. xp: padImage's copy of each channel, paddedPlaneFloats apart, and
 * TAP_ROWS − 1 more rows (zero); list: 2·PP words. Kernels up to 8 wide keep the sums in
 * registers, wider ones in memory.
 */
export function directMaxPoolWeightGrad(xp: usize, dy: usize, pooled: usize, argmax: usize, cIn: i32, cOut: i32, kh: i32, kw: i32,
                                        outH: i32, outW: i32, PP: i32, acc: usize, list: usize): void {
  const Wp = paddedWidth(outW, kw), kv = (kw + 3) & ~3, per = tapFloats(kh, kw), plane = paddedPlaneFloats(outH, outW, kh, kw);
  const db = f(acc, cOut * cIn * per), offs = list, gs = f(list, PP);
  const inv = 1.0 / <f64>outW;
  for (let c = 0; c < cOut; c++) {
    const o = c * PP;
    // db: the masked sum, four lanes at a time (an all-padding window's pooled -Inf is masked too)
    const zero = f32x4.splat(0);
    let bv = zero, i = 0;
    for (; i + 4 <= PP; i += 4) {
      const keep = f32x4.gt(v128.load(f(pooled, o + i)), zero);
      bv = f32x4.add(bv, v128.and(v128.load(f(dy, o + i)), keep));
    }
    let bsum = (f32x4.extract_lane(bv, 0) + f32x4.extract_lane(bv, 1)) + (f32x4.extract_lane(bv, 2) + f32x4.extract_lane(bv, 3));
    for (; i < PP; i++) if (load<f32>(f(pooled, o + i)) > 0) bsum += load<f32>(f(dy, o + i));
    store<f32>(f(db, c), load<f32>(f(db, c)) + bsum);
    // the visit list, without branches: every position is written, only the kept ones advance m
    let m = 0;
    for (i = 0; i < PP; i++) {
      const at = max(load<i32>(f(argmax, o + i)), 0);
      const oh = <i32>((<f64>at + 0.5) * inv); // at / outW (exact: the fraction stays ≥ 0.5 / outW from whole)
      store<i32>(f(offs, m), oh * Wp + at - oh * outW);
      store<f32>(f(gs, m), load<f32>(f(dy, o + i)));
      m += <i32>(load<f32>(f(pooled, o + i)) > 0);
    }
    for (let ci = 0; ci < cIn; ci++) tapPasses(f(xp, ci * plane), offs, gs, m, Wp, kh, kv, f(acc, (c * cIn + ci) * per));
  }
}

/** acc[ki, 0 : kv] += Σ_i gs[i] · xp[offs[i] + ki·Wp : + kv] for every row ki < kh, TAP_ROWS rows a pass. */
@inline function tapPasses(xp: usize, offs: usize, gs: usize, m: i32, Wp: i32, kh: i32, kv: i32, a: usize): void {
  for (let ki = 0; ki < kh; ki += TAP_ROWS) {
    const rows = f(a, ki * kv), x0 = f(xp, ki * Wp);
    if (kv == 8) tapRows(x0, offs, gs, m, Wp, 2, rows);
    else if (kv == 4) tapRows(x0, offs, gs, m, Wp, 1, rows);
    else {
      for (let i = 0; i < m; i++) {
        const gv = v128.load32_splat(f(gs, i)), src = f(x0, load<i32>(f(offs, i)));
        for (let r = 0; r < TAP_ROWS; r++) {
          for (let j = 0; j < kv; j += 4) {
            const d = f(rows, r * kv + j);
            v128.store(d, madd(gv, v128.load(f(src, r * Wp + j)), v128.load(d)));
          }
        }
      }
    }
  }
}
