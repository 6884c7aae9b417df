// Confusion matrix: true class down, predicted class across, counts in the cells, with
// per-class recall and overall accuracy in the text.
import { Rich, VEGALITE_MIME } from "./bundle.js";
import { blues } from "./colormap.js";
import { fmt, shapeStr } from "./format.js";
import { heatmap } from "./plot.js";
import { heatmapSvg } from "./svg.js";
import { isTensorLike, type TensorLike } from "./types.js";

export interface ConfusionOptions {
  /** Class names (also fixes the class count). */
  classes?: readonly string[];
  numClasses?: number;
  /** Show row-normalised rates (recall) instead of counts. */
  normalize?: boolean;
  title?: string;
}

function classIndices(x: TensorLike | ArrayLike<number>, what: string): number[] {
  if (isTensorLike(x) && x.shape.length === 2) {
    // logits/probabilities [N, C] → argmax per row
    const [n, c] = x.shape as [number, number];
    return Array.from({ length: n }, (_, i) => {
      let best = 0;
      for (let j = 1; j < c; j++) if (x.data[i * c + j]! > x.data[i * c + best]!) best = j;
      return best;
    });
  }
  const v = Array.from(isTensorLike(x) ? x.data : x, Number);
  if (v.some((c) => !Number.isInteger(c) || c < 0)) throw new Error(`confusionMatrix: ${what} must be class indices (non-negative integers) or [N, C] scores`);
  return v;
}

export function confusionCounts(pred: TensorLike | ArrayLike<number>, target: TensorLike | ArrayLike<number>, numClasses?: number): { k: number; counts: number[] } {
  const p = classIndices(pred, "predictions"), t = classIndices(target, "targets");
  if (p.length !== t.length) {
    const ps = isTensorLike(pred) ? shapeStr(pred.shape) : `${p.length}`, ts = isTensorLike(target) ? shapeStr(target.shape) : `${t.length}`;
    throw new Error(`confusionMatrix: predictions ${ps} and targets ${ts} hold different numbers of samples (${p.length} != ${t.length})`);
  }
  const k = numClasses ?? Math.max(...p, ...t) + 1;
  const counts = new Array<number>(k * k).fill(0);
  for (let i = 0; i < p.length; i++) {
    if (p[i]! >= k || t[i]! >= k) throw new Error(`confusionMatrix: class ${Math.max(p[i]!, t[i]!)} out of range for ${k} classes`);
    counts[t[i]! * k + p[i]!]!++;
  }
  return { k, counts };
}

/** Heatmap (counts or recall rates) with a recall column and the accuracy under it; text with the same. */
export function confusionMatrix(pred: TensorLike | ArrayLike<number>, target: TensorLike | ArrayLike<number>, opts: ConfusionOptions = {}): Rich {
  const { k, counts } = confusionCounts(pred, target, opts.classes?.length ?? opts.numClasses);
  const names = opts.classes ?? Array.from({ length: k }, (_, i) => String(i));
  const rowSum = names.map((_, i) => counts.slice(i * k, (i + 1) * k).reduce((a, b) => a + b, 0));
  const total = rowSum.reduce((a, b) => a + b, 0);
  const correct = names.reduce((s, _, i) => s + counts[i * k + i]!, 0);
  const recall = names.map((_, i) => (rowSum[i] ? counts[i * k + i]! / rowSum[i]! : NaN));
  const recallText = recall.map((r) => (Number.isNaN(r) ? "–" : r.toFixed(2)));
  const accuracy = `accuracy ${fmt((100 * correct) / Math.max(1, total), 3)}% (${correct}/${total})`;
  const title = opts.title ?? "confusion matrix";
  const shown = opts.normalize ? counts.map((c, idx) => (rowSum[Math.floor(idx / k)] ? c / rowSum[Math.floor(idx / k)]! : 0)) : counts;
  const rows: number[][] = names.map((_, i) => shown.slice(i * k, (i + 1) * k));
  const format = opts.normalize ? (v: number) => v.toFixed(2) : (v: number) => String(v);
  const axes = { rowLabels: names, colLabels: names, annotate: true, title, xTitle: "predicted", yTitle: "true", vmin: 0, format };
  const base = heatmap(rows, axes);
  const svg = heatmapSvg(shown, k, k, { ...axes, cmap: blues, rowNotes: { title: "recall", values: recallText }, footer: accuracy });
  const grid = base.bundle[VEGALITE_MIME] as { $schema: string; title?: unknown; height: number; layer: { encoding: { color?: { scale: Record<string, unknown> } } }[] };
  grid.layer[0]!.encoding.color!.scale = { scheme: "blues" };
  const { $schema, title: _, ...gridSpec } = grid;
  const y = { field: "row", type: "ordinal", sort: null, axis: null };
  const spec = {
    $schema, title: { text: title, subtitle: accuracy },
    hconcat: [gridSpec, {
      width: 70, height: grid.height,
      data: { values: names.map((row, i) => ({ row, recall: Number.isNaN(recall[i]!) ? null : recall[i] })) },
      layer: [
        { mark: { type: "bar", color: "#6baed6" }, encoding: { y, x: { field: "recall", type: "quantitative", scale: { domain: [0, 1] }, title: "recall", axis: { tickCount: 2 } } } },
        { mark: { type: "text", align: "left", dx: 3, fontSize: 10 }, encoding: { y, x: { field: "recall", type: "quantitative" }, text: { field: "recall", type: "quantitative", format: ".2f" } } },
      ],
    }],
  };
  const w = Math.max(5, ...names.map((n) => n.length));
  const text = [
    `${title} — ${accuracy}`,
    `${"true\\pred".padEnd(w)} ${names.map((n) => n.padStart(w)).join(" ")}  recall`,
    ...names.map((n, i) => `${n.padEnd(w)} ${rows[i]!.map((v) => format(v).padStart(w)).join(" ")}  ${recallText[i]}`),
  ].join("\n");
  return new Rich({ [VEGALITE_MIME]: spec, "image/svg+xml": svg, "text/plain": text });
}
