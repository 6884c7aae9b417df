// Gradient flow: mean and max |grad| per parameter in network order, on a log scale — the
// classic check for vanishing (tiny bars at the input end) or exploding gradients.
import { Figure } from "./bundle.js";
import { fmt } from "./format.js";
import { absStats } from "./stats.js";
import { isModuleLike, namedParameters, toPairs, type ModuleLike, type TensorLike } from "./types.js";
import { VEGALITE_SCHEMA } from "./vega.js";

export type NamedTensors = ModuleLike | Map<string, TensorLike> | Record<string, TensorLike> | readonly [string, TensorLike][];

export function namedTensors(x: NamedTensors): [string, TensorLike][] {
  return isModuleLike(x) ? namedParameters(x) : toPairs<TensorLike>(x);
}

export interface GradFlowRow {
  name: string;
  meanAbs: number;
  maxAbs: number;
}

/** Per-parameter gradient statistics (parameters without a gradient are skipped). */
export function gradientFlowData(params: NamedTensors, { includeBiases = true } = {}): { rows: GradFlowRow[]; missing: string[] } {
  const rows: GradFlowRow[] = [];
  const missing: string[] = [];
  for (const [name, p] of namedTensors(params)) {
    if (!includeBiases && /(^|\.)bias$/.test(name)) continue;
    const g = p.grad;
    if (!g) {
      if (p.requiresGrad !== false) missing.push(name);
      continue;
    }
    rows.push({ name, ...absStats(g.data) });
  }
  return { rows, missing };
}

/** Bar chart of mean (dark) and max (light) |grad| per parameter, log scale. Call after backward(). */
export function gradientFlow(params: NamedTensors, opts: { includeBiases?: boolean; title?: string } = {}): Figure {
  const { rows, missing } = gradientFlowData(params, opts);
  if (rows.length === 0) {
    throw new Error(`gradientFlow: no parameter has a gradient${missing.length ? ` (${missing.length} without .grad — call loss.backward() first)` : ""}`);
  }
  const floor = 1e-12; // log scale cannot show 0: zero gradients sit at the floor
  const values = rows.flatMap((r) => [
    { param: r.name, stat: "max |grad|", value: Math.max(r.maxAbs, floor), raw: r.maxAbs },
    { param: r.name, stat: "mean |grad|", value: Math.max(r.meanAbs, floor), raw: r.meanAbs },
  ]);
  const spec = {
    $schema: VEGALITE_SCHEMA,
    title: opts.title ?? "gradient flow",
    width: Math.max(240, Math.min(900, rows.length * 28)), height: 220,
    data: { values },
    mark: { type: "bar", tooltip: { content: "data" } },
    encoding: {
      x: { field: "param", type: "nominal", sort: null, title: null, axis: { labelAngle: -45 } },
      y: { field: "value", type: "quantitative", scale: { type: "log" }, title: "|grad|", stack: null },
      color: { field: "stat", type: "nominal", title: null, scale: { domain: ["max |grad|", "mean |grad|"], range: ["#9ecae9", "#1f5a96"] } },
      order: { field: "stat", sort: "ascending" },
    },
  };
  const w = Math.max(...rows.map((r) => r.name.length));
  const text = ["parameter".padEnd(w) + "  mean |grad|   max |grad|"]
    .concat(rows.map((r) => `${r.name.padEnd(w)}  ${fmt(r.meanAbs).padStart(11)}  ${fmt(r.maxAbs).padStart(11)}`))
    .concat(missing.length ? [`(no grad: ${missing.join(", ")})`] : [])
    .join("\n");
  return new Figure(spec, text);
}
