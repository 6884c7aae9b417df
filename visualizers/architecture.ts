// Architecture diagram of a Module: with a sample input, the data flow between leaf modules
// (boxes) with the tensor shapes on the edges, containers drawn as dashed clusters; without
// one, the module tree.
import { Rich } from "./bundle.js";
import { fmtInt, shapeStr } from "./format.js";
import { renderDiagram, type DiagramCluster, type DiagramEdge, type DiagramNode } from "./diagram.js";
import { dataFlow, moduleTree, traceModule, type ModuleInfo } from "./module_trace.js";
import { summaryData, summaryText } from "./module_summary.js";
import type { ModuleLike } from "./types.js";

export interface ArchitectureOptions {
  direction?: "TB" | "LR";
  title?: string;
}

function moduleLines(m: ModuleInfo): string[] {
  const lines = [m.name === "" ? m.type : m.name.split(".").pop()!];
  if (m.name !== "") lines.push(m.type);
  if (m.ownParams) lines.push(`${fmtInt(m.ownParams)} params`);
  return lines;
}

function parentName(name: string): string {
  const i = name.lastIndexOf(".");
  return i < 0 ? "" : name.slice(0, i);
}

/** Nodes/edges/clusters of the data-flow diagram (exposed for tests and custom rendering). */
export function architectureDiagram(model: ModuleLike, inputs: unknown[], opts: ArchitectureOptions = {}) {
  const nodes: DiagramNode[] = [];
  const edges: DiagramEdge[] = [];
  const clusters: DiagramCluster[] = [];
  if (inputs.length === 0) {
    const tree = moduleTree(model);
    for (const m of tree) {
      nodes.push({ id: `m:${m.name}`, lines: moduleLines(m), fill: m.isLeaf ? "#e8eef7" : "#f3f3f3" });
      if (m.name !== "") edges.push({ from: `m:${parentName(m.name)}`, to: `m:${m.name}` });
    }
    return { nodes, edges, clusters, direction: opts.direction ?? "TB", title: opts.title };
  }
  const trace = traceModule(model, inputs);
  const byName = new Map(trace.modules.map((m) => [m.name, m]));
  const { leafCalls, edges: flow } = dataFlow(trace, (c) => byName.get(c.name)?.isLeaf ?? false);
  const used = new Set<string>();
  const clusterFor = (name: string): string | undefined => {
    const p = parentName(name);
    if (name === "" || p === "") return undefined;
    if (!used.has(p)) {
      used.add(p);
      const info = byName.get(p)!;
      clusters.push({ id: `c:${p}`, label: `${p} (${info.type})`, parent: clusterFor(p) });
    }
    return `c:${p}`;
  };
  const nodeOf = new Map<number, string>();
  leafCalls.forEach((c, k) => {
    const id = `m:${c.name}`;
    nodeOf.set(k, id);
    if (!nodes.some((n) => n.id === id)) nodes.push({ id, lines: moduleLines(byName.get(c.name)!), parent: clusterFor(c.name) });
  });
  nodes.push({ id: "input", lines: ["input", ...trace.inputs.map((t) => shapeStr(t.shape))], fill: "#fff4d6", stroke: "#b8860b" });
  nodes.push({ id: "output", lines: ["output", ...trace.outputs.map((t) => shapeStr(t.shape))], fill: "#d5f0d5", stroke: "#2e8b57" });
  const seen = new Set<string>();
  for (const e of flow) {
    const from = e.from === "input" ? "input" : nodeOf.get(e.from)!;
    const to = e.to === "output" ? "output" : nodeOf.get(e.to)!;
    const label = shapeStr(e.tensor.shape);
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
