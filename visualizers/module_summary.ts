// torchinfo / Keras-style summary of a Module: one row per (sub)module in tree order with
// the output shape seen when a sample input ran through it, its parameter count and
// whether those parameters train, then totals.
import { Rich } from "./bundle.js";
import { escapeXml, fmtInt, shapeStr } from "./format.js";
import { moduleTree, traceModule, type ModuleInfo, type Trace } from "./module_trace.js";
import { namedParameters, type ModuleLike, type TensorLike } from "./types.js";

export interface SummaryRow {
  name: string;
  type: string;
  depth: number;
  /** e.g. "[64, 128]"; "--" when the module did not run. */
  outputShape: string;
  params: number;
  trainable: "yes" | "no" | "partial" | "--";
  calls: number;
}

export interface SummaryData {
  rows: SummaryRow[];
  totalParams: number;
  trainableParams: number;
  /** Bytes of parameter storage. */
  paramBytes: number;
  inputShapes: string[];
  outputShapes: string[];
}

const BYTES: Record<string, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

function shapesOf(ts: readonly TensorLike[]): string {
  return ts.length ? ts.map((t) => shapeStr(t.shape)).join(", ") : "--";
}

export function summaryData(model: ModuleLike, ...inputs: unknown[]): SummaryData {
  const trace: Trace | null = inputs.length ? traceModule(model, inputs) : null;
  const infos: ModuleInfo[] = trace ? trace.modules : moduleTree(model);
  const rows = infos.map((m): SummaryRow => {
    const first = m.calls[0];
    return {
      name: m.name, type: m.type, depth: m.depth,
      outputShape: first ? shapesOf(first.outputs) : "--",
      params: m.ownParams,
      trainable: m.ownParams === 0 ? "--" : m.ownTrainable === m.ownParams ? "yes" : m.ownTrainable === 0 ? "no" : "partial",
      calls: m.calls.length,
    };
  });
  let total = 0, trainable = 0, bytes = 0;
  for (const [, p] of namedParameters(model)) {
    const n = p.shape.reduce((a, b) => a * b, 1);
    total += n;
    if (p.requiresGrad !== false) trainable += n;
    bytes += n * (BYTES[p.dtype ?? "float32"] ?? 4);
  }
  return {
    rows, totalParams: total, trainableParams: trainable, paramBytes: bytes,
    inputShapes: trace ? trace.inputs.map((t) => shapeStr(t.shape)) : [],
    outputShapes: trace ? trace.outputs.map((t) => shapeStr(t.shape)) : [],
  };
}

function label(r: SummaryRow): string {
  return r.name === "" ? r.type : `${r.name.split(".").pop()} (${r.type})`;
}

function fmtBytes(b: number): string {
  return b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(2)} MB` : `${(b / 1024).toFixed(2)} KB`;
}

/** Without a sample input nothing ran: the output-shape column would only say "--". */
function ran(d: SummaryData): boolean {
  return d.inputShapes.length > 0;
}

export function summaryText(d: SummaryData): string {
  const shapes = ran(d);
  const head = ["Layer (type)", ...(shapes ? ["Output Shape"] : []), "Param #", "Trainable"];
  const body = d.rows.map((r) => [
    "  ".repeat(r.depth) + label(r),
    ...(shapes ? [r.outputShape + (r.calls > 1 ? ` ×${r.calls}` : "")] : []),
    r.params ? fmtInt(r.params) : "--",
    r.trainable,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= head.length - 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("   ");
  const rule = "=".repeat(widths.reduce((a, b) => a + b + 3, -3));
  return [
    rule, line(head), rule, ...body.map(line), rule,
    `Total params: ${fmtInt(d.totalParams)}`,
    `Trainable params: ${fmtInt(d.trainableParams)}`,
    `Non-trainable params: ${fmtInt(d.totalParams - d.trainableParams)}`,
    `Params size: ${fmtBytes(d.paramBytes)}`,
    ...(d.inputShapes.length ? [`Input: ${d.inputShapes.join(", ")}  →  Output: ${d.outputShapes.join(", ")}`] : []),
    rule,
  ].join("\n");
}

export function summaryHtml(d: SummaryData): string {
  const th = "padding:3px 10px;border-bottom:2px solid #444;text-align:left";
  const td = "padding:2px 10px;border-bottom:1px solid #ddd";
  const shapes = ran(d);
  const rows = d.rows.map((r) => {
    const color = r.outputShape === "--" ? "#999" : "#000";
    return `<tr><td style="${td};padding-left:${10 + 16 * r.depth}px;font-family:monospace">${escapeXml(label(r))}</td>` +
      (shapes ? `<td style="${td};font-family:monospace;color:${color}">${escapeXml(r.outputShape)}${r.calls > 1 ? ` <span style="color:#888">×${r.calls}</span>` : ""}</td>` : "") +
      `<td style="${td};text-align:right;font-family:monospace">${r.params ? fmtInt(r.params) : "--"}</td>` +
      `<td style="${td};text-align:center">${r.trainable}</td></tr>`;
  });
  const foot = [
    ["Total params", fmtInt(d.totalParams)],
    ["Trainable params", fmtInt(d.trainableParams)],
    ["Non-trainable params", fmtInt(d.totalParams - d.trainableParams)],
    ["Params size", fmtBytes(d.paramBytes)],
    ...(d.inputShapes.length ? [["Input → output", `${d.inputShapes.join(", ")} → ${d.outputShapes.join(", ")}`]] : []),
  ].map(([k, v]) => `<tr><td colspan="${shapes ? 2 : 1}" style="padding:1px 10px">${k}</td><td colspan="2" style="padding:1px 10px;text-align:right;font-family:monospace">${escapeXml(v!)}</td></tr>`);
  return (
    `<table class="gradlab-summary" style="border-collapse:collapse;font:12px DejaVu Sans,Helvetica,Arial,sans-serif">` +
    `<thead><tr><th style="${th}">Layer (type)</th>${shapes ? `<th style="${th}">Output Shape</th>` : ""}<th style="${th};text-align:right">Param #</th><th style="${th}">Trainable</th></tr></thead>` +
    `<tbody>${rows.join("")}</tbody><tfoot>${foot.join("")}</tfoot></table>`
  );
}

/**
 * Summary table of a Module. With sample input(s) it runs one forward pass (in eval mode,
 * hooks removed after) to record output shapes; without, it lists the tree and parameters.
 */
export function summary(model: ModuleLike, ...inputs: unknown[]): Rich {
  const d = summaryData(model, ...inputs);
  return new Rich({ "text/plain": summaryText(d), "text/html": summaryHtml(d) });
}

