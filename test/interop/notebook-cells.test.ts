// The interop roads as a notebook user types them: cells run by `gradlab run` through the real
// kernel (type-checked against the shipped declarations), with outputs checked.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { removeTempDirs, tempDir } from "../temp-dirs.js";

const root = join(import.meta.dirname, "..", "..");
afterAll(removeTempDirs);

const cells = [
  `class Cube extends autograd.Function {
  static forward(ctx: autograd.Context, x: Tensor): Tensor { ctx.saveForBackward(x); return x.pow(3); }
  static backward(ctx: autograd.Context, g: Tensor): Tensor { const [x] = ctx.savedTensors; return g.mul(x.pow(2).mul(3)); }
}
const x = tensor([1, 2, 3], { requiresGrad: true });
const y = Cube.apply(x);
y.sum().backward();
console.log(y.gradFn!.name, String(x.grad!.toArray()), gradcheck(Cube.apply, [randn([3], { dtype: "float64" }).requiresGrad_()]));`,
  `graph(Cube.apply(x.mul(2)).sum(), { params: { x } })`,
  `const [g] = autograd.grad(Cube.apply(x).sum(), x);
console.log(String(g.toArray()), String(tensor([1, NaN, Infinity]).isnan().toArray()), String(isfinite(tensor([1, NaN])).toArray()));`,
  `const model = new nn.Sequential(new nn.Linear(4, 8), new nn.BatchNorm1d(8), new nn.ReLU(), new nn.Linear(8, 2));
const opt = new optim.Adam(model.parameters(), { lr: 1e-2 });
F.mseLoss(model.call(randn([8, 4])), randn([8, 2])).backward(); opt.step();
save({ model: model.stateDict(), optimizer: opt.stateDict(), epoch: 1 }, DIR + "/ckpt");
const ckpt = load(DIR + "/ckpt");
model.loadStateDict(ckpt.model); opt.loadStateDict(ckpt.optimizer);
console.log("epoch", ckpt.epoch);`,
  `onnx.exportModel(model, [randn([1, 4])], DIR + "/model.onnx", { inputNames: ["x"], outputNames: ["y"], dynamicAxes: { x: { 0: "batch" }, y: { 0: "batch" } } });
console.log("exported");`,
];

it("autograd.Function, the graph, grad, isnan, checkpoints and ONNX export from cells", () => {
  const dir = tempDir("gradlab-interop-nb-");
  const nb = {
    cells: [{ cell_type: "code", metadata: {}, execution_count: null, outputs: [], source: `const DIR = ${JSON.stringify(dir)};` },
      ...cells.map((source) => ({ cell_type: "code", metadata: {}, execution_count: null, outputs: [], source }))],
    metadata: { kernelspec: { name: "gradlab", display_name: "TypeScript (gradlab)", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  writeFileSync(join(dir, "in.ipynb"), JSON.stringify(nb));
  const r = spawnSync(process.execPath, [join(root, "bin", "gradlab.js"), "run", join(dir, "in.ipynb"), "--out", join(dir, "out.ipynb")], { encoding: "utf8", timeout: 120_000, env: { ...process.env, CI: "true" } });
  expect(r.status, r.stderr + r.stdout).toBe(0);
  const out = JSON.parse(readFileSync(join(dir, "out.ipynb"), "utf8")) as { cells: { outputs: { text?: string[]; data?: Record<string, string[]> }[] }[] };
  const text = (i: number) => out.cells[i].outputs.map((o) => (o.text ?? []).join("")).join("");
  expect(text(1)).toBe("CubeBackward 3,12,27 true\n");
  const svg = (out.cells[2].outputs[0].data?.["image/svg+xml"] ?? []).join("");
  expect(svg).toContain("CubeBackward");
  expect(text(3)).toBe("3,12,27 false,true,false true,false\n");
  expect(text(4)).toBe("epoch 1\n");
  expect(text(5)).toBe("exported\n");
  expect(existsSync(join(dir, "model.onnx"))).toBe(true);
}, 150_000);
