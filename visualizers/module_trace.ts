// Runs a sample input through a Module with forward hooks on every submodule, recording
// what each call received and returned. Shared by the summary table and the architecture
// diagram. The model runs in eval mode (no dropout, no BatchNorm statistics updates) and
// its mode is restored afterwards.
import { className, isTensorLike, namedChildren, namedModules, namedParameters, type HookHandle, type ModuleLike, type TensorLike } from "./types.js";

export interface ModuleCall {
  /** Qualified name ("" for the root). */
  name: string;
  module: ModuleLike;
  inputs: TensorLike[];
  outputs: TensorLike[];
}

export interface ModuleInfo {
  name: string;
  type: string;
  depth: number;
  module: ModuleLike;
  isLeaf: boolean;
  /** Parameters owned directly (not through children). */
  ownParams: number;
  ownTrainable: number;
  /** Including descendants. */
  totalParams: number;
  calls: ModuleCall[];
}

export interface Trace {
  modules: ModuleInfo[];
  /** Calls in completion order (a child finishes before its parent). */
  calls: ModuleCall[];
  inputs: TensorLike[];
  outputs: TensorLike[];
}

export function tensorsIn(x: unknown, out: TensorLike[] = [], depth = 0): TensorLike[] {
  if (depth > 4 || x === null || x === undefined) return out;
  if (isTensorLike(x)) out.push(x);
  else if (Array.isArray(x)) for (const v of x) tensorsIn(v, out, depth + 1);
  else if (typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype) for (const v of Object.values(x)) tensorsIn(v, out, depth + 1);
  return out;
}

function count(params: [string, TensorLike][]): { all: number; trainable: number } {
  let all = 0, trainable = 0;
  for (const [, p] of params) {
    const n = p.shape.reduce((a, b) => a * b, 1);
    all += n;
    if (p.requiresGrad !== false) trainable += n;
  }
  return { all, trainable };
}

/** Module tree with parameter counts, without running anything. */
export function moduleTree(model: ModuleLike): ModuleInfo[] {
  const out: ModuleInfo[] = [];
  for (const [name, m] of namedModules(model)) {
    const total = count(namedParameters(m));
    const kids = namedChildren(m);
    let childAll = 0, childTrain = 0;
    for (const [, c] of kids) {
      const k = count(namedParameters(c));
      childAll += k.all;
      childTrain += k.trainable;
    }
    out.push({
      name, type: className(m), depth: name === "" ? 0 : name.split(".").length, module: m,
      isLeaf: kids.length === 0, ownParams: total.all - childAll, ownTrainable: total.trainable - childTrain,
      totalParams: total.all, calls: [],
    });
  }
  return out;
}

/** Runs `model` on `inputs` with hooks on every module and returns what happened. */
export function traceModule(model: ModuleLike, inputs: unknown[]): Trace {
  const modules = moduleTree(model);
  if (typeof model.registerForwardHook !== "function") {
    throw new Error(`summary: ${className(model)} has no registerForwardHook, cannot trace shapes`);
  }
  const calls: ModuleCall[] = [];
  const handles: HookHandle[] = [];
  for (const info of modules) {
    handles.push(
      info.module.registerForwardHook!((_m, ins, out) => {
        const call = { name: info.name, module: info.module, inputs: tensorsIn(ins), outputs: tensorsIn(out) };
        info.calls.push(call);
        calls.push(call);
        return undefined;
      }),
    );
  }
  const m = model as ModuleLike & { eval?(): unknown; train?(mode?: boolean): unknown };
  const wasTraining = m.training;
  let result: unknown;
  try {
    if (typeof m.eval === "function") m.eval();
    const run = (typeof m.call === "function" ? m.call : m.forward) as ((...a: unknown[]) => unknown) | undefined;
    if (!run) throw new Error(`summary: ${className(model)} has neither call() nor forward()`);
    result = run.apply(model, inputs);
  } finally {
    for (const h of handles) h.remove();
    if (wasTraining && typeof m.train === "function") m.train(true);
  }
  return { modules, calls, inputs: tensorsIn(inputs), outputs: tensorsIn(result) };
}
