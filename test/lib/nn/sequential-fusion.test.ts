// nn.Sequential runs a Conv2d followed by a ReLU as one conv kernel with ReLU in its
// epilogue. Fused or not, the values, the input gradient and the graph are the same, the
// weight gradients too within rounding (a fused pool's visit only the argmax positions);
// hooks, subclasses and per-instance forwards turn the fusion off.
import { describe, expect, it, vi } from "vitest";
import { getKernels } from "../../../lib/backend/index.js";
import { nn, randn, manualSeed, F, type Tensor } from "../../../lib/index.js";
import { gradcheckModule, rand64 } from "./helpers.js";

function names(t: Tensor): string[] {
  const out: string[] = [];
  let fn = t.gradFn as { name: string; inputs: unknown[] } | null;
  while (fn) {
    out.push(fn.name);
    fn = (fn.inputs.find((i) => i && (i as { name: string }).name !== "AccumulateGrad") ?? null) as typeof fn;
  }
  return out;
}

/** The same modules one at a time, each through its functional op. */
function unfused(seq: nn.Sequential, x: Tensor): Tensor {
  let out = x;
  for (const m of seq.children()) {
    if (m instanceof nn.Conv2d) out = F.conv2d(out, m.weight, { bias: m.bias, padding: m.padding as number[] });
    else if (m instanceof nn.MaxPool2d) out = F.maxPool2d(out, m.kernelSize, m.options);
    else out = m.call(out);
  }
  return out;
}

function grads(a: Tensor, x: Tensor, conv: nn.Conv2d): Tensor[] {
  x.grad = null; conv.weight.grad = null; conv.bias!.grad = null;
  a.mul(a.detach().add(0.5)).sum().backward();
  return [x.grad!, conv.weight.grad!, conv.bias!.grad!];
}

/** |a − b| ≤ tol · (1 + max |b|) elementwise: sums of the same terms in another order. */
function expectClose(a: Tensor, b: Tensor, tol: number): void {
  expect(a.shape).toEqual(b.shape);
  expect(a.sub(b).abs().max().item()).toBeLessThan(tol * (1 + b.abs().max().item()));
}

describe("Sequential: Conv2d + ReLU fusion", () => {
  for (const dtype of ["float32", "float64"] as const) {
    it(`same values, gradients and graph as conv2d then relu (${dtype})`, () => {
      manualSeed(4);
      const seq = new nn.Sequential(new nn.Conv2d(2, 3, 3, { padding: 1, dtype }), new nn.ReLU(), new nn.Flatten());
      const x = randn([2, 2, 5, 5], { dtype, requiresGrad: true });
      const a = seq.call(x), b = unfused(seq, x);
      expect(a.toArray()).toEqual(b.toArray());
      expect(names(a)).toEqual(names(b));
      expect(names(a).slice(-2)).toEqual(["ReluBackward", "Conv2dBackward"]);
      const conv = seq.children()[0] as nn.Conv2d;
      a.sum().backward();
      const ga = [x.grad!.toArray(), conv.weight.grad!.toArray(), conv.bias!.grad!.toArray()];
      x.grad = null; conv.weight.grad = null; conv.bias!.grad = null;
      b.sum().backward();
      expect([x.grad!.toArray(), conv.weight.grad!.toArray(), conv.bias!.grad!.toArray()]).toEqual(ga);
    });
  }

  for (const [label, k, opts] of [
    ["2x2", 2, {}], ["3x3 stride 2 (overlapping windows), ceil mode", 3, { stride: 2, ceilMode: true }], ["2x2 padded", 2, { padding: 1 }],
  ] as [string, number, F.MaxPool2dOptions][]) {
    for (const dtype of ["float32", "float64"] as const) {
      it(`Conv2d, ReLU, MaxPool2d ${label}: same values, gradients and graph (${dtype})`, () => {
        manualSeed(6);
        const conv = new nn.Conv2d(2, 3, 3, { padding: 1, dtype });
        const seq = new nn.Sequential(conv, new nn.ReLU(), new nn.MaxPool2d(k, opts));
        const x = randn([2, 2, 7, 6], { dtype, requiresGrad: true });
        const fused = vi.spyOn(getKernels(), "conv2dMaxPoolForward");
        const a = seq.call(x);
        expect(fused).toHaveBeenCalledTimes(1);
        fused.mockRestore();
        const b = unfused(seq, x);
        expect(a.shape).toEqual(b.shape);
        expect(a.toArray()).toEqual(b.toArray());
        expect(names(a)).toEqual(["MaxPool2dBackward", "ReluBackward", "Conv2dBackward"]);
        expect(names(a)).toEqual(names(b));
        // dx is the same kernel on the same conv-output gradient; dw and db visit only the
        // pool's argmax positions (wasm), the same terms summed in another order
        const [ga, gb] = [grads(a, x, conv), grads(b, x, conv)];
        expect(ga[0]!.toArray()).toEqual(gb[0]!.toArray());
        const tol = dtype === "float32" ? 1e-5 : 1e-12;
        expectClose(ga[1]!, gb[1]!, tol);
        expectClose(ga[2]!, gb[2]!, tol);
      });
    }
  }

  for (const dtype of ["float32", "float64"] as const) {
    it(`a first layer (single-channel input, no input gradient): the conv gradients straight from the pooled one (${dtype})`, () => {
      manualSeed(9);
      const conv = new nn.Conv2d(1, 6, 5, { padding: 2, dtype });
      const seq = new nn.Sequential(conv, new nn.ReLU(), new nn.MaxPool2d(2));
      const x = randn([3, 1, 12, 12], { dtype });
      const fused = vi.spyOn(getKernels(), "conv2dMaxPoolBackward");
      const a = seq.call(x);
      a.mul(a.detach().add(0.5)).sum().backward();
      expect(fused).toHaveBeenCalledTimes(1);
      fused.mockRestore();
      const [gw, gb] = [conv.weight.grad!, conv.bias!.grad!];
      conv.weight.grad = null; conv.bias!.grad = null;
      const b = unfused(seq, x);
      b.mul(b.detach().add(0.5)).sum().backward();
      expect(a.toArray()).toEqual(b.toArray());
      expect(names(a)).toEqual(["MaxPool2dBackward", "ReluBackward", "Conv2dBackward"]);
      const tol = dtype === "float32" ? 1e-5 : 1e-12;
      expect(gw.sub(conv.weight.grad!).abs().max().item()).toBeLessThan(tol * (1 + conv.weight.grad!.abs().max().item()));
      expect(gb.sub(conv.bias!.grad!).abs().max().item()).toBeLessThan(tol * (1 + conv.bias!.grad!.abs().max().item()));
    });
  }

  it("gradcheck through the fused conv + relu + pool path, single-channel input (float64)", () => {
    manualSeed(10);
    const seq = new nn.Sequential(new nn.Conv2d(1, 3, 3, { padding: 1, dtype: "float64" }), new nn.ReLU(), new nn.MaxPool2d(2));
    gradcheckModule(seq, [rand64([2, 1, 6, 6])]);
  });

  it("gradcheck through the fused conv + relu + pool path (float64)", () => {
    manualSeed(8);
    const seq = new nn.Sequential(new nn.Conv2d(2, 2, 3, { padding: 1, dtype: "float64" }), new nn.ReLU(), new nn.MaxPool2d(2));
    gradcheckModule(seq, [rand64([1, 2, 4, 4])]);
  });

  it("gradcheck through the fused path (float64)", () => {
    manualSeed(5);
    const seq = new nn.Sequential(new nn.Conv2d(2, 2, 3, { padding: 1, dtype: "float64" }), new nn.ReLU());
    gradcheckModule(seq, [rand64([1, 2, 4, 4])]);
  });

  it("a hook on either module, or a subclass, keeps them separate", () => {
    const conv = new nn.Conv2d(1, 2, 3), relu = new nn.ReLU();
    const seq = new nn.Sequential(conv, relu);
    const x = randn([1, 1, 5, 5]);
    let calls = 0;
    const h = relu.registerForwardHook(() => { calls++; });
    seq.call(x);
    expect(calls).toBe(1);
    h.remove();
    class MyReLU extends nn.ReLU { override forward(t: Tensor): Tensor { calls++; return super.forward(t); } }
    new nn.Sequential(conv, new MyReLU()).call(x);
    expect(calls).toBe(2);
  });
});
