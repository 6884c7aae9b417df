// conv2d (NCHW, weight [cOut, cIn/groups, kh, kw]) as im2col + sgemm, per image and group.
// Each exported *Range function handles images [b0, b1): the unit one thread takes.

import { sgemm, sgemmWorkspaceBytes } from "./gemm";
import { directForward1, directMaxPool1, directMaxPoolWeightGrad, padImage, paddedImageFloats, paddedPlaneFloats, tapExtraFloats, tapFloats } from "./conv_direct";

@inline function f(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

// Short rows (a LeNet feature map is 10–28 wide) are copied with vector moves: a
// memory.copy/fill call costs more than moving a few dozen floats.
@inline function copyRow(dst: usize, src: usize, n: i32): void {
  if (n > 64) {
    memory.copy(dst, src, <usize>n << 2);
    return;
  }
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(f(dst, i), v128.load(f(src, i)));
  for (; i < n; i++) store<f32>(f(dst, i), load<f32>(f(src, i)));
}
@inline function zeroRow(dst: usize, n: i32): void {
  if (n > 64) {
    memory.fill(dst, 0, <usize>n << 2);
    return;
  }
  let i = 0;
  const z = f32x4.splat(0);
  for (; i + 4 <= n; i += 4) v128.store(f(dst, i), z);
  for (; i < n; i++) store<f32>(f(dst, i), 0);
}

// First output index whose input coordinate o*stride + off is >= 0, and one past the last
// one with coordinate < size (both clamped to [0, outSize]).
@inline function validLo(off: i32, stride: i32, outSize: i32): i32 {
  return off >= 0 ? 0 : min(outSize, (-off + stride - 1) / stride);
}
@inline function validHi(off: i32, stride: i32, size: i32, outSize: i32): i32 {
  return size - 1 - off < 0 ? 0 : min(outSize, (size - 1 - off) / stride + 1);
}

/**
 * col[kidx, pix] = x[ci, oh*sH - pH + ki*dH, ow*sW - pW + kj*dW] (0 outside), with
 * kidx = (ci*kh + ki)*kw + kj, pix = oh*outW + ow: col is [K, P] row-major.
 */
function im2col(x: usize, c: i32, h: i32, w: i32, kh: i32, kw: i32, sH: i32, sW: i32,
                pH: i32, pW: i32, dH: i32, dW: i32, outH: i32, outW: i32, col: usize): void {
  const P = outH * outW;
  if (sH == 1 && sW == 1 && outW == w) {
    sameWidthCols(x, col, c, h, w, kh, kw, pH, pW, dH, dW, outH, false);
    return;
  }
  for (let ci = 0; ci < c; ci++) {
    const xp = f(x, ci * h * w);
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const kbase = f(col, ((ci * kh + ki) * kw + kj) * P);
        const off = kj * dW - pW;
        const lo = validLo(off, sW, outW);
        const hi = max(lo, validHi(off, sW, w, outW));
        for (let oh = 0; oh < outH; oh++) {
          const ih = oh * sH - pH + ki * dH;
          const row = f(kbase, oh * outW);
          if (ih < 0 || ih >= h) {
            zeroRow(row, outW);
            continue;
          }
          const xr = f(xp, ih * w + off);
          if (lo > 0) zeroRow(row, lo);
          if (sW == 1) copyRow(f(row, lo), f(xr, lo), hi - lo);
          else for (let ow = lo; ow < hi; ow++) store<f32>(f(row, ow), load<f32>(f(xr, ow * sW)));
          if (hi < outW) zeroRow(f(row, hi), outW - hi);
        }
      }
    }
  }
}

// At stride 1 with outW == w, the output rows [b0, b1) of a tap (row shift dr, column shift
// off) whose input spans x[(oh + dr)·w + off, + w) all lie inside the plane: one block.
@inline function blockLo(off: i32, dr: i32, oh0: i32): i32 {
  return off < 0 ? max(oh0, 1 - dr) : oh0;
}
@inline function blockHi(off: i32, dr: i32, b0: i32, oh1: i32, h: i32, w: i32): i32 {
  return abs(off) >= w ? b0 : max(b0, off > 0 ? min(oh1, h - 1 - dr) : oh1);
}

/**
 * im2col (toImage false) or col2im (true) at stride 1 with outW == w ("same" width): a tap's
 * rows are then the image's rows shifted by a constant, so its rows whose span stays inside
 * the plane are one block. im2col copies the block and then zeroes the 0–|off| wrapped-around
 * columns of each row; col2im zeroes those columns in col (a scratch the caller no longer
 * needs) and then adds the block with one vector loop.
 */
function sameWidthCols(img: usize, col: usize, c: i32, h: i32, w: i32, kh: i32, kw: i32, pH: i32, pW: i32,
                       dH: i32, dW: i32, outH: i32, toImage: bool): void {
  const P = outH * w;
  for (let ci = 0; ci < c; ci++) {
    const xp = f(img, ci * h * w);
    for (let ki = 0; ki < kh; ki++) {
      const dr = ki * dH - pH; // input row = oh + dr
      const oh0 = min(outH, max(0, -dr)), oh1 = max(oh0, min(outH, h - dr));
      for (let kj = 0; kj < kw; kj++) {
        const kbase = f(col, ((ci * kh + ki) * kw + kj) * P);
        const off = kj * dW - pW;
        const lo = validLo(off, 1, w), hi = max(lo, validHi(off, 1, w, w));
        const b0 = blockLo(off, dr, oh0), b1 = blockHi(off, dr, b0, oh1, h, w);
        if (!toImage) {
          zeroRow(kbase, oh0 * w);
          zeroRow(f(kbase, oh1 * w), (outH - oh1) * w);
          memory.copy(f(kbase, b0 * w), f(xp, (b0 + dr) * w + off), <usize>((b1 - b0) * w) << 2);
        }
        for (let oh = oh0; oh < oh1; oh++) {
          const row = f(kbase, oh * w), xr = f(xp, (oh + dr) * w + off);
          if (oh >= b0 && oh < b1) {
            for (let j = 0; j < lo; j++) store<f32>(f(row, j), 0);
            for (let j = hi; j < w; j++) store<f32>(f(row, j), 0);
          } else if (toImage) {
            addRow(f(xr, lo), f(row, lo), hi - lo);
          } else {
            if (lo > 0) zeroRow(row, lo);
            copyRow(f(row, lo), f(xr, lo), hi - lo);
            if (hi < w) zeroRow(f(row, hi), w - hi);
          }
        }
        if (toImage) addRow(f(xp, (b0 + dr) * w + off), f(kbase, b0 * w), (b1 - b0) * w);
      }
    }
  }
}

/** dx[ci, ih, iw] += col(kidx, pix) for every (kidx, pix) that im2col read from there. col is [K, P]. */
function col2im(col: usize, c: i32, h: i32, w: i32, kh: i32, kw: i32, sH: i32, sW: i32,
                pH: i32, pW: i32, dH: i32, dW: i32, outH: i32, outW: i32, dx: usize): void {
  const P = outH * outW;
  if (sH == 1 && sW == 1 && outW == w) {
    sameWidthCols(dx, col, c, h, w, kh, kw, pH, pW, dH, dW, outH, true);
    return;
  }
  for (let ci = 0; ci < c; ci++) {
    const xp = f(dx, ci * h * w);
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const kbase = f(col, ((ci * kh + ki) * kw + kj) * P);
        const off = kj * dW - pW;
        const lo = validLo(off, sW, outW);
        const hi = max(lo, validHi(off, sW, w, outW));
        for (let oh = 0; oh < outH; oh++) {
          const ih = oh * sH - pH + ki * dH;
          if (ih < 0 || ih >= h) continue;
          const row = f(kbase, oh * outW);
          const xr = f(xp, ih * w + off);
          let ow = lo;
          if (sW == 1) {
            for (; ow + 4 <= hi; ow += 4) {
              const d = f(xr, ow);
              v128.store(d, f32x4.add(v128.load(d), v128.load(f(row, ow))));
            }
          }
          for (; ow < hi; ow++) {
            const d = f(xr, ow * sW);
            store<f32>(d, load<f32>(d) + load<f32>(f(row, ow)));
          }
        }
      }
    }
  }
}

/** dst[i] += src[i] for i < n. */
@inline function addRow(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(f(dst, i), f32x4.add(v128.load(f(dst, i)), v128.load(f(src, i))));
  for (; i < n; i++) store<f32>(f(dst, i), load<f32>(f(dst, i)) + load<f32>(f(src, i)));
}

@inline function isDirect(kh: i32, kw: i32, sH: i32, sW: i32, pH: i32, pW: i32): bool {
  return kh == 1 && kw == 1 && sH == 1 && sW == 1 && pH == 0 && pW == 0;
}

/** Single-channel images at stride and dilation 1 take the direct forward of conv_direct.ts. */
@inline function isSingleChannel(cIn: i32, groups: i32, kh: i32, kw: i32, sH: i32, sW: i32, dH: i32, dW: i32): bool {
  return cIn == 1 && groups == 1 && kh * kw > 1 && sH == 1 && sW == 1 && dH == 1 && dW == 1;
}

/** Floats of a thread's column buffer: one image's im2col matrix, or its padded copy. */
@inline function colFloats(K: i32, P: i32, outH: i32, outW: i32, kh: i32, kw: i32): i32 {
  return max(K * P, paddedImageFloats(outH, outW, kh, kw));
}

/** Workspace bytes one thread needs for any of the three conv kernels. */
export function convWorkspaceBytes(cIn: i32, cOut: i32, groups: i32, kh: i32, kw: i32, outH: i32, outW: i32): i32 {
  const cinG = cIn / groups, coutG = cOut / groups;
  const K = cinG * kh * kw, P = outH * outW;
  const g = max(sgemmWorkspaceBytes(coutG, P, K), max(sgemmWorkspaceBytes(K, P, coutG), sgemmWorkspaceBytes(K, coutG, P)));
  const col = colFloats(K, P, outH, outW, kh, kw) * 4;
  return ((col + 63) & ~63) + ((K * cOut * 4 + 63) & ~63) + g + 64;
}

/**
 * out[c, :] = relu?(out[c, :] + bias[c]) for one image's [cOut, P] output, while it is still
 * in cache. bias 0: none. relu as the reference: max(v, 0), NaN becomes 0.
 */
function epilogue(out: usize, cOut: i32, P: i32, bias: usize, relu: i32): void {
  const zero = f32x4.splat(0);
  const v1 = P & ~3;
  for (let c = 0; c < cOut; c++) {
    const row = f(out, c * P);
    const b: f32 = bias ? load<f32>(f(bias, c)) : 0;
    const bv = f32x4.splat(b);
    if (relu) {
      for (let i = 0; i < v1; i += 4) v128.store(f(row, i), f32x4.pmax(zero, f32x4.add(v128.load(f(row, i)), bv)));
      for (let i = v1; i < P; i++) { const v = load<f32>(f(row, i)) + b; store<f32>(f(row, i), v > 0 ? v : <f32>0); }
    } else {
      for (let i = 0; i < v1; i += 4) v128.store(f(row, i), f32x4.add(v128.load(f(row, i)), bv));
      for (let i = v1; i < P; i++) store<f32>(f(row, i), load<f32>(f(row, i)) + b);
    }
  }
}

export function conv2dForwardRange(cIn: i32, h: i32, w: i32, cOut: i32, kh: i32, kw: i32,
                                   sH: i32, sW: i32, pH: i32, pW: i32, dH: i32, dW: i32,
                                   groups: i32, outH: i32, outW: i32,
                                   x: usize, wt: usize, out: usize, b0: i32, b1: i32, ws: usize,
                                   bias: usize, relu: i32): void {
  const cinG = cIn / groups, coutG = cOut / groups;
  const K = cinG * kh * kw, P = outH * outW;
  const col = (ws + 63) & ~63;
  const gws = (col + (<usize>colFloats(K, P, outH, outW, kh, kw) << 2) + 63) & ~63;
  const direct = isDirect(kh, kw, sH, sW, pH, pW);
  if (isSingleChannel(cIn, groups, kh, kw, sH, sW, dH, dW)) {
    for (let b = b0; b < b1; b++) {
      padImage(f(x, b * h * w), h, w, pH, pW, outH, outW, kh, kw, col);
      directForward1(col, wt, f(out, b * cOut * P), cOut, kh, kw, outW, 0, outH, P, bias, relu);
    }
    return;
  }
  for (let b = b0; b < b1; b++) {
    for (let g = 0; g < groups; g++) {
      const xg = f(x, (b * cIn + g * cinG) * h * w);
      let src = xg;
      if (!direct) {
        im2col(xg, cinG, h, w, kh, kw, sH, sW, pH, pW, dH, dW, outH, outW, col);
        src = col;
      }
      sgemm(coutG, P, K, f(wt, g * coutG * K), K, 1, src, P, 1,
        f(out, (b * cOut + g * coutG) * P), P, 0, gws);
    }
    if (bias || relu) epilogue(f(out, b * cOut * P), cOut, P, bias, relu);
  }
}

export function conv2dBackwardInputRange(cIn: i32, h: i32, w: i32, cOut: i32, kh: i32, kw: i32,
                                         sH: i32, sW: i32, pH: i32, pW: i32, dH: i32, dW: i32,
                                         groups: i32, outH: i32, outW: i32,
                                         dy: usize, wt: usize, dx: usize, b0: i32, b1: i32, ws: usize): void {
  const cinG = cIn / groups, coutG = cOut / groups;
  const K = cinG * kh * kw, P = outH * outW;
  const col = (ws + 63) & ~63;
  const gws = (col + (<usize>colFloats(K, P, outH, outW, kh, kw) << 2) + 63) & ~63;
  const direct = isDirect(kh, kw, sH, sW, pH, pW);
  for (let b = b0; b < b1; b++) {
    if (!direct) memory.fill(f(dx, b * cIn * h * w), 0, <usize>(cIn * h * w) << 2);
    for (let g = 0; g < groups; g++) {
      const dyg = f(dy, (b * cOut + g * coutG) * P);
      const dxg = f(dx, (b * cIn + g * cinG) * h * w);
      // dcol[K, P] = W_g^T [K, coutG] @ dy_g [coutG, P]
      sgemm(K, P, coutG, f(wt, g * coutG * K), 1, K, dyg, P, 1, direct ? dxg : col, P, 0, gws);
      if (!direct) col2im(col, cinG, h, w, kh, kw, sH, sW, pH, pW, dH, dW, outH, outW, dxg);
    }
  }
}

/** dw[g] (coutG × K) += dwT[g]^T for every group: the transposed accumulator flushed into dw. */
function flushWeightGrad(dwT: usize, dw: usize, groups: i32, coutG: i32, K: i32): void {
  for (let g = 0; g < groups; g++) {
    const t = f(dwT, g * K * coutG), d = f(dw, g * coutG * K);
    for (let o = 0; o < coutG; o++) {
      for (let i = 0; i < K; i++) {
        const q = f(d, o * K + i);
        store<f32>(q, load<f32>(q) + load<f32>(f(t, i * coutG + o)));
      }
    }
  }
}

/**
 * dw partial c (cOut × cIn/groups·kh·kw, at dw + c·cOut·K floats) += sum over the images
 * of [b0, b1) in chunk c = b / chunk of dy_b @ col_b^T. Each chunk's images are summed in
 * order into a zeroed accumulator and flushed into that chunk's partial, so the partials do
 * not depend on how the images were split across threads (ranges start on chunk bounds);
 * the caller adds them up in chunk order. Computed transposed,
 * dw^T[K, coutG] += col[K, P] @ dy_g^T[P, coutG]: the long im2col matrix is then the A operand
 * in its natural layout (no scattered transposed im2col writes), the GEMM has K rows instead
 * of coutG (few) rows, and only the small dw is transposed at the end.
 */
export function conv2dBackwardWeightRange(cIn: i32, h: i32, w: i32, cOut: i32, kh: i32, kw: i32,
                                          sH: i32, sW: i32, pH: i32, pW: i32, dH: i32, dW: i32,
                                          groups: i32, outH: i32, outW: i32,
                                          x: usize, dy: usize, dw: usize, b0: i32, b1: i32, ws: usize,
                                          chunk: i32): void {
  const cinG = cIn / groups, coutG = cOut / groups;
  const K = cinG * kh * kw, P = outH * outW;
  const col = (ws + 63) & ~63;
  const dwT = (col + (<usize>colFloats(K, P, outH, outW, kh, kw) << 2) + 63) & ~63;
  const gws = (dwT + (<usize>(K * cOut) << 2) + 63) & ~63;
  const direct = isDirect(kh, kw, sH, sW, pH, pW);
  const part = <usize>(cOut * K) << 2;
  let cur = b0 / chunk;
  memory.fill(dwT, 0, <usize>(cOut * K) << 2);
  for (let b = b0; b < b1; b++) {
    if (b / chunk != cur) {
      flushWeightGrad(dwT, dw + <usize>cur * part, groups, coutG, K);
      memory.fill(dwT, 0, <usize>(cOut * K) << 2);
      cur = b / chunk;
    }
    for (let g = 0; g < groups; g++) {
      const xg = f(x, (b * cIn + g * cinG) * h * w);
      const dyg = f(dy, (b * cOut + g * coutG) * P);
      let src = xg;
      if (!direct) {
        im2col(xg, cinG, h, w, kh, kw, sH, sW, pH, pW, dH, dW, outH, outW, col);
        src = col;
      }
      sgemm(K, coutG, P, src, P, 1, dyg, 1, P, f(dwT, g * K * coutG), coutG, 1, gws);
    }
  }
  if (b1 > b0) flushWeightGrad(dwT, dw + <usize>cur * part, groups, coutG, K);
}

/**
 * db[ch] = Σ over images b (in order) of Σ dy[b, ch, :], for channels [c0, c1): each
 * channel's sum is one thread's, so the result does not depend on the split.
 */
export function channelSumRange(dy: usize, db: usize, n: i32, c: i32, plane: i32, c0: i32, c1: i32): void {
  const v1 = plane & ~3;
  for (let ch = c0; ch < c1; ch++) {
    let total: f32 = 0;
    for (let b = 0; b < n; b++) {
      const row = f(dy, (b * c + ch) * plane);
      let s = f32x4.splat(0);
      let i = 0;
      for (; i < v1; i += 4) s = f32x4.add(s, v128.load(f(row, i)));
      let t = (f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1)) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
      for (; i < plane; i++) t += load<f32>(f(row, i));
      total += t;
    }
    store<f32>(f(db, ch), total);
  }
}

/** conv2dMaxPool2x2ForwardRange takes these: single-channel direct conv, then a 2×2 stride-2 unpadded pool. */
export function convPoolFusable(cIn: i32, groups: i32, kh: i32, kw: i32, sH: i32, sW: i32, dH: i32, dW: i32): i32 {
  return <i32>isSingleChannel(cIn, groups, kh, kw, sH, sW, dH, dW);
}

/**
 * Images [b0, b1) of maxPool2x2(relu?(bias + conv2d)) for single-channel input (see
 * convPoolFusable): out and argmax [n, cOut, outH/2, outW/2], the conv output never stored.
 */
export function conv2dMaxPool2x2ForwardRange(h: i32, w: i32, cOut: i32, kh: i32, kw: i32, pH: i32, pW: i32,
                                             outH: i32, outW: i32, x: usize, wt: usize, out: usize, argmax: usize,
                                             b0: i32, b1: i32, ws: usize, bias: usize, relu: i32): void {
  const xp = (ws + 63) & ~63;
  const per = cOut * (outH >> 1) * (outW >> 1);
  for (let b = b0; b < b1; b++) {
    padImage(f(x, b * h * w), h, w, pH, pW, outH, outW, kh, kw, xp);
    directMaxPool1(xp, wt, f(out, b * per), f(argmax, b * per), cOut, kh, kw, outH, outW, bias, relu);
  }
}

/** Floats of one image chunk's partial in conv2dMaxPoolBackwardWeightRange: padded dw [cOut, cIn, tapFloats(kh, kw)], then db [cOut]. */
export function maxPoolWeightGradPartFloats(cIn: i32, cOut: i32, kh: i32, kw: i32): i32 {
  return cOut * (cIn * tapFloats(kh, kw) + 1);
}

/** conv2dMaxPoolBackwardWeightRange takes these: stride and dilation 1, no groups. */
export function poolWeightGradable(groups: i32, sH: i32, sW: i32, dH: i32, dW: i32): i32 {
  return <i32>(groups == 1 && sH == 1 && sW == 1 && dH == 1 && dW == 1);
}

export { poolWeightGradScratchBytes } from "./conv_direct";

/**
 * Images [b0, b1) of the weight and bias gradients of maxPool(relu(conv2d(x))) (poolWeightGradable
 * convs, any max pool over the conv output) from the pooled gradient dy, the pooled values and
 * their argmax ([n, cOut, PP]). Image b adds into partial b / chunk (maxPoolWeightGradPartFloats
 * each, at parts; zeroed here by the image that starts it), images in order, so the partials do
 * not depend on how the images were split across threads (ranges start on chunk bounds); the
 * caller adds them up in chunk order. ws: poolWeightGradScratchBytes.
 */
export function conv2dMaxPoolBackwardWeightRange(cIn: i32, h: i32, w: i32, cOut: i32, kh: i32, kw: i32, pH: i32, pW: i32,
                                                 outH: i32, outW: i32, PP: i32, x: usize, dy: usize, pooled: usize, argmax: usize,
                                                 parts: usize, b0: i32, b1: i32, ws: usize, chunk: i32): void {
  const xp = (ws + 63) & ~63;
  const plane = paddedPlaneFloats(outH, outW, kh, kw), img = cIn * plane, extra = tapExtraFloats(outW, kw);
  const list = xp + (<usize>((img + extra + 15) & ~15) << 2);
  memory.fill(f(xp, img), 0, <usize>extra << 2); // the rows past the last plane, read up to a whole pass of rows
  const part = <usize>maxPoolWeightGradPartFloats(cIn, cOut, kh, kw) << 2;
  const per = cOut * PP;
  for (let b = b0; b < b1; b++) {
    const acc = parts + <usize>(b / chunk) * part;
    if (b % chunk == 0) memory.fill(acc, 0, part);
    for (let ci = 0; ci < cIn; ci++) padImage(f(x, (b * cIn + ci) * h * w), h, w, pH, pW, outH, outW, kh, kw, f(xp, ci * plane));
    directMaxPoolWeightGrad(xp, f(dy, b * per), f(pooled, b * per), f(argmax, b * per), cIn, cOut, kh, kw, outH, outW, PP, acc, list);
  }
}
