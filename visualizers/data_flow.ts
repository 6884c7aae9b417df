// What fed what in a traced forward pass: leaf-module calls, and the plain ops between them
// (functional F.relu / F.maxPool2d, reshapes, residual adds) found through the GradFn graph,
// so each edge carries the shape its consumer really received.
import type { ModuleCall, Trace } from "./module_trace.js";
import type { GradFnLike, TensorLike } from "./types.js";

/** A plain op between modules; `name` is its GradFn's without "Backward" ("relu", "maxPool2d"). */
export interface FlowOp {
  fn: GradFnLike;
  name: string;
}

/** A leaf call (index into `leafCalls`), an op (index into `ops`), or the model's input/output. */
export type FlowEnd = { call: number } | { op: number } | "input" | "output";

export interface FlowEdge {
  from: FlowEnd;
  to: FlowEnd;
  /** The shape of the tensor passed along (absent when the graph does not record it). */
  shape?: readonly number[];
}

/** More ops than this between modules are walked through (edges skip them) instead of drawn. */
const MAX_OPS = 150;

export function opName(fn: GradFnLike): string {
  const n = fn.name.replace(/Backward\d*$/, "");
  return n.charAt(0).toLowerCase() + n.slice(1);
}

/**
 * For each leaf-module call, the calls and ops that produced its inputs; the same for the
 * model's outputs. A tensor that reaches no module output and no op comes from "input".
 * Ops are only seen when autograd recorded them (some input or parameter requires grad).
 */
export function dataFlow(trace: Trace, isLeafCall: (c: ModuleCall) => boolean) {
  const leafCalls = trace.calls.filter(isLeafCall);
  const byTensor = new Map<TensorLike, number>();
  const byFn = new Map<GradFnLike, { call: number; shape: readonly number[] }>();
  const opOf = new Map<GradFnLike, number>();
  const ops: FlowOp[] = [];
  const edges: FlowEdge[] = [];
  const inputs = new Set(trace.inputs);

  // Producers of `fn` among calls finished before `before`, creating op nodes on the way.
  const sources = (fn: GradFnLike, before: number): { end: FlowEnd; shape?: readonly number[] }[] => {
    const made = byFn.get(fn);
    if (made !== undefined && made.call < before) return [{ end: { call: made.call }, shape: made.shape }];
    if (fn.variable) return inputs.has(fn.variable) ? [{ end: "input", shape: fn.variable.shape }] : []; // a parameter
    const known = opOf.get(fn);
    if (known !== undefined) return [{ end: { op: known }, shape: fn.outputShape }];
    if (ops.length >= MAX_OPS) return throughOps(fn, before);
    const i = ops.push({ fn, name: opName(fn) }) - 1;
    opOf.set(fn, i);
    let fed = false;
    for (const inner of fn.inputs ?? []) {
      if (!inner) continue;
      for (const s of sources(inner, before)) {
        edges.push({ from: s.end, to: { op: i }, shape: s.shape });
        fed = true;
      }
    }
    // only constants and parameters reach it through autograd: its tensor input had no grad
    if (!fed) edges.push({ from: "input", to: { op: i } });
    return [{ end: { op: i }, shape: fn.outputShape }];
  };

  // Past MAX_OPS: the module calls behind `fn`, skipping the ops in between.
  const throughOps = (root: GradFnLike, before: number) => {
    const found = new Map<number, readonly number[]>();
    const seen = new Set<GradFnLike>();
    const stack = [root];
    while (stack.length && seen.size < 5000) {
      const fn = stack.pop()!;
      if (seen.has(fn)) continue;
      seen.add(fn);
      const made = byFn.get(fn);
      if (made !== undefined && made.call < before) { found.set(made.call, made.shape); continue; }
      for (const i of fn.inputs ?? []) if (i) stack.push(i);
    }
    return [...found].sort((a, b) => a[0] - b[0]).map(([call]) => ({ end: { call } as FlowEnd, shape: root.outputShape }));
  };

  const feed = (t: TensorLike, to: FlowEnd, before: number) => {
    const direct = byTensor.get(t);
    if (direct !== undefined && direct < before) return void edges.push({ from: { call: direct }, to, shape: t.shape });
    const srcs = t.gradFn ? sources(t.gradFn, before) : [];
    if (srcs.length === 0) edges.push({ from: "input", to, shape: t.shape });
    // the last hop carries the consumer's own view of the tensor
    for (const s of srcs) edges.push({ from: s.end, to, shape: t.shape });
  };

  leafCalls.forEach((c, k) => {
    for (const t of c.inputs) feed(t, { call: k }, k);
    for (const t of c.outputs) {
      byTensor.set(t, k);
      if (t.gradFn) byFn.set(t.gradFn, { call: k, shape: t.shape });
    }
  });
  for (const t of trace.outputs) feed(t, "output", leafCalls.length);
  return { leafCalls, ops, edges };
}
