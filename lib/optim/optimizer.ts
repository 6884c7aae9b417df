import { residentScope } from "../backend/index.js";
import { Tensor } from "../tensor.js";

/** Typed array a parameter (and its optimizer state) is stored in. */
export type FloatArray = Float32Array | Float64Array;

/** One parameter group as given by the user: its tensors plus per-group option overrides. */
export type ParamGroupSpec<O> = { params: Iterable<Tensor> } & Partial<O>;

/** What the constructor accepts: a flat iterable of parameters or a list of groups. */
export type ParamsInput<O> = Iterable<Tensor> | ParamGroupSpec<O>[];

/** A resolved parameter group: every option filled in (defaults where the group had none). */
export type ParamGroup<O> = O & { params: Tensor[]; initialLr?: number };

/** Per-parameter optimizer state: step counts as numbers, running buffers as tensors. */
export type ParamState = Record<string, Tensor | number>;

/**
 * Serializable optimizer state, shaped like PyTorch's: parameters are referred to by their
 * position across all groups (in order), so a state dict can be loaded into a fresh
 * optimizer built over a fresh model with the same architecture.
 */
export interface OptimizerStateDict {
  state: Record<number, ParamState>;
  paramGroups: (Record<string, unknown> & { params: number[] })[];
}

function isGroupList<O>(params: ParamsInput<O>): params is ParamGroupSpec<O>[] {
  if (!Array.isArray(params) || params.length === 0) return false;
  return !(params[0] instanceof Tensor) && typeof params[0] === "object" && "params" in params[0];
}

/**
 * Base class of all optimizers (PyTorch's `torch.optim.Optimizer`). Subclasses implement
 * `updateGroup`, which updates each parameter in place with a fused loop over its typed
 * array (parameters are always contiguous, so `p.data` is a view of their storage).
 */
export abstract class Optimizer<O extends { lr: number } = { lr: number }> {
  readonly defaults: O;
  paramGroups: ParamGroup<O>[] = [];
  state: Map<Tensor, ParamState> = new Map();
  protected readonly name: string;

  constructor(name: string, params: ParamsInput<O>, defaults: O) {
    this.name = name;
    this.defaults = defaults;
    const groups: ParamGroupSpec<O>[] = isGroupList(params)
      ? params
      : [{ params } as ParamGroupSpec<O>];
    if (groups.length === 0) throw new Error(`${name}: optimizer got an empty parameter list`);
    for (const g of groups) this.addParamGroup(g);
  }

  /** Adds a group (e.g. unfreezing layers while fine-tuning); a parameter may be in one group only. */
  addParamGroup(spec: ParamGroupSpec<O>): void {
    const given = spec.params as unknown;
    if (given !== null && typeof given === "object" && typeof (given as { parameters?: unknown }).parameters === "function") {
      throw new Error(`${this.name}: params must be an iterable of tensors, got an nn.Module (${given.constructor.name}); pass model.parameters()`);
    }
    if (typeof given !== "object" || given === null || typeof (given as Iterable<Tensor>)[Symbol.iterator] !== "function") {
      throw new Error(`${this.name}: params must be an iterable of tensors, got ${given === null ? "null" : typeof given}; pass model.parameters() or a list of tensors`);
    }
    const params = [...spec.params];
    if (params.length === 0) throw new Error(`${this.name}: optimizer got an empty parameter list`);
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    for (const p of params) {
      if (!(p instanceof Tensor)) throw new Error(`${this.name}: parameters must be tensors`);
      if (!p.isLeaf) throw new Error(`${this.name}: can't optimize a non-leaf tensor`);
      if (p.dtype !== "float32" && p.dtype !== "float64") {
        throw new Error(`${this.name}: parameters must be float32 or float64, got ${p.dtype}`);
      }
      if (!p.isContiguous()) {
        throw new Error(`${this.name}: a parameter of shape [${p.shape.join(", ")}] is a strided view; optimizers update parameters in place and need contiguous ones (nn.Parameter(t) makes one)`);
      }
      if (seen.has(p)) throw new Error(`${this.name}: some parameters appear in more than one parameter group`);
      seen.add(p);
    }
    const group = { ...this.defaults, ...spec, params } as ParamGroup<O>;
    this.validate(group);
    this.paramGroups.push(group);
  }

  /** Checks a group's hyperparameters; subclasses throw on out-of-range values. */
  protected validate(group: ParamGroup<O>): void {
    if (!(group.lr >= 0)) throw new Error(`${this.name}: invalid learning rate ${group.lr}`);
  }

  /** Clears gradients. Like PyTorch ≥ 2.0 the default sets them to null rather than zero. */
  zeroGrad(setToNone = true): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (p.grad === null) continue;
        if (setToNone) p.grad = null;
        else p.grad.zero_();
      }
    }
  }

  /**
   * One optimization step. With a closure, re-evaluates the loss first (needed by some
   * algorithms, accepted by all) and returns it.
   */
  step(closure?: () => Tensor | number): Tensor | number | undefined {
    const loss = closure?.();
    for (const group of this.paramGroups) {
      // resident gradients (tensor.ts) are read in place by the group's kernel call
      residentScope(() => this.updateGroup(group));
      // The loops write storage directly: count it as an in-place change so that autograd
      // refuses to backward through a graph that saved the old values (as PyTorch does).
      for (const p of group.params) if (p.grad !== null) p.storage.version++;
    }
    return loss;
  }

  protected abstract updateGroup(group: ParamGroup<O>): void;

  /** The state of `p`, created on first use (used by the update loops). */
  stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (!s) {
      s = {};
      this.state.set(p, s);
    }
    return s;
  }

  /**
   * A buffer shaped like `p` kept in its state under `key` (created, filled with `init`, on
   * first use), for the group's kernel call now (step's residentScope: never keep the array).
   * A large float32 one lives in the wasm memory (resident), where the kernel updates it in
   * place instead of copying it in and out every step; reading the state tensor's `data`
   * (stateDict, say) turns it into an ordinary array.
   */
  buffer(p: Tensor, key: string, init = 0): FloatArray {
    const s = this.stateOf(p);
    let t = s[key];
    if (!(t instanceof Tensor)) {
      t = Tensor.output(p.shape, p.dtype, true);
      if (init !== 0) (t.kernelData as FloatArray).fill(init);
      s[key] = t;
    }
    return t.kernelData as FloatArray;
  }

  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...options } = g;
      return {
        ...(options as Record<string, unknown>),
        params: params.map((p) => {
          if (!index.has(p)) index.set(p, index.size);
          return index.get(p)!;
        }),
      };
    });
    const state: Record<number, ParamState> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const copy: ParamState = {};
      for (const [k, v] of Object.entries(s)) copy[k] = v instanceof Tensor ? v.clone() : v;
      state[i] = copy;
    }
    return { state, paramGroups };
  }

  loadStateDict(sd: OptimizerStateDict): void {
    if ((sd as unknown) instanceof Optimizer) throw new Error(`${this.name}.loadStateDict: got an optimizer, not its state; pass optimizer.stateDict()`);
    if (typeof sd !== "object" || sd === null || !Array.isArray(sd.paramGroups) || typeof sd.state !== "object") {
      throw new Error(`${this.name}.loadStateDict: expected { state, paramGroups } as optimizer.stateDict() returns`);
    }
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw new Error(
        `${this.name}.loadStateDict: state dict has ${sd.paramGroups.length} parameter groups, optimizer has ${this.paramGroups.length}`,
      );
    }
    const byIndex = new Map<number, Tensor>();
    sd.paramGroups.forEach((saved, gi) => {
      const group = this.paramGroups[gi];
      if (saved.params.length !== group.params.length) {
        throw new Error(
          `${this.name}.loadStateDict: parameter group ${gi} has ${saved.params.length} parameters in the state dict, ${group.params.length} in the optimizer`,
        );
      }
      saved.params.forEach((id, k) => byIndex.set(id, group.params[k]));
    });
    this.state = new Map();
    for (const [key, s] of Object.entries(sd.state)) {
      const p = byIndex.get(Number(key));
      if (!p) throw new Error(`${this.name}.loadStateDict: state for unknown parameter index ${key}`);
      const copy: ParamState = {};
      for (const [k, v] of Object.entries(s)) {
        if (v instanceof Tensor) {
          if (v.shape.join(",") !== p.shape.join(",")) {
            throw new Error(
              `${this.name}.loadStateDict: state "${k}" of parameter ${key} has shape [${v.shape.join(", ")}], parameter has shape [${p.shape.join(", ")}]`,
            );
          }
          const t = Tensor.empty(p.shape, p.dtype);
          (t.data as FloatArray).set(v.data as FloatArray);
          copy[k] = t;
        } else copy[k] = v;
      }
      this.state.set(p, copy);
    }
    sd.paramGroups.forEach((saved, gi) => {
      const { params: _ignored, ...options } = saved;
      Object.assign(this.paramGroups[gi], options);
    });
  }
}

/**
 * The gradient of `p` as a typed array, or null when it has none (skipped, as in PyTorch):
 * for the update's kernel call inside `step` only (it may be a resident view).
 */
export function gradOf(p: Tensor): FloatArray | null {
  if (p.grad === null) return null;
  return p.grad.kernelData as FloatArray;
}
