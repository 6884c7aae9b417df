// Live training displays: a progress bar and metric curves that update in place through the
// kernel's display channel (update_display_data under one display id), or print text lines
// in plain Node. Updates are throttled by time AND by measured cost, so drawing stays a
// small, bounded fraction of the loop's time.
import { Figure, Rich, type MimeBundle } from "./bundle.js";
import { findDisplay, newDisplayId, type DisplayChannel, type DisplayHandleLike } from "./display_channel.js";
import { escapeXml, fmt, fmtDuration, fmtInt } from "./format.js";
import { lineChartSvg, PALETTE, svgDoc, type LineSeries } from "./svg.js";
import { VEGALITE_SCHEMA } from "./vega.js";
import { Button } from "./widgets/controls.js";

/** Lives with values logged since their last draw: drawn when a cell ends (see below). */
const undrawn = new Set<Live>();

export interface LiveOptions {
  /** Minimum milliseconds between display updates (default 250). */
  every?: number;
  /** Upper bound on the fraction of elapsed time spent drawing (default 0.005, i.e. 0.5%). */
  maxOverhead?: number;
  /** Total steps, for the bar, percentage and ETA. */
  total?: number;
  /** Epoch count and steps per epoch, for "epoch 3/10". */
  epochs?: number;
  stepsPerEpoch?: number;
  title?: string;
  /** Draw metric curves (default true); false gives a bare progress bar. */
  curves?: boolean;
  /** Panel size of each metric's chart. */
  width?: number;
  height?: number;
  /** Log-scale y for these metrics (e.g. ["loss"]). */
  logScale?: string[];
  /**
   * A Stop button (a Jupyter widget) shown above the bar: `live.stopped` is true once it is
   * clicked, read at once even inside a synchronous loop; `progress()` then ends the loop.
   * Shown only where there is a display (in plain Node `stopped` stays false).
   */
  stopButton?: boolean;
  /** Display function to use instead of the global one (tests, custom frontends). */
  display?: DisplayChannel | null;
  /** Text sink when there is no display (default: a line on stdout). */
  print?: (line: string) => void;
  /** Clock in ms (tests). */
  now?: () => number;
}

export interface LogOptions {
  /** Step (x position) for these values; default: the next step for training metrics, the current one for validation-only logs. */
  step?: number;
  epoch?: number;
}

/** "val_loss" / "valLoss" → "loss"; anything else is a training metric. */
export function splitMetricName(name: string): { base: string; split: "train" | "val" } {
  if (/^val_./.test(name)) return { base: name.slice(4), split: "val" };
  if (/^val[A-Z]/.test(name)) return { base: name[3]!.toLowerCase() + name.slice(4), split: "val" };
  if (/^(validation|valid)_./.test(name)) return { base: name.replace(/^(validation|valid)_/, ""), split: "val" };
  return { base: name, split: "train" };
}

/** At most `max` points: bucket means in x order (keeps the trend of a long, noisy loss). */
export function downsamplePoints(pts: readonly (readonly [number, number])[], max: number): [number, number][] {
  if (pts.length <= max) return pts.map((p) => [p[0], p[1]]);
  const out: [number, number][] = [];
  const size = pts.length / max;
  for (let b = 0; b < max; b++) {
    const a = Math.floor(b * size), e = Math.floor((b + 1) * size);
    let sx = 0, sy = 0, n = 0;
    for (let i = a; i < e; i++) {
      if (!Number.isFinite(pts[i]![1])) continue;
      sx += pts[i]![0];
      sy += pts[i]![1];
      n++;
    }
    if (n) out.push([sx / n, sy / n]);
  }
  return out;
}

/** Steps after the first before the ETA is estimated (until then it shows "—"). */
const ETA_MIN_STEPS = 3;

export class Live {
  /** Every value logged, per metric name as given. */
  readonly history = new Map<string, [number, number][]>();
  step = 0;
  epoch: number | undefined;
  private readonly opts: Required<Pick<LiveOptions, "every" | "maxOverhead" | "curves" | "width" | "height">> & LiveOptions;
  private readonly clock: () => number;
  private readonly started: number;
  private nextAt: number;
  private spent = 0;
  private costEma = 0;
  private updates = 0;
  private handle: DisplayHandleLike | null = null;
  private readonly channel: DisplayChannel | null;
  private readonly displayId = newDisplayId("live");
  private latest: Record<string, number> = {};
  private finished = false;
  private readonly stopWidget: Button | null = null;
  private stopAsked = false;
  /** Set when the cell logging to it was interrupted or failed: the display says it stopped. */
  private interrupted = false;
  /** Metrics that became NaN or Inf: the first such step and value of each. */
  private readonly nonFinite = new Map<string, { step: number; value: number }>();
  private firstStep: { step: number; at: number } | null = null;

  constructor(options: LiveOptions = {}) {
    this.opts = { every: 250, maxOverhead: 0.005, curves: true, width: 300, height: 190, ...options };
    this.clock = options.now ?? (() => performance.now());
    this.channel = options.display === undefined ? findDisplay() : options.display;
    this.started = this.clock();
    this.nextAt = this.started; // first log shows immediately so the user sees it started
    if (options.stopButton === true && this.channel !== null) {
      this.stopWidget = new Button({ description: "Stop", buttonStyle: "danger", icon: "stop", tooltip: "ends the loop at its next step" });
      this.channel(this.stopWidget);
    }
  }

  /** Whether the Stop button was clicked (or stop() called): a training loop checks it each step. */
  get stopped(): boolean {
    return this.stopAsked || (this.stopWidget !== null && this.stopWidget.clicks > 0);
  }

  /** Asks the loop to stop, as the button does. */
  stop(): void {
    this.stopAsked = true;
  }

  /** Records metrics for one step; redraws if enough time has passed. */
  log(metrics: Record<string, number | { readonly data: ArrayLike<number> }> = {}, options: LogOptions = {}): void {
    const names = Object.keys(metrics);
    let warnNow = false;
    const valOnly = names.length > 0 && names.every((n) => splitMetricName(n).split === "val");
    if (options.step !== undefined) this.step = options.step;
    else if (!valOnly) this.step++;
    if (this.firstStep === null && this.step > 0) this.firstStep = { step: this.step, at: this.clock() };
    if (options.epoch !== undefined) this.epoch = options.epoch;
    for (const n of names) {
      const m = metrics[n];
      // a one-element tensor (e.g. the loss itself) counts as its value
      const v = typeof m === "object" && m !== null ? Number(m.data[0]) : Number(m);
      let h = this.history.get(n);
      if (!h) this.history.set(n, (h = []));
      h.push([this.step, v]);
      this.latest[n] = v;
      if (!Number.isFinite(v) && !this.nonFinite.has(n)) {
        this.nonFinite.set(n, { step: this.step, value: v });
        warnNow = true;
      }
    }
    this.interrupted = false;
    undrawn.add(this);
    const now = this.clock();
    // time-throttled, and never over budget in total (the final flush in done() is extra)
    // A metric turning NaN/Inf is shown at once: the run has diverged.
    if (warnNow || (now >= this.nextAt && this.spent <= this.opts.maxOverhead * (now - this.started))) this.flush(now);
  }

  /** Final redraw (always) — call after the loop. */
  done(): void {
    this.finished = true;
    if (this.stopWidget !== null && !this.stopWidget.closed) {
      this.stopWidget.set({ disabled: true, description: this.stopped ? "Stopped" : "Done" });
    }
    this.flush(this.clock());
  }

  /** Number of redraws so far and the time they took (ms) — the overhead is spent / elapsed. */
  get stats(): { updates: number; spentMs: number; elapsedMs: number } {
    return { updates: this.updates, spentMs: this.spent, elapsedMs: this.clock() - this.started };
  }

  /** "loss became NaN at step 12 …", one per metric that did. */
  warnings(): string[] {
    return [...this.nonFinite].map(([n, { step, value }]) => `${n} became ${value} at step ${fmtInt(step)}: training has diverged (a lower learning rate, or detectAnomaly(() => …) to find the op)`);
  }

  private currentEpoch(): number | undefined {
    if (this.epoch !== undefined) return this.epoch;
    if (this.opts.stepsPerEpoch) return Math.min(this.opts.epochs ?? Infinity, Math.floor(Math.max(0, this.step - 1) / this.opts.stepsPerEpoch) + 1);
    return undefined;
  }

  /** Draws what was logged since the last draw; called when the cell that logged ends. */
  settle(cause: "ok" | "error" | "interrupt"): void {
    undrawn.delete(this);
    if (cause !== "ok") this.interrupted = true;
    this.flush(this.clock());
  }

  private flush(now: number): void {
    undrawn.delete(this);
    const t0 = this.clock();
    if (this.channel) {
      const b = this.bundle();
      if (!this.handle) {
        this.handle = this.channel.bundle ? this.channel.bundle(b, { displayId: this.displayId }) : this.channel(new Rich(b), { displayId: this.displayId });
      } else {
        this.handle.update(new Rich(b));
      }
    } else {
      (this.opts.print ?? ((l: string) => void process.stdout.write(l + "\n")))(this.textLine());
    }
    const cost = this.clock() - t0;
    this.spent += cost;
    this.updates++;
    // Wait at least `every`, and long enough that drawing stays under maxOverhead. The first
    // draw runs cold (JIT, first message) so it does not set the pace; later ones are smoothed.
    if (this.updates > 1) this.costEma = this.costEma === 0 ? cost : 0.7 * this.costEma + 0.3 * cost;
    // Text lines (no display) scroll rather than update in place: at most one a second.
    const every = this.channel ? this.opts.every : Math.max(this.opts.every, 1000);
    this.nextAt = now + Math.max(every, this.costEma / this.opts.maxOverhead);
  }

  private progress() {
    const now = this.clock();
    const elapsed = (now - this.started) / 1000;
    // the first step carries the warm-up (JIT, first allocations): pace is measured after it
    const first = this.firstStep;
    const paced = first !== null && this.step - first.step >= ETA_MIN_STEPS && now > first.at;
    const rate = paced ? ((this.step - first.step) * 1000) / (now - first.at) : elapsed > 0 ? this.step / elapsed : 0;
    const total = this.opts.total ?? (this.opts.epochs && this.opts.stepsPerEpoch ? this.opts.epochs * this.opts.stepsPerEpoch : undefined);
    const frac = total ? Math.min(1, this.step / total) : undefined;
    // null: not enough steps yet to say ("—")
    const eta = !total ? undefined : paced && rate > 0 ? Math.max(0, (total - this.step) / rate) : null;
    return { elapsed, rate, total, frac, eta, epoch: this.currentEpoch() };
  }

  /** `epoch 2/5 [#####-----] 50% 500/1000 123.4 it/s 00:04<00:04 loss=0.31 acc=0.9` */
  textLine(): string {
    const p = this.progress();
    const parts: string[] = [];
    if (this.opts.title) parts.push(this.opts.title);
    if (p.epoch !== undefined) parts.push(`epoch ${p.epoch}${this.opts.epochs ? `/${this.opts.epochs}` : ""}`);
    if (p.frac !== undefined) {
      const w = 20, k = Math.round(p.frac * w);
      parts.push(`[${"#".repeat(k)}${"-".repeat(w - k)}] ${Math.floor(p.frac * 100)}%`, `${fmtInt(this.step)}/${fmtInt(p.total!)}`);
    } else parts.push(`step ${fmtInt(this.step)}`);
    parts.push(`${fmt(p.rate, 3)} it/s`, `${fmtDuration(p.elapsed)}${p.eta === undefined ? "" : `<${p.eta === null ? "—" : fmtDuration(p.eta)}`}`);
    for (const [k, v] of Object.entries(this.latest)) parts.push(`${k}=${fmt(v)}`);
    if (this.finished) parts.push(this.stopped ? "stopped" : "done");
    else if (this.interrupted) parts.push("stopped");
    for (const w of this.warnings()) parts.push(`⚠ ${w}`);
    return parts.join(" ");
  }

  /** Curves grouped by base metric: train solid, validation dashed. */
  series(maxPoints = 400): Map<string, LineSeries[]> {
    const groups = new Map<string, LineSeries[]>();
    for (const [name, pts] of this.history) {
      const { base, split } = splitMetricName(name);
      let g = groups.get(base);
      if (!g) groups.set(base, (g = []));
      g.push({ name: split === "val" ? "validation" : "train", points: downsamplePoints(pts, maxPoints), dashed: split === "val", color: split === "val" ? PALETTE[1] : PALETTE[0] });
    }
    return groups;
  }

  curvesSvg(): string {
    const panels = [...this.series()].map(([base, s]) =>
      lineChartSvg(s, { width: this.opts.width, height: this.opts.height, title: base, xTitle: "step", logY: this.opts.logScale?.includes(base) ?? false }),
    );
    if (panels.length === 0) return "";
    const perRow = 3, gap = 8;
    let body = "", y = 0, maxW = 0;
    for (let i = 0; i < panels.length; i += perRow) {
      const row = panels.slice(i, i + perRow);
      row.forEach((svg, j) => (body += svg.replace("<svg ", `<svg x="${j * (this.opts.width + gap)}" y="${y}" `)));
      maxW = Math.max(maxW, row.length * (this.opts.width + gap) - gap);
      y += this.opts.height + gap;
    }
    return svgDoc(maxW, y - gap, body, "training curves");
  }

  progressHtml(): string {
    const p = this.progress();
    const pct = p.frac !== undefined ? p.frac * 100 : undefined;
    const bar = pct !== undefined
      ? `<div style="display:inline-block;vertical-align:middle;width:260px;height:12px;background:#e6e6e6;border-radius:3px;overflow:hidden;margin-right:8px">` +
        `<div style="width:${pct.toFixed(1)}%;height:100%;background:${this.finished ? "#54a24b" : "#4c78a8"}"></div></div>`
      : "";
    const head: string[] = [];
    if (this.opts.title) head.push(`<b>${escapeXml(this.opts.title)}</b>`);
    if (p.epoch !== undefined) head.push(`epoch ${p.epoch}${this.opts.epochs ? `/${this.opts.epochs}` : ""}`);
    head.push(pct !== undefined ? `${Math.floor(pct)}% · ${fmtInt(this.step)}/${fmtInt(p.total!)}` : `step ${fmtInt(this.step)}`);
    head.push(`${escapeXml(fmt(p.rate, 3))} it/s`, `elapsed ${fmtDuration(p.elapsed)}`);
    if (p.eta !== undefined && !this.finished) head.push(`ETA ${p.eta === null ? "—" : fmtDuration(p.eta)}`);
    if (this.finished) head.push(this.stopped ? "stopped" : "done");
    else if (this.interrupted) head.push("stopped");
    const metrics = Object.entries(this.latest)
      .map(([k, v]) => `<span style="margin-right:12px"><span style="color:#666">${escapeXml(k)}</span> <b>${escapeXml(fmt(v))}</b></span>`)
      .join("");
    const warnings = this.warnings().map((w) => `<div style="font:12px DejaVu Sans Mono,Menlo,Consolas,monospace;margin:2px 0;color:#b00020">⚠ ${escapeXml(w)}</div>`).join("");
    return `<div style="font:12px DejaVu Sans Mono,Menlo,Consolas,monospace;margin:2px 0">${bar}${head.join(" · ")}</div>` + warnings +
      (metrics ? `<div style="font:12px DejaVu Sans Mono,Menlo,Consolas,monospace;margin:2px 0">${metrics}</div>` : "");
  }

  /**
   * Current state as a bundle: HTML (bar + inline curves) and text; once done, also the
   * curves alone as `image/svg+xml` for the saved notebook. In-flight updates leave the SVG
   * copy out: every frontend picks the HTML, and half the bytes halve the kernel's send cost.
   */
  bundle(): MimeBundle {
    const svg = this.opts.curves ? this.curvesSvg() : "";
    const b: MimeBundle = { "text/plain": this.textLine(), "text/html": `<div class="gradlab-live">${this.progressHtml()}${svg}</div>` };
    if (svg && this.finished) b["image/svg+xml"] = svg;
    return b;
  }

  [Symbol.for("Jupyter.display")](): MimeBundle {
    return this.bundle();
  }

  /** The whole history as an interactive Vega-Lite figure (one panel per metric). */
  figure(): Figure {
    const values: { step: number; value: number; metric: string; split: string }[] = [];
    for (const [base, ss] of this.series(2000)) for (const s of ss) for (const [step, value] of s.points) values.push({ step, value, metric: base, split: s.name });
    const spec = {
      $schema: VEGALITE_SCHEMA,
      data: { values },
      facet: { column: { field: "metric", type: "nominal", title: null } },
      spec: {
        width: this.opts.width - 60, height: this.opts.height - 50,
        mark: { type: "line", tooltip: true },
        encoding: {
          x: { field: "step", type: "quantitative" },
          y: { field: "value", type: "quantitative", scale: { zero: false } },
          color: { field: "split", type: "nominal", scale: { domain: ["train", "validation"], range: [PALETTE[0], PALETTE[1]] } },
          strokeDash: { field: "split", type: "nominal", legend: null },
        },
      },
      resolve: { scale: { y: "independent" } },
    };
    return new Figure(spec, this.textLine());
  }
}

/**
 * Draws every Live's values logged since its last draw, marked "stopped" unless the cell
 * ended normally: a loop stopped by an interrupt or an error would otherwise leave its
 * display showing an earlier step. The prelude has the kernel call it when a cell ends.
 */
export function settleLives(cause: "ok" | "error" | "interrupt"): void {
  for (const live of [...undrawn]) live.settle(cause);
}

/**
 * tqdm-style: iterates `items`, showing a progress bar that updates in place. With
 * `{ stopButton: true }` a Stop button ends the iteration at the next item.
 */
export function* progress<T>(items: Iterable<T>, options: LiveOptions & { total?: number } = {}): Generator<T> {
  const len = (items as unknown as { length?: unknown }).length;
  const n = options.total ?? (typeof len === "number" ? len : undefined);
  const live = new Live({ curves: false, ...options, total: n });
  try {
    for (const x of items) {
      if (live.stopped) break;
      yield x;
      live.log();
    }
  } finally {
    live.done(); // also on break/throw: show where it stopped
  }
}
