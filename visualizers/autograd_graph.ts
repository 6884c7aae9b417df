// The autograd graph behind a tensor, torchviz style: backward ops as grey boxes, leaf
// parameters (AccumulateGrad) as blue boxes labelled by name and shape, the output in green,
// edges labelled with the shape flowing along them; optionally leaves coloured by |grad|.
import { Rich } from "./bundle.js";
import { css, heat, textOn } from "./colormap.js";
import { fmt, shapeStr } from "./format.js";
import { renderDiagram, type DiagramEdge, type DiagramNode } from "./diagram.js";
import { absStats } from "./stats.js";
import { isModuleLike, namedParameters, toPairs, type GradFnLike, type ModuleLike, type TensorLike } from "./types.js";

export interface GraphOptions {
  /** Names for leaf tensors: a Module (its namedParameters), a Map or a `{ name: tensor }` record. */
  params?: ModuleLike | Map<string, TensorLike> | Record<string, TensorLike>;
  /** Colour leaves by mean |grad| (after backward) on a log scale. */
  colorByGrad?: boolean;
  /** Stop after this many nodes (very deep graphs are unreadable anyway). */
  maxNodes?: number;
  direction?: "TB" | "LR";
}

export interface GraphSummary {
  nodes: DiagramNode[];
  edges: DiagramEdge[];
  /** Op name counts, e.g. { MmBackward: 2 }. */
  ops: Record<string, number>;
  truncated: boolean;
}

function nameMap(params: GraphOptions["params"]): Map<TensorLike, string> {
  const m = new Map<TensorLike, string>();
  if (!params) return m;
  const pairs = isModuleLike(params) ? namedParameters(params) : toPairs<TensorLike>(params);
  for (const [name, t] of pairs) if (!m.has(t)) m.set(t, name);
  return m;
}

/** Walks the GradFn graph from a tensor into plain nodes and edges. */
export function autogradGraph(t: TensorLike, opts: GraphOptions = {}): GraphSummary {
  const names = nameMap(opts.params);
  const maxNodes = opts.maxNodes ?? 400;
  const ids = new Map<object, string>();
  const nodes: DiagramNode[] = [];
  const edges: DiagramEdge[] = [];
  const ops: Record<string, number> = {};
  const leafGrads: { node: DiagramNode; mag: number }[] = [];
  let truncated = false;
  let unnamed = 0;

  const leafNode = (id: string, v: TensorLike | undefined): DiagramNode => {
    const name = v ? names.get(v) : undefined;
    const shape = v ? shapeStr(v.shape) : "";
    const node: DiagramNode = { id, lines: [name ?? (v ? `leaf ${++unnamed}` : "AccumulateGrad"), shape].filter(Boolean), fill: "#d6e6fb", stroke: "#3b6fb6" };
    if (opts.colorByGrad && v?.grad) {
      const { meanAbs, maxAbs } = absStats(v.grad.data);
      node.tooltip = `mean |grad| ${fmt(meanAbs)}, max |grad| ${fmt(maxAbs)}`;
      node.lines.push(`|g| ${fmt(meanAbs, 2)}`);
      leafGrads.push({ node, mag: meanAbs });
    }
    return node;
  };

  const visit = (fn: GradFnLike): string => {
    const seen = ids.get(fn);
    if (seen) return seen;
    const id = `n${ids.size}`;
    ids.set(fn, id);
    if (nodes.length >= maxNodes) {
      truncated = true;
      nodes.push({ id, lines: ["…"], fill: "#fff", stroke: "#aaa" });
      return id;
    }
    ops[fn.name] = (ops[fn.name] ?? 0) + 1;
    const isLeaf = fn.name === "AccumulateGrad" || fn.variable !== undefined;
    if (isLeaf) {
      nodes.push(leafNode(id, fn.variable));
      return id;
    }
    const node: DiagramNode = { id, lines: [fn.name], fill: "#ececec", stroke: "#777" };
    nodes.push(node);
    for (const inp of fn.inputs ?? []) {
      if (!inp) continue;
      const from = visit(inp);
      const shape = inp.variable ? inp.variable.shape : inp.outputShape;
      edges.push({ from, to: id, label: shape ? shapeStr(shape) : undefined });
    }
    return id;
  };

  const outShape = shapeStr(t.shape);
  if (t.gradFn) {
    const top = visit(t.gradFn);
    nodes.push({ id: "output", lines: [names.get(t) ?? "output", outShape], fill: "#d5f0d5", stroke: "#2e8b57" });
    edges.push({ from: top, to: "output", label: outShape });
  } else if (t.requiresGrad) {
    nodes.push(leafNode("output", t));
  } else {
    throw new Error(`graph: tensor${outShape} has no gradFn — it was not computed from tensors with requiresGrad (or ran under noGrad)`);
  }

  if (leafGrads.length) {
    const logs = leafGrads.map((l) => Math.log10(Math.max(l.mag, 1e-30)));
    const lo = Math.min(...logs), hi = Math.max(...logs);
    leafGrads.forEach((l, i) => {
      const rgb = heat(hi > lo ? (logs[i]! - lo) / (hi - lo) : 0.5);
      l.node.fill = css(rgb);
      l.node.textColor = textOn(rgb);
    });
  }
  return { nodes, edges, ops, truncated };
}

/** Indented text form of the graph (for text-only frontends). */
export function autogradText(t: TensorLike, opts: GraphOptions = {}): string {
  const names = nameMap(opts.params);
  const lines: string[] = [`${names.get(t) ?? "output"} ${shapeStr(t.shape)}`];
  const seen = new Set<GradFnLike>();
  const walk = (fn: GradFnLike, depth: number) => {
    if (lines.length > 200) return;
    const pad = "  ".repeat(depth) + "└ ";
    if (fn.variable) {
      lines.push(`${pad}${names.get(fn.variable) ?? "AccumulateGrad"} ${shapeStr(fn.variable.shape)}`);
      return;
    }
    const again = seen.has(fn);
    lines.push(`${pad}${fn.name}${fn.outputShape ? " " + shapeStr(fn.outputShape) : ""}${again ? " (see above)" : ""}`);
    if (again) return;
    seen.add(fn);
    for (const inp of fn.inputs ?? []) if (inp) walk(inp, depth + 1);
  };
  if (t.gradFn) walk(t.gradFn, 1);
  return lines.join("\n");
}

/** The autograd graph of `t` as an SVG diagram (+ text). */
export function graph(t: TensorLike, opts: GraphOptions = {}): Rich {
  const g = autogradGraph(t, opts);
  const svg = renderDiagram({ nodes: g.nodes, edges: g.edges, direction: opts.direction ?? "TB" });
  const text = autogradText(t, opts) + (g.truncated ? `\n… (graph truncated at ${opts.maxNodes ?? 400} nodes)` : "");
  return new Rich({ "image/svg+xml": svg, "text/plain": text });
}
