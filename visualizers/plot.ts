// A tiny generic plotting API for notebooks (`plot.line`, `plot.scatter`, `plot.hist`,
// `plot.bar`, `plot.heatmap`, `plot.fn`): Vega-Lite specs, rendered to SVG on display.
import { Figure, Rich, VEGALITE_MIME } from "./bundle.js";
import { diverging, viridis } from "./colormap.js";
import { fmt } from "./format.js";
import { histogram } from "./stats.js";
import { annotationFontSize, fittingFormat, heatmapSvg, type HeatmapOptions } from "./svg.js";
import { isTensorLike, type TensorLike } from "./types.js";
import { VEGALITE_SCHEMA, type VegaLiteSpec } from "./vega.js";

export type Values = ArrayLike<number> | TensorLike;

export interface PlotOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  width?: number;
  height?: number;
  logX?: boolean;
  logY?: boolean;
}

export function toNumbers(v: Values, what = "plot"): number[] {
  if (isTensorLike(v)) return Array.from(v.data as ArrayLike<number>, Number);
  if (v && typeof (v as ArrayLike<number>).length === "number") return Array.from(v as ArrayLike<number>, Number);
  throw new Error(`${what}: expected an array of numbers or a tensor, got ${typeof v}`);
}

function base(o: PlotOptions): VegaLiteSpec {
  return { $schema: VEGALITE_SCHEMA, width: o.width ?? 360, height: o.height ?? 220, ...(o.title ? { title: o.title } : {}) };
}

function axis(field: string, title: string | undefined, log: boolean | undefined, zero = true) {
  return { field, type: "quantitative", title: title ?? null, scale: log ? { type: "log" } : { zero } };
}

/** A record whose values are all arrays/tensors (named series), as opposed to an options object. */
function looksLikeSeries(v: unknown): boolean {
  if (v === null || typeof v !== "object") return false;
  const vals = Object.values(v as Record<string, unknown>);
  return vals.length > 0 && vals.every((e) => isTensorLike(e) || (typeof e === "object" && e !== null && typeof (e as ArrayLike<number>).length === "number"));
}

function seriesOf(y: Values | Record<string, Values>, what: string): [string, number[]][] {
  if (isTensorLike(y) || typeof (y as ArrayLike<number>).length === "number") return [["y", toNumbers(y as Values, what)]];
  return Object.entries(y as Record<string, Values>).map(([k, v]) => [k, toNumbers(v, what)]);
}

function textSummary(kind: string, series: [string, number[]][]): string {
  return `${kind}: ` + series.map(([n, ys]) => {
    const f = ys.filter(Number.isFinite);
    return `${n} (${ys.length} points${f.length ? `, ${fmt(Math.min(...f))} … ${fmt(Math.max(...f))}` : ""})`;
  }).join("; ");
}

/**
 * Line plot of y (or several named series) against x: `plot.line(xs, ys)`,
 * `plot.line(xs, { train, val })`, or just `plot.line(losses)` / `plot.line({ train, val })`
 * against the index.
 */
export function line(x: Values | Record<string, Values>, y?: Values | Record<string, Values> | PlotOptions, o: PlotOptions = {}): Figure {
  const isValues = (v: unknown): v is Values => isTensorLike(v) || typeof (v as ArrayLike<number>)?.length === "number";
  const yIsData = y !== undefined && (isValues(y) || looksLikeSeries(y));
  if (!yIsData) {
    // no y: x holds the series, plotted against 0, 1, 2, … (y, if given, is the options)
    const series = seriesOf(x, "plot.line");
    const n = Math.max(0, ...series.map(([, v]) => v.length));
    const padded = Object.fromEntries(series.map(([k, v]) => [k, v.concat(new Array<number>(n - v.length).fill(NaN))]));
    const opts = { xTitle: "step", ...((y as PlotOptions | undefined) ?? o) };
    return line(Array.from({ length: n }, (_, i) => i), series.length === 1 && series[0]![0] === "y" ? padded["y"]! : padded, opts);
  }
  if (!isValues(x)) throw new Error("plot.line: x must be an array of numbers or a tensor when y is given");
  const xs = toNumbers(x, "plot.line");
  const series = seriesOf(y as Values | Record<string, Values>, "plot.line");
  for (const [n, ys] of series) {
    if (ys.length !== xs.length) throw new Error(`plot.line: series "${n}" has ${ys.length} values but x has ${xs.length}`);
  }
  // A log axis cannot show values ≤ 0 (a loss that reaches exactly 0): they become gaps, as
  // NaN does, instead of a domain that includes zero and leaves the chart empty.
  const onAxis = (v: number, log: boolean | undefined): number => (log && v <= 0 ? NaN : v);
  const values = series.flatMap(([name, ys]) => ys.map((v, i) => ({ x: onAxis(xs[i]!, o.logX), y: onAxis(v, o.logY), series: name })));
  const spec = {
    ...base(o), data: { values },
    mark: { type: "line", tooltip: true },
    encoding: {
      x: axis("x", o.xTitle ?? "x", o.logX, false),
      y: axis("y", o.yTitle, o.logY, false),
      ...(series.length > 1 ? { color: { field: "series", type: "nominal", title: null, sort: null } } : {}),
    },
  };
  return new Figure(spec, textSummary("line", series));
}

/** Curves of functions over [lo, hi] — e.g. activation functions: `plot.fn({ relu, tanh }, [-3, 3])`. */
export function fn(fns: Record<string, (x: number) => number>, domain: [number, number] = [-5, 5], o: PlotOptions & { n?: number } = {}): Figure {
  const n = o.n ?? 201;
  const xs = Array.from({ length: n }, (_, i) => domain[0] + ((domain[1] - domain[0]) * i) / (n - 1));
  const ys: Record<string, number[]> = {};
  for (const [k, f] of Object.entries(fns)) ys[k] = xs.map((v) => f(v));
  return line(xs, ys, o);
}

/** Scatter plot; `color` gives per-point class labels or values. */
export function scatter(x: Values, y: Values, o: PlotOptions & { color?: ArrayLike<number | string> | TensorLike; size?: number } = {}): Figure {
  const xs = toNumbers(x, "plot.scatter"), ys = toNumbers(y, "plot.scatter");
  if (xs.length !== ys.length) throw new Error(`plot.scatter: x has ${xs.length} values but y has ${ys.length}`);
  const cs = o.color === undefined ? null : isTensorLike(o.color) ? toNumbers(o.color) : Array.from(o.color as ArrayLike<number | string>);
  const nominal = cs !== null && (typeof cs[0] === "string" || cs.every((c) => Number.isInteger(c)) && new Set(cs).size <= 12);
  const values = xs.map((v, i) => ({ x: v, y: ys[i], ...(cs ? { c: nominal ? String(cs[i]) : cs[i] } : {}) }));
  const spec = {
    ...base(o), data: { values },
    mark: { type: "circle", size: o.size ?? 30, opacity: 0.75, tooltip: true },
    encoding: {
      // padding keeps points at the extremes off the axes
      x: { ...axis("x", o.xTitle ?? "x", o.logX, false), scale: { ...axis("x", undefined, o.logX, false).scale, padding: 8 } },
      y: { ...axis("y", o.yTitle ?? "y", o.logY, false), scale: { ...axis("y", undefined, o.logY, false).scale, padding: 8 } },
      ...(cs ? { color: { field: "c", type: nominal ? "nominal" : "quantitative", title: null } } : {}),
    },
  };
  return new Figure(spec, `scatter: ${xs.length} points`);
}

/** Histogram of values (binned here, so big tensors stay small in the notebook). */
export function hist(v: Values, o: PlotOptions & { bins?: number } = {}): Figure {
  const data = toNumbers(v, "plot.hist");
  const h = histogram(data, o.bins ?? 40);
  const values = h.counts.map((c, i) => ({ lo: h.edges[i], hi: h.edges[i + 1], count: c }));
  const spec = {
    ...base(o), data: { values },
    mark: { type: "rect", tooltip: true, color: "#4c78a8" },
    encoding: {
      x: { field: "lo", type: "quantitative", title: o.xTitle ?? "value", scale: { zero: false } },
      x2: { field: "hi" },
      y: { field: "count", type: "quantitative", title: o.yTitle ?? "count", ...(o.logY ? { scale: { type: "symlog" } } : {}) },
    },
  };
  return new Figure(spec, `hist: ${data.length} values in ${h.counts.length} bins`);
}

/** Bar chart of named values. */
export function bar(labels: readonly string[], v: Values, o: PlotOptions = {}): Figure {
  const ys = toNumbers(v, "plot.bar");
  if (ys.length !== labels.length) throw new Error(`plot.bar: ${labels.length} labels but ${ys.length} values`);
  const spec = {
    ...base(o), data: { values: labels.map((l, i) => ({ label: l, value: ys[i] })) },
    mark: { type: "bar", tooltip: true },
    encoding: {
      x: { field: "label", type: "nominal", sort: null, title: o.xTitle ?? null },
      y: axis("value", o.yTitle, o.logY),
    },
  };
  return new Figure(spec, labels.map((l, i) => `${l}: ${fmt(ys[i]!)}`).join("\n"));
}

export interface HeatmapPlotOptions extends Omit<HeatmapOptions, "cmap"> {
  /** "viridis" (default) or "diverging" (centred on 0). */
  cmap?: "viridis" | "diverging";
}

function matrixOf(m: TensorLike | readonly (readonly number[])[], what: string): { rows: number; cols: number; data: number[] } {
  if (isTensorLike(m)) {
    if (m.shape.length !== 2) throw new Error(`${what}: expected a 2-D tensor, got shape [${m.shape.join(", ")}]`);
    return { rows: m.shape[0]!, cols: m.shape[1]!, data: toNumbers(m) };
  }
  const rows = m.length, cols = m[0]?.length ?? 0;
  if (m.some((r) => r.length !== cols)) throw new Error(`${what}: rows have different lengths`);
  return { rows, cols, data: m.flatMap((r) => [...r]) };
}

/**
 * Heatmap of a matrix: synchronous bundle with a Vega-Lite spec and a hand-drawn SVG (so it
 * also renders where Vega-Lite does not), plus text.
 */
export function heatmap(m: TensorLike | readonly (readonly number[])[], o: HeatmapPlotOptions = {}): Rich {
  const { rows, cols, data } = matrixOf(m, "plot.heatmap");
  let vmin = o.vmin, vmax = o.vmax;
  const signed = o.cmap === "diverging";
  if (signed && (vmin === undefined || vmax === undefined)) {
    const a = Math.max(...data.filter(Number.isFinite).map(Math.abs), 1e-12);
    vmin ??= -a;
    vmax ??= a;
  }
  const svg = heatmapSvg(data, rows, cols, { ...o, vmin, vmax, cmap: signed ? diverging : viridis });
  const rl = o.rowLabels, cl = o.colLabels;
  const cell = o.cell ?? Math.max(4, Math.min(36, Math.floor(360 / Math.max(rows, cols))));
  // the same text as the SVG's cells, so Vega-Lite's labels fit their cells too
  const label = o.annotate && cell >= 18 ? fittingFormat(data, cell, o.format ?? ((v) => fmt(v, 2))) : null;
  const values = data.map((v, k) => ({ row: rl?.[Math.floor(k / cols)] ?? Math.floor(k / cols), col: cl?.[k % cols] ?? k % cols, value: v, ...(label ? { label: label(v) } : {}) }));
  const spec: VegaLiteSpec = {
    $schema: VEGALITE_SCHEMA,
    ...(o.title ? { title: o.title } : {}),
    width: cols * cell, height: rows * cell,
    data: { values },
    layer: [
      {
        mark: { type: "rect", tooltip: true },
        encoding: {
          x: { field: "col", type: "ordinal", sort: null, title: o.xTitle ?? null, axis: cl ? { labelAngle: -45 } : { labels: cols <= 40 } },
          y: { field: "row", type: "ordinal", sort: null, title: o.yTitle ?? null, axis: { labels: !!rl || rows <= 40 } },
          color: {
            field: "value", type: "quantitative", title: null,
            scale: { scheme: signed ? "redblue" : "viridis", ...(signed ? { reverse: true, domainMid: 0 } : {}), ...(vmin !== undefined && vmax !== undefined ? { domain: [vmin, vmax] } : {}) },
          },
        },
      },
      ...(label
        ? [{ mark: { type: "text", fontSize: annotationFontSize(cell) }, encoding: { x: { field: "col", type: "ordinal", sort: null }, y: { field: "row", type: "ordinal", sort: null }, text: { field: "label", type: "nominal" } } }]
        : []),
    ],
  };
  const text = `heatmap ${rows}×${cols}${o.title ? ` "${o.title}"` : ""}`;
  return new Rich({ [VEGALITE_MIME]: spec, "image/svg+xml": svg, "text/plain": text });
}

export const plot = { line, fn, scatter, hist, bar, heatmap };
