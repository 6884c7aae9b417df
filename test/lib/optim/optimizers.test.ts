// Each optimizer runs a few steps on the quadratic ½ Σ a_i (w_i − c_i)² and is compared with
// the published update rule written out in scalar form here, plus hand-worked numbers.
import { describe, expect, it } from "vitest";
import { SGD, Adam, AdamW, RMSprop, Adagrad } from "../../../lib/optim/index.js";
import { param, setQuadraticGrad, values } from "./helpers.js";

const A = [1, 2, 0.5];
const C = [0.3, -1, 2];
const W0 = [1, 0.5, -1];

function expectClose(actual: number[], expected: number[], tol = 1e-12) {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThanOrEqual(tol));
}

/** Runs `steps` optimizer steps and, side by side, a scalar reference `ref(w, g, t)`. */
function compare(
  make: (p: ReturnType<typeof param>) => { step(): unknown },
  ref: (w: number[], g: number[], t: number) => void,
  steps = 5,
) {
  const p = param(W0);
  const opt = make(p);
  const w = [...W0];
  for (let t = 1; t <= steps; t++) {
    setQuadraticGrad(p, A, C);
    opt.step();
    ref(
      w,
      w.map((wi, i) => A[i] * (wi - C[i])),
      t,
    );
    expectClose(values(p), w);
  }
}

describe("SGD", () => {
  it("plain step: w ← w − lr·g", () => {
    compare(
      (p) => new SGD([p], { lr: 0.1 }),
      (w, g) => w.forEach((_, i) => (w[i] -= 0.1 * g[i])),
    );
  });

  it("momentum by hand: w0 = 1, f = w², lr 0.1, μ 0.9 gives 0.8 then 0.46", () => {
    const p = param([1]);
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9 });
    setQuadraticGrad(p, [2], [0]);
    opt.step();
    expect(values(p)[0]).toBeCloseTo(0.8, 12);
    setQuadraticGrad(p, [2], [0]);
    opt.step();
    expect(values(p)[0]).toBeCloseTo(0.46, 12);
  });

  it("Nesterov by hand: 0.62 then 0.2224", () => {
    const p = param([1]);
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true });
    setQuadraticGrad(p, [2], [0]);
    opt.step();
    expect(values(p)[0]).toBeCloseTo(0.62, 12);
    setQuadraticGrad(p, [2], [0]);
    opt.step();
    expect(values(p)[0]).toBeCloseTo(0.2224, 12);
  });

  it("momentum, dampening and weight decay follow PyTorch's rule", () => {
    const [lr, mu, tau, wd] = [0.05, 0.8, 0.3, 0.01];
    let buf: number[] | null = null;
    compare(
      (p) => new SGD([p], { lr, momentum: mu, dampening: tau, weightDecay: wd }),
      (w, g) => {
        const d = g.map((gi, i) => gi + wd * w[i]);
        buf = buf === null ? d : buf.map((b, i) => mu * b + (1 - tau) * d[i]);
        w.forEach((_, i) => (w[i] -= lr * buf![i]));
      },
    );
  });

  it("maximize ascends", () => {
    compare(
      (p) => new SGD([p], { lr: 0.1, maximize: true }),
      (w, g) => w.forEach((_, i) => (w[i] += 0.1 * g[i])),
    );
  });

  it("rejects Nesterov without momentum", () => {
    expect(() => new SGD([param([1])], { lr: 0.1, nesterov: true })).toThrow(/Nesterov/);
  });
});

function adamRef(lr: number, b1: number, b2: number, eps: number, wd: number, decoupled: boolean, amsgrad = false) {
  let m: number[] = [];
  let v: number[] = [];
  let vmax: number[] = [];
  return (w: number[], g0: number[], t: number) => {
    if (t === 1) {
      m = w.map(() => 0);
      v = w.map(() => 0);
      vmax = w.map(() => 0);
    }
    for (let i = 0; i < w.length; i++) {
      if (decoupled) w[i] *= 1 - lr * wd;
      const g = decoupled ? g0[i] : g0[i] + wd * w[i];
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      vmax[i] = Math.max(vmax[i], v[i]);
      const mHat = m[i] / (1 - b1 ** t);
      const vHat = (amsgrad ? vmax[i] : v[i]) / (1 - b2 ** t);
      w[i] -= (lr * mHat) / (Math.sqrt(vHat) + eps);
    }
  };
}

describe("Adam / AdamW", () => {
  it("Adam's first step moves every weight by lr against the gradient's sign", () => {
    const p = param(W0);
    const opt = new Adam([p], { lr: 0.01 });
    setQuadraticGrad(p, A, C);
    const g = Array.from(p.grad!.data);
    opt.step();
    values(p).forEach((wi, i) => expect(wi).toBeCloseTo(W0[i] - 0.01 * Math.sign(g[i]), 6));
  });

  it("Adam matches m̂/(√v̂ + ε) with L2 weight decay", () => {
    compare((p) => new Adam([p], { lr: 0.01, betas: [0.8, 0.95], weightDecay: 0.1 }), adamRef(0.01, 0.8, 0.95, 1e-8, 0.1, false), 8);
  });

  it("Adam with AMSGrad keeps the largest second moment", () => {
    compare((p) => new Adam([p], { lr: 0.05, amsgrad: true }), adamRef(0.05, 0.9, 0.999, 1e-8, 0, false, true), 8);
  });

  it("AdamW decays the weights directly (default weightDecay 0.01)", () => {
    compare((p) => new AdamW([p], { lr: 0.02 }), adamRef(0.02, 0.9, 0.999, 1e-8, 0.01, true), 8);
  });
});

describe("RMSprop", () => {
  it("plain: s = αs + (1−α)g², w −= lr·g/(√s + ε)", () => {
    let s: number[] = [];
    compare(
      (p) => new RMSprop([p], { lr: 0.01 }),
      (w, g, t) => {
        if (t === 1) s = w.map(() => 0);
        w.forEach((_, i) => {
          s[i] = 0.99 * s[i] + 0.01 * g[i] * g[i];
          w[i] -= (0.01 * g[i]) / (Math.sqrt(s[i]) + 1e-8);
        });
      },
    );
  });

  it("centred with momentum and weight decay", () => {
    const [lr, alpha, mu, wd, eps] = [0.01, 0.9, 0.5, 0.1, 1e-6];
    let s: number[] = [];
    let a: number[] = [];
    let b: number[] = [];
    compare(
      (p) => new RMSprop([p], { lr, alpha, momentum: mu, centered: true, weightDecay: wd, eps }),
      (w, g0, t) => {
        if (t === 1) [s, a, b] = [w.map(() => 0), w.map(() => 0), w.map(() => 0)];
        w.forEach((_, i) => {
          const g = g0[i] + wd * w[i];
          s[i] = alpha * s[i] + (1 - alpha) * g * g;
          a[i] = alpha * a[i] + (1 - alpha) * g;
          b[i] = mu * b[i] + g / (Math.sqrt(s[i] - a[i] * a[i]) + eps);
          w[i] -= lr * b[i];
        });
      },
    );
  });
});

describe("Adagrad", () => {
  it("first step: w −= lr·g/|g| (the accumulator is g²)", () => {
    const p = param([2]);
    const opt = new Adagrad([p], { lr: 0.5 });
    setQuadraticGrad(p, [1], [0]);
    opt.step();
    expect(values(p)[0]).toBeCloseTo(1.5, 9);
  });

  it("with lr decay, weight decay and an initial accumulator", () => {
    const [lr, decay, wd, init0] = [0.1, 0.05, 0.02, 0.3];
    let s: number[] = [];
    compare(
      (p) => new Adagrad([p], { lr, lrDecay: decay, weightDecay: wd, initialAccumulatorValue: init0 }),
      (w, g0, t) => {
        if (t === 1) s = w.map(() => init0);
        const clr = lr / (1 + (t - 1) * decay);
        w.forEach((_, i) => {
          const g = g0[i] + wd * w[i];
          s[i] += g * g;
          w[i] -= (clr * g) / (Math.sqrt(s[i]) + 1e-10);
        });
      },
    );
  });
});

describe("Optimizer base", () => {
  it("parameter groups take their own options, the rest from the defaults", () => {
    const p1 = param([1]);
    const p2 = param([1]);
    const opt = new SGD([{ params: [p1] }, { params: [p2], lr: 0.5 }], { lr: 0.1 });
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.5]);
    setQuadraticGrad(p1, [1], [0]);
    setQuadraticGrad(p2, [1], [0]);
    opt.step();
    expect(values(p1)[0]).toBeCloseTo(0.9, 12);
    expect(values(p2)[0]).toBeCloseTo(0.5, 12);
  });

  it("skips parameters without a gradient and zeroGrad clears them", () => {
    const p1 = param([1]);
    const p2 = param([1]);
    const opt = new SGD([p1, p2], { lr: 0.1 });
    setQuadraticGrad(p1, [1], [0]);
    opt.step();
    expect(values(p2)[0]).toBe(1);
    opt.zeroGrad();
    expect(p1.grad).toBeNull();
  });

  it("rejects a parameter listed in two groups and an empty list", () => {
    const p = param([1]);
    expect(() => new SGD([{ params: [p] }, { params: [p] }])).toThrow(/more than one parameter group/);
    expect(() => new Adam([])).toThrow(/empty parameter list/);
  });

  it("stateDict / loadStateDict resumes exactly", () => {
    const run = (opt: Adam, p: ReturnType<typeof param>, n: number) => {
      for (let i = 0; i < n; i++) {
        setQuadraticGrad(p, A, C);
        opt.step();
      }
    };
    const p = param(W0);
    const opt = new Adam([p], { lr: 0.03 });
    run(opt, p, 3);
    const sd = opt.stateDict();
    expect(sd.state[0].step).toBe(3);
    expect(sd.paramGroups[0].params).toEqual([0]);
    const q = param(values(p));
    const opt2 = new Adam([q], { lr: 0.99 });
    opt2.loadStateDict(sd);
    expect(opt2.paramGroups[0].lr).toBe(0.03);
    run(opt, p, 4);
    run(opt2, q, 4);
    expectClose(values(q), values(p), 0);
  });
});

describe("step with a closure", () => {
  it("evaluates the closure first and returns its loss", () => {
    const p = param([3]);
    const opt = new SGD([p], { lr: 0.5 });
    const loss = opt.step(() => {
      setQuadraticGrad(p, [1], [1]);
      return 2;
    });
    expect(loss).toBe(2);
    expect(values(p)[0]).toBeCloseTo(2, 12); // 3 − 0.5·(3 − 1)
  });
});

describe("optim.Optimizer as a type", () => {
  it("every optimizer is an Optimizer", () => {
    const make: ((ps: ReturnType<typeof param>[]) => import("../../../lib/optim/index.js").Optimizer)[] = [
      (ps) => new SGD(ps, { lr: 0.1 }),
      (ps) => new Adam(ps),
      (ps) => new AdamW(ps),
      (ps) => new RMSprop(ps),
      (ps) => new Adagrad(ps),
    ];
    for (const f of make) expect(f([param([1])]).paramGroups[0].lr).toBeGreaterThan(0);
  });
});
