// Max and average 2-D pooling (NCHW) over planes [pl0, pl1) of n*c: one thread's share.
// Semantics follow lib/backend/reference.ts exactly (argmax = flat index in the h*w plane,
// -1 for an all-padding window; NaN wins a max; avg divisor per countIncludePad).

@inline function f(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

export function maxPool2dForwardRange(h: i32, w: i32, kh: i32, kw: i32, sH: i32, sW: i32,
                                      pH: i32, pW: i32, dH: i32, dW: i32, outH: i32, outW: i32,
                                      x: usize, out: usize, argmax: usize, pl0: i32, pl1: i32): void {
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
            if (v > best || bi < 0 || (v != v && best == best)) {
              best = v;
              bi = ih * w + iw;
            }
          }
        }
        const o = ob + oh * outW + ow;
        store<f32>(f(out, o), best);
        store<i32>(f(argmax, o), bi);
      }
    }
  }
}

export function maxPool2dBackwardRange(h: i32, w: i32, outH: i32, outW: i32,
                                       dy: usize, argmax: usize, dx: usize, pl0: i32, pl1: i32): void {
  const P = outH * outW;
  for (let pl = pl0; pl < pl1; pl++) {
    const xb = f(dx, pl * h * w);
    memory.fill(xb, 0, <usize>(h * w) << 2);
    const ob = pl * P;
    for (let o = 0; o < P; o++) {
      const i = load<i32>(f(argmax, ob + o));
      if (i >= 0) {
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
