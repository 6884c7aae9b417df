// Custom differentiable functions, PyTorch's torch.autograd.Function:
//
//   class Cube extends autograd.Function {
//     static forward(ctx: autograd.Context, x: Tensor): Tensor { ctx.saveForBackward(x); return x.pow(3); }
//     static backward(ctx: autograd.Context, g: Tensor): Tensor { const [x] = ctx.savedTensors; return g.mul(x.pow(2).mul(3)); }
//   }
//   const y = Cube.apply(x);   // y.gradFn.name === "CubeBackward"
//
// `forward` runs with grad mode off; its outputs get one graph node whose backward is the
// class's `backward`, called once with one gradient per output. With several outputs, each
// output's node ("CubeBackward", `outputNr` i) places its gradient into one packed vector
// that the shared node unpacks, so the engine needs no multi-output nodes of its own.

import { fmtShape } from "../shape.js";
import { isFloatDType } from "../dtype.js";
import { Tensor } from "../tensor.js";
import { cat } from "../ops/join.js";
import { zeros } from "../ops/creation.js";
import { GradFn, type GraphNode } from "./graph.js";
import { isGradEnabled, noGrad } from "./grad_mode.js";

/** What `forward` and `backward` share: saved tensors, which inputs need gradients, flags. */
export class Context {
  /** Per argument of `apply`: whether it is a tensor that needs a gradient (known in forward). */
  readonly needsInputGrad: readonly boolean[];
  /** Attributes you set in forward for backward (`ctx.k = 3`), as `ctx.foo` in PyTorch. */
  [attribute: string]: unknown;
  /** @internal */
  _saved: Tensor[] = [];
  /** @internal */
  _versions: number[] = [];
  /** @internal */
  _nonDifferentiable = new Set<Tensor>();
  /** @internal */
  _materializeGrads = true;
  /** @internal */
  _released = false;
  /** @internal */
  readonly _fnName: string;

  constructor(fnName: string, needsInputGrad: boolean[]) {
    this._fnName = fnName;
    this.needsInputGrad = needsInputGrad;
  }

  /** Keeps tensors for backward; modifying one in place afterwards makes backward throw. */
  saveForBackward(...tensors: (Tensor | null | undefined)[]): void {
    tensors.forEach((t, i) => {
      if (t !== null && t !== undefined && !(t instanceof Tensor)) {
        throw new Error(`${this._fnName}.saveForBackward: argument ${i} is not a Tensor (set other values as ctx attributes, e.g. ctx.k = 3)`);
      }
    });
    this._saved = tensors.filter((t): t is Tensor => t instanceof Tensor);
    this._versions = this._saved.map((t) => t.version);
  }

  /** The tensors given to `saveForBackward`, in order. */
  get savedTensors(): readonly Tensor[] {
    if (this._released) {
      throw new Error(`${this._fnName}Backward: savedTensors were freed by an earlier backward(); use backward(grad, { retainGraph: true }) the first time to backward through it again`);
    }
    return this._saved;
  }

  /** Outputs that get no gradient (indices, masks): no gradFn, and backward sees zeros for them. */
  markNonDifferentiable(...outputs: Tensor[]): void {
    for (const t of outputs) this._nonDifferentiable.add(t);
  }

  /** With false, backward receives null (not zeros) for outputs that got no gradient. */
  setMaterializeGrads(on: boolean): void {
    this._materializeGrads = on;
  }
}

type ForwardArgs<F> = F extends { forward(ctx: Context, ...args: infer A): unknown } ? A : never;
type ForwardResult<F> = F extends { forward(ctx: Context, ...args: never[]): infer R } ? R : never;

/** The static side every custom function has. */
export interface FunctionClass {
  readonly name: string;
  forward(ctx: Context, ...args: any[]): Tensor | readonly Tensor[];
  backward(ctx: Context, ...grads: any[]): Tensor | null | undefined | readonly (Tensor | null | undefined)[];
}

/**
 * Base class of custom differentiable functions: subclass it with `static forward(ctx, ...)`
 * and `static backward(ctx, ...grads)`, then call `MyFn.apply(...)` (never `forward` directly).
 */
export class Function {
  /** Computes the outputs from the inputs (grad mode is off here). Override in a subclass. */
  static forward(ctx: Context, ...args: any[]): Tensor | readonly Tensor[] {
    void ctx;
    void args;
    throw new Error(`${this.name}: subclasses of autograd.Function must define static forward(ctx, ...inputs)`);
  }

  /** One gradient per `apply` argument (null for non-tensors) from one per output. Override. */
  static backward(ctx: Context, ...grads: any[]): Tensor | null | undefined | readonly (Tensor | null | undefined)[] {
    void ctx;
    void grads;
    throw new Error(`${this.name}Backward: subclasses of autograd.Function must define static backward(ctx, ...gradOutputs) to be differentiated`);
  }

  /**
   * Runs forward and records the node whose backward is the class's `backward`. Bound to
   * its class, so it can be passed around (`gradcheck(Cube.apply, [x])`).
   */
  declare static readonly apply: <F extends FunctionClass>(this: F, ...args: ForwardArgs<F>) => ForwardResult<F>;
}

const bound = new WeakMap<FunctionClass, (...args: unknown[]) => unknown>();

Object.defineProperty(Function, "apply", {
  configurable: true,
  get(this: FunctionClass) {
    let fn = bound.get(this);
    if (!fn) {
      const cls = this;
      fn = (...args: unknown[]) => applyFunction(cls, args);
      bound.set(cls, fn);
    }
    return fn;
  },
});

function applyFunction(cls: FunctionClass, args: unknown[]): Tensor | Tensor[] {
  if ((cls as unknown) === Function) throw new Error("autograd.Function.apply: call apply on a subclass that defines forward and backward");
  const name = cls.name || "Custom";
  const recording = isGradEnabled();
  const needs = args.map((a) => recording && a instanceof Tensor && a.requiresGrad);
  const ctx = new Context(name, needs);
  const raw = noGrad(() => cls.forward(ctx, ...args));
  const single = raw instanceof Tensor;
  const outs: Tensor[] = single ? [raw] : Array.isArray(raw) ? [...(raw as Tensor[])] : [];
  if (outs.length === 0 || !outs.every((o) => o instanceof Tensor)) {
    throw new Error(`${name}.forward: must return a Tensor or an array of Tensors, got ${describe(raw)}`);
  }
  // An output that is an input (or repeats an earlier output) becomes a view of it, so the
  // node is attached to a tensor of its own.
  const seen = new Set<Tensor>(args.filter((a): a is Tensor => a instanceof Tensor));
  for (let i = 0; i < outs.length; i++) {
    if (seen.has(outs[i]) || outs[i].gradFn !== null || outs[i].requiresGrad) {
      const alias = outs[i].detach();
      if (ctx._nonDifferentiable.has(outs[i])) ctx._nonDifferentiable.add(alias);
      outs[i] = alias;
    }
    seen.add(outs[i]);
  }
  if (needs.some(Boolean)) attach(cls, name, ctx, args, outs);
  return single ? outs[0] : outs;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `an array holding ${v.map((x) => (x instanceof Tensor ? "Tensor" : typeof x)).join(", ")}`;
  return typeof v === "object" ? (v.constructor?.name ?? "object") : typeof v;
}

/** Node of a custom function: releasing it also frees the context's saved tensors. */
class FunctionBackward extends GradFn {
  constructor(private ctx: Context, ...rest: ConstructorParameters<typeof GradFn>) {
    super(...rest);
  }
  override release(): void {
    super.release();
    this.ctx._released = true;
    this.ctx._saved = [];
  }
}

/** Per output of a multi-output function: puts its gradient at its place in the packed vector. */
class OutputBackward extends GradFn {
  constructor(readonly outputNr: number, ...rest: ConstructorParameters<typeof GradFn>) {
    super(...rest);
  }
}

function attach(cls: FunctionClass, name: string, ctx: Context, args: unknown[], outs: Tensor[]): void {
  const differentiable = outs.map((o) => isFloatDType(o.dtype) && !ctx._nonDifferentiable.has(o));
  if (!differentiable.some(Boolean)) return;
  const inputs: (GraphNode | null)[] = args.map((a, i) => (ctx.needsInputGrad[i] ? ((a as Tensor).gradFn ?? (a as Tensor)._accumulateNode()) : null));
  const meta = args.map((a) => (a instanceof Tensor ? { shape: a.shape, dtype: a.dtype } : { shape: [] as number[], dtype: "float32" as const }));
  const nodeName = `${name}Backward`;

  const callBackward = (grads: (Tensor | null)[]): (Tensor | null)[] => {
    const given = grads.map((g, i) => (g === null && ctx._materializeGrads ? zeros(outs[i].shape, { dtype: isFloatDType(outs[i].dtype) ? outs[i].dtype : "float32" }) : g));
    const r = cls.backward(ctx, ...given);
    return checkGrads(nodeName, r, args);
  };

  if (outs.length === 1) {
    const node = new FunctionBackward(ctx, nodeName, inputs, outs[0].shape, meta, (g) => callBackward([g]), ctx._saved, ctx._versions);
    outs[0]._setGradFn(node);
    return;
  }
  // Several outputs: one shared node fed a packed float64 vector of every output's gradient.
  const starts: number[] = [];
  let total = 0;
  for (const o of outs) {
    starts.push(total);
    total += o.numel;
  }
  const shared = new FunctionBackward(ctx, nodeName, inputs, [total], meta, (packed) => {
    const grads = outs.map((o, i) => {
      if (!differentiable[i] || o.numel === 0) return null;
      return packed.narrow(0, starts[i], o.numel).reshape(o.shape as number[]).to(o.dtype);
    });
    return callBackward(grads);
  }, ctx._saved, ctx._versions);
  const packedMeta = [{ shape: [total], dtype: "float64" as const }];
  outs.forEach((o, i) => {
    if (!differentiable[i]) return;
    o._setGradFn(new OutputBackward(i, nodeName, [shared], o.shape, packedMeta, (g) => {
      const parts: Tensor[] = [];
      if (starts[i] > 0) parts.push(zeros([starts[i]], { dtype: "float64" }));
      parts.push(g.reshape([o.numel]).to("float64"));
      const after = total - starts[i] - o.numel;
      if (after > 0) parts.push(zeros([after], { dtype: "float64" }));
      return [parts.length === 1 ? parts[0] : cat(parts, 0)];
    }, [], []));
  });
}

function checkGrads(nodeName: string, r: unknown, args: unknown[]): (Tensor | null)[] {
  const list = r instanceof Tensor || r === null || r === undefined ? [r] : Array.isArray(r) ? r : null;
  if (list === null) throw new Error(`${nodeName}: backward must return a Tensor, null or an array of them (one per input), got ${describe(r)}`);
  if (list.length < args.length) {
    throw new Error(`${nodeName}: backward returned ${list.length} gradient${list.length === 1 ? "" : "s"} but apply got ${args.length} input${args.length === 1 ? "" : "s"} (return null for inputs without a gradient)`);
  }
  for (let i = args.length; i < list.length; i++) {
    if (list[i] !== null && list[i] !== undefined) throw new Error(`${nodeName}: backward returned ${list.length} gradients for ${args.length} inputs; the extra ones must be null`);
  }
  return args.map((a, i) => {
    const g = list[i] as unknown;
    if (g === null || g === undefined) return null;
    if (!(g instanceof Tensor)) throw new Error(`${nodeName}: gradient ${i} is ${describe(g)}, not a Tensor or null`);
    if (!(a instanceof Tensor)) throw new Error(`${nodeName}: gradient ${i} must be null: input ${i} is not a Tensor`);
    if (g.shape.length !== a.shape.length || g.shape.some((d, k) => d !== a.shape[k])) {
      throw new Error(`${nodeName}: gradient ${i} has shape ${fmtShape(g.shape)} but input ${i} has shape ${fmtShape(a.shape)}`);
    }
    return g;
  });
}
