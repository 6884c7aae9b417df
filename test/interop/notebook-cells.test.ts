// The interop roads as a notebook user types them: cells run in the built kernel over ZeroMQ
// (type-checked against the shipped declarations), with their outputs checked.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { byType, stdout } from "../kernel/kernel-harness.js";
import { kernelSession } from "./session.js";

describe("interop from notebook cells", () => {
  const k = kernelSession({});

  it("autograd.Function, shown in graph(), with gradcheck", async () => {
    const r = await k.ok(`class Cube extends autograd.Function {
  static forward(ctx: autograd.Context, x: Tensor): Tensor { ctx.saveForBackward(x); return x.pow(3); }
  static backward(ctx: autograd.Context, g: Tensor): Tensor { const [x] = ctx.savedTensors; return g.mul(x.pow(2).mul(3)); }
}
const x = tensor([1, 2, 3], { requiresGrad: true });
const y = Cube.apply(x);
y.sum().backward();
console.log(y.gradFn!.name, String(x.grad!.toArray()), gradcheck(Cube.apply, [randn([3], { dtype: "float64" }).requiresGrad_()]));`);
    expect(stdout(r.outputs)).toBe("CubeBackward 3,12,27 true\n");
    const g = await k.ok("graph(Cube.apply(x.mul(2)).sum(), { params: { x } })");
    const svg = JSON.stringify(byType(g.outputs, "execute_result").concat(byType(g.outputs, "display_data")).map((m) => m.content));
    expect(svg).toContain("CubeBackward");
  });

  it("autograd.grad without non-null assertions, isnan / isfinite", async () => {
    const r = await k.ok(`const [g] = autograd.grad(Cube.apply(x).sum(), x);
console.log(String(g.toArray()), String(tensor([1, NaN, Infinity]).isnan().toArray()), String(isfinite(tensor([1, NaN])).toArray()));`);
    expect(stdout(r.outputs)).toBe("3,12,27 false,true,false true,false\n");
  });

  it("a whole checkpoint and an ONNX export", async () => {
    const folder = stdout((await k.ok("console.log(process.cwd())")).outputs).trim();
    const r = await k.ok(`const model = new nn.Sequential(new nn.Linear(4, 8), new nn.BatchNorm1d(8), new nn.ReLU(), new nn.Linear(8, 2));
const opt = new optim.Adam(model.parameters(), { lr: 1e-2 });
F.mseLoss(model.call(randn([8, 4])), randn([8, 2])).backward(); opt.step();
save({ model: model.stateDict(), optimizer: opt.stateDict(), epoch: 1 }, "ckpt");
const ckpt = load("ckpt");
model.loadStateDict(ckpt.model); opt.loadStateDict(ckpt.optimizer);
onnx.exportModel(model, [randn([1, 4])], "model.onnx", { inputNames: ["x"], outputNames: ["y"], dynamicAxes: { x: { 0: "batch" }, y: { 0: "batch" } } });
console.log("epoch", ckpt.epoch);`);
    expect(stdout(r.outputs)).toBe("epoch 1\n");
    expect(existsSync(join(folder, "ckpt"))).toBe(true);
    expect(existsSync(join(folder, "model.onnx"))).toBe(true);
  });
});
