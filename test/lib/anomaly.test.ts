// Non-finite numbers: backward's seed, anomaly mode, clipGradNorm.
import { describe, expect, it } from "vitest";
import { clipGradNorm, detectAnomaly, isAnomalyEnabled, setDetectAnomaly, tensor } from "../../lib/index.js";

describe("non-finite numbers", () => {
  it("backward seeds with ones: log([1, -1, 0]).sum() gives PyTorch's [1, -1, inf]", () => {
    const x = tensor([1, -1, 0], { requiresGrad: true });
    x.log().sum().backward();
    expect(x.grad!.toArray()).toEqual([1, -1, Infinity]);
  });

  it("anomaly mode names the op, its input shapes and the call site of a non-finite forward", () => {
    const x = tensor([[1, -1, 0]], { requiresGrad: true });
    expect(() => detectAnomaly(() => x.log())).toThrow(/^log produced (NaN|-Inf) in its forward output from finite inputs \(\[1, 3\] float32\); forward called at .*anomaly\.test\.ts:\d+:\d+/);
    expect(isAnomalyEnabled()).toBe(false);
    // Outside anomaly mode the same op runs.
    expect(x.log().shape).toEqual([1, 3]);
  });

  it("anomaly mode names the backward that turned a finite gradient non-finite, and its forward's call site", () => {
    const x = tensor([0, 4], { requiresGrad: true });
    setDetectAnomaly(true);
    try {
      const y = x.sqrt().sum(); // forward finite: sqrt(0) = 0; its gradient at 0 is Inf
      let err: Error | null = null;
      try {
        y.backward();
      } catch (e) {
        err = e as Error;
      }
      expect(err?.name).toBe("AnomalyError");
      expect(err?.message).toMatch(/^SqrtBackward returned Inf in its gradient for input 0 \(inputs: \[2\] float32\); the forward of sqrt was called at .*anomaly\.test\.ts:/);
      expect(err?.stack).toMatch(/anomaly\.test\.ts/);
    } finally {
      setDetectAnomaly(false);
    }
  });

  it("clipGradNorm with a non-finite norm: errorIfNonfinite names the parameter", () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([[1, 1]], { requiresGrad: true });
    a.grad = tensor([1, 1]);
    b.grad = tensor([[NaN, 1]]);
    expect(() => clipGradNorm([a, b], 1, { errorIfNonfinite: true })).toThrow(/clipGradNorm: the total norm of order 2 of the gradients is non-finite \(NaN\); parameter 1 \(shape \[1, 2\]\) has a non-finite gradient/);
    expect(Number.isNaN(clipGradNorm([a, b], 1))).toBe(true);
  });
});
