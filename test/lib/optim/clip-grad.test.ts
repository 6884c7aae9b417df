import { describe, expect, it } from "vitest";
import { clipGradNorm } from "../../../lib/optim/index.js";
import { nn, clipGradNorm as rootClipGradNorm } from "../../../lib/index.js";
import { Tensor } from "../../../lib/tensor.js";
import { param } from "./helpers.js";

function withGrad(values: number[], grad: number[]) {
  const p = param(values);
  p.grad = Tensor.fromArray(Float64Array.from(grad), [grad.length], "float64");
  return p;
}

describe("clipGradNorm", () => {
  it("scales all gradients together to the max norm and returns the old norm (3-4-12-13)", () => {
    const a = withGrad([0, 0], [3, 4]);
    const b = withGrad([0], [12]);
    const norm = clipGradNorm([a, b], 1.3);
    expect(norm).toBeCloseTo(13, 12);
    const k = 1.3 / (13 + 1e-6);
    expect(Array.from(a.grad!.data)).toEqual([3 * k, 4 * k]);
    expect(b.grad!.data[0]).toBeCloseTo(12 * k, 12);
  });

  it("leaves gradients below the limit alone; supports the max norm", () => {
    const a = withGrad([0, 0], [3, -4]);
    expect(clipGradNorm([a], 10)).toBeCloseTo(5, 12);
    expect(Array.from(a.grad!.data)).toEqual([3, -4]);
    expect(clipGradNorm([a], 10, { normType: Infinity })).toBe(4);
  });

  it("is also nn.utils.clipGradNorm and gradlab's clipGradNorm", () => {
    expect(nn.utils.clipGradNorm).toBe(clipGradNorm);
    expect(rootClipGradNorm).toBe(clipGradNorm);
  });
});

describe("clipGradValue and zeroGrad(false)", () => {
  it("clamps each gradient element; zeroGrad(false) keeps zero tensors", async () => {
    const { clipGradValue } = await import("../../../lib/optim/index.js");
    const a = withGrad([0, 0, 0], [-3, 0.5, 2]);
    clipGradValue([a], 1);
    expect(Array.from(a.grad!.data)).toEqual([-1, 0.5, 1]);
    const lin = new nn.Linear(2, 1);
    lin.weight.grad = Tensor.fromArray(Float32Array.from([1, 2]), [1, 2], "float32");
    lin.zeroGrad(false);
    expect(Array.from(lin.weight.grad!.data)).toEqual([0, 0]);
  });
});
