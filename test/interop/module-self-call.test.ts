// Issue 14 item 8 (kernel side): calling a module on itself, `this.call(x)` inside a method
// (nanoGPT's `self(idx)`), type-checks against the subclass's forward — checked by the real
// kernel's cell compiler, which is what rejected it.
import { describe, expect, it } from "vitest";
import { built } from "../kernel/kernel-harness.js";
import { kernelSession } from "./session.js";

const gpt = `class TinyLM extends nn.Module {
  emb = new nn.Embedding(10, 8);
  head = new nn.Linear(8, 10);
  forward(idx: Tensor, targets?: Tensor): { logits: Tensor; loss: Tensor | null } {
    const logits = this.head.call(this.emb.call(idx));
    return { logits, loss: targets === undefined ? null : F.crossEntropy(logits.reshape([-1, 10]), targets.reshape([-1])) };
  }
  generate(idx: Tensor, steps: number): Tensor {
    for (let i = 0; i < steps; i++) {
      const { logits } = this.call(idx);
      const next = logits.select(1, -1).argmax(-1, true);
      idx = cat([idx, next], 1);
    }
    return idx;
  }
}
manualSeed(0);
const lm = new TinyLM();
let calls = 0;
lm.registerForwardHook(() => { calls++; });
const out = lm.generate(tensor([[1, 2]], { dtype: "int32" }), 3);
[out.shape, calls]`;

describe.skipIf(!built)("this.call(x) inside a module method", () => {
  const { run, ok } = kernelSession({});

  it("type-checks against the subclass's forward and runs the hooks", async () => {
    const r = await ok(gpt);
    expect(r.result).toBe("[ [ 1, 5 ], 3 ]");
  });

  it("is checked: wrong arguments and a wrong use of the result are type errors", async () => {
    const wrongArg = await run('class M1 extends nn.Module {\n  forward(x: Tensor): Tensor { return x; }\n  twice(x: Tensor): Tensor { return this.call("x"); }\n}');
    expect(wrongArg.content.ename).toBe("TSError");
    expect(wrongArg.content.evalue).toMatch(/\(3:\d+\) Argument of type 'string' is not assignable to parameter of type 'Tensor'/);
    const wrongResult = await run("const n: number = lm.call(tensor([[1]], { dtype: 'int32' })).logits;");
    expect(wrongResult.content.evalue).toMatch(/Type 'Tensor' is not assignable to type 'number'/);
  });

  it("calls from outside keep forward's exact types, overloads included", async () => {
    const r = await ok("const lstm = new nn.LSTM(4, 3, { batchFirst: true });\nconst [y, [h, c]] = lstm.call(randn([2, 5, 4]));\nconst seq = new nn.Sequential(new nn.Linear(4, 2));\nconst z: Tensor = seq.call(randn([1, 4]));\n[y.shape, h.shape, c.shape, z.shape]");
    expect(r.result).toBe("[ [ 2, 5, 3 ], [ 1, 2, 3 ], [ 1, 2, 3 ], [ 1, 2 ] ]");
  });
});
