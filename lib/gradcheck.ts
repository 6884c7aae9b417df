// Checks autograd against central finite differences in float64, like
// torch.autograd.gradcheck. To keep the cost at two forward passes per input element, the
// outputs are contracted with a fixed random vector v: autograd gives vᵀJ in one backward,
// finite differences give d(v·f)/dx_i; a wrong Jacobian entry shows up for almost every v.

import { noGrad } from "./autograd/grad_mode.js";
import { Generator } from "./random.js";
import { fmtShape } from "./shape.js";
import { Tensor } from "./tensor.js";
import { randn } from "./ops/creation.js";

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** Throw on mismatch (default true); otherwise return false. */
  raiseException?: boolean;
  /** Seed of the random projection (default 0). */
  seed?: number;
}

type Fn = (...inputs: Tensor[]) => Tensor | readonly Tensor[];

function outputsOf(fn: Fn, inputs: Tensor[]): Tensor[] {
  const r = fn(...inputs);
  const list = Array.isArray(r) ? (r as Tensor[]) : [r as Tensor];
  return list.filter((t) => t instanceof Tensor && (t.dtype === "float64" || t.dtype === "float32"));
}

function project(outs: Tensor[], vs: Tensor[]): number {
  let s = 0;
  outs.forEach((o, j) => {
    const od = o.data, vd = vs[j].data;
    for (let i = 0; i < od.length; i++) s += od[i] * vd[i];
  });
  return s;
}

/** Storage position of each logical element of t (row-major order). */
function positions(t: Tensor): number[] {
  const out: number[] = [];
  const walk = (dim: number, pos: number) => {
    if (dim === t.ndim) { out.push(pos); return; }
    for (let i = 0; i < t.shape[dim]; i++) walk(dim + 1, pos + i * t.strides[dim]);
  };
  walk(0, t.offset);
  return out;
}

function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) { idx[d] = i % shape[d]; i = Math.floor(i / shape[d]); }
  return idx;
}

export function gradcheck(fn: Fn, inputs: Tensor[], opts: GradcheckOptions = {}): boolean {
  const eps = opts.eps ?? 1e-6, atol = opts.atol ?? 1e-5, rtol = opts.rtol ?? 1e-3;
  const raise = opts.raiseException ?? true;
  const checked = inputs.map((t, i) => {
    if (!(t instanceof Tensor)) throw new Error(`gradcheck: input ${i} is not a Tensor`);
    if (!t.requiresGrad) return false;
    if (t.dtype !== "float64") throw new Error(`gradcheck: input ${i} has dtype ${t.dtype}; use float64 inputs (finite differences are too noisy in float32)`);
    if (!t.isLeaf) throw new Error(`gradcheck: input ${i} is not a leaf; pass leaf tensors and build views inside fn`);
    const pos = positions(t);
    if (new Set(pos).size !== pos.length) throw new Error(`gradcheck: input ${i} has overlapping memory (an expanded view); pass a tensor whose elements are distinct`);
    return true;
  });
  if (!checked.some(Boolean)) throw new Error("gradcheck: no input requires grad");

  const outs = outputsOf(fn, inputs);
  if (outs.length === 0) throw new Error("gradcheck: fn returned no float tensor");
  const gen = new Generator(opts.seed ?? 0);
  const vs = outs.map((o) => randn(o.shape, { dtype: "float64", generator: gen }));
  const savedGrads = inputs.map((t) => t.grad);
  inputs.forEach((t) => { t.grad = null; });
  let analytical: (Float64Array | null)[];
  try {
    let s: Tensor | null = null;
    outs.forEach((o, j) => {
      if (!o.requiresGrad) return;
      const term = o.to("float64").mul(vs[j]).sum();
      s = s ? s.add(term) : term;
    });
    if (s) (s as Tensor).backward();
    analytical = inputs.map((t, i) => (checked[i] ? (t.grad ? Float64Array.from(t.grad.data) : new Float64Array(t.numel)) : null));
  } finally {
    inputs.forEach((t, i) => { t.grad = savedGrads[i]; });
  }

  let failure: string | null = null;
  noGrad(() => {
    for (let i = 0; i < inputs.length && !failure; i++) {
      if (!checked[i]) continue;
      const t = inputs[i], a = analytical[i]!, store = t.storage.data;
      const pos = positions(t);
      for (let e = 0; e < pos.length; e++) {
        const orig = store[pos[e]];
        store[pos[e]] = orig + eps;
        const fp = project(outputsOf(fn, inputs), vs);
        store[pos[e]] = orig - eps;
        const fm = project(outputsOf(fn, inputs), vs);
        store[pos[e]] = orig;
        const num = (fp - fm) / (2 * eps);
        if (!(Math.abs(a[e] - num) <= atol + rtol * Math.abs(num))) {
          failure = `gradcheck: gradient mismatch for input ${i} (shape ${fmtShape(t.shape)}) at index ${fmtShape(unravel(e, t.shape))}: autograd ${a[e]} vs finite differences ${num} (atol ${atol}, rtol ${rtol})`;
          break;
        }
      }
    }
  });
  if (failure) {
    if (raise) throw new Error(failure);
    return false;
  }
  return true;
}
