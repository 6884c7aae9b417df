// Reverse-mode differentiation: topologically sort the graph below the output, then walk it
// once from the output to the leaves, summing gradients per node (micrograd's loop, iterative
// so deep graphs do not overflow the stack).

import type { Storage, Tensor } from "../tensor.js";
import { fmtShape, sameShape } from "../shape.js";
import { AccumulateGrad, GradFn, type GraphNode, type Hook, isPartialGrad } from "./graph.js";
import { enableGrad, noGrad } from "./grad_mode.js";
import { onesLike } from "../ops/creation.js";
import { recordBirths } from "../backend/storage-pool.js";
import { isAnomalyEnabled } from "./anomaly.js";
import { DeadGradients } from "./dead-gradients.js";

export interface BackwardOptions {
  /** Keep the graph (saved tensors) for another backward through it. Default: createGraph. */
  retainGraph?: boolean;
  /** Record the backward computation itself, so gradients can be differentiated again. */
  createGraph?: boolean;
}

function rootGradient(op: string, root: Tensor, gradient: Tensor | null | undefined): Tensor {
  if (!root.requiresGrad) {
    throw new Error(`${op}: tensor does not require grad and has no gradFn (create inputs with { requiresGrad: true }, and do not call ${op} inside noGrad)`);
  }
  if (gradient === undefined || gradient === null) {
    if (root.numel !== 1) {
      throw new Error(`${op}: grad can be implicitly created only for scalar outputs, but the tensor has shape ${fmtShape(root.shape)}; call backward(gradient) with a gradient of that shape, or reduce first (e.g. loss.sum())`);
    }
    // Ones, not loss*0+1: a NaN or Inf loss must not make the seed (and every gradient) NaN.
    return onesLike(root);
  }
  if (!sameShape(gradient.shape, root.shape)) {
    throw new Error(`${op}: gradient shape ${fmtShape(gradient.shape)} does not match tensor shape ${fmtShape(root.shape)}`);
  }
  return gradient;
}

export function runBackward(root: Tensor, gradient: Tensor | undefined, opts: BackwardOptions = {}): void {
  const grad = rootGradient("backward", root, gradient);
  execute([root], [grad], opts.createGraph ?? false, opts.retainGraph ?? opts.createGraph ?? false, null);
}

export interface GradOptions extends BackwardOptions {
  /** Gradients of the outputs (needed for non-scalar outputs), like PyTorch's grad_outputs. */
  gradOutputs?: (Tensor | null)[];
  /** Return null for inputs the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean;
}

/**
 * Gradients of `outputs` with respect to `inputs` (PyTorch's torch.autograd.grad), returned
 * instead of accumulated into `.grad`, one per input. With `createGraph` the results can be
 * differentiated. Every result is a tensor (an unused input throws) unless `allowUnused`.
 */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], opts?: GradOptions & { allowUnused?: false }): Tensor[];
/** With `allowUnused`, inputs the outputs do not depend on get null. */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], opts: GradOptions): (Tensor | null)[];
export function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], opts: GradOptions = {}): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const ins = Array.isArray(inputs) ? inputs : [inputs];
  const grads = outs.map((o, i) => rootGradient("grad", o, opts.gradOutputs?.[i]));
  const capture = new Map<GraphNode, Tensor | null>();
  for (const t of ins) {
    if (!t.requiresGrad) throw new Error("grad: every input must require grad");
    capture.set(t.gradFn ?? t._accumulateNode(), null);
  }
  const createGraph = opts.createGraph ?? false;
  execute(outs, grads, createGraph, opts.retainGraph ?? createGraph, capture);
  return ins.map((t, i) => {
    const g = capture.get(t.gradFn ?? t._accumulateNode()) ?? null;
    if (g === null && !opts.allowUnused) throw new Error(`grad: input ${i} (shape ${fmtShape(t.shape)}) was not used to compute the outputs; pass allowUnused: true to get null`);
    return g;
  });
}

/**
 * Walks the graph below `roots` once. With `capture`, gradients reaching the listed nodes are
 * stored there and leaves' `.grad` is left alone (autograd.grad); otherwise leaves accumulate.
 */
function execute(roots: Tensor[], rootGrads: Tensor[], createGraph: boolean, retainGraph: boolean, capture: Map<GraphNode, Tensor | null> | null): void {
  // Storages already handed out as a `.grad` (or owned by the caller): never adopted twice.
  const owned = new Set<Storage>(rootGrads.map((g) => g.storage));
  // Intermediate gradients whose storage goes back to the pool once dead (plain backward only).
  const dead = !createGraph && !retainGraph && !capture && !isAnomalyEnabled() ? new DeadGradients(owned) : null;
  const run = () => {
    const rootNodes: GraphNode[] = roots.map((r) => r.gradFn ?? r._accumulateNode());
    const order = topoSort(rootNodes);
    const grads = new Map<GraphNode, Tensor>();
    rootNodes.forEach((n, i) => {
      const prev = grads.get(n);
      grads.set(n, prev ? prev.add(rootGrads[i]) : createGraph ? rootGrads[i] : rootGrads[i].detach());
    });
    // Gradient sums this pass allocated and nobody else holds yet: safe to add into in place.
    const sums = new Set<Tensor>();
    // Fusing a node with the pointwise node that produced its input 0 (GradFn.fusedBackward):
    // only when that node's gradient comes from this node alone and nothing observes it.
    const fusion = !createGraph && !isAnomalyEnabled();
    const consumers = new Map<GraphNode, number>();
    if (fusion) for (const n of order) if (n instanceof GradFn) for (const c of n.inputs) if (c) consumers.set(c, (consumers.get(c) ?? 0) + 1);
    const fusedInput = (node: GradFn): GradFn | null => {
      const c = node.inputs[0];
      if (!node.fusedBackward || !(c instanceof GradFn) || c.constructor !== GradFn || !c.pointwiseGrad) return null;
      if (c.hooks || c.retained || !c.inputs[0] || consumers.get(c) !== 1 || grads.has(c) || capture?.has(c)) return null;
      return c;
    };
    const setGrad = (node: GraphNode, t: Tensor): void => {
      const prev = grads.get(node);
      if (prev) dead?.drop(prev);
      grads.set(node, t);
      dead?.hold(t);
    };
    // Hooks are user code: what they see is kept, what they allocate is not the pass's own.
    const userHooks = (hooks: Hook[] | null, g: Tensor): Tensor => {
      if (!hooks) return g;
      dead?.keep(g);
      return recordBirths(null, () => runHooks(hooks, g));
    };
    try {
      for (const node of order) {
        let g = grads.get(node);
        grads.delete(node);
        if (g) dead?.drop(g);
        // From here on g may reach user code or be passed on by the backward: no more in-place sums.
        if (g) sums.delete(g);
        if (capture?.has(node) && g) capture.set(node, g);
        if (node instanceof AccumulateGrad) {
          if (g && !capture) {
            const h = userHooks(node.variable._hooks, g);
            accumulate(node.variable, h, h === g && !createGraph ? owned : null, createGraph);
            dead?.release(g);
          }
          continue;
        }
        if (!g) continue;
        const hooked = userHooks(node.hooks, g);
        if (node.retained) dead?.keep(hooked);
        if (node.retained && !capture) accumulate(node.retained, hooked, hooked === g && !createGraph ? owned : null, createGraph);
        g = hooked;
        // a custom Function's backward is user code too
        const custom = node.constructor !== GradFn;
        if (custom) dead?.keep(g);
        // this node and the pointwise node below it in one backward, when nothing can see between them
        const act = fusion && !custom ? fusedInput(node) : null;
        const fused = act ? node.applyFused(g, act) : null;
        const inputGrads = fused ?? (custom ? recordBirths(null, () => node.apply(g!)) : node.apply(g));
        if (!retainGraph) node.release();
        let inputs = node.inputs, inputMeta = node.inputMeta;
        if (fused && act) {
          inputs = [act.inputs[0], ...inputs.slice(1)];
          inputMeta = [act.inputMeta[0], ...inputMeta.slice(1)];
          if (!retainGraph) act.release();
        }
        for (let i = 0; i < inputs.length; i++) {
          const child = inputs[i];
          let ig = inputGrads[i];
          if (!child || !ig) continue;
          const meta = inputMeta[i];
          if (!sameShape(ig.shape, meta.shape)) {
            throw new Error(`backward: ${node.name} produced a gradient of shape ${fmtShape(ig.shape)} for an input of shape ${fmtShape(meta.shape)}`);
          }
          const prev = grads.get(child);
          if (isPartialGrad(ig)) {
            if (prev && sums.has(prev)) ig.addInto(prev);
            else {
              const acc = prev ? prev.clone() : ig.toDense();
              if (prev) ig.addInto(acc);
              sums.add(acc);
              setGrad(child, acc.dtype === meta.dtype ? acc : acc.to(meta.dtype));
            }
            continue;
          }
          if (ig.dtype !== meta.dtype) ig = ig.to(meta.dtype);
          if (!prev) setGrad(child, ig);
          else if (sums.has(prev) && !createGraph) {
            prev.add_(ig);
            dead?.release(ig);
          } else {
            const sum = prev.add(ig);
            if (!createGraph) sums.add(sum);
            setGrad(child, sum);
            dead?.release(prev);
            dead?.release(ig);
          }
        }
        dead?.release(g);
      }
    } finally {
      if (!retainGraph) for (const node of order) if (!(node instanceof AccumulateGrad)) node.release();
    }
  };
  const recorded = () => (dead ? recordBirths(dead.births, run) : run());
  if (createGraph) enableGrad(recorded);
  else noGrad(recorded);
}

function runHooks(hooks: Hook[] | null, g: Tensor): Tensor {
  if (!hooks) return g;
  for (const h of hooks.slice()) {
    const r = h(g);
    if (r) {
      if (!sameShape(r.shape, g.shape)) throw new Error(`registerHook: hook returned a gradient of shape ${fmtShape(r.shape)}, expected ${fmtShape(g.shape)}`);
      g = r;
    }
  }
  return g;
}

/**
 * Adds `g` into `t.grad`: in place when a gradient exists, else `t.grad` becomes `g` itself if
 * this backward pass made it and nobody else got its storage (saves a copy of every parameter
 * gradient per step), or a contiguous copy. `owned` is null when g may be user-held (hooks).
 * With `createGraph` the sum is out of place so `.grad` keeps its own graph.
 */
function accumulate(t: Tensor, g: Tensor, owned: Set<Storage> | null, createGraph: boolean): void {
  if (g.dtype !== t.dtype) g = g.to(t.dtype);
  if (createGraph) {
    t.grad = t.grad === null ? (g.gradFn ? g : g.clone()) : t.grad.add(g);
    return;
  }
  if (t.grad !== null) {
    t.grad.add_(g);
    return;
  }
  const whole = g.offset === 0 && g.storage.length === g.numel && g.isContiguous();
  if (owned && whole && !owned.has(g.storage) && g.gradFn === null) {
    owned.add(g.storage);
    t.grad = g.shape === t.shape ? g : g.reshape(t.shape as number[]);
  } else {
    const c = g.clone();
    owned?.add(c.storage);
    t.grad = c;
  }
}

/** Nodes ordered so that every node comes before the nodes it feeds gradients to. */
function topoSort(roots: GraphNode[]): GraphNode[] {
  const order: GraphNode[] = [];
  const visited = new Set<GraphNode>();
  const stack: { node: GraphNode; next: number }[] = [];
  for (const r of roots) {
    if (visited.has(r)) continue;
    visited.add(r);
    stack.push({ node: r, next: 0 });
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const inputs = top.node instanceof AccumulateGrad ? [] : (top.node as GradFn).inputs;
      if (top.next < inputs.length) {
        const child = inputs[top.next++];
        if (child && !visited.has(child)) {
          visited.add(child);
          stack.push({ node: child, next: 0 });
        }
      } else {
        order.push(top.node);
        stack.pop();
      }
    }
  }
  return order.reverse();
}
