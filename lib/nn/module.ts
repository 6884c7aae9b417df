// nn.Module: PyTorch's contract (torch/nn/modules/module.py) in TypeScript.
//
// Registration by assignment without a Proxy: a module's parameters, buffers and submodules
// are discovered from its own enumerable properties, in assignment order, whenever they are
// asked for. So `this.fc1 = new nn.Linear(2, 3)` in a constructor (or a class field
// `fc1 = new nn.Linear(2, 3)`) registers it, reassigning replaces it and `delete` removes it,
// and property reads stay plain JS (no trap on the hot path).
//   - a submodule is any own property holding a Module;
//   - a parameter is any own property holding a tensor made by `nn.Parameter(...)` (or any
//     leaf tensor that requires grad);
//   - a buffer is a tensor registered with `registerBuffer(name, t)` (running statistics…).
// State-dict keys are dotted paths of property names (`fc1.weight`, `layers.0.bias`); layers
// use PyTorch's parameter and buffer names (`weight_ih_l0`, `running_mean`) so checkpoints
// written by `save` line up with PyTorch's.

import { Tensor } from "../tensor.js";
import { stateDictHint } from "./state-dict-hint.js";
import { isGradEnabled, noGrad } from "../autograd/grad_mode.js";

const PARAMETERS = new WeakSet<Tensor>();

/**
 * Marks a tensor as a module parameter: a leaf that requires grad (PyTorch's `nn.Parameter`).
 * Returns a detached tensor sharing `t`'s storage, or a contiguous copy when `t` is a strided
 * view (optimizers update parameters in place through `p.data`, which must be a view).
 */
export function Parameter(t: Tensor, requiresGrad = true): Tensor {
  if (!t.isContiguous()) t = noGrad(() => t.contiguous());
  const p = t.isLeaf && !t.requiresGrad ? t : t.detach();
  p.requiresGrad = requiresGrad;
  PARAMETERS.add(p);
  return p;
}

export function isParameter(v: unknown): v is Tensor {
  return v instanceof Tensor && (PARAMETERS.has(v) || (v.isLeaf && v.requiresGrad));
}

export interface RemovableHandle {
  remove(): void;
}

/** Called after `forward`; returning a value replaces the output. */
export type ForwardHook = (module: Module, inputs: unknown[], output: unknown) => unknown;
/** Called before `forward`; returning an array replaces the inputs. */
export type ForwardPreHook = (module: Module, inputs: unknown[]) => unknown[] | void;
/**
 * Called when the gradients with respect to the module's inputs have been computed.
 * `gradInput[i]` belongs to the i-th tensor argument (null when it needs no gradient),
 * `gradOutput[i]` to the i-th output tensor. Returning an array replaces `gradInput`.
 */
export type BackwardHook = (
  module: Module,
  gradInput: (Tensor | null)[],
  gradOutput: (Tensor | null)[],
) => (Tensor | null)[] | void;

export type StateDict = Record<string, Tensor>;

/** Base class of every layer and model. */
export class Module {
  /** Whether the module is in training mode (dropout active, batch norm uses batch stats). */
  declare training: boolean;
  // Bookkeeping lives in non-enumerable properties so that discovery never sees it.
  declare private _buffers: Map<string, boolean>;
  declare private _forwardHooks: Map<number, ForwardHook>;
  declare private _forwardPreHooks: Map<number, ForwardPreHook>;
  declare private _backwardHooks: Map<number, BackwardHook>;

  constructor() {
    for (const key of ["_buffers", "_forwardHooks", "_forwardPreHooks", "_backwardHooks"]) {
      Object.defineProperty(this, key, { value: new Map(), enumerable: false, writable: true });
    }
    Object.defineProperty(this, "training", { value: true, enumerable: false, writable: true });
    // `model.forward(x)` runs the hooks too (DESIGN.md: hooks run on forward and call): the
    // instance's forward is a shared wrapper around the class's forward.
    Object.defineProperty(this, "forward", { value: hookedForward, enumerable: false, writable: true, configurable: true });
  }

  /** The computation; subclasses override it. `model.forward(x)` and `model.call(x)` both run the hooks. */
  forward(..._args: any[]): any {
    throw new Error(`${this.constructor.name}.forward: not implemented (subclasses of nn.Module define forward)`);
  }

  /**
   * Runs `forward` with the registered hooks (PyTorch's `module(x)`); same as `forward(...)`.
   * Typed as the module's own `forward`, overloads included, so that `this.call(x)` inside a
   * method (nanoGPT's `self(idx)`) is checked against the subclass's forward. (Defined on the
   * prototype below: a method's type could only say `Parameters<this["forward"]>`, which
   * TypeScript cannot resolve while `this` is still the class's own polymorphic type.)
   */
  declare readonly call: this["forward"];

  /** @internal */
  get _hookMaps(): { pre: Map<number, ForwardPreHook>; fwd: Map<number, ForwardHook>; bwd: Map<number, BackwardHook> } {
    return { pre: this._forwardPreHooks, fwd: this._forwardHooks, bwd: this._backwardHooks };
  }

  // ---- registration -------------------------------------------------------------------

  /**
   * Registers a tensor that is state but not a parameter (e.g. batch norm's running mean).
   * Persistent buffers appear in the state dict; `null` reserves the name.
   */
  registerBuffer(name: string, t: Tensor | null, persistent = true): void {
    if (name.includes(".")) throw new Error(`registerBuffer: buffer name ${JSON.stringify(name)} can't contain "."`);
    this._buffers.set(name, persistent);
    (this as any)[name] = t;
  }

  /** Assigns a parameter (same as `this[name] = nn.Parameter(t)`). */
  registerParameter(name: string, t: Tensor | null): void {
    if (name.includes(".")) throw new Error(`registerParameter: parameter name ${JSON.stringify(name)} can't contain "."`);
    (this as any)[name] = t === null ? null : PARAMETERS.has(t) ? t : Parameter(t);
  }

  /** Assigns a submodule (same as `this[name] = module`). */
  addModule(name: string, module: Module | null): void {
    if (name.includes(".")) throw new Error(`addModule: module name ${JSON.stringify(name)} can't contain "."`);
    (this as any)[name] = module;
  }

  /** Same as `addModule` (PyTorch's `register_module`). */
  registerModule(name: string, module: Module | null): void {
    this.addModule(name, module);
  }

  /** The submodule at a dotted path (`"encoder.layers.0"`); "" is this module. */
  getSubmodule(target: string): Module {
    let m: Module = this;
    if (target === "") return m;
    for (const part of target.split(".")) {
      const next = (m as any)[part];
      if (!(next instanceof Module)) throw new Error(`getSubmodule: ${m.constructor.name} has no submodule ${JSON.stringify(part)} (in ${JSON.stringify(target)})`);
      m = next;
    }
    return m;
  }

  /** The parameter at a dotted path (`"fc1.weight"`). */
  getParameter(target: string): Tensor {
    const i = target.lastIndexOf(".");
    const owner = this.getSubmodule(i < 0 ? "" : target.slice(0, i));
    const name = target.slice(i + 1);
    const p = (owner as any)[name];
    if (!isParameter(p) || owner._buffers.has(name)) throw new Error(`getParameter: ${owner.constructor.name} has no parameter ${JSON.stringify(name)} (in ${JSON.stringify(target)})`);
    return p;
  }

  // ---- traversal ----------------------------------------------------------------------

  /** Direct submodules with their names, in assignment order. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const key of Object.keys(this)) {
      const v = (this as any)[key];
      if (v instanceof Module) out.push([key, v]);
    }
    return out;
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and all below it, depth first, each once; names are dotted paths ("" for this one). */
  namedModules(prefix = "", seen: Set<Module> = new Set()): [string, Module][] {
    if (seen.has(this)) return [];
    seen.add(this);
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.namedChildren()) {
      out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name, seen));
    }
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** This module's own parameters (not its submodules'). */
  private ownParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const key of Object.keys(this)) {
      const v = (this as any)[key];
      if (!this._buffers.has(key) && isParameter(v)) out.push([key, v]);
    }
    return out;
  }

  private ownBuffers(): [string, Tensor, boolean][] {
    const out: [string, Tensor, boolean][] = [];
    for (const [key, persistent] of this._buffers) {
      const v = (this as any)[key];
      if (v instanceof Tensor) out.push([key, v, persistent]);
    }
    return out;
  }

  /** Parameters with dotted names (`fc1.weight`); a parameter shared by two layers appears once. */
  namedParameters(options: { prefix?: string; recurse?: boolean } = {}): [string, Tensor][] {
    const { prefix = "", recurse = true } = options;
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const mods: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [path, m] of mods) {
      for (const [name, p] of m.ownParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([path ? `${path}.${name}` : name, p]);
      }
    }
    return out;
  }

  parameters(recurse = true): Tensor[] {
    return this.namedParameters({ recurse }).map(([, p]) => p);
  }

  namedBuffers(options: { prefix?: string; recurse?: boolean } = {}): [string, Tensor][] {
    const { prefix = "", recurse = true } = options;
    const out: [string, Tensor][] = [];
    const mods: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [path, m] of mods) {
      for (const [name, b] of m.ownBuffers()) out.push([path ? `${path}.${name}` : name, b]);
    }
    return out;
  }

  buffers(recurse = true): Tensor[] {
    return this.namedBuffers({ recurse }).map(([, b]) => b);
  }

  // ---- modes and gradients ------------------------------------------------------------

  /** Sets training mode here and below (dropout, batch norm); returns this. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: same as `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Sets every parameter's gradient to null (or to zeros with `setToNone = false`). */
  zeroGrad(setToNone = true): void {
    for (const p of this.parameters()) {
      if (p.grad === null) continue;
      if (setToNone) p.grad = null;
      else p.grad.zero_();
    }
  }

  /** Turns gradient tracking of all parameters on or off (freezing layers); returns this. */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad = requiresGrad;
    return this;
  }

  /**
   * Converts every floating-point parameter and buffer to `dtype` (float32 or float64), in
   * place of the old tensors; returns this. Build optimizers after converting.
   */
  to(dtype: "float32" | "float64"): this {
    if (dtype !== "float32" && dtype !== "float64") throw new Error(`Module.to: expected "float32" or "float64", got ${JSON.stringify(dtype)}`);
    const converted = new Map<Tensor, Tensor>();
    for (const m of this.modules()) {
      for (const key of Object.keys(m)) {
        const v = (m as any)[key];
        if (!(v instanceof Tensor) || (v.dtype !== "float32" && v.dtype !== "float64") || v.dtype === dtype) continue;
        const isParam = !m._buffers.has(key) && isParameter(v);
        if (!isParam && !m._buffers.has(key)) continue;
        let c = converted.get(v);
        if (!c) {
          c = noGrad(() => v.to(dtype));
          if (isParam) c = Parameter(c, v.requiresGrad);
          converted.set(v, c);
        }
        (m as any)[key] = c;
      }
    }
    return this;
  }

  /** `to("float64")`: double precision (gradcheck needs it). */
  double(): this {
    return this.to("float64");
  }

  /** `to("float32")`. */
  float(): this {
    return this.to("float32");
  }

  /** Calls `fn` on every submodule (children first) and then on this one; returns this. */
  apply(fn: (m: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  // ---- state --------------------------------------------------------------------------

  /**
   * Parameters and persistent buffers by dotted name, detached (sharing storage with the
   * module, like PyTorch's: clone them to keep a snapshot).
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [path, m] of this.namedModules()) {
      const pre = path ? `${path}.` : "";
      for (const [name, p] of m.ownParameters()) out[pre + name] = p.detach();
      for (const [name, b, persistent] of m.ownBuffers()) if (persistent) out[pre + name] = b.detach();
    }
    return out;
  }

  /**
   * Copies values from a state dict into this module's parameters and buffers. With `strict`
   * (default) the keys must match exactly; shapes must always match. Returns the keys that
   * were missing from / unexpected in `stateDict`.
   */
  loadStateDict(stateDict: StateDict, strict = true): { missingKeys: string[]; unexpectedKeys: string[] } {
    if ((stateDict as unknown) instanceof Module) {
      throw new Error(`loadStateDict: got an nn.Module (${(stateDict as unknown as Module).constructor.name}), not a state dict; pass model.stateDict()`);
    }
    if (typeof stateDict !== "object" || stateDict === null) throw new Error(`loadStateDict: expected a state dict (name → tensor), got ${stateDict === null ? "null" : typeof stateDict}`);
    const own = this.stateDict();
    const hint = stateDictHint(Object.keys(own), stateDict as Record<string, unknown>);
    if (hint) throw new Error(`loadStateDict: ${hint}`);
    const missingKeys = Object.keys(own).filter((k) => !(k in stateDict));
    const unexpectedKeys = Object.keys(stateDict).filter((k) => !(k in own));
    const errors: string[] = [];
    if (strict) {
      if (missingKeys.length) errors.push(`Missing key(s) in state dict: ${missingKeys.map((k) => JSON.stringify(k)).join(", ")}.`);
      if (unexpectedKeys.length) errors.push(`Unexpected key(s) in state dict: ${unexpectedKeys.map((k) => JSON.stringify(k)).join(", ")}.`);
    }
    for (const [key, target] of Object.entries(own)) {
      const src = stateDict[key];
      if (src === undefined) continue;
      if (!(src instanceof Tensor)) {
        errors.push(`${JSON.stringify(key)} is not a tensor.`);
        continue;
      }
      if (src.shape.length !== target.shape.length || src.shape.some((d, i) => d !== target.shape[i])) {
        errors.push(
          `size mismatch for ${key}: copying a param with shape [${src.shape.join(", ")}] from checkpoint, the shape in current model is [${target.shape.join(", ")}].`,
        );
      }
    }
    if (errors.length) {
      throw new Error(`loadStateDict: error(s) in loading state dict for ${this.constructor.name}:\n\t${errors.join("\n\t")}`);
    }
    noGrad(() => {
      for (const [key, target] of Object.entries(own)) {
        const src = stateDict[key];
        if (src !== undefined) target.copy_(src);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---- hooks --------------------------------------------------------------------------

  /** `fn(module, inputs, output)` runs after every forward; it may return a replacement output. */
  registerForwardHook(fn: ForwardHook): RemovableHandle {
    return addHook(this._forwardHooks, fn);
  }

  /** `fn(module, inputs)` runs before every forward; it may return replacement inputs. */
  registerForwardPreHook(fn: ForwardPreHook): RemovableHandle {
    return addHook(this._forwardPreHooks, fn);
  }

  /**
   * `fn(module, gradInput, gradOutput)` runs during backward once the gradients with respect
   * to this module's tensor inputs are known (PyTorch's `register_full_backward_hook`).
   */
  registerFullBackwardHook(fn: BackwardHook): RemovableHandle {
    return addHook(this._backwardHooks, fn);
  }

  // ---- misc ---------------------------------------------------------------------------

  /** Extra text shown inside this module's line of the repr (e.g. `in_features=2, …`). */
  extraRepr(): string {
    return "";
  }

  /** PyTorch's nested repr: `Net(\n  (fc1): Linear(in_features=2, out_features=3, bias=true)\n)`. */
  toString(): string {
    const name = this.constructor.name;
    const extra = this.extraRepr();
    const children = this.namedChildren();
    if (children.length === 0) return `${name}(${extra})`;
    const lines = extra ? extra.split("\n") : [];
    for (const [key, m] of children) lines.push(`(${key}): ${m.toString()}`);
    return `${name}(\n  ${lines.join("\n").split("\n").join("\n  ")}\n)`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

Object.defineProperty(Module.prototype, "call", {
  value: function call(this: Module, ...args: unknown[]): unknown { return runWithHooks(this, args); },
  writable: true,
  configurable: true,
});

/** The forward a module's class defines (or one assigned to the instance by the user). */
function implementation(m: Module): (...args: any[]) => any {
  const own = Object.getOwnPropertyDescriptor(m, "forward")?.value;
  if (typeof own === "function" && own !== hookedForward) return own;
  return (Object.getPrototypeOf(m) as Module).forward;
}

/**
 * True when `m` is exactly an instance of `cls` (no subclass), has no hooks and no forward
 * of its own: calling it runs `cls.prototype.forward` and nothing else. Containers fuse such
 * modules (nn.Sequential's Conv2d + ReLU) without changing what the user could observe.
 * @internal
 */
export function runsPlainForward(m: Module, cls: abstract new (...args: any[]) => Module): boolean {
  if (Object.getPrototypeOf(m) !== cls.prototype) return false;
  const { pre, fwd, bwd } = m._hookMaps;
  if (pre.size !== 0 || fwd.size !== 0 || bwd.size !== 0) return false;
  const own = Object.getOwnPropertyDescriptor(m, "forward")?.value;
  return own === undefined || own === hookedForward;
}

/** Installed as every module's own `forward`: hooks, then the class's forward. */
function hookedForward(this: Module, ...args: any[]): any {
  return runWithHooks(this, args);
}

function runWithHooks(m: Module, args: any[]): any {
  const impl = implementation(m);
  const { pre, fwd, bwd } = m._hookMaps;
  if (pre.size === 0 && fwd.size === 0 && bwd.size === 0) return impl.apply(m, args);
  let inputs: unknown[] = args;
  for (const hook of [...pre.values()]) {
    const r = hook(m, inputs);
    if (r !== undefined) inputs = r;
  }
  let tracker: BackwardTracker | null = null;
  if (bwd.size > 0 && isGradEnabled()) {
    tracker = new BackwardTracker(m, [...bwd.values()]);
    inputs = tracker.wrapInputs(inputs);
  }
  let output = impl.apply(m, inputs);
  for (const hook of [...fwd.values()]) {
    const r = hook(m, inputs, output);
    if (r !== undefined) output = r;
  }
  if (tracker) output = tracker.wrapOutputs(output);
  return output;
}

let nextHookId = 0;
function addHook<F>(map: Map<number, F>, fn: F): RemovableHandle {
  const id = nextHookId++;
  map.set(id, fn);
  return { remove: () => void map.delete(id) };
}

/**
 * Implements full backward hooks for one call of a module: each tensor input that requires
 * grad goes through an identity op whose gradient (the gradient with respect to that input,
 * from this call only) is captured by a tensor hook; each output tensor's gradient likewise.
 * The module hooks fire once every expected input gradient has arrived, or, when no input
 * needs a gradient, once the output gradients have.
 */
class BackwardTracker {
  private gradInputs: (Tensor | null)[] = [];
  private gradOutputs: (Tensor | null)[] = [];
  private pendingInputs = 0;
  private pendingOutputs = 0;
  private inputSlots: number[] = [];
  private fired = false;

  constructor(
    private module: Module,
    private hooks: BackwardHook[],
  ) {}

  wrapInputs(inputs: unknown[]): unknown[] {
    const tensorArgs = inputs.filter((a): a is Tensor => a instanceof Tensor);
    this.gradInputs = tensorArgs.map(() => null);
    let slot = 0;
    return inputs.map((a) => {
      if (!(a instanceof Tensor)) return a;
      const k = slot++;
      if (!a.requiresGrad) return a;
      this.pendingInputs++;
      this.inputSlots.push(k);
      const alias = a.view([...a.shape]);
      alias.registerHook((g) => {
        this.gradInputs[k] = g;
        this.pendingInputs--;
        if (this.pendingInputs === 0) {
          const replaced = this.fire();
          if (replaced) return replaced[k] ?? undefined;
        }
        return undefined;
      });
      return alias;
    });
  }

  wrapOutputs(output: unknown): unknown {
    const outs: Tensor[] = [];
    const collect = (v: unknown) => {
      if (v instanceof Tensor) outs.push(v);
      else if (Array.isArray(v)) v.forEach(collect);
    };
    collect(output);
    this.gradOutputs = outs.map(() => null);
    outs.forEach((t, k) => {
      if (!t.requiresGrad) return;
      this.pendingOutputs++;
      t.registerHook((g) => {
        this.gradOutputs[k] = g;
        this.pendingOutputs--;
        if (this.pendingInputs === 0 && this.pendingOutputs === 0 && this.inputSlots.length === 0) this.fire();
        return undefined;
      });
    });
    return output;
  }

  private fire(): (Tensor | null)[] | undefined {
    if (this.fired) return undefined;
    this.fired = true;
    let gradInput = this.gradInputs;
    let replaced: (Tensor | null)[] | undefined;
    for (const hook of this.hooks) {
      const r = hook(this.module, gradInput, this.gradOutputs);
      if (r !== undefined) {
        gradInput = r;
        replaced = r;
      }
    }
    return replaced;
  }
}

/**
 * An independent copy of a module tree (PyTorch's `copy.deepcopy(module)`): submodules,
 * parameters and buffers are copied (tensors shared inside the tree stay shared in the copy);
 * other fields are copied shallowly; hooks are carried over.
 */
export function deepCopy<M extends Module>(module: M): M {
  const memo = new Map<unknown, unknown>();
  const copyTensor = (t: Tensor): Tensor => {
    if (memo.has(t)) return memo.get(t) as Tensor;
    const c = noGrad(() => t.clone());
    const out = PARAMETERS.has(t) || (t.isLeaf && t.requiresGrad) ? Parameter(c, t.requiresGrad) : c;
    memo.set(t, out);
    return out;
  };
  const copyValue = (v: unknown): unknown => {
    if (v instanceof Module) return copyModule(v);
    if (v instanceof Tensor) return copyTensor(v);
    if (v instanceof Map) return new Map(v);
    if (Array.isArray(v)) return v.map(copyValue);
    return v;
  };
  const copyModule = (m: Module): Module => {
    if (memo.has(m)) return memo.get(m) as Module;
    const out = Object.create(Object.getPrototypeOf(m)) as Module;
    memo.set(m, out);
    for (const [key, desc] of Object.entries(Object.getOwnPropertyDescriptors(m))) {
      if ("value" in desc) desc.value = copyValue(desc.value);
      Object.defineProperty(out, key, desc);
    }
    return out;
  };
  return copyModule(module) as M;
}
