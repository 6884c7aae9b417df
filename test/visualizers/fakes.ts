// Test doubles shaped like lib's contracts, for the pure renderers (lib-backed tests sit
// beside these once lib lands).
import type { GradFnLike, TensorLike } from "../../visualizers/types.js";

export function fakeTensor(shape: number[], values: ArrayLike<number> | ((i: number) => number), extra: Partial<TensorLike> = {}): TensorLike {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = typeof values === "function" ? values(i) : values[i]!;
  return { shape, dtype: "float32", data, requiresGrad: false, grad: null, gradFn: null, isLeaf: true, ...extra };
}

export function fakeGradFn(name: string, inputs: (GradFnLike | null)[], outputShape?: number[], variable?: TensorLike): GradFnLike {
  return { name, inputs, outputShape, variable };
}

// A tiny module system with the lib contract's shape: parameters, children, forward hooks,
// and outputs that carry GradFn nodes, so tracing and graph walking can be tested alone.
type Hook = (m: FakeModule, inputs: unknown[], out: unknown) => unknown;

function accumulate(t: TensorLike): GradFnLike {
  return { name: "AccumulateGrad", inputs: [], variable: t };
}

export function param(shape: number[], fill = 0.1): TensorLike {
  return fakeTensor(shape, () => fill, { requiresGrad: true });
}

export class FakeModule {
  training = true;
  hooks = new Map<number, Hook>();
  private nextId = 0;
  children: [string, FakeModule][] = [];
  params: [string, TensorLike][] = [];
  namedChildren(): [string, FakeModule][] {
    return this.children;
  }
  namedModules(prefix = ""): [string, FakeModule][] {
    const out: [string, FakeModule][] = [[prefix, this]];
    for (const [n, c] of this.children) out.push(...c.namedModules(prefix ? `${prefix}.${n}` : n));
    return out;
  }
  namedParameters(): [string, TensorLike][] {
    const out: [string, TensorLike][] = [];
    for (const [path, m] of this.namedModules()) for (const [n, p] of m.params) out.push([path ? `${path}.${n}` : n, p]);
    return out;
  }
  registerForwardHook(fn: Hook) {
    const id = this.nextId++;
    this.hooks.set(id, fn);
    return { remove: () => void this.hooks.delete(id) };
  }
  eval() { this.training = false; for (const [, c] of this.children) c.eval(); }
  train(mode = true) { this.training = mode; for (const [, c] of this.children) c.train(mode); }
  forward(..._x: TensorLike[]): TensorLike { throw new Error("abstract"); }
  call(...x: TensorLike[]): TensorLike {
    const out = this.forward(...x);
    for (const h of this.hooks.values()) h(this, x, out);
    return out;
  }
}

function op(name: string, shape: number[], inputs: TensorLike[], fill = 0): TensorLike {
  const fns = inputs.map((t) => t.gradFn ?? (t.requiresGrad ? accumulate(t) : null));
  const any = fns.some((f) => f);
  return fakeTensor(shape, () => fill, any ? { gradFn: { name, inputs: fns, outputShape: shape }, requiresGrad: true, isLeaf: false } : {});
}

export class FakeLinear extends FakeModule {
  constructor(readonly inF: number, readonly outF: number) {
    super();
    this.params = [["weight", param([outF, inF])], ["bias", param([outF])]];
  }
  override forward(x: TensorLike) {
    return op("AddmmBackward", [x.shape[0]!, this.outF], [x, this.params[0]![1], this.params[1]![1]]);
  }
}

export class FakeReLU extends FakeModule {
  override forward(x: TensorLike) {
    return op("ReluBackward", [...x.shape], [x]);
  }
}

export class FakeSequential extends FakeModule {
  constructor(...mods: FakeModule[]) {
    super();
    this.children = mods.map((m, i) => [String(i), m]);
  }
  override forward(x: TensorLike) {
    for (const [, m] of this.children) x = m.call(x);
    return x;
  }
}

/** x → fc1 → relu → (block: fc2 → relu, plus residual) → flatten-free head. */
export class FakeNet extends FakeModule {
  constructor() {
    super();
    this.children = [
      ["fc1", new FakeLinear(4, 8)],
      ["act", new FakeReLU()],
      ["block", new FakeSequential(new FakeLinear(8, 8), new FakeReLU())],
      ["head", new FakeLinear(8, 3)],
    ];
  }
  override forward(x: TensorLike) {
    const m = Object.fromEntries(this.children);
    const h = m.act!.call(m.fc1!.call(x));
    const r = op("AddBackward", [...h.shape], [h, m.block!.call(h)]); // residual, a plain op
    return m.head!.call(r);
  }
}
