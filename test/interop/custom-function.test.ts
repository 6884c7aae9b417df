// autograd.Function: user-defined forward/backward pairs, as torch.autograd.Function.
import { describe, expect, it } from "vitest";
import { Tensor, autograd, gradcheck, randn, tensor } from "../../lib/index.js";
import { autogradGraph } from "../../visualizers/autograd_graph.js";

class Cube extends autograd.Function {
  static override forward(ctx: autograd.Context, x: Tensor): Tensor {
    ctx.saveForBackward(x);
    return x.pow(3);
  }
  static override backward(ctx: autograd.Context, g: Tensor): Tensor {
    const [x] = ctx.savedTensors;
    return g.mul(x.pow(2).mul(3));
  }
}

/** a * x + b with a number argument in between, recording which inputs needed gradients. */
class ScaleShift extends autograd.Function {
  static seen: readonly boolean[] = [];
  static override forward(ctx: autograd.Context, x: Tensor, k: number, b: Tensor): Tensor {
    ctx.k = k;
    ScaleShift.seen = ctx.needsInputGrad;
    return x.mul(k).add(b);
  }
  static override backward(ctx: autograd.Context, g: Tensor): (Tensor | null)[] {
    const k = ctx.k as number;
    return [ctx.needsInputGrad[0] ? g.mul(k) : null, null, ctx.needsInputGrad[2] ? g : null];
  }
}

/** Two outputs (sum and product of a pair) plus an integer output marked non-differentiable. */
class SumProd extends autograd.Function {
  static calls = 0;
  static override forward(ctx: autograd.Context, a: Tensor, b: Tensor): [Tensor, Tensor, Tensor] {
    ctx.saveForBackward(a, b);
    const order = a.gt(b).to("float32");
    ctx.markNonDifferentiable(order);
    return [a.add(b), a.mul(b), order];
  }
  static override backward(ctx: autograd.Context, gs: Tensor, gp: Tensor, gOrder: Tensor): [Tensor, Tensor] {
    SumProd.calls++;
    expect(gOrder.sum().item()).toBe(0);
    const [a, b] = ctx.savedTensors;
    return [gs.add(gp.mul(b)), gs.add(gp.mul(a))];
  }
}

const leaf = (shape: number[]) => randn(shape, { dtype: "float64" }).requiresGrad_();

describe("autograd.Function", () => {
  it("Cube: gradFn name, gradient, gradcheck with the unbound apply", () => {
    const x = tensor([1, -2, 3], { requiresGrad: true });
    const y = Cube.apply(x);
    expect(y).toBeInstanceOf(Tensor);
    expect(y.gradFn!.name).toBe("CubeBackward");
    expect(y.toArray()).toEqual([1, -8, 27]);
    y.sum().backward();
    expect(x.grad!.toArray()).toEqual([3, 12, 27]);
    expect(gradcheck(Cube.apply, [leaf([4, 3])])).toBe(true);
    expect(Cube.apply).toBe(Cube.apply);
  });

  it("forward runs without recording; no input needing grad means no node", () => {
    let inside: boolean | null = null;
    class Probe extends autograd.Function {
      static override forward(_ctx: autograd.Context, x: Tensor): Tensor {
        inside = x.mul(2).requiresGrad;
        return x.mul(2);
      }
      static override backward(_ctx: autograd.Context, g: Tensor): Tensor { return g.mul(2); }
    }
    expect(Probe.apply(tensor([1], { requiresGrad: true })).gradFn!.name).toBe("ProbeBackward");
    expect(inside).toBe(false);
    expect(Probe.apply(tensor([1])).gradFn).toBeNull();
  });

  it("needsInputGrad, ctx attributes and non-tensor arguments", () => {
    const x = leaf([3]);
    const b = randn([3], { dtype: "float64" });
    const y = ScaleShift.apply(x, 2.5, b);
    expect(ScaleShift.seen).toEqual([true, false, false]);
    y.sum().backward();
    expect(x.grad!.toArray()).toEqual([2.5, 2.5, 2.5]);
    expect(gradcheck((x: Tensor, b: Tensor) => ScaleShift.apply(x, -1.5, b), [leaf([2, 2]), leaf([2, 2])])).toBe(true);
  });

  it("several outputs: one backward call, non-differentiable outputs, gradcheck", () => {
    const a = leaf([5]), b = leaf([5]);
    const [s, p, order] = SumProd.apply(a, b);
    expect(s.gradFn!.name).toBe("SumProdBackward");
    expect(p.gradFn!.name).toBe("SumProdBackward");
    expect(order.requiresGrad).toBe(false);
    expect(order.gradFn).toBeNull();
    SumProd.calls = 0;
    s.mul(2).add(p).sum().backward();
    expect(SumProd.calls).toBe(1);
    const bd = b.detach().data, ad = a.detach().data;
    Array.from(a.grad!.data).forEach((v, i) => expect(v).toBeCloseTo(2 + bd[i], 12));
    Array.from(b.grad!.data).forEach((v, i) => expect(v).toBeCloseTo(2 + ad[i], 12));
    expect(gradcheck((a: Tensor, b: Tensor) => SumProd.apply(a, b).slice(0, 2), [leaf([3]), leaf([3])])).toBe(true);
    // Only one output used: the other's gradient arrives as zeros.
    const [s2] = SumProd.apply(a, b);
    a.grad = null;
    s2.sum().backward();
    expect(Array.from(a.grad!.data)).toEqual([1, 1, 1, 1, 1]);
  });

  it("double backward through a backward written with differentiable ops", () => {
    const x = tensor([2], { dtype: "float64", requiresGrad: true });
    const [g] = autograd.grad(Cube.apply(x), x, { createGraph: true });
    expect(g.item()).toBe(12);
    const [gg] = autograd.grad(g, x);
    expect(gg.item()).toBe(12); // d/dx 3x² = 6x
  });

  it("saved tensors: in-place change after saving, second backward, savedTensors freed", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(1);
    const y = Cube.apply(h);
    h.mul_(2);
    expect(() => y.sum().backward()).toThrow(/modified by an in-place operation/);
    const z = Cube.apply(x).sum();
    z.backward();
    expect(() => z.backward()).toThrow(/freed/);
  });

  it("clear errors for wrong returns", () => {
    class NoTensor extends autograd.Function {
      static override forward(): Tensor { return 3 as unknown as Tensor; }
    }
    expect(() => NoTensor.apply()).toThrow(/NoTensor.forward: must return a Tensor or an array of Tensors, got number/);
    class TooFew extends autograd.Function {
      static override forward(_c: autograd.Context, a: Tensor, b: Tensor): Tensor { return a.add(b); }
      static override backward(_c: autograd.Context, g: Tensor): Tensor { return g; }
    }
    const a = leaf([2]), b = leaf([2]);
    expect(() => TooFew.apply(a, b).sum().backward()).toThrow(/TooFewBackward: backward returned 1 gradient but apply got 2 inputs/);
    class BadShape extends autograd.Function {
      static override forward(_c: autograd.Context, a: Tensor): Tensor { return a.sum(); }
      static override backward(_c: autograd.Context, g: Tensor): Tensor { return g; }
    }
    expect(() => BadShape.apply(a).backward()).toThrow(/BadShapeBackward: gradient 0 has shape \[\] but input 0 has shape \[2\]/);
    class NoBackward extends autograd.Function {
      static override forward(_c: autograd.Context, a: Tensor): Tensor { return a.mul(2); }
    }
    expect(() => NoBackward.apply(a).sum().backward()).toThrow(/NoBackwardBackward: subclasses of autograd.Function must define static backward/);
  });

  it("returning an input gives a fresh tensor with the node, not the input", () => {
    class Ident extends autograd.Function {
      static override forward(_c: autograd.Context, a: Tensor): Tensor { return a; }
      static override backward(_c: autograd.Context, g: Tensor): Tensor { return g; }
    }
    const a = leaf([2]);
    const y = Ident.apply(a);
    expect(y).not.toBe(a);
    expect(a.isLeaf).toBe(true);
    expect(y.gradFn!.name).toBe("IdentBackward");
  });

  it("shows in the autograd graph under its name", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const g = autogradGraph(Cube.apply(x.mul(2)).sum(), { params: { x } });
    expect(g.ops.CubeBackward).toBe(1);
    expect(g.nodes.some((n) => n.lines[0] === "CubeBackward")).toBe(true);
    expect(g.nodes.some((n) => n.lines[0] === "x")).toBe(true);
  });
});
