import { describe, expect, it } from "vitest";
import { architecture, architectureDiagram } from "../../visualizers/architecture.js";
import { autogradGraph, graph } from "../../visualizers/autograd_graph.js";
import { JUPYTER_DISPLAY } from "../../visualizers/bundle.js";
import { summary, summaryData } from "../../visualizers/module_summary.js";
import { FakeNet, fakeTensor } from "./fakes.js";
import { allText, parseSvg } from "./xml.js";

const x = fakeTensor([5, 4], (i) => i / 20);

describe("summary", () => {
  it("rows in tree order with output shapes from a forward pass and hand-counted params", () => {
    const net = new FakeNet();
    const d = summaryData(net, x);
    expect(d.rows.map((r) => [r.name, r.type, r.outputShape, r.params])).toEqual([
      ["", "FakeNet", "[5, 3]", 0],
      ["fc1", "FakeLinear", "[5, 8]", 4 * 8 + 8],
      ["act", "FakeReLU", "[5, 8]", 0],
      ["block", "FakeSequential", "[5, 8]", 0],
      ["block.0", "FakeLinear", "[5, 8]", 8 * 8 + 8],
      ["block.1", "FakeReLU", "[5, 8]", 0],
      ["head", "FakeLinear", "[5, 3]", 8 * 3 + 3],
    ]);
    expect(d.totalParams).toBe(40 + 72 + 27);
    expect(d.trainableParams).toBe(139);
    expect(d.paramBytes).toBe(139 * 4);
    // hooks removed and training mode restored afterwards
    expect([...net.hooks.keys()]).toEqual([]);
    expect(net.training).toBe(true);
  });
  it("bundle has html + text, text mentions totals", () => {
    const b = summary(new FakeNet(), x)[JUPYTER_DISPLAY]();
    expect(Object.keys(b).sort()).toEqual(["text/html", "text/plain"]);
    expect(b["text/plain"]).toContain("Total params: 139");
    expect(b["text/html"]).toContain("block.0".split(".").pop()!);
  });
  it("without an input the table has no output-shape column (nothing ran)", () => {
    const without = summary(new FakeNet())[JUPYTER_DISPLAY]();
    expect(without["text/plain"]).not.toContain("Output Shape");
    expect(without["text/html"]).not.toContain("Output Shape");
    expect(without["text/plain"]).toMatch(/fc1 \(FakeLinear\)\s+40\s+yes/);
    expect(summary(new FakeNet(), x)[JUPYTER_DISPLAY]()["text/html"]).toContain("Output Shape");
  });
  it("non-trainable parameters are counted apart", () => {
    const net = new FakeNet();
    (net.children[0]![1].params[0]![1] as { requiresGrad: boolean }).requiresGrad = false;
    const d = summaryData(net, x);
    expect(d.trainableParams).toBe(139 - 32);
    expect(d.rows[1]!.trainable).toBe("partial");
  });
});

describe("architecture", () => {
  it("traces data flow through plain ops (the residual add is a node) with shapes on edges", () => {
    const d = architectureDiagram(new FakeNet(), [x]);
    const e = d.edges.map((e) => `${e.from}->${e.to} ${e.label}`).sort();
    expect(e).toEqual([
      "input->m:fc1 [5, 4]",
      "m:act->m:block.0 [5, 8]",
      "m:act->op:0 [5, 8]", // residual branch
      "m:block.1->op:0 [5, 8]",
      "op:0->m:head [5, 8]",
      "m:block.0->m:block.1 [5, 8]",
      "m:fc1->m:act [5, 8]",
      "m:head->output [5, 3]",
    ].sort());
    expect(d.nodes.find((n) => n.id === "op:0")!.lines).toEqual(["add"]);
    expect(d.clusters).toEqual([{ id: "c:block", label: "block (FakeSequential)", parent: undefined }]);
  });
  it("renders a well-formed SVG naming the layers and shapes", () => {
    const b = architecture(new FakeNet(), x)[JUPYTER_DISPLAY]();
    expect(Object.keys(b).sort()).toEqual(["image/svg+xml", "text/html", "text/plain"]);
    expect(b["text/html"]).toBe(`<div class="gradlab-svg">${b["image/svg+xml"]}</div>`);
    const text = allText(parseSvg(b["image/svg+xml"] as string));
    for (const s of ["fc1", "head", "FakeLinear", "[5, 4]", "[5, 3]", "block (FakeSequential)", "40 params"]) expect(text).toContain(s);
  });
  it("without an input draws the structure: containers as clusters, a Sequential in order", () => {
    const d = architectureDiagram(new FakeNet(), []);
    expect(d.nodes.map((n) => n.id)).toEqual(["m:fc1", "m:act", "m:block.0", "m:block.1", "m:head"]);
    expect(d.clusters).toEqual([{ id: "c:block", label: "block (FakeSequential)", parent: undefined }]);
    // FakeSequential is not lib's Sequential: its order is not known to be the data flow
    expect(d.edges.every((e) => e.hidden)).toBe(true);
    const svg = architecture(new FakeNet())[JUPYTER_DISPLAY]()["image/svg+xml"] as string;
    expect(svg).not.toContain("marker-end=");
    for (const s of ["fc1", "block (FakeSequential)", "head"]) expect(allText(parseSvg(svg))).toContain(s);
  });
});

describe("autograd graph", () => {
  it("ops, named leaves and shapes, like torchviz", () => {
    const net = new FakeNet();
    const out = net.call(x);
    const g = autogradGraph(out, { params: net });
    expect(g.ops).toEqual({ AddmmBackward: 3, ReluBackward: 2, AddBackward: 1, AccumulateGrad: 6 });
    const labels = g.nodes.map((n) => n.lines.join(" "));
    expect(labels).toContain("fc1.weight [8, 4]");
    expect(labels).toContain("head.bias [3]");
    expect(labels).toContain("output [5, 3]");
    const svg = graph(out, { params: net })[JUPYTER_DISPLAY]()["image/svg+xml"] as string;
    const text = allText(parseSvg(svg));
    expect(text).toContain("AddmmBackward");
    expect(text).toContain("block.0.weight");
  });
  it("colours leaves by gradient magnitude (bigger grad = darker)", () => {
    const net = new FakeNet();
    const out = net.call(x);
    const ps = net.namedParameters();
    ps.forEach(([, p], i) => ((p as { grad: unknown }).grad = fakeTensor([...p.shape], () => 10 ** -i)));
    const g = autogradGraph(out, { params: net, colorByGrad: true });
    const fc1w = g.nodes.find((n) => n.lines[0] === "fc1.weight")!;
    const headb = g.nodes.find((n) => n.lines[0] === "head.bias")!;
    const lum = (c: string) => parseInt(c.slice(1, 3), 16) + parseInt(c.slice(3, 5), 16) + parseInt(c.slice(5, 7), 16);
    expect(lum(fc1w.fill!)).toBeLessThan(lum(headb.fill!));
    expect(fc1w.tooltip).toContain("mean |grad| 1");
  });
  it("a tensor without history is a clear error", () => {
    expect(() => graph(x)).toThrow(/graph: tensor\[5, 4\] has no gradFn/);
  });
});
