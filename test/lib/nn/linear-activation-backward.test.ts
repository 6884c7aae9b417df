// linear after a pointwise activation (GELU, SiLU, tanh, sigmoid): the engine has linear's
// backward take dx through the activation's backward in the same kernel call when nothing can
// see the gradient in between. The result must have the bits of the two separate backwards.
import { afterAll, describe, expect, it } from "vitest";
import { F, manualSeed, nn, randn, setNumThreads, type Tensor } from "../../../lib/index.js";
import { getKernels as registry } from "../../../lib/backend/index.js";

const bits = (t: Tensor): number[] => Array.from(t.contiguous().storage.data as Float32Array);

/** Counts the calls of one registry kernel while `body` runs. */
function countCalls(name: "pointwiseBackward", body: () => void): number {
  const k = registry() as unknown as Record<string, (...a: unknown[]) => unknown>;
  const fn = k[name]!;
  let calls = 0;
  k[name] = (...a: unknown[]) => {
    calls++;
    return fn(...a);
  };
  try {
    body();
  } finally {
    k[name] = fn;
  }
  return calls;
}

/** fc → act → proj on [rows, 128] (dx of proj is [rows, 512]: in the wasm arena). */
function mlp(act: (t: Tensor) => Tensor, observe: boolean) {
  manualSeed(7);
  const fc = new nn.Linear(128, 512), proj = new nn.Linear(512, 128);
  const x = randn([64, 128]);
  const h = act(fc.call(x) as Tensor);
  if (observe) h.registerHook(() => undefined); // a hook sees h's gradient: no fusion
  (proj.call(h) as Tensor).square().sum().backward();
  return [fc.weight.grad!, fc.bias!.grad!, proj.weight.grad!, proj.bias!.grad!];
}

describe("linear's backward through its input's activation", () => {
  afterAll(() => setNumThreads(2));
  const acts: [string, (t: Tensor) => Tensor][] = [
    ["gelu", (t) => F.gelu(t)], ["gelu tanh", (t) => F.gelu(t, { approximate: "tanh" })], ["silu", (t) => F.silu(t)],
    ["tanh", (t) => t.tanh()], ["sigmoid", (t) => t.sigmoid()],
  ];
  for (const [name, act] of acts) {
    it(`${name}: one call instead of two, the same gradient bits, at 1 and 2 threads`, () => {
      const runs = [1, 2].map((threads) => {
        setNumThreads(threads);
        let fused: Tensor[] = [], plain: Tensor[] = [];
        expect(countCalls("pointwiseBackward", () => { fused = mlp(act, false); })).toBe(0);
        expect(countCalls("pointwiseBackward", () => { plain = mlp(act, true); })).toBe(1);
        fused.forEach((g, i) => expect(bits(g)).toEqual(bits(plain[i]!)));
        return fused.map(bits);
      });
      expect(runs[1]).toEqual(runs[0]);
    });
  }

  it("not fused when the activation's output feeds two ops (its gradient is a sum)", () => {
    manualSeed(8);
    const fc = new nn.Linear(16, 32), proj = new nn.Linear(32, 16);
    const x = randn([8, 16]);
    let n = 0;
    const grads = () => {
      fc.zeroGrad();
      const h = F.gelu(fc.call(x) as Tensor);
      (proj.call(h) as Tensor).sum().add(h.square().sum()).backward();
      return bits(fc.weight.grad!);
    };
    n = countCalls("pointwiseBackward", () => { grads(); });
    expect(n).toBe(1);
  });
});
