// Max and average 2-D pooling (NCHW) over planes [pl0, pl1) of n*c: one thread's share.
// Semantics follow lib/backend/reference.ts exactly (argmax = flat index in the h*w plane,
// -1 for an all-padding window; NaN wins a max; avg divisor per countIncludePad).

@inline function f(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

// max with the reference's tie/NaN rule: the earlier candidate wins ties, the first NaN wins.
@inline function better(v: f32, best: f32): i32 {
  return <i32>(v > best) | (<i32>(v != v) & <i32>(best == best));
}

@inline function betterV(v: v128, best: v128): v128 {
  return v128.or(f32x4.gt(v, best), v128.and(f32x4.ne(v, v), f32x4.eq(best, best)));
}

// The common 2×2, stride-2, unpadded window, four outputs at a time with SIMD compares and
// bit-selects: on random data every `v > best` is a coin flip, and V8 turns scalar selects
// on floats into branches that the predictor loses half the time.
function maxPool2x2(h: i32, w: i32, outH: i32, outW: i32, x: usize, out: usize, argmax: usize,
                    pl0: i32, pl1: i32): void {
  for (let pl = pl0; pl < pl1; pl++) {
    const xb = f(x, pl * h * w);
    const o = pl * outH * outW;
    for (let oh = 0; oh < outH; oh++) {
      const i0 = 2 * oh * w;
      // rows below this one (in this plane or the next of the range) can be over-read
      const spare = oh < outH - 1 || pl < pl1 - 1;
      maxPool2x2Row(f(xb, i0), f(xb, i0 + w), i0, w, outW, f(out, o + oh * outW), f(argmax, o + oh * outW), spare, false);
    }
  }
}

/**
 * The 2×2 pool of 8 positions of two rows: x0, x1 the top row's positions p..p+3 and
 * p+4..p+7, y0, y1 the bottom row's, i the plane index of the top row's position p (the
 * bottom row's is i + w). Stores the first n (1–4) pooled values at out and argmaxes at argmax.
 */
@inline export function maxPool2x2Vectors(x0: v128, x1: v128, y0: v128, y1: v128, i: i32, w: i32,
                                          out: usize, argmax: usize, n: i32, noNaN: bool): void {
  maxPoolWindows(i32x4.shuffle(x0, x1, 0, 2, 4, 6), i32x4.shuffle(x0, x1, 1, 3, 5, 7),
    i32x4.shuffle(y0, y1, 0, 2, 4, 6), i32x4.shuffle(y0, y1, 1, 3, 5, 7), i32x4.add(i32x4.splat(i), i32x4(0, 2, 4, 6)), w, out, argmax, n, noNaN);
}

/**
 * Four 2×2 windows, one per lane: a, b their top-left and top-right values, c, d the bottom
 * ones; ia the plane index of each top-left (the others are ia + 1, ia + w, ia + w + 1).
 * Stores the first n (1–4) maxima at out and their argmaxes (the first of equal values, NaN
 * winning) at argmax. noNaN: no NaN among them (a ReLU's output), so a plain max and an
 * equality pick the argmax.
 */
@inline export function maxPoolWindows(a: v128, b: v128, c: v128, d: v128, ia: v128, w: i32,
                                       out: usize, argmax: usize, n: i32, noNaN: bool): void {
  let best = a, bi = ia;
  if (noNaN) {
    // the max (pmax: one instruction, exact without NaN), then the first of the four equal to it
    best = f32x4.pmax(f32x4.pmax(a, b), f32x4.pmax(c, d));
    const lower = v128.bitselect(i32x4.add(ia, i32x4.splat(w)), i32x4.add(ia, i32x4.splat(w + 1)), f32x4.eq(c, best));
    bi = v128.bitselect(ia, v128.bitselect(i32x4.add(ia, i32x4.splat(1)), lower, f32x4.eq(b, best)), f32x4.eq(a, best));
  } else {
    let t = betterV(b, best);
    best = v128.bitselect(b, best, t);
    bi = v128.bitselect(i32x4.add(ia, i32x4.splat(1)), bi, t);
    t = betterV(c, best);
    best = v128.bitselect(c, best, t);
    bi = v128.bitselect(i32x4.add(ia, i32x4.splat(w)), bi, t);
    t = betterV(d, best);
    best = v128.bitselect(d, best, t);
    bi = v128.bitselect(i32x4.add(ia, i32x4.splat(w + 1)), bi, t);
  }
  if (n >= 4) {
    v128.store(out, best);
    v128.store(argmax, bi);
    return;
  }
  store<f32>(out, f32x4.extract_lane(best, 0));
  store<i32>(argmax, i32x4.extract_lane(bi, 0));
  if (n > 1) { store<f32>(out, f32x4.extract_lane(best, 1), 4); store<i32>(argmax, i32x4.extract_lane(bi, 1), 4); }
  if (n > 2) { store<f32>(out, f32x4.extract_lane(best, 2), 8); store<i32>(argmax, i32x4.extract_lane(bi, 2), 8); }
}

/**
 * One output row of the 2×2 pool: out[ow], argmax[ow] over rows r0 (plane index i0 onwards)
 * and r1 (the row below, index i0 + w). conv.ts calls it on conv rows still in cache.
 * spare: 8 floats past each row may be read, so the last 1–3 outputs take the vector path
 * too (their scalar compares are branches mispredicted half the time on random data).
 * noNaN: the rows hold no NaN (a ReLU's output), so a plain max and an equality pick the argmax.
 */
export function maxPool2x2Row(r0: usize, r1: usize, i0: i32, w: i32, outW: i32, out: usize, argmax: usize,
                              spare: bool, noNaN: bool): void {
  let ow = 0;
  for (; ow < outW; ow += 4) {
    const rem = outW - ow;
    if (rem < 4 && !spare) break;
    const c = <usize>ow << 3;
    maxPool2x2Vectors(v128.load(r0 + c), v128.load(r0 + c, 16), v128.load(r1 + c), v128.load(r1 + c, 16),
      i0 + 2 * ow, w, f(out, ow), f(argmax, ow), min(rem, 4), noNaN);
    if (rem < 4) ow = outW;
  }
  for (; ow < outW; ow++) {
    const c = <usize>ow << 3;
    let best = load<f32>(r0 + c);
    let bi = i0 + 2 * ow;
    let v = load<f32>(r0 + c, 4);
    if (better(v, best)) { best = v; bi = i0 + 2 * ow + 1; }
    v = load<f32>(r1 + c);
    if (better(v, best)) { best = v; bi = i0 + w + 2 * ow; }
    v = load<f32>(r1 + c, 4);
    if (better(v, best)) { best = v; bi = i0 + w + 2 * ow + 1; }
    store<f32>(f(out, ow), best);
    store<i32>(f(argmax, ow), bi);
  }
}

export function maxPool2dForwardRange(h: i32, w: i32, kh: i32, kw: i32, sH: i32, sW: i32,
                                      pH: i32, pW: i32, dH: i32, dW: i32, outH: i32, outW: i32,
                                      x: usize, out: usize, argmax: usize, pl0: i32, pl1: i32): void {
  if (kh == 2 && kw == 2 && sH == 2 && sW == 2 && pH == 0 && pW == 0 && outH * 2 <= h && outW * 2 <= w) {
    maxPool2x2(h, w, outH, outW, x, out, argmax, pl0, pl1);
    return;
  }
  for (let pl = pl0; pl < pl1; pl++) {
    const xb = f(x, pl * h * w);
    const ob = pl * outH * outW;
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        let best: f32 = -Infinity;
        let bi = -1;
        for (let ki = 0; ki < kh; ki++) {
          const ih = oh * sH - pH + ki * dH;
          if (ih < 0 || ih >= h) continue;
          for (let kj = 0; kj < kw; kj++) {
            const iw = ow * sW - pW + kj * dW;
            if (iw < 0 || iw >= w) continue;
            const v = load<f32>(f(xb, ih * w + iw));
            // branch-free: on random data `v > best` is a coin flip the predictor loses
            const take = <i32>(v > best) | <i32>(bi < 0) | (<i32>(v != v) & <i32>(best == best));
            best = select<f32>(v, best, take);
            bi = select<i32>(ih * w + iw, bi, take);
          }
        }
        const o = ob + oh * outW + ow;
        store<f32>(f(out, o), best);
        store<i32>(f(argmax, o), bi);
      }
    }
  }
}

/**
 * dx planes [pl0, pl1) = dy scattered to the argmax positions. pooled nonzero: only where
 * pooled > 0 (the backward of max-pooling a ReLU's output, the ReLU's mask applied too).
 */
export function maxPool2dBackwardRange(h: i32, w: i32, outH: i32, outW: i32,
                                       dy: usize, argmax: usize, dx: usize, pooled: usize, pl0: i32, pl1: i32): void {
  const P = outH * outW;
  for (let pl = pl0; pl < pl1; pl++) {
    const xb = f(dx, pl * h * w);
    memory.fill(xb, 0, <usize>(h * w) << 2);
    const ob = pl * P;
    for (let o = 0; o < P; o++) {
      const i = load<i32>(f(argmax, ob + o));
      if (i >= 0 && (!pooled || load<f32>(f(pooled, ob + o)) > 0)) {
        const d = f(xb, i);
        store<f32>(d, load<f32>(d) + load<f32>(f(dy, ob + o)));
      }
    }
  }
}

function avgDivisor(h: i32, w: i32, kh: i32, kw: i32, sH: i32, sW: i32, pH: i32, pW: i32,
                    dH: i32, dW: i32, includePad: i32, oh: i32, ow: i32): i32 {
  let count = 0;
  for (let ki = 0; ki < kh; ki++) {
    const ih = oh * sH - pH + ki * dH;
    const inH = includePad ? ih >= -pH && ih < h + pH : ih >= 0 && ih < h;
    if (!inH) continue;
    for (let kj = 0; kj < kw; kj++) {
      const iw = ow * sW - pW + kj * dW;
      if (includePad ? iw >= -pW && iw < w + pW : iw >= 0 && iw < w) count++;
    }
  }
  return count;
}

export function avgPool2dForwardRange(h: i32, w: i32, kh: i32, kw: i32, sH: i32, sW: i32,
                                      pH: i32, pW: i32, dH: i32, dW: i32, outH: i32, outW: i32,
                                      includePad: i32, x: usize, out: usize, pl0: i32, pl1: i32): void {
  for (let pl = pl0; pl < pl1; pl++) {
    const xb = f(x, pl * h * w);
    const ob = pl * outH * outW;
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        let s: f32 = 0;
        for (let ki = 0; ki < kh; ki++) {
          const ih = oh * sH - pH + ki * dH;
          if (ih < 0 || ih >= h) continue;
          for (let kj = 0; kj < kw; kj++) {
            const iw = ow * sW - pW + kj * dW;
            if (iw >= 0 && iw < w) s += load<f32>(f(xb, ih * w + iw));
          }
        }
        const d = avgDivisor(h, w, kh, kw, sH, sW, pH, pW, dH, dW, includePad, oh, ow);
        store<f32>(f(out, ob + oh * outW + ow), d > 0 ? s / <f32>d : 0);
      }
    }
  }
}

export function avgPool2dBackwardRange(h: i32, w: i32, kh: i32, kw: i32, sH: i32, sW: i32,
                                       pH: i32, pW: i32, dH: i32, dW: i32, outH: i32, outW: i32,
                                       includePad: i32, dy: usize, dx: usize, pl0: i32, pl1: i32): void {
  for (let pl = pl0; pl < pl1; pl++) {
    const xb = f(dx, pl * h * w);
    memory.fill(xb, 0, <usize>(h * w) << 2);
    const ob = pl * outH * outW;
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        const d = avgDivisor(h, w, kh, kw, sH, sW, pH, pW, dH, dW, includePad, oh, ow);
        if (d == 0) continue;
        const g = load<f32>(f(dy, ob + oh * outW + ow)) / <f32>d;
        for (let ki = 0; ki < kh; ki++) {
          const ih = oh * sH - pH + ki * dH;
          if (ih < 0 || ih >= h) continue;
          for (let kj = 0; kj < kw; kj++) {
            const iw = ow * sW - pW + kj * dW;
            if (iw >= 0 && iw < w) {
              const p = f(xb, ih * w + iw);
              store<f32>(p, load<f32>(p) + g);
            }
          }
        }
      }
    }
  }
}
