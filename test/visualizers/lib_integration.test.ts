// The visualizers against the real lib (Tensor, autograd, nn) rather than test doubles.
import { describe, expect, it } from "vitest";
import { F, manualSeed, nn, randn, tensor, Tensor } from "../../lib/index.js";
import { architectureDiagram } from "../../visualizers/architecture.js";
import { autogradGraph, graph } from "../../visualizers/autograd_graph.js";
import { JUPYTER_DISPLAY, type MimeBundle } from "../../visualizers/bundle.js";
import { gradientFlowData } from "../../visualizers/gradient_flow.js";
import { installHooks, moduleBundle, uninstallHooks } from "../../visualizers/hooks.js";
import { summaryData } from "../../visualizers/module_summary.js";
import { saliency } from "../../visualizers/saliency.js";
import { tensorStats } from "../../visualizers/stats.js";
import { tensorSummary } from "../../visualizers/tensor_view.js";
import { allText, parseSvg } from "./xml.js";

// An activation made of core ops only, so this test does not depend on F.* landing.
class Square extends nn.Module {
  override forward(x: Tensor): Tensor {
    return x.mul(x);
  }
}

class FunctionalCnn extends nn.Module {
  conv1 = new nn.Conv2d(1, 4, 3, { padding: 1 });
  fc = new nn.Linear(64, 3);
  override forward(x: Tensor): Tensor {
    return this.fc.call(F.maxPool2d(F.relu(this.conv1.call(x)), 2).flatten(1));
  }
}

class Residual extends nn.Module {
  fc1 = new nn.Linear(4, 8);
  act = new Square();
  block = new nn.Sequential(new nn.Linear(8, 8), new Square());
  head = new nn.Linear(8, 3);
  override forward(x: Tensor): Tensor {
    const h = this.act.call(this.fc1.call(x));
    return this.head.call(h.add(this.block.call(h)));
  }
}

describe("with lib", () => {
  it("tensor stats and summary on a real tensor", () => {
    const t = tensor([[1, 2], [3, 4]]);
    const s = tensorStats(t.data);
    expect([s.min, s.max, s.mean]).toEqual([1, 4, 2.5]);
    expect(s.std).toBeCloseTo(Math.sqrt(5 / 3), 6); // sample variance of 1..4 = 5/3
    expect(tensorSummary(t)).toBe("tensor[2, 2] f32 n=4 x∈[1, 4] μ=2.5 σ=1.291");
  });

  it("summary: torchinfo numbers for Linear(4,8) / Linear(8,8) / Linear(8,3)", () => {
    manualSeed(0);
    const d = summaryData(new Residual(), randn([5, 4]));
    const byName = Object.fromEntries(d.rows.map((r) => [r.name, r]));
    expect(byName["fc1"]).toMatchObject({ type: "Linear", outputShape: "[5, 8]", params: 4 * 8 + 8 });
    expect(byName["block.0"]).toMatchObject({ type: "Linear", outputShape: "[5, 8]", params: 72 });
    expect(byName["head"]).toMatchObject({ outputShape: "[5, 3]", params: 27 });
    expect(d.totalParams).toBe(40 + 72 + 27);
  });

  it("architecture follows the residual add through lib's GradFn graph", () => {
    manualSeed(0);
    const d = architectureDiagram(new Residual(), [randn([5, 4])]);
    const add = d.nodes.find((n) => n.lines[0] === "add")!.id;
    const e = d.edges.map((x) => `${x.from}->${x.to}`);
    expect(e).toContain(`m:act->${add}`);
    expect(e).toContain(`m:block.1->${add}`);
    expect(e).toContain(`${add}->m:head`);
    expect(e).toContain("input->m:fc1");
  });

  it("architecture draws functional calls as nodes, so each edge has the shape its consumer got", () => {
    manualSeed(0);
    const d = architectureDiagram(new FunctionalCnn(), [randn([2, 1, 8, 8])]);
    const label = (id: string) => (id.startsWith("op:") ? d.nodes.find((n) => n.id === id)!.lines[0] : id);
    const e = d.edges.map((x) => `${label(x.from)} -> ${label(x.to)} ${x.label}`);
    expect(e).toEqual([
      "input -> m:conv1 [2, 1, 8, 8]",
      "m:conv1 -> relu [2, 4, 8, 8]",
      "relu -> maxPool2d [2, 4, 8, 8]",
      "maxPool2d -> reshape [2, 4, 4, 4]",
      "reshape -> m:fc [2, 64]",
      "m:fc -> output [2, 3]",
    ]);
  });

  it("a Module's own display holds the summary table and its structure diagram", () => {
    const b = moduleBundle(new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2)));
    const html = b["text/html"] as string;
    expect(html).toContain('class="gradlab-summary"');
    const svg = html.slice(html.indexOf("<svg"), html.indexOf("</svg>") + 6);
    const text = allText(parseSvg(svg));
    for (const s of ["Linear", "ReLU", "40 params", "18 params"]) expect(text).toContain(s);
    // a Sequential's order is its data flow: two arrows join three layers
    expect(svg.match(/marker-end=/g)).toHaveLength(2);
  });

  it("autograd graph of a real loss names the parameters", () => {
    manualSeed(0);
    const net = new Residual();
    const out = net.call(randn([5, 4]));
    const loss = out.mul(out).mean();
    loss.backward();
    const g = autogradGraph(loss, { params: net, colorByGrad: true });
    const labels = g.nodes.map((n) => n.lines[0]);
    for (const p of ["fc1.weight", "fc1.bias", "block.0.weight", "head.weight"]) expect(labels).toContain(p);
    expect(Object.keys(g.ops).some((k) => /Backward/.test(k))).toBe(true);
    const text = allText(parseSvg(graph(loss, { params: net })[JUPYTER_DISPLAY]()["image/svg+xml"] as string));
    expect(text).toContain(loss.gradFn!.name);
    const flow = gradientFlowData(net);
    expect(flow.rows.map((r) => r.name)).toEqual(net.namedParameters().map(([n]) => n));
    const w = net.fc1.weight.grad!.data;
    expect(flow.rows[0]!.maxAbs).toBeCloseTo(Math.max(...Array.from(w, Math.abs)), 6);
  });

  it("display hooks on Tensor and Module", () => {
    installHooks({ Tensor, Module: nn.Module });
    try {
      const hook = Symbol.for("Jupyter.display");
      const tb = (tensor([1, 2, 3]) as unknown as Record<symbol, () => MimeBundle>)[hook]!();
      expect(Object.keys(tb).sort()).toEqual(["text/html", "text/plain"]);
      const mb = (new nn.Linear(2, 3) as unknown as Record<symbol, () => MimeBundle>)[hook]!();
      expect(mb["text/plain"]).toBe("Linear(in_features=2, out_features=3, bias=true)");
      expect(mb["text/html"]).toContain("Total params");
    } finally {
      uninstallHooks({ Tensor, Module: nn.Module });
    }
  });

  it("saliency of a linear model is |W[:, target]| (the gradient of a linear score)", () => {
    manualSeed(0);
    const lin = new nn.Linear(16, 3);
    const model = (x: Tensor) => lin.call(x.reshape([x.shape[0]!, 16]));
    const x = randn([2, 1, 4, 4]);
    const b = saliency(model as never, x as never, { target: 2 })[JUPYTER_DISPLAY]();
    expect(Object.keys(b).sort()).toEqual(["image/png", "text/plain"]);
    // independent check of the gradient the view was built from
    const xi = x.detach().requiresGrad_(true);
    const out = model(xi);
    out.backward(tensor([[0, 0, 1], [0, 0, 1]]));
    const wRow = Array.from(lin.weight.data.subarray(2 * 16, 3 * 16));
    expect(Array.from(xi.grad!.data.subarray(0, 16))).toEqual(wRow.map((v) => Math.fround(v)));
  });
  it("saliency leaves a Module's parameter gradients as they were, and captions with labels", () => {
    manualSeed(0);
    const net = new nn.Sequential(new nn.Flatten(), new nn.Linear(16, 3));
    const x = randn([2, 1, 4, 4]);
    net.call(x).sum().backward(); // a training step's gradients, to be kept
    const before = net.parameters().map((p) => Array.from(p.grad!.data));
    const fresh = new nn.Sequential(new nn.Flatten(), new nn.Linear(16, 3)); // no .grad yet
    const b = saliency(net, x, { labels: ["seven", "two"] })[JUPYTER_DISPLAY]();
    saliency(fresh, x);
    expect(net.parameters().map((p) => Array.from(p.grad!.data))).toEqual(before);
    expect(net.parameters().every((p) => p.requiresGrad)).toBe(true);
    expect(fresh.parameters().map((p) => p.grad)).toEqual([null, null]);
    const html = b["text/html"] as string;
    expect(html.match(/<figcaption[^>]*>(.*?)<\/figcaption>/g)!.map((c) => c.replace(/<[^>]+>/g, ""))).toEqual(["seven", "two"]);
    expect(html.match(/<img /g)).toHaveLength(4); // each input over its map
    expect(() => saliency(net, x, { labels: ["one"] })).toThrow(/saliency: 1 labels for 2 inputs/);
  });

});
