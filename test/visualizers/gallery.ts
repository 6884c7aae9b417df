// Builds one example of every display kind (on lib-shaped fakes) for the browser check.
import { architecture } from "../../visualizers/architecture.js";
import { attention } from "../../visualizers/attention.js";
import { JUPYTER_DISPLAY, type MimeBundle } from "../../visualizers/bundle.js";
import { confusionMatrix } from "../../visualizers/confusion_matrix.js";
import { graph } from "../../visualizers/autograd_graph.js";
import { gradientFlow } from "../../visualizers/gradient_flow.js";
import { imageGrid } from "../../visualizers/image_grid.js";
import { Live } from "../../visualizers/live.js";
import { lossSurface } from "../../visualizers/loss_surface.js";
import { summary } from "../../visualizers/module_summary.js";
import { plot } from "../../visualizers/plot.js";
import { saliencyView } from "../../visualizers/saliency.js";
import { tensorView } from "../../visualizers/tensor_view.js";
import { HistogramTracker } from "../../visualizers/weight_histograms.js";
import { moduleBundle } from "../../visualizers/hooks.js";
import { FakeNet, fakeTensor } from "./fakes.js";

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

function gauss(r: () => number) {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

export async function galleryBundles(): Promise<[string, MimeBundle][]> {
  const r = rng(1);
  const out: [string, MimeBundle][] = [];
  const show = async (title: string, x: { [JUPYTER_DISPLAY](): MimeBundle | Promise<MimeBundle> }) => out.push([title, await x[JUPYTER_DISPLAY]()]);

  const w = fakeTensor([16, 24], () => gauss(r) * 0.5);
  await show("tensor 2-D (heatmap)", tensorView(w, { name: "fc1.weight" }));
  const digits = fakeTensor([8, 1, 12, 12], (i) => {
    const k = Math.floor(i / 144), p = i % 144, y = Math.floor(p / 12), x = p % 12;
    return Math.exp(-((x - 6 - (k % 3)) ** 2 + (y - 6 + (k % 2)) ** 2) / (4 + k));
  });
  const withGrad = fakeTensor([8, 1, 12, 12], (i) => digits.data[i]!, { requiresGrad: true, grad: fakeTensor([8, 1, 12, 12], () => gauss(r) * 1e-3) });
  await show("tensor images + grad side by side", tensorView(withGrad));
  await show("tensor with NaN/Inf", tensorView(fakeTensor([5], [1, NaN, Infinity, -2, 0])));

  const net = new FakeNet();
  const x = fakeTensor([5, 4], () => r());
  await show("module summary", summary(net, x));
  await show("architecture", architecture(net, x));
  const y = net.call(x);
  net.namedParameters().forEach(([, p], i) => ((p as { grad: unknown }).grad = fakeTensor([...p.shape], () => gauss(r) * 10 ** -i)));
  await show("autograd graph coloured by |grad|", graph(y, { params: net, colorByGrad: true }));
  await show("gradient flow", gradientFlow(net));

  const tracker = new HistogramTracker(net, { maxParams: 2 });
  for (let s = 0; s < 20; s++) {
    net.namedParameters().forEach(([, p]) => (p.data as Float32Array).forEach((_, i, a) => (a[i] = gauss(r) * (1 + s / 10))));
    tracker.record(s * 10);
  }
  await show("weight / gradient histograms", tracker.figure());

  let t = 0;
  const live = new Live({ display: null, print: () => {}, now: () => t, total: 500, epochs: 5, stepsPerEpoch: 100, title: "training" });
  for (let i = 0; i < 400; i++) {
    t += 10;
    live.log({ loss: 2 * Math.exp(-i / 80) + 0.1 * r(), acc: 1 - Math.exp(-i / 60) * 0.9 });
    if (i % 100 === 99) live.log({ val_loss: 2 * Math.exp(-i / 90) + 0.15, val_acc: 1 - Math.exp(-i / 70) * 0.9 - 0.03 });
  }
  out.push(["live training (mid-run)", live.bundle()]);
  await show("live history figure", live.figure());

  await show("plot.fn activations", plot.fn({ relu: (v) => Math.max(0, v), tanh: Math.tanh, sigmoid: (v) => 1 / (1 + Math.exp(-v)) }, [-4, 4], { title: "activations" }));
  await show("plot.scatter", plot.scatter(Array.from({ length: 60 }, () => gauss(r)), Array.from({ length: 60 }, () => gauss(r)), { color: Array.from({ length: 60 }, (_, i) => i % 3) }));
  await show("plot.hist", plot.hist(Array.from({ length: 2000 }, () => gauss(r))));
  const tokens = ["the", "cat", "sat", "on", "mat"];
  await show("attention", attention(fakeTensor([2, 5, 5], (i) => ((i * 7) % 5) / 10 + 0.1), { queries: tokens, keys: tokens }));
  const classes = ["T-shirt", "Trouser", "Pullover", "Dress"];
  const truth = Array.from({ length: 200 }, (_, i) => i % 4);
  await show("confusion matrix", confusionMatrix(truth.map((c) => (r() < 0.8 ? c : Math.floor(r() * 4))), truth, { classes }));
  const rosen = (a: number, b: number) => (1 - a) ** 2 + 100 * (b - a * a) ** 2;
  const pathOf = (lr: number, mom: number) => {
    let p = [-1.5, 2], v = [0, 0];
    const pts: [number, number][] = [[p[0]!, p[1]!]];
    for (let k = 0; k < 300; k++) {
      const g = [-2 * (1 - p[0]!) - 400 * p[0]! * (p[1]! - p[0]! ** 2), 200 * (p[1]! - p[0]! ** 2)];
      v = v.map((vi, j) => mom * vi - lr * g[j]!);
      p = p.map((pi, j) => pi + v[j]!);
      if (k % 3 === 0) pts.push([p[0]!, p[1]!]);
    }
    return pts;
  };
  await show("loss surface + optimizer paths", lossSurface(rosen, { x: [-2, 2], y: [-1, 3], paths: { sgd: pathOf(0.0005, 0), momentum: pathOf(0.0005, 0.9) }, title: "Rosenbrock" }));
  await show("image grid with labels", imageGrid(digits, { labels: digits.shape.slice(0, 1).length ? Array.from({ length: 8 }, (_, i) => `class ${i % 3}`) : [] }));
  await show("saliency", saliencyView(fakeTensor([4, 1, 12, 12], (i) => digits.data[i]!), fakeTensor([4, 1, 12, 12], (i) => digits.data[i]! * gauss(r))));
  return out;
}

const esc = (s: string) => s.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]!);

/** One page: each bundle shown by the richest MIME type a notebook would pick (html > svg > png > text). */
export function galleryHtml(items: [string, MimeBundle][]): string {
  const cells = items.map(([title, b], i) => {
    let body: string;
    if (typeof b["text/html"] === "string") body = b["text/html"];
    else if (typeof b["image/svg+xml"] === "string") body = b["image/svg+xml"];
    else if (typeof b["image/png"] === "string") body = `<img src="data:image/png;base64,${b["image/png"]}"/>`;
    else body = `<pre>${esc(b["text/plain"])}</pre>`;
    return `<section id="item${i}" style="margin:10px 0;padding:8px;border-top:1px solid #ccc"><h3 style="font:bold 13px sans-serif;margin:0 0 6px">${esc(title)}</h3><div class="out">${body}</div></section>`;
  });
  return `<!doctype html><html><head><meta charset="utf-8"><title>gradlab visualizers</title></head><body style="margin:12px;max-width:1100px;background:#fff">${cells.join("")}</body></html>`;
}

/** A notebook (nbformat 4) whose outputs are the bundles, for nbconvert. */
export function galleryNotebook(items: [string, MimeBundle][]): object {
  return {
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: "gradlab", display_name: "TypeScript (gradlab)", language: "typescript" }, language_info: { name: "typescript" } },
    cells: items.map(([title, b], i) => ({
      cell_type: "code", id: `c${i}`, execution_count: i + 1, metadata: {}, source: `// ${title}`,
      outputs: [{ output_type: "display_data", metadata: {}, data: b }],
    })),
  };
}

/** The same kinds of display on the real lib: a small CNN, its loss graph and gradients. */
export async function libGalleryBundles(): Promise<[string, MimeBundle][]> {
  const { F, manualSeed, nn, randn, tensor, Tensor } = await import("../../lib/index.js");
  manualSeed(0);
  const out: [string, MimeBundle][] = [];
  const show = async (title: string, x: { [JUPYTER_DISPLAY](): MimeBundle | Promise<MimeBundle> }) => out.push([title, await x[JUPYTER_DISPLAY]()]);
  const cnn = new nn.Sequential({
    conv1: new nn.Conv2d(1, 8, 3, { padding: 1 }),
    relu1: new nn.ReLU(),
    pool1: new nn.MaxPool2d(2),
    conv2: new nn.Conv2d(8, 16, 3, { padding: 1 }),
    relu2: new nn.ReLU(),
    pool2: new nn.MaxPool2d(2),
    flatten: new nn.Flatten(),
    fc: new nn.Linear(16 * 3 * 3, 10),
  });
  const x = randn([4, 1, 12, 12]);
  out.push(["lib: CNN as a cell's last expression (table + structure)", moduleBundle(cnn)]);
  await show("lib: CNN summary", summary(cnn, x));
  await show("lib: CNN architecture", architecture(cnn, x));
  const loss = F.crossEntropy(cnn.call(x), tensor([1, 3, 5, 7], { dtype: "int32" }));
  loss.backward();
  await show("lib: CNN loss autograd graph", graph(loss, { params: cnn, colorByGrad: true }));
  await show("lib: CNN gradient flow", gradientFlow(cnn));
  class FunctionalNet extends nn.Module {
    conv = new nn.Conv2d(1, 4, 3, { padding: 1 });
    fc = new nn.Linear(4 * 6 * 6, 10);
    override forward(t: InstanceType<typeof Tensor>) {
      return this.fc.call(F.maxPool2d(F.relu(this.conv.call(t)), 2).flatten(1));
    }
  }
  await show("lib: architecture with functional calls as nodes", architecture(new FunctionalNet(), x));
  const conv1 = cnn.namedParameters().find(([n]) => n === "conv1.weight")![1];
  await show("lib: conv1 filters", imageGrid(conv1, { normalize: "each", scale: 12 }));
  await show("lib: conv1.weight with grad", tensorView(conv1, { name: "conv1.weight" }));
  return out;
}
