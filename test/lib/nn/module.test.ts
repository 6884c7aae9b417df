import { describe, expect, it } from "vitest";
import { nn, tensor, zeros } from "../../../lib/index.js";
import type { Tensor } from "../../../lib/tensor.js";

class Net extends nn.Module {
  fc1: nn.Linear;
  act = new nn.ReLU();
  fc2: nn.Linear;
  scale: Tensor;
  constructor() {
    super();
    this.fc1 = new nn.Linear(3, 4);
    this.fc2 = new nn.Linear(4, 2);
    this.scale = nn.Parameter(tensor([2]));
    this.registerBuffer("steps", zeros([1]));
  }
  override forward(x: Tensor): Tensor {
    return this.fc2.call(this.act.call(this.fc1.call(x))).mul(this.scale);
  }
}

describe("nn.Module registration", () => {
  it("registers submodules, parameters and buffers by assignment, in order, with dotted names", () => {
    const net = new Net();
    // As in PyTorch, a module's own parameters come before its children's.
    expect(net.namedParameters().map(([n]) => n)).toEqual(["scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]);
    // Class fields are defined in declaration order, so fc1 (declared first) comes before act.
    expect(net.namedChildren().map(([n]) => n)).toEqual(["fc1", "act", "fc2"]);
    expect(net.namedModules().map(([n]) => n)).toEqual(["", "fc1", "act", "fc2"]);
    expect(net.parameters().length).toBe(5);
    expect(net.namedBuffers().map(([n]) => n)).toEqual(["steps"]);
    expect(Object.keys(net.stateDict())).toEqual(["scale", "steps", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]);
  });

  it("reassigning replaces, null and delete unregister, shared parameters count once", () => {
    const net = new Net();
    net.fc2 = new nn.Linear(4, 5);
    expect(net.fc2.weight.shape).toEqual([5, 4]);
    (net as any).fc1 = null;
    expect(net.namedParameters().map(([n]) => n)).toEqual(["scale", "fc2.weight", "fc2.bias"]);
    const a = new nn.Linear(2, 2);
    const b = new nn.Linear(2, 2);
    b.weight = a.weight;
    const tied = new nn.Sequential(a, b);
    expect(tied.parameters().length).toBe(3);
  });

  it("keeps frozen parameters registered", () => {
    const lin = new nn.Linear(2, 2);
    lin.weight.requiresGrad = false;
    expect(lin.namedParameters().map(([n]) => n)).toEqual(["weight", "bias"]);
  });

  it("train/eval propagate; apply visits children first", () => {
    const net = new Net();
    net.eval();
    expect(net.modules().every((m) => !m.training)).toBe(true);
    net.train();
    expect(net.fc1.training).toBe(true);
    const seen: string[] = [];
    net.apply((m) => seen.push(m.constructor.name));
    expect(seen).toEqual(["Linear", "ReLU", "Linear", "Net"]);
  });

  it("zeroGrad clears parameter gradients", () => {
    const net = new Net();
    net.call(tensor([[1, 2, 3]])).sum().backward();
    expect(net.fc1.weight.grad).not.toBeNull();
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
  });
});

describe("state dicts", () => {
  it("loadStateDict copies values into an identical model", () => {
    const a = new Net();
    const b = new Net();
    b.loadStateDict(a.stateDict());
    const x = tensor([[0.5, -1, 2]]);
    expect(b.call(x).toArray()).toEqual(a.call(x).toArray());
    // Copies, not aliases:
    (a.fc1.weight.data as Float32Array)[0] += 1;
    expect(b.fc1.weight.data[0]).not.toBe(a.fc1.weight.data[0]);
  });

  it("strict loading names missing and unexpected keys and size mismatches", () => {
    const net = new Net();
    const sd = net.stateDict();
    const { ["fc2.bias"]: _dropped, ...missing } = sd;
    expect(() => net.loadStateDict(missing)).toThrow(/Missing key\(s\) in state dict: "fc2.bias"/);
    expect(() => net.loadStateDict({ ...sd, extra: zeros([1]) })).toThrow(/Unexpected key\(s\) in state dict: "extra"/);
    expect(() => net.loadStateDict({ ...sd, "fc1.weight": zeros([3, 4]) })).toThrow(
      /size mismatch for fc1.weight: copying a param with shape \[3, 4\] from checkpoint, the shape in current model is \[4, 3\]/,
    );
    const r = net.loadStateDict(missing, false);
    expect(r.missingKeys).toEqual(["fc2.bias"]);
  });
});

describe("hooks", () => {
  it("forward hooks see inputs and output and may replace the output; handles remove them", () => {
    const lin = new nn.Linear(2, 2);
    const calls: number[][] = [];
    const h = lin.registerForwardHook((_m, inputs, out) => {
      calls.push((inputs[0] as Tensor).shape.slice());
      return (out as Tensor).mul(0).add(7);
    });
    expect(lin.call(tensor([[1, 2]])).toArray()).toEqual([[7, 7]]);
    // DESIGN.md: hooks run on both forward and call.
    expect(lin.forward(tensor([[1, 2]])).toArray()).toEqual([[7, 7]]);
    expect(calls).toEqual([[1, 2], [1, 2]]);
    h.remove();
    expect(lin.call(tensor([[1, 2]])).toArray()).not.toEqual([[7, 7]]);
    const pre = lin.registerForwardPreHook(() => [tensor([[0, 0]])]);
    expect(lin.call(tensor([[1, 2]])).toArray()).toEqual([lin.bias!.toArray() as number[]]);
    pre.remove();
  });

  it("full backward hooks get dL/d(input) and dL/d(output) of the module", () => {
    const lin = new nn.Linear(3, 2);
    let gIn: (Tensor | null)[] = [];
    let gOut: (Tensor | null)[] = [];
    lin.registerFullBackwardHook((_m, gi, go) => {
      gIn = gi;
      gOut = go;
    });
    const x = tensor([[1, 2, 3]], { requiresGrad: true });
    const y = lin.call(x);
    y.mul(tensor([[2, 3]])).sum().backward();
    // dL/dy = [2, 3]; dL/dx = [2, 3] · W
    expect(gOut[0]!.toArray()).toEqual([[2, 3]]);
    const W = lin.weight.toArray() as number[][];
    const expected = [0, 1, 2].map((j) => 2 * W[0][j] + 3 * W[1][j]);
    (gIn[0]!.toArray() as number[][])[0].forEach((v, j) => expect(v).toBeCloseTo(expected[j], 5));
    expect(x.grad!.toArray()).toEqual(gIn[0]!.toArray());
  });

  it("a backward hook on a module whose input needs no grad still reports gradOutput", () => {
    const lin = new nn.Linear(2, 1);
    let called = 0;
    lin.registerFullBackwardHook((_m, gi, go) => {
      called++;
      expect(gi).toEqual([null]);
      expect(go[0]!.toArray()).toEqual([[1]]);
    });
    lin.call(tensor([[1, 2]])).sum().backward();
    expect(called).toBe(1);
  });

  it("a backward hook can replace the input gradient", () => {
    const lin = new nn.Linear(2, 2);
    lin.registerFullBackwardHook((_m, gi) => gi.map((g) => (g ? g.mul(0).add(5) : g)));
    const x = tensor([[1, 2]], { requiresGrad: true });
    lin.call(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([[5, 5]]);
  });
});

describe("containers, deepCopy and repr", () => {
  it("Sequential chains, indexes and names its children 0, 1, …", () => {
    const seq = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Linear(3, 1));
    expect(seq.length).toBe(3);
    expect(seq.at(-1)).toBeInstanceOf(nn.Linear);
    expect(Object.keys(seq.stateDict())).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
    expect(seq.call(tensor([[1, 1]])).shape).toEqual([1, 1]);
    const named = new nn.Sequential({ enc: new nn.Linear(2, 2), act: new nn.Tanh() });
    expect(named.namedChildren().map(([n]) => n)).toEqual(["enc", "act"]);
  });

  it("ModuleList and ModuleDict register their members (ModuleDict keeps insertion order)", () => {
    const list = new nn.ModuleList([new nn.Linear(1, 1), new nn.Linear(1, 1)]);
    list.append(new nn.Linear(1, 1));
    expect(list.length).toBe(3);
    expect(list.parameters().length).toBe(6);
    expect([...list].length).toBe(3);
    const dict = new nn.ModuleDict<nn.Module>([
      ["b", new nn.Linear(1, 1)],
      ["1", new nn.Linear(1, 2)],
      ["a", new nn.ReLU()],
    ]);
    expect(dict.keys()).toEqual(["b", "1", "a"]);
    expect(dict.namedChildren().map(([n]) => n)).toEqual(["b", "1", "a"]);
    expect(Object.keys(dict.stateDict()).length).toBe(4);
    expect(dict.get("a")).toBeInstanceOf(nn.ReLU);
  });

  it("deepCopy makes an independent module with equal values", () => {
    const net = new Net();
    const copy = nn.deepCopy(net);
    expect(copy).toBeInstanceOf(Net);
    expect(copy.fc1.weight).not.toBe(net.fc1.weight);
    expect(copy.fc1.weight.toArray()).toEqual(net.fc1.weight.toArray());
    expect(copy.namedParameters().map(([n]) => n)).toEqual(net.namedParameters().map(([n]) => n));
    (copy.fc1.weight.data as Float32Array)[0] = 42;
    expect(net.fc1.weight.data[0]).not.toBe(42);
    expect(copy.namedBuffers().map(([n]) => n)).toEqual(["steps"]);
  });

  it("prints like PyTorch", () => {
    const seq = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU());
    expect(String(seq)).toBe("Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=true)\n  (1): ReLU()\n)");
  });
});

describe("repr with extra fields and children", () => {
  it("puts extraRepr lines first and indents nested modules", () => {
    const mha = new nn.MultiheadAttention(4, 2);
    expect(String(mha)).toBe("MultiheadAttention(\n  embed_dim=4, num_heads=2\n  (out_proj): Linear(in_features=4, out_features=4, bias=true)\n)");
    const outer = new nn.Sequential(new nn.Sequential(new nn.ReLU()));
    expect(String(outer)).toBe("Sequential(\n  (0): Sequential(\n    (0): ReLU()\n  )\n)");
  });
});

describe("backward hooks on non-contiguous inputs and modules with several outputs", () => {
  it("works when the input is a transposed view", () => {
    const lin = new nn.Linear(2, 3);
    let gIn: Tensor | null = null;
    lin.registerFullBackwardHook((_m, gi) => {
      gIn = gi[0];
    });
    const base = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    lin.call(base.t()).sum().backward();
    expect(gIn!.shape).toEqual([3, 2]);
    // d(sum(x Wᵀ))/dx = 1·W summed over outputs, the same for every row
    const colSums = [0, 1].map((j) => (lin.weight.toArray() as number[][]).reduce((s, r) => s + r[j], 0));
    (gIn!.toArray() as number[][]).forEach((row) => row.forEach((v, j) => expect(v).toBeCloseTo(colSums[j], 5)));
  });

  it("LSTM: gradOutput has one entry per output tensor", () => {
    const lstm = new nn.LSTM(2, 3);
    let go: (Tensor | null)[] = [];
    let calls = 0;
    lstm.registerFullBackwardHook((_m, _gi, gOut) => {
      go = gOut;
      calls++;
    });
    const x = tensor([[[1, 2]], [[3, 4]]], { requiresGrad: true });
    const [out] = lstm.call(x);
    out.sum().backward();
    expect(calls).toBe(1);
    expect(go.length).toBe(3);
    expect(go[0]!.shape).toEqual([2, 1, 3]);
  });
});

describe("dtype conversion", () => {
  it("double() converts parameters and float buffers, keeping names, values and sharing", () => {
    const net = new Net();
    const a = new nn.Linear(2, 2);
    const tied = new nn.Sequential(a, new nn.Linear(2, 2));
    (tied.at(1) as nn.Linear).weight = a.weight;
    const before = net.fc1.weight.toArray();
    net.double();
    expect(net.parameters().every((p) => p.dtype === "float64" && p.requiresGrad && p.isLeaf)).toBe(true);
    expect(net.namedBuffers()[0][1].dtype).toBe("float64");
    expect(net.fc1.weight.toArray()).toEqual(before);
    tied.double();
    expect((tied.at(1) as nn.Linear).weight).toBe(a.weight);
    expect(tied.parameters().length).toBe(3);
    const bn = new nn.BatchNorm1d(2).double();
    expect(bn.num_batches_tracked!.dtype).toBe("int32");
    expect(bn.running_var!.dtype).toBe("float64");
  });
});

describe("forward and call", () => {
  it("a subclass calling super.forward runs the hooks once; a forward assigned as a field works too", () => {
    class Scaled extends nn.Linear {
      override forward(x: Tensor): Tensor {
        return super.forward(x).mul(2);
      }
    }
    const m = new Scaled(1, 1);
    let n = 0;
    m.registerForwardHook(() => {
      n++;
    });
    m.forward(tensor([[1]]));
    m.call(tensor([[1]]));
    expect(n).toBe(2);
    class Arrow extends nn.Module {
      override forward = (x: Tensor) => x.add(1);
    }
    expect(new Arrow().call(tensor([1])).item()).toBe(2);
    const copy = nn.deepCopy(m);
    let k = 0;
    copy.registerForwardHook(() => {
      k++;
    });
    copy.forward(tensor([[1]]));
    expect([n, k]).toEqual([3, 1]); // the copy carries the original's hook over, as deepcopy does
  });
});

describe("lookup by dotted path", () => {
  it("getSubmodule and getParameter", () => {
    const enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8 }), 2);
    expect(enc.getSubmodule("layers.1.linear1")).toBe(enc.layers.at(1).linear1);
    expect(enc.getParameter("layers.0.self_attn.in_proj_weight").shape).toEqual([12, 4]);
    expect(() => enc.getSubmodule("layers.5")).toThrow(/has no submodule "5"/);
    expect(() => enc.getParameter("layers.0.norm1.nope")).toThrow(/has no parameter "nope"/);
  });
});

describe("Parameter", () => {
  it("makes a contiguous leaf, so optimizers can update it in place", async () => {
    const { optim } = await import("../../../lib/index.js");
    const p = nn.Parameter(tensor([[1, 2], [3, 4]]).t());
    expect(p.isContiguous()).toBe(true);
    expect(p.toArray()).toEqual([[1, 3], [2, 4]]);
    p.grad = tensor([[1, 1], [1, 1]]);
    new optim.SGD([p], { lr: 1 }).step();
    expect(p.toArray()).toEqual([[0, 2], [1, 3]]);
  });
});
