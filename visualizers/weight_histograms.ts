// Weight and gradient histograms over training steps (TensorBoard's "distributions"):
// record() snapshots a histogram of each parameter (and its gradient); the figure shows,
// per parameter, steps across and values up, shaded by how many values fall there.
import { Figure } from "./bundle.js";
import { fmt } from "./format.js";
import { namedTensors, type NamedTensors } from "./gradient_flow.js";
import { histogram, tensorStats, type Histogram } from "./stats.js";
import type { TensorLike } from "./types.js";
import { VEGALITE_SCHEMA } from "./vega.js";

interface Snapshot {
  step: number;
  hist: Histogram;
  mean: number;
  std: number;
}

export interface HistogramTrackerOptions {
  /** "weight", "grad" or "both" (default "both"). */
  what?: "weight" | "grad" | "both";
  bins?: number;
  /** Parameter names to track (default: all, at most `maxParams`). */
  include?: (name: string) => boolean;
  maxParams?: number;
}

export class HistogramTracker {
  /** key = "name" for weights, "name.grad" for gradients */
  readonly snapshots = new Map<string, Snapshot[]>();
  private readonly params: [string, TensorLike][];
  private steps = 0;
  private readonly o: Required<Omit<HistogramTrackerOptions, "include">>;

  constructor(params: NamedTensors, options: HistogramTrackerOptions = {}) {
    this.o = { what: options.what ?? "both", bins: options.bins ?? 30, maxParams: options.maxParams ?? 12 };
    const all = namedTensors(params).filter(([n]) => options.include?.(n) ?? true);
    this.params = all.slice(0, this.o.maxParams);
  }

  /** Takes a snapshot (call every few steps, after backward() for gradients). */
  record(step = this.steps): void {
    this.steps = step + 1;
    const add = (key: string, t: TensorLike) => {
      const s = tensorStats(t.data);
      let list = this.snapshots.get(key);
      if (!list) this.snapshots.set(key, (list = []));
      list.push({ step, hist: histogram(t.data, this.o.bins), mean: s.mean, std: s.std });
    };
    for (const [name, p] of this.params) {
      if (this.o.what !== "grad") add(name, p);
      if (this.o.what !== "weight" && p.grad) add(`${name}.grad`, p.grad);
    }
  }

  figure({ maxSnapshots = 60, title = "weight / gradient distributions over steps" } = {}): Figure {
    const values: { key: string; step: number; step2: number; lo: number; hi: number; density: number }[] = [];
    for (const [key, snaps] of this.snapshots) {
      const every = Math.max(1, Math.ceil(snaps.length / maxSnapshots));
      const kept = snaps.filter((_, i) => i % every === 0 || i === snaps.length - 1);
      kept.forEach((s, i) => {
        const next = kept[i + 1]?.step ?? s.step + Math.max(1, (kept[1]?.step ?? s.step + 1) - (kept[0]?.step ?? s.step));
        const total = s.hist.counts.reduce((a, b) => a + b, 0) || 1;
        s.hist.counts.forEach((c, b) => {
          if (c > 0) values.push({ key, step: s.step, step2: next, lo: s.hist.edges[b]!, hi: s.hist.edges[b + 1]!, density: c / total });
        });
      });
    }
    if (values.length === 0) throw new Error("HistogramTracker.figure: nothing recorded yet — call record() during training");
    const spec = {
      $schema: VEGALITE_SCHEMA,
      title,
      data: { values },
      facet: { row: { field: "key", type: "nominal", title: null, sort: [...this.snapshots.keys()], header: { labelAngle: 0, labelAlign: "left" } } },
      spec: {
        width: 360, height: 70,
        mark: { type: "rect", tooltip: true },
        encoding: {
          x: { field: "step", type: "quantitative", title: "step" },
          x2: { field: "step2" },
          y: { field: "lo", type: "quantitative", title: null, scale: { zero: false } },
          y2: { field: "hi" },
          color: { field: "density", type: "quantitative", scale: { scheme: "blues", type: "sqrt" }, legend: null },
        },
      },
      resolve: { scale: { y: "independent" } },
    };
    const text = [...this.snapshots].map(([k, s]) => {
      const a = s[0]!, b = s[s.length - 1]!;
      return `${k}: ${s.length} snapshots, mean ${fmt(a.mean)} → ${fmt(b.mean)}, std ${fmt(a.std)} → ${fmt(b.std)}`;
    }).join("\n");
    return new Figure(spec, text);
  }

  [Symbol.for("Jupyter.display")]() {
    return this.figure().render();
  }
}
