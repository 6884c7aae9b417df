// nn.Sequential runs a Conv2d followed by a ReLU as one conv kernel with ReLU in its
// epilogue. Fused or not, the values, the gradients and the graph are the same; hooks,
// subclasses and per-instance forwards turn the fusion off.
import { describe, expect, it } from "vitest";
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

function unfused(seq: nn.Sequential, x: Tensor): Tensor {
  let out = x;
  for (const m of seq.children()) out = m instanceof nn.Conv2d ? F.conv2d(out, m.weight, { bias: m.bias, padding: 1 }) : m.call(out);
  return out;
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
