// Box-and-arrow diagrams laid out by dagre and drawn as SVG: the shared renderer for the
// autograd graph and the module architecture. Callers describe nodes/edges/clusters as
// plain data; this file knows nothing about tensors.
import dagre from "@dagrejs/dagre";
import { escapeXml } from "./format.js";
import { FONT, MONO, r, svgDoc } from "./svg.js";

export interface DiagramNode {
  id: string;
  /** First line is drawn bold; the rest are details (shapes, parameter counts). */
  lines: string[];
  fill?: string;
  stroke?: string;
  textColor?: string;
  /** Extra hover text. */
  tooltip?: string;
  /** Enclosing cluster id. */
  parent?: string;
  rounded?: boolean;
}

export interface DiagramEdge {
  from: string;
  to: string;
  label?: string;
  /** Orders the layout (to below from) without drawing an arrow. */
  hidden?: boolean;
}

export interface DiagramCluster {
  id: string;
  label: string;
  parent?: string;
}

export interface Diagram {
  nodes: DiagramNode[];
  edges: DiagramEdge[];
  clusters?: DiagramCluster[];
  direction?: "TB" | "LR" | "BT";
  title?: string;
}

const CHAR_W = 7.2; // DejaVu Sans Mono at 12 px
const LINE_H = 15;

function nodeSize(n: DiagramNode) {
  const w = Math.max(40, ...n.lines.map((l) => l.length * CHAR_W)) + 16;
  return { width: w, height: n.lines.length * LINE_H + 10 };
}

export function renderDiagram(d: Diagram): string {
  const g = new dagre.graphlib.Graph({ compound: true, multigraph: true });
  g.setGraph({ rankdir: d.direction ?? "TB", nodesep: 24, ranksep: 34, edgesep: 12, marginx: 12, marginy: d.title ? 30 : 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const c of d.clusters ?? []) g.setNode(c.id, { label: c.label, width: 0, height: 0, paddingTop: 22 } as never);
  for (const n of d.nodes) g.setNode(n.id, nodeSize(n));
  for (const c of d.clusters ?? []) if (c.parent) g.setParent(c.id, c.parent);
  for (const n of d.nodes) if (n.parent) g.setParent(n.id, n.parent);
  d.edges.forEach((e, i) => {
    if (!g.hasNode(e.from) || !g.hasNode(e.to)) throw new Error(`renderDiagram: edge ${e.from} -> ${e.to} names an unknown node`);
    const label = e.label ?? "";
    // labels sit beside their edge (not on it) so the line never runs through the text
    g.setEdge(e.from, e.to, { width: label.length * 6.2, height: label ? 12 : 0, labelpos: "r", labeloffset: 4 }, `e${i}`);
  });
  dagre.layout(g);
  const gl = g.graph() as { width?: number; height?: number };
  const W = Math.max(80, gl.width ?? 0), H = Math.max(40, gl.height ?? 0);
  let body = `<rect width="${r(W)}" height="${r(H)}" fill="white"/>`;
  body += `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#555"/></marker></defs>`;
  if (d.title) body += `<text x="12" y="18" font-size="13" font-weight="bold" ${FONT}>${escapeXml(d.title)}</text>`;
  // clusters first (behind), outermost first
  const depth = (id: string): number => {
    const p = g.parent(id) as string | undefined;
    return p ? 1 + depth(p) : 0;
  };
  const clusters = [...(d.clusters ?? [])].sort((a, b) => depth(a.id) - depth(b.id));
  for (const c of clusters) {
    const n = g.node(c.id) as { x: number; y: number; width: number; height: number };
    if (!n || !Number.isFinite(n.x)) continue;
    const x = n.x - n.width / 2, y = n.y - n.height / 2;
    body += `<g class="cluster"><title>${escapeXml(c.label)}</title><rect x="${r(x)}" y="${r(y)}" width="${r(n.width)}" height="${r(n.height)}" rx="6" fill="#f6f8fb" fill-opacity="0.6" stroke="#9aa8bd" stroke-dasharray="4,3"/>`;
    body += `<text x="${r(x + 6)}" y="${r(y + 13)}" font-size="11" ${MONO} fill="#556">${escapeXml(fitLabel(c.label, n.width - 10))}</text></g>`;
  }
  for (const e of g.edges()) {
    const lab = g.edge(e) as { points: { x: number; y: number }[]; x?: number; y?: number };
    const src = d.edges[Number(e.name!.slice(1))]!;
    const pts = lab.points ?? [];
    if (pts.length < 2 || src.hidden) continue;
    const path = pts.map((p, i) => `${i ? "L" : "M"}${r(p.x)},${r(p.y)}`).join("");
    body += `<path d="${path}" fill="none" stroke="#555" stroke-width="1.2" marker-end="url(#arrow)"/>`;
    if (src.label && lab.x !== undefined && lab.y !== undefined) {
      body += `<text x="${r(lab.x)}" y="${r(lab.y + 4)}" font-size="10" ${MONO} fill="#225" text-anchor="middle" stroke="white" stroke-width="3" paint-order="stroke">${escapeXml(src.label)}</text>`;
    }
  }
  for (const n of d.nodes) {
    const p = g.node(n.id) as { x: number; y: number; width: number; height: number };
    const x = p.x - p.width / 2, y = p.y - p.height / 2;
    body += `<g class="node">`;
    if (n.tooltip) body += `<title>${escapeXml(n.tooltip)}</title>`;
    body += `<rect x="${r(x)}" y="${r(y)}" width="${r(p.width)}" height="${r(p.height)}" rx="${n.rounded === false ? 1 : 5}" fill="${n.fill ?? "#e8eef7"}" stroke="${n.stroke ?? "#4c6a92"}"/>`;
    n.lines.forEach((line, i) => {
      const bold = i === 0 ? ` font-weight="bold"` : "";
      body += `<text x="${r(p.x)}" y="${r(y + 16 + i * LINE_H)}" font-size="${i === 0 ? 12 : 11}"${bold} ${MONO} text-anchor="middle" fill="${n.textColor ?? "#111"}">${escapeXml(line)}</text>`;
    });
    body += `</g>`;
  }
  return svgDoc(W, H, body, d.title ?? "diagram");
}

/** Cluster labels must fit the box dagre made for the children: drop the "(Type)" part, then truncate. */
function fitLabel(label: string, width: number): string {
  const max = Math.max(3, Math.floor(width / 6.6));
  if (label.length <= max) return label;
  const short = label.replace(/ \(.*\)$/, "");
  return short.length <= max ? short : short.slice(0, max - 1) + "…";
}
