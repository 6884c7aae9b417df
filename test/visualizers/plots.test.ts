import { describe, expect, it } from "vitest";
import { attention } from "../../visualizers/attention.js";
import { displayOptions, Figure, JUPYTER_DISPLAY, VEGALITE_MIME, type MimeBundle } from "../../visualizers/bundle.js";
import { confusionCounts, confusionMatrix } from "../../visualizers/confusion_matrix.js";
import { gradientFlow, gradientFlowData } from "../../visualizers/gradient_flow.js";
import { imageGrid } from "../../visualizers/image_grid.js";
import { contourSegments, lossSurface } from "../../visualizers/loss_surface.js";
import { plot } from "../../visualizers/plot.js";
import { saliency, saliencyMaps } from "../../visualizers/saliency.js";
import { fittingFormat } from "../../visualizers/svg.js";
import { compileVegaLite } from "../../visualizers/vega.js";
import { HistogramTracker } from "../../visualizers/weight_histograms.js";
import { FakeNet, fakeTensor } from "./fakes.js";
import { allText, parseSvg } from "./xml.js";

async function checkFigure(f: Figure, labels: string[] = []): Promise<MimeBundle> {
  const b = (await f[JUPYTER_DISPLAY]()) as MimeBundle;
  expect(Object.keys(b).sort()).toEqual([VEGALITE_MIME, "image/svg+xml", "text/html", "text/plain"].sort());
  // the HTML fallback is the same SVG as an <img> data URI
  const b64 = /^<img alt="plot" src="data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)"\/>$/.exec(b["text/html"] as string)![1]!;
  expect(Buffer.from(b64, "base64").toString("utf8")).toBe(b["image/svg+xml"]);
  const warnings: string[] = [];
  await compileVegaLite(b[VEGALITE_MIME] as Record<string, unknown>, warnings); // throws on an invalid spec
  expect(warnings).toEqual([]);
  const text = allText(parseSvg(b["image/svg+xml"] as string));
  for (const l of labels) expect(text).toContain(l);
  return b;
}

function pngSize(b64: string): [number, number] {
  const buf = Buffer.from(b64, "base64");
  expect(buf.subarray(1, 4).toString("latin1")).toBe("PNG");
  return [buf.readUInt32BE(16), buf.readUInt32BE(20)];
}

describe("plot", () => {
  it("line / fn / scatter / hist / bar compile and render", async () => {
    const xs = [0, 1, 2, 3];
    await checkFigure(plot.line(xs, { train: [4, 3, 2, 1], val: [4, 3.5, 3, 2.8] }, { title: "losses" }), ["losses", "train", "val"]);
    await checkFigure(plot.fn({ relu: (x) => Math.max(0, x), tanh: Math.tanh }, [-3, 3], { title: "activations" }), ["activations", "relu", "tanh"]);
    await checkFigure(plot.scatter(fakeTensor([5], (i) => i), [1, 2, 3, 4, 5], { color: [0, 1, 0, 1, 2] }));
    await checkFigure(plot.hist(fakeTensor([1000], (i) => Math.sin(i)), { bins: 20 }), ["count"]);
    await checkFigure(plot.bar(["a", "b"], [1, 2]), ["a", "b"]);
    await checkFigure(plot.line([1, 2, 3], [1, 10, 100], { logY: true }));
  });
  it("interactive mode leaves the HTML fallback out so JupyterLab renders Vega-Lite", async () => {
    displayOptions.interactive = true;
    try {
      const b = await plot.bar(["a"], [1])[JUPYTER_DISPLAY]();
      expect(Object.keys(b).sort()).toEqual([VEGALITE_MIME, "image/svg+xml", "text/plain"].sort());
    } finally {
      displayOptions.interactive = false;
    }
  });
  it("line on a log axis leaves values ≤ 0 out instead of putting zero in the domain", async () => {
    const f = plot.line([0, 1, 2, 3], { a: [9, 1, 0, 0], b: [9, 3, 1, -1] }, { logY: true });
    const ys = (f.spec as { data: { values: { y: number }[] } }).data.values.map((v) => v.y);
    expect(ys).toEqual([9, 1, NaN, NaN, 9, 3, 1, NaN]);
    await checkFigure(f);
    const logX = plot.line([0, 1, 10], [1, 2, 3], { logX: true }).spec as { data: { values: { x: number }[] } };
    expect(logX.data.values.map((v) => v.x)).toEqual([NaN, 1, 10]);
  });
  it("line without x plots against the index", () => {
    const one = plot.line([3, 2, 1]).spec as { data: { values: { x: number; y: number; series: string }[] } };
    expect(one.data.values).toEqual([{ x: 0, y: 3, series: "y" }, { x: 1, y: 2, series: "y" }, { x: 2, y: 1, series: "y" }]);
    const two = plot.line({ train: [3, 2], val: [4] }, { title: "t" }).spec as { title: string; data: { values: { x: number; y: number; series: string }[] } };
    expect(two.title).toBe("t");
    expect(two.data.values.filter((v) => v.series === "val").map((v) => v.y)).toEqual([4, NaN]);
  });
  it("reports length mismatches", () => {
    expect(() => plot.line([1, 2], [1])).toThrow(/plot.line: series "y" has 1 values but x has 2/);
  });
  it("heatmap is synchronous: spec + hand-drawn svg", async () => {
    const b = plot.heatmap([[1, 2], [3, 4]], { rowLabels: ["r0", "r1"], colLabels: ["c0", "c1"], annotate: true })[JUPYTER_DISPLAY]();
    await compileVegaLite(b[VEGALITE_MIME] as Record<string, unknown>);
    const text = allText(parseSvg(b["image/svg+xml"] as string));
    for (const l of ["r0", "c1", "4"]) expect(text).toContain(l);
  });
});

describe("gradient diagnostics", () => {
  it("gradient flow: mean and max |grad| per parameter", async () => {
    const net = new FakeNet();
    const ps = net.namedParameters();
    (ps[0]![1] as { grad: unknown }).grad = fakeTensor([...ps[0]![1].shape], (i) => (i % 2 ? -1 : 3)); // |g| = 3,1,3,1…
    const { rows, missing } = gradientFlowData(net);
    expect(rows).toEqual([{ name: "fc1.weight", meanAbs: 2, maxAbs: 3 }]);
    expect(missing).toContain("head.bias");
    await checkFigure(gradientFlow(net), ["fc1.weight", "gradient flow"]);
    expect(() => gradientFlow(new FakeNet())).toThrow(/no parameter has a gradient/);
  });
  it("weight/gradient histograms over steps", async () => {
    const net = new FakeNet();
    const tr = new HistogramTracker(net, { what: "weight", maxParams: 2 });
    for (let s = 0; s < 3; s++) {
      net.namedParameters().forEach(([, p]) => (p.data as Float32Array).forEach((_, i, a) => (a[i] = Math.sin(i + s))));
      tr.record();
    }
    expect([...tr.snapshots.keys()]).toEqual(["fc1.weight", "fc1.bias"]);
    expect(tr.snapshots.get("fc1.weight")!.map((s) => s.step)).toEqual([0, 1, 2]);
    await checkFigure(tr.figure(), ["fc1.weight"]);
  });
  it("confusion matrix counts (hand-worked) and logits input", () => {
    const { k, counts } = confusionCounts([0, 1, 1, 2, 2, 2], [0, 1, 2, 2, 2, 0]);
    expect(k).toBe(3);
    expect(counts).toEqual([1, 0, 1, /**/ 0, 1, 0, /**/ 0, 1, 2]);
    const logits = fakeTensor([3, 2], [0.9, 0.1, 0.2, 0.8, 0.6, 0.4]); // argmax 0, 1, 0
    expect(confusionCounts(logits, [0, 1, 1]).counts).toEqual([1, 0, 1, 1]);
    const b = confusionMatrix([0, 1, 1, 2, 2, 2], [0, 1, 2, 2, 2, 0], { classes: ["cat", "dog", "eel"] })[JUPYTER_DISPLAY]();
    expect(b["text/plain"]).toContain("accuracy 66.7% (4/6)");
    const text = allText(parseSvg(b["image/svg+xml"] as string));
    for (const l of ["cat", "dog", "eel", "predicted", "true"]) expect(text).toContain(l);
    expect(() => confusionCounts([0, 1], [0])).toThrow(/different numbers of samples \(2 != 1\)/);
  });
  it("confusion matrix picture shows per-class recall and the accuracy, as its text does", async () => {
    // rows (true): cat 1/2 right, dog 1/1, eel 2/3
    const b = confusionMatrix([0, 1, 1, 2, 2, 2], [0, 1, 2, 2, 2, 0], { classes: ["cat", "dog", "eel"], title: "val" })[JUPYTER_DISPLAY]();
    const text = allText(parseSvg(b["image/svg+xml"] as string));
    for (const l of ["recall", "0.50", "1.00", "0.67", "accuracy 66.7% (4/6)", "val"]) expect(text).toContain(l);
    expect(b["text/plain"].split("\n")[0]).toBe("val — accuracy 66.7% (4/6)");
    const spec = b[VEGALITE_MIME] as { title: { subtitle: string } };
    expect(spec.title.subtitle).toBe("accuracy 66.7% (4/6)");
    await compileVegaLite(spec as never);
  });
  it("attention heatmaps per head with token labels", async () => {
    const w = fakeTensor([2, 3, 3], (i) => ((i % 3) + 1) / 6);
    const b = attention(w, { queries: ["the", "cat", "sat"], keys: ["the", "cat", "sat"] })[JUPYTER_DISPLAY]();
    await compileVegaLite(b[VEGALITE_MIME] as Record<string, unknown>);
    const text = allText(parseSvg(b["image/svg+xml"] as string));
    for (const l of ["head 0", "head 1", "cat", "sat"]) expect(text).toContain(l);
    expect(() => attention(fakeTensor([5], () => 0))).toThrow(/attention: expected \[Lq, Lk\]/);
  });
  it("a multi-head grid keeps its title in the static SVG", () => {
    const b = attention(fakeTensor([2, 3, 3], () => 1 / 3), { title: "layer 2 attention, per head" })[JUPYTER_DISPLAY]();
    expect(allText(parseSvg(b["image/svg+xml"] as string))).toContain("layer 2 attention, per head");
    expect(b["text/plain"]).toMatch(/^layer 2 attention, per head: /);
  });
  it("cell annotations are shortened to fit their cells (no '0.0720.072')", () => {
    // 6 keys: 32 px cells, where "0.072" at 11 px is wider than the cell
    const b = attention(fakeTensor([6, 6], () => 0.072), { annotate: true })[JUPYTER_DISPLAY]();
    const svg = b["image/svg+xml"] as string;
    const cells = [...svg.matchAll(/<text [^>]*text-anchor="middle" fill="[^"]+">([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(cells).toHaveLength(36);
    expect(new Set(cells)).toEqual(new Set([".07"]));
    const spec = b[VEGALITE_MIME] as { data: { values: { label: string }[] } };
    expect(spec.data.values[0]!.label).toBe(".07");
    expect(fittingFormat([0.0721], 32, (v) => String(v))!(0.0721)).toBe(".07");
    expect(fittingFormat([0.0721], 12, (v) => String(v))).toBeNull();
  });
});

describe("loss surface", () => {
  it("contour segments lie on the level set of x² + y²", () => {
    const n = 41, xs = Array.from({ length: n }, (_, i) => -2 + (4 * i) / (n - 1));
    const grid = new Float64Array(n * n);
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) grid[j * n + i] = xs[i]! ** 2 + xs[j]! ** 2;
    const segs = contourSegments(grid, xs, xs, 1);
    expect(segs.length).toBeGreaterThan(20);
    for (const s of segs) {
      // linear interpolation along a grid edge of width 0.1 errs by at most h²/4 = 0.0025
      expect(Math.abs(s.x1 ** 2 + s.y1 ** 2 - 1)).toBeLessThan(0.003);
      expect(Math.abs(s.x2 ** 2 + s.y2 ** 2 - 1)).toBeLessThan(0.003);
    }
  });
  it("figure with optimizer paths compiles and renders", async () => {
    const rosen = (x: number, y: number) => (1 - x) ** 2 + 100 * (y - x * x) ** 2;
    const path: [number, number][] = [[-1.5, 2], [-1, 1], [0, 0], [0.5, 0.25], [1, 1]];
    const b = await checkFigure(lossSurface(rosen, { paths: { sgd: path, adam: fakeTensor([2, 2], [-1, 1, 1, 1]) }, title: "Rosenbrock" }), ["Rosenbrock", "sgd", "adam"]);
    expect(b["text/plain"]).toContain("sgd: 5 steps, (-1.5, 2) → (1, 1)");
  });
});

describe("images", () => {
  it("image grid PNG has the expected size and captions in HTML", () => {
    const imgs = fakeTensor([4, 1, 8, 8], (i) => (i % 8) / 8);
    const b = imageGrid(imgs, { ncol: 2, scale: 1, padding: 2, labels: ["a", "b", "c", "d"] })[JUPYTER_DISPLAY]();
    expect(pngSize(b["image/png"] as string)).toEqual([2 * 8 + 3 * 2, 2 * 8 + 3 * 2]);
    expect(b["text/html"]).toContain("<figcaption");
    expect(b["text/plain"]).toBe("4 images 8×8 from tensor[4, 1, 8, 8]");
    expect(() => imageGrid(fakeTensor([2, 5, 4, 4], () => 0))).toThrow(/5 channels/);
  });
  it("saliency maps are max |grad| over channels", () => {
    const g = fakeTensor([1, 3, 1, 2], [1, -2, -3, 0.5, 2, 1]); // channels: [1,-2], [-3,0.5], [2,1]
    expect(Array.from(saliencyMaps(g).data)).toEqual([3, 2]);
  });
  it("saliency() seeds backward with the target logit", () => {
    // logits = x · w with w = [[1, -1], [2, 0], [0, 3], [-4, 1]] (4 pixels → 2 classes); d logit_t / d x = w[:, t]
    const w = [[1, -1], [2, 0], [0, 3], [-4, 1]];
    let seen: number[] = [];
    const x = {
      ...fakeTensor([1, 1, 2, 2], [1, 1, 1, 1]),
      grad: null as { data: Float32Array } | null,
      requiresGrad_() { return x; },
      detach() { return x; },
    };
    const model = (xi: typeof x) => {
      const logits = fakeTensor([1, 2], (j) => [0, 1, 2, 3].reduce((s, p) => s + xi.data[p]! * w[p]![j]!, 0));
      return {
        ...logits,
        detach: () => ({ ...logits, mul: () => fakeTensor([1, 2], () => 0) }),
        backward(seed: { data: Float32Array }) {
          seen = Array.from(seed.data);
          xi.grad = fakeTensor([1, 1, 2, 2], (p) => w[p]![0]! * seed.data[0]! + w[p]![1]! * seed.data[1]!) as unknown as { data: Float32Array };
        },
      };
    };
    const withGrad = x;
    const b = saliency(model as never, withGrad as never, { target: 1 })[JUPYTER_DISPLAY]();
    expect(seen).toEqual([0, 1]);
    expect(withGrad.grad!.data).toEqual(new Float32Array([-1, 0, 3, 1]));
    expect(Object.keys(b).sort()).toEqual(["image/png", "text/plain"]);
    // default target = argmax of logits [-1, 3] → class 1 as well
    saliency(model as never, withGrad as never);
    expect(seen).toEqual([0, 1]);
  });
});

describe("image ranges", () => {
  it("diverging maps centre on zero: 0 maps to the middle colour", async () => {
    const { gridRaster } = await import("../../visualizers/images.js");
    const { diverging } = await import("../../visualizers/colormap.js");
    // values -1, 0, 3 → range [-3, 3]; 0 is the ramp's middle (white-ish #f7f7f7)
    const r = gridRaster({ n: 1, c: 1, h: 1, w: 3, data: [-1, 0, 3] }, { cmap: "diverging", scale: 1, padding: 0 });
    const mid = diverging(0.5).map(Math.round);
    expect([r.rgb[3], r.rgb[4], r.rgb[5]]).toEqual(mid.map((v) => v & 255));
  });
  it("auto range: [0, 1] for pixel-like data, min..max for small values", async () => {
    const { gridRaster } = await import("../../visualizers/images.js");
    const px = gridRaster({ n: 1, c: 1, h: 1, w: 2, data: [0, 0.5] }, { scale: 1, padding: 0 });
    expect([px.rgb[0], px.rgb[3]]).toEqual([0, 127]); // 0.5 of [0, 1]
    const small = gridRaster({ n: 1, c: 1, h: 1, w: 2, data: [0, 0.001] }, { scale: 1, padding: 0 });
    expect([small.rgb[0], small.rgb[3]]).toEqual([0, 255]);
  });
  it("tiles of a grid are apart: white gaps that grow with the tiles, each tile framed in grey", async () => {
    const { gridRaster } = await import("../../visualizers/images.js");
    // six 5×5 filters at the default scale (10): 50 px tiles, 4 px gaps
    const r = gridRaster({ n: 6, c: 1, h: 5, w: 5, data: new Float32Array(150).fill(0.5) });
    const [a, b] = [r.cells[0]!, r.cells[1]!];
    expect(a.w).toBe(50);
    expect(b.x - (a.x + a.w)).toBe(4);
    const px = (x: number, y: number) => Array.from(r.rgb.subarray((y * r.width + x) * 3, (y * r.width + x) * 3 + 3));
    expect(px(a.x + a.w, a.y + 10)).toEqual([150, 150, 150]); // the frame
    expect(px(a.x + a.w + 2, a.y + 10)).toEqual([255, 255, 255]); // the gap
    expect(px(a.x + 10, a.y + 10)).toEqual([127, 127, 127]); // the image
  });
});
