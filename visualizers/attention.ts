// Attention weights as heatmaps: queries down, keys across, one panel per head.
import { Rich, VEGALITE_MIME } from "./bundle.js";
import { shapeStr } from "./format.js";
import { heatmap } from "./plot.js";
import { hstack } from "./svg.js";
import { isTensorLike, type TensorLike } from "./types.js";
import { VEGALITE_SCHEMA } from "./vega.js";

export interface AttentionOptions {
  /** Token strings for the query rows / key columns (defaults: positions). */
  queries?: readonly string[];
  keys?: readonly string[];
  /** Which batch element of a [B, H, Lq, Lk] tensor (default 0). */
  batch?: number;
  title?: string;
  /** Write the weights in the cells (small sequences). */
  annotate?: boolean;
}

/** Accepts [Lq, Lk], [H, Lq, Lk] or [B, H, Lq, Lk] attention weights. */
export function attention(weights: TensorLike, opts: AttentionOptions = {}): Rich {
  if (!isTensorLike(weights)) throw new Error("attention: expected a tensor of attention weights");
  const s = weights.shape;
  let heads: number, lq: number, lk: number, offset = 0;
  if (s.length === 2) [heads, lq, lk] = [1, s[0]!, s[1]!];
  else if (s.length === 3) [heads, lq, lk] = s as [number, number, number];
  else if (s.length === 4) {
    [, heads, lq, lk] = s as [number, number, number, number];
    const b = opts.batch ?? 0;
    if (b < 0 || b >= s[0]!) throw new Error(`attention: batch ${b} out of range for shape ${shapeStr(s)}`);
    offset = b * heads * lq * lk;
  } else throw new Error(`attention: expected [Lq, Lk], [H, Lq, Lk] or [B, H, Lq, Lk] weights, got ${shapeStr(s)}`);
  if (opts.queries && opts.queries.length !== lq) throw new Error(`attention: ${opts.queries.length} query labels for ${lq} queries`);
  if (opts.keys && opts.keys.length !== lk) throw new Error(`attention: ${opts.keys.length} key labels for ${lk} keys`);
  const panels = [];
  for (let h = 0; h < heads; h++) {
    const m: number[][] = [];
    for (let i = 0; i < lq; i++) m.push(Array.from({ length: lk }, (_, j) => Number(weights.data[offset + (h * lq + i) * lk + j])));
    panels.push(heatmap(m, {
      rowLabels: opts.queries ?? m.map((_, i) => String(i)), colLabels: opts.keys ?? Array.from({ length: lk }, (_, j) => String(j)),
      title: heads > 1 ? `head ${h}` : opts.title ?? "attention", annotate: opts.annotate, vmin: 0, vmax: 1, xTitle: "key", yTitle: "query",
      cell: Math.max(8, Math.min(32, Math.floor(280 / Math.max(lq, lk)))),
    }));
  }
  if (panels.length === 1) return panels[0]!;
  const svg = hstack(panels.map((p) => p.bundle["image/svg+xml"] as string), 12, opts.title);
  const spec = { $schema: VEGALITE_SCHEMA, ...(opts.title ? { title: opts.title } : {}), hconcat: panels.map((p) => { const { $schema: _, ...rest } = p.bundle[VEGALITE_MIME] as Record<string, unknown>; return rest; }) };
  return new Rich({ [VEGALITE_MIME]: spec, "image/svg+xml": svg, "text/plain": `${opts.title ? opts.title + ": " : ""}attention weights ${shapeStr(s)}: ${heads} head(s), ${lq} queries × ${lk} keys` });
}
