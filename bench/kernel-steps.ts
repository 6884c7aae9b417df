// Training steps written directly against the backend kernels (no autograd, no tensors),
// to show what the library's own machinery costs on top of the kernels, and the fallback
// the benchmark uses when the library's nn/optim API is not importable. Forward,
// hand-derived backward, Adam — the same arithmetic as the library's step.

import type { Kernels, Conv2dParams, Pool2dParams } from "../lib/backend/kernels.js";

type F32 = Float32Array;

class Adam {
  private m: F32[];
  private v: F32[];
  private t = 0;
  constructor(private params: F32[], private lr = 1e-3, private b1 = 0.9, private b2 = 0.999, private eps = 1e-8) {
    this.m = params.map((p) => new Float32Array(p.length));
    this.v = params.map((p) => new Float32Array(p.length));
  }
  step(grads: F32[]): void {
    this.t++;
    const c1 = 1 - this.b1 ** this.t, c2 = Math.sqrt(1 - this.b2 ** this.t);
    for (let k = 0; k < this.params.length; k++) {
      const p = this.params[k]!, g = grads[k]!, m = this.m[k]!, v = this.v[k]!;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i]!;
        m[i] = this.b1 * m[i]! + (1 - this.b1) * gi;
        v[i] = this.b2 * v[i]! + (1 - this.b2) * gi * gi;
        p[i] = p[i]! - (this.lr / c1) * m[i]! / (Math.sqrt(v[i]!) / c2 + this.eps);
      }
    }
  }
}

function uniform(n: number, bound: number): F32 {
  return Float32Array.from({ length: n }, () => (Math.random() * 2 - 1) * bound);
}

/** Softmax cross-entropy over [b, c] logits; writes dlogits (mean over the batch), returns the loss. */
function crossEntropy(logits: F32, labels: Int32Array, b: number, c: number, dlogits: F32): number {
  let loss = 0;
  for (let i = 0; i < b; i++) {
    let mx = -Infinity;
    for (let j = 0; j < c; j++) mx = Math.max(mx, logits[i * c + j]!);
    let s = 0;
    for (let j = 0; j < c; j++) s += Math.exp(logits[i * c + j]! - mx);
    const lse = mx + Math.log(s);
    loss += lse - logits[i * c + labels[i]!]!;
    for (let j = 0; j < c; j++) dlogits[i * c + j] = (Math.exp(logits[i * c + j]! - lse) - (j === labels[i] ? 1 : 0)) / b;
  }
  return loss / b;
}

/** y = x @ W + b, with the matmul on the kernels. */
class Dense {
  w: F32; b: F32; dw: F32; db: F32; x: F32 | null = null;
  constructor(private k: Kernels, readonly inF: number, readonly outF: number) {
    this.w = uniform(inF * outF, Math.sqrt(1 / inF));
    this.b = new Float32Array(outF);
    this.dw = new Float32Array(inF * outF);
    this.db = new Float32Array(outF);
  }
  forward(x: F32, rows: number): F32 {
    this.x = x;
    const y = new Float32Array(rows * this.outF);
    this.k.matmul(x, this.w, y, { batch: 1, m: rows, n: this.outF, k: this.inF, transA: false, transB: false, strideA: 0, strideB: 0 });
    for (let i = 0; i < rows; i++) for (let j = 0; j < this.outF; j++) y[i * this.outF + j] += this.b[j]!;
    return y;
  }
  backward(dy: F32, rows: number, needDx: boolean): F32 | null {
    this.k.matmul(this.x!, dy, this.dw, { batch: 1, m: this.inF, n: this.outF, k: rows, transA: true, transB: false, strideA: 0, strideB: 0 });
    this.k.reduce("sum", dy, this.db, 1, rows, this.outF);
    if (!needDx) return null;
    const dx = new Float32Array(rows * this.inF);
    this.k.matmul(dy, this.w, dx, { batch: 1, m: rows, n: this.inF, k: this.outF, transA: false, transB: true, strideA: 0, strideB: 0 });
    return dx;
  }
}

function relu(k: Kernels, x: F32): F32 {
  const y = new Float32Array(x.length);
  k.unary("relu", x, y);
  return y;
}

function reluBackward(dy: F32, y: F32): F32 {
  for (let i = 0; i < dy.length; i++) if (!(y[i]! > 0)) dy[i] = 0;
  return dy;
}

export function kernelMlpStep(k: Kernels, batch = 64): () => void {
  const l1 = new Dense(k, 784, 256), l2 = new Dense(k, 256, 10);
  const x = uniform(batch * 784, 1);
  const labels = Int32Array.from({ length: batch }, (_, i) => i % 10);
  const opt = new Adam([l1.w, l1.b, l2.w, l2.b]);
  return () => {
    const h = relu(k, l1.forward(x, batch));
    const logits = l2.forward(h, batch);
    const dlogits = new Float32Array(logits.length);
    crossEntropy(logits, labels, batch, 10, dlogits);
    const dh = reluBackward(l2.backward(dlogits, batch, true)!, h);
    l1.backward(dh, batch, false);
    opt.step([l1.dw, l1.db, l2.dw, l2.db]);
  };
}

function convParams(n: number, cIn: number, h: number, cOut: number, k: number, pad: number): Conv2dParams {
  const o = h + 2 * pad - k + 1;
  return { n, cIn, h, w: h, cOut, kh: k, kw: k, strideH: 1, strideW: 1, padH: pad, padW: pad,
    dilationH: 1, dilationW: 1, groups: 1, outH: o, outW: o };
}

function poolParams(n: number, c: number, h: number): Pool2dParams {
  return { n, c, h, w: h, kh: 2, kw: 2, strideH: 2, strideW: 2, padH: 0, padW: 0, dilationH: 1, dilationW: 1,
    outH: h / 2, outW: h / 2, countIncludePad: true };
}

/** conv + per-channel bias + relu + 2×2 max pool, forward and backward. */
class ConvBlock {
  w: F32; b: F32; dw: F32; db: F32;
  private x: F32 | null = null; private y: F32 | null = null; private arg: Int32Array | null = null;
  constructor(private k: Kernels, readonly cp: Conv2dParams, readonly pp: Pool2dParams) {
    this.w = uniform(cp.cOut * cp.cIn * cp.kh * cp.kw, Math.sqrt(1 / (cp.cIn * cp.kh * cp.kw)));
    this.b = new Float32Array(cp.cOut);
    this.dw = new Float32Array(this.w.length);
    this.db = new Float32Array(cp.cOut);
  }
  forward(x: F32): F32 {
    const { n, cOut, outH, outW } = this.cp;
    const P = outH * outW;
    this.x = x;
    const y = new Float32Array(n * cOut * P);
    this.k.conv2dForward(x, this.w, y, this.cp);
    for (let i = 0; i < n * cOut; i++) {
      const bv = this.b[i % cOut]!;
      for (let j = i * P; j < (i + 1) * P; j++) { const v = y[j]! + bv; y[j] = v > 0 ? v : 0; }
    }
    this.y = y;
    const out = new Float32Array(n * cOut * this.pp.outH * this.pp.outW);
    this.arg = new Int32Array(out.length);
    this.k.maxPool2dForward(y, out, this.arg, this.pp);
    return out;
  }
  backward(dout: F32, needDx: boolean): F32 | null {
    const { n, cOut, outH, outW } = this.cp;
    const P = outH * outW;
    const dy = new Float32Array(this.y!.length);
    this.k.maxPool2dBackward(dout, this.arg!, dy, this.pp);
    reluBackward(dy, this.y!);
    this.db.fill(0);
    for (let i = 0; i < n * cOut; i++) {
      let s = 0;
      for (let j = i * P; j < (i + 1) * P; j++) s += dy[j]!;
      this.db[i % cOut] += s;
    }
    this.k.conv2dBackwardWeight(this.x!, dy, this.dw, this.cp);
    if (!needDx) return null;
    const dx = new Float32Array(this.x!.length);
    this.k.conv2dBackwardInput(dy, this.w, dx, this.cp);
    return dx;
  }
}

export function kernelLenetStep(k: Kernels, batch = 64): () => void {
  const b1 = new ConvBlock(k, convParams(batch, 1, 28, 6, 5, 2), poolParams(batch, 6, 28));
  const b2 = new ConvBlock(k, convParams(batch, 6, 14, 16, 5, 0), poolParams(batch, 16, 10));
  const f1 = new Dense(k, 400, 120), f2 = new Dense(k, 120, 84), f3 = new Dense(k, 84, 10);
  const x = uniform(batch * 784, 1);
  const labels = Int32Array.from({ length: batch }, (_, i) => i % 10);
  const opt = new Adam([b1.w, b1.b, b2.w, b2.b, f1.w, f1.b, f2.w, f2.b, f3.w, f3.b]);
  return () => {
    const p2 = b2.forward(b1.forward(x));
    const h1 = relu(k, f1.forward(p2, batch));
    const h2 = relu(k, f2.forward(h1, batch));
    const logits = f3.forward(h2, batch);
    const dl = new Float32Array(logits.length);
    crossEntropy(logits, labels, batch, 10, dl);
    const dh2 = reluBackward(f3.backward(dl, batch, true)!, h2);
    const dh1 = reluBackward(f2.backward(dh2, batch, true)!, h1);
    const dp2 = f1.backward(dh1, batch, true)!;
    b1.backward(b2.backward(dp2, true)!, false);
    opt.step([b1.dw, b1.db, b2.dw, b2.db, f1.dw, f1.db, f2.dw, f2.db, f3.dw, f3.db]);
  };
}
