// Architecture diagram of a Module. With a sample input: the data flow between leaf modules
// (boxes) and the plain ops between them (functional calls, reshapes, residual adds: small
// rounded boxes), with the shape each consumer received on the edges, containers drawn as
// dashed clusters. Without one: the structure alone — containers as clusters, a Sequential's
// children joined in order, other children stacked in registration order without arrows.
import { Rich } from "./bundle.js";
import { fmtInt, shapeStr } from "./format.js";
import { renderDiagram, type Diagram, type DiagramCluster, type DiagramEdge, type DiagramNode } from "./diagram.js";
import { dataFlow, type FlowEnd } from "./data_flow.js";
import { moduleTree, traceModule, type ModuleInfo } from "./module_trace.js";
import { summaryData, summaryText } from "./module_summary.js";
import type { ModuleLike } from "./types.js";

export interface ArchitectureOptions {
  direction?: "TB" | "LR";
  title?: string;
}

/** A structure diagram with more boxes than this shows deeper containers as one box each. */
const MAX_STRUCTURE_BOXES = 40;

const OP_STYLE = { fill: "#f4f4f4", stroke: "#999", rounded: true } as const;

function moduleLines(m: ModuleInfo, collapsed = 0): string[] {
  const lines = [m.name === "" ? m.type : m.name.split(".").pop()!];
  if (m.name !== "") lines.push(m.type);
  const params = collapsed ? m.totalParams : m.ownParams;
  if (collapsed) lines.push(`${collapsed} modules`);
  if (params) lines.push(`${fmtInt(params)} params`);
  return lines;
}

function parentName(name: string): string {
  const i = name.lastIndexOf(".");
  return i < 0 ? "" : name.slice(0, i);
}

function commonScope(names: readonly string[]): string {
  if (names.length === 0) return "";
  let parts = names[0]!.split(".");
  for (const n of names.slice(1)) {
    const q = n.split(".");
    let i = 0;
    while (i < parts.length && i < q.length && parts[i] === q[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.join(".");
}

/** Clusters for containers, created on first use, outermost first. */
function clusterMaker(byName: Map<string, ModuleInfo>, clusters: DiagramCluster[]) {
  const used = new Set<string>();
  const clusterOf = (scope: string): string | undefined => {
    if (scope === "" || !byName.has(scope)) return undefined;
    if (!used.has(scope)) {
      used.add(scope);
      const parent = clusterOf(parentName(scope));
      clusters.push({ id: `c:${scope}`, label: `${scope} (${byName.get(scope)!.type})`, parent });
    }
    return `c:${scope}`;
  };
  return clusterOf;
}

/** The module structure, known without running anything. */
export function structureDiagram(model: ModuleLike, opts: ArchitectureOptions = {}): Diagram {
  const tree = moduleTree(model);
  const byName = new Map(tree.map((m) => [m.name, m]));
  const kids = new Map<string, ModuleInfo[]>();
  for (const m of tree) if (m.name !== "") kids.set(parentName(m.name), [...(kids.get(parentName(m.name)) ?? []), m]);
  // the deepest level at which the boxes still fit; containers at that level become one box
  const maxDepth = Math.max(0, ...tree.map((m) => m.depth));
  let depth = maxDepth;
  while (depth > 1 && tree.filter((m) => m.depth <= depth && (m.isLeaf || m.depth === depth)).length > MAX_STRUCTURE_BOXES) depth--;
  const nodes: DiagramNode[] = [];
  const edges: DiagramEdge[] = [];
  const clusters: DiagramCluster[] = [];
  const clusterOf = clusterMaker(byName, clusters);
  const descendants = (name: string) => tree.filter((m) => m.name.startsWith(name + ".")).length;
  // entry and exit boxes of a subtree, so a container can be joined to its neighbours
  const place = (m: ModuleInfo): { first: string; last: string } | null => {
    const children = kids.get(m.name) ?? [];
    if (m.name !== "" && (children.length === 0 || m.depth >= depth)) {
      const id = `m:${m.name}`;
      nodes.push({ id, lines: moduleLines(m, children.length ? descendants(m.name) : 0), parent: clusterOf(parentName(m.name)) });
      return { first: id, last: id };
    }
    if (m.name === "" && children.length === 0) {
      nodes.push({ id: "m:", lines: moduleLines(m) });
      return { first: "m:", last: "m:" };
    }
    const placed = children.map(place).filter((p) => p !== null);
    const flows = m.type === "Sequential";
    for (let i = 1; i < placed.length; i++) edges.push({ from: placed[i - 1]!.last, to: placed[i]!.first, hidden: !flows });
    return placed.length ? { first: placed[0]!.first, last: placed[placed.length - 1]!.last } : null;
  };
  place(tree[0]!);
  return { nodes, edges, clusters, direction: opts.direction ?? "TB", title: opts.title };
}

/** Nodes/edges/clusters of the data-flow diagram (exposed for tests and custom rendering). */
export function architectureDiagram(model: ModuleLike, inputs: unknown[], opts: ArchitectureOptions = {}): Diagram {
  if (inputs.length === 0) return structureDiagram(model, opts);
  const nodes: DiagramNode[] = [];
  const edges: DiagramEdge[] = [];
  const clusters: DiagramCluster[] = [];
  const trace = traceModule(model, inputs);
  const byName = new Map(trace.modules.map((m) => [m.name, m]));
  const { leafCalls, ops, edges: flow } = dataFlow(trace, (c) => byName.get(c.name)?.isLeaf ?? false);
  const clusterOf = clusterMaker(byName, clusters);
  const idOf = (e: FlowEnd): string => (typeof e === "string" ? e : "call" in e ? `m:${leafCalls[e.call]!.name}` : `op:${e.op}`);
  for (const c of leafCalls) {
    const id = `m:${c.name}`;
    if (!nodes.some((n) => n.id === id)) nodes.push({ id, lines: moduleLines(byName.get(c.name)!), parent: clusterOf(parentName(c.name)) });
  }
  // an op sits in the innermost container holding the modules around it
  const near = ops.map(() => new Set<string>());
  for (const e of flow) {
    if (typeof e.to !== "string" && "op" in e.to && typeof e.from !== "string" && "call" in e.from) near[e.to.op]!.add(parentName(leafCalls[e.from.call]!.name));
    if (typeof e.from !== "string" && "op" in e.from && typeof e.to !== "string" && "call" in e.to) near[e.from.op]!.add(parentName(leafCalls[e.to.call]!.name));
  }
  ops.forEach((o, i) => nodes.push({ id: `op:${i}`, lines: [o.name], ...OP_STYLE, parent: clusterOf(commonScope([...near[i]!])) }));
  nodes.push({ id: "input", lines: ["input", ...trace.inputs.map((t) => shapeStr(t.shape))], fill: "#fff4d6", stroke: "#b8860b" });
  nodes.push({ id: "output", lines: ["output", ...trace.outputs.map((t) => shapeStr(t.shape))], fill: "#d5f0d5", stroke: "#2e8b57" });
  const seen = new Set<string>();
  for (const e of flow) {
    const from = idOf(e.from), to = idOf(e.to);
    const label = e.shape ? shapeStr(e.shape) : undefined;
    const key = `${from}|${to}|${label}`;
    if (seen.has(key)) continue;
    seen.add(key);
    edges.push({ from, to, label });
  }
  return { nodes, edges, clusters, direction: opts.direction ?? "TB", title: opts.title };
}

/** SVG diagram of a Module's architecture (+ the summary table as text). */
export function architecture(model: ModuleLike, ...inputs: unknown[]): Rich {
  const d = architectureDiagram(model, inputs);
  return new Rich({ "image/svg+xml": renderDiagram(d), "text/plain": summaryText(summaryData(model, ...inputs)) });
}
