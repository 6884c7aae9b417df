import { describe, expect, it } from "vitest";
import { JUPYTER_DISPLAY } from "../../visualizers/bundle.js";
import { formatValues } from "../../visualizers/format.js";
import { encodePng } from "../../visualizers/png.js";
import { histogram, tensorStats } from "../../visualizers/stats.js";
import { tensorSummary, tensorView } from "../../visualizers/tensor_view.js";
import { fakeTensor } from "./fakes.js";
import { parseSvg, parseXml } from "./xml.js";
import { inflateSync } from "node:zlib";

describe("tensorStats", () => {
  it("matches hand-computed moments and counts", () => {
    // values 1,2,3,4 plus 0, NaN, Inf, -Inf: finite = [0,1,2,3,4], mean 2, sample var = 10/4
    const s = tensorStats([1, 2, 3, 4, 0, NaN, Infinity, -Infinity]);
    expect(s).toMatchObject({ numel: 8, finite: 5, min: 0, max: 4, nan: 1, posInf: 1, negInf: 1, zeros: 1 });
    expect(s.mean).toBeCloseTo(2, 12);
    expect(s.std).toBeCloseTo(Math.sqrt(2.5), 12);
  });
  it("std is NaN for a single value and the moments are NaN when nothing is finite", () => {
    expect(tensorStats([5]).std).toBeNaN();
    const s = tensorStats([NaN, NaN]);
    expect(s.min).toBeNaN();
    expect(s.nan).toBe(2);
  });
  it("histogram puts every finite value in exactly one bin, max in the last", () => {
    const h = histogram([0, 0.1, 0.5, 0.99, 1, NaN], 2);
    expect(h.edges).toEqual([0, 0.5, 1]);
    expect(h.counts).toEqual([2, 3]);
  });
});

describe("formatValues", () => {
  it("prints small tensors like PyTorch", () => {
    expect(formatValues([2, 2], [1, 2.5, -3, 4], "float32")).toBe("tensor([[ 1.0000,  2.5000],\n        [-3.0000,  4.0000]])");
    expect(formatValues([3], [1, 2, 3], "int32")).toBe("tensor([1, 2, 3])");
    expect(formatValues([], [7], "float32")).toBe("tensor(7.)");
  });
  it("summarises large tensors with edge items", () => {
    const s = formatValues([2000], Array.from({ length: 2000 }, (_, i) => i), "int32");
    expect(s).toBe("tensor([   0,    1,    2, ..., 1997, 1998, 1999])");
  });
});

describe("encodePng", () => {
  it("writes a PNG whose IDAT inflates back to the pixel rows", () => {
    const rgb = new Uint8Array([255, 0, 0, 0, 255, 0]);
    const png = encodePng(2, 1, rgb);
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join("")).toBe("PNG");
    expect(png.readUInt32BE(16)).toBe(2);
    expect(png.readUInt32BE(20)).toBe(1);
    const idatLen = png.readUInt32BE(33);
    expect(png.subarray(37, 41).toString("latin1")).toBe("IDAT");
    expect([...inflateSync(png.subarray(41, 41 + idatLen))]).toEqual([0, 255, 0, 0, 0, 255, 0]);
  });
});

describe("tensorView", () => {
  it("summary line reads like lovely-tensors", () => {
    const t = fakeTensor([2, 3], [1, 2, 3, 4, 5, 6], { requiresGrad: true, gradFn: { name: "MmBackward", inputs: [] } });
    expect(tensorSummary(t)).toBe("tensor[2, 3] f32 n=6 x∈[1, 6] μ=3.5 σ=1.871 grad_fn=MmBackward");
  });
  it("flags NaN and Inf", () => {
    expect(tensorSummary(fakeTensor([3], [1, NaN, Infinity]))).toContain("NaN!=1 +Inf!=1");
  });
  it("bundle: text + html with stats, histogram and heatmap for 2-D", () => {
    const t = fakeTensor([8, 10], (i) => Math.sin(i));
    const b = tensorView(t)[JUPYTER_DISPLAY]();
    expect(Object.keys(b).sort()).toEqual(["text/html", "text/plain"]);
    const html = b["text/html"] as string;
    parseXml(`<div>${html.replace(/<details>[\s\S]*<\/details>/, "")}</div>`);
    expect(html).toContain("tensor[8, 10]");
    expect(html).toContain("heatmap");
    const svg = /<svg[\s\S]*?<\/svg>/.exec(html)![0];
    parseSvg(svg);
    expect(b["text/plain"]).toMatch(/^tensor\[8, 10\] f32 n=80/);
  });
  it("the collapsed values section keeps its disclosure marker (Notebook's CSS makes summary a block)", () => {
    const html = tensorView(fakeTensor([30, 30], (i) => i))[JUPYTER_DISPLAY]()["text/html"] as string;
    expect(html).toMatch(/<details><summary style="display:list-item;[^"]*">values \(summarised\)<\/summary>/);
  });
  it("image-shaped tensors get an image grid, and grads show side by side", () => {
    const g = fakeTensor([4, 1, 8, 8], () => 0.5);
    const t = fakeTensor([4, 1, 8, 8], (i) => (i % 64) / 64, { requiresGrad: true, grad: g });
    const html = tensorView(t)[JUPYTER_DISPLAY]()["text/html"] as string;
    expect(html).toContain("images");
    expect(html).toContain("data:image/png;base64,");
    expect(html).toContain("value tensor[4, 1, 8, 8]");
    expect(html).toContain("grad tensor[4, 1, 8, 8]");
  });
});
