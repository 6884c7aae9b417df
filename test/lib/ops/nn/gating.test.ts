// softmin, glu, prelu, threshold, gumbelSoftmax.
import { describe, expect, it } from "vitest";
import { F, Generator, randn, tensor } from "../../../../lib/index.js";

const f64 = { dtype: "float64" as const };

describe("composite activations", () => {
  it("softmin = softmax(−x); glu; prelu; threshold", () => {
    const s = F.softmin(tensor([1, 2, 3], f64), 0).data;
    [0.6652409557748219, 0.24472847105479764, 0.09003057317038046].forEach((v, i) => expect(s[i]).toBeCloseTo(v, 15));
    expect(F.glu(tensor([[1, 2, 0, 0]], f64)).toArray()).toEqual([[0.5, 1]]);
    expect(() => F.glu(tensor([1, 2, 3]))).toThrow(/glu: dim -1 of input shape \[3\] must have an even size/);
    expect(F.prelu(tensor([[-2, 3], [-1, -4]], f64), tensor([0.25], f64)).toArray()).toEqual([[-0.5, 3], [-0.25, -1]]);
    expect(F.prelu(tensor([[-2, -2]], f64), tensor([0.5, 2], f64)).toArray()).toEqual([[-1, -4]]);
    expect(F.threshold(tensor([0.1, 0.5, 2]), 0.4, -1).toArray()).toEqual([-1, 0.5, 2]);
  });

  it("gumbelSoftmax: rows sum to 1; hard gives one-hot with the soft gradient; sampling follows the logits", () => {
    const logits = tensor([[Math.log(0.7), Math.log(0.2), Math.log(0.1)]], f64);
    const soft = F.gumbelSoftmax(logits, { tau: 0.5, generator: new Generator(1) });
    expect(soft.sum().item()).toBeCloseTo(1, 14);
    const x = logits.detach().requiresGrad_();
    const hard = F.gumbelSoftmax(x, { hard: true, generator: new Generator(1) });
    expect(Array.from(hard.data).sort()).toEqual([0, 0, 1]);
    hard.mul(tensor([1, 2, 3], f64)).sum().backward();
    expect(x.grad!.abs().sum().item()).toBeGreaterThan(0);
    // With hard samples, class frequencies approach the softmax of the logits.
    const gen = new Generator(7), counts = [0, 0, 0];
    const many = logits.expand(3000, 3).contiguous();
    const h = F.gumbelSoftmax(many, { hard: true, generator: gen }).data;
    for (let i = 0; i < h.length; i++) if (h[i] === 1) counts[i % 3]++;
    expect(counts[0] / 3000).toBeCloseTo(0.7, 1);
    expect(counts[2] / 3000).toBeCloseTo(0.1, 1);
  });
});
