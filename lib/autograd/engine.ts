// Reverse-mode differentiation: topologically sort the graph below the output, then walk it
// once from the output to the leaves, summing gradients per node (micrograd's loop, iterative
// so deep graphs do not overflow the stack).

import type { Storage, Tensor } from "../tensor.js";
import { fmtShape, sameShape } from "../shape.js";
import { AccumulateGrad, type GradFn, type GraphNode, type Hook } from "./graph.js";
import { noGrad } from "./grad_mode.js";

export function runBackward(root: Tensor, gradient: Tensor | undefined, retainGraph: boolean): void {
  if (!root.requiresGrad) {
    throw new Error("backward: tensor does not require grad and has no gradFn (create inputs with { requiresGrad: true }, and do not call backward inside noGrad)");
  }
  let grad: Tensor;
  if (gradient === undefined) {
    if (root.numel !== 1) {
      throw new Error(`backward: grad can be implicitly created only for scalar outputs, but the tensor has shape ${fmtShape(root.shape)}; call backward(gradient) with a gradient of that shape, or reduce first (e.g. loss.sum())`);
    }
    grad = root.detach().mul(0).add(1);
  } else {
    if (!sameShape(gradient.shape, root.shape)) {
      throw new Error(`backward: gradient shape ${fmtShape(gradient.shape)} does not match tensor shape ${fmtShape(root.shape)}`);
    }
    grad = gradient.detach();
  }
  noGrad(() => {
    const rootNode: GraphNode = root.gradFn ?? root._accumulateNode();
    const order = topoSort(rootNode);
    const grads = new Map<GraphNode, Tensor>();
    grads.set(rootNode, grad);
    // Storages already handed out as a `.grad` (or owned by the caller): never adopted twice.
    const owned = new Set<Storage>([grad.storage]);
    try {
      for (const node of order) {
        let g = grads.get(node);
        grads.delete(node);
        if (node instanceof AccumulateGrad) {
          if (g) {
            const h = runHooks(node.variable._hooks, g);
            accumulate(node.variable, h, h === g ? owned : null);
          }
          continue;
        }
        if (!g) continue;
        const hooked = runHooks(node.hooks, g);
        if (node.retained) accumulate(node.retained, hooked, hooked === g ? owned : null);
        g = hooked;
        const inputGrads = node.apply(g);
        if (!retainGraph) node.release();
        for (let i = 0; i < node.inputs.length; i++) {
          const child = node.inputs[i];
          let ig = inputGrads[i];
          if (!child || !ig) continue;
          const meta = node.inputMeta[i];
          if (!sameShape(ig.shape, meta.shape)) {
            throw new Error(`backward: ${node.name} produced a gradient of shape ${fmtShape(ig.shape)} for an input of shape ${fmtShape(meta.shape)}`);
          }
          if (ig.dtype !== meta.dtype) ig = ig.to(meta.dtype);
          const prev = grads.get(child);
          grads.set(child, prev ? prev.add(ig) : ig);
        }
      }
    } finally {
      if (!retainGraph) for (const node of order) if (!(node instanceof AccumulateGrad)) node.release();
    }
  });
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
 */
function accumulate(t: Tensor, g: Tensor, owned: Set<Storage> | null): void {
  if (g.dtype !== t.dtype) g = g.to(t.dtype);
  if (t.grad !== null) {
    t.grad.add_(g);
    return;
  }
  const whole = g.offset === 0 && g.storage.data.length === g.numel && g.isContiguous();
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
function topoSort(root: GraphNode): GraphNode[] {
  const order: GraphNode[] = [];
  const visited = new Set<GraphNode>([root]);
  const stack: { node: GraphNode; next: number }[] = [{ node: root, next: 0 }];
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
  return order.reverse();
}
