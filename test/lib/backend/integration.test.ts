// The wasm/pool kernels as installed in the registry: a small CNN's loss and every
// parameter gradient through the public API match the same step on the reference kernels.
import { afterAll, describe, expect, test } from "vitest";
import { maxRelErr } from "./helpers.js";
import { F, manualSeed, nn, randn, tensor, setNumThreads, getBackendInfo } from "../../../lib/index.js";
import { registerKernels, resetKernels } from "../../../lib/backend/index.js";
import { wasmKernels } from "../../../lib/backend/wasm/index.js";

afterAll(() => {
  registerKernels(wasmKernels()!, "wasm");
});

function cnnStep(): { loss: number; grads: Float32Array[] } {
  manualSeed(7);
  const model = new nn.Sequential(
    new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5), new nn.Tanh(), new nn.AvgPool2d(2),
    new nn.Flatten(), new nn.Linear(400, 120), new nn.Sigmoid(), new nn.Linear(120, 10));
  const x = randn([32, 1, 28, 28]);
  const labels = tensor(Array.from({ length: 32 }, (_, i) => i % 10), { dtype: "int32" });
  const loss = F.crossEntropy(model.forward(x), labels);
  loss.backward();
  return { loss: loss.item(), grads: model.parameters().map((p) => Float32Array.from(p.grad!.data)) };
}

describe("wasm backend through the library", () => {
  test("is installed for float32 kernels", () => {
    const info = getBackendInfo();
    expect(info.kernels.matmul).toBe("wasm");
    expect(info.kernels.conv2dBackwardWeight).toBe("wasm");
    expect(info.numThreads).toBeGreaterThanOrEqual(1);
    expect(["simd", "relaxed-simd"]).toContain(info.wasm);
  });

  test("a CNN step gives the reference's loss and gradients with 1 and 2 threads", () => {
    resetKernels();
    const want = cnnStep();
    registerKernels(wasmKernels()!, "wasm");
    for (const t of [1, 2]) {
      setNumThreads(t);
      const got = cnnStep();
      expect(Math.abs(got.loss - want.loss)).toBeLessThan(1e-5);
      got.grads.forEach((g, i) => expect(maxRelErr(g, want.grads[i]!), `threads ${t}, parameter ${i}`).toBeLessThan(1e-5));
    }
  });

  test("bit-identical across runs and thread counts (fused conv + ReLU + pool included)", () => {
    const runs = [1, 2, 1, 2].map((t) => {
      setNumThreads(t);
      return cnnStep();
    });
    for (const r of runs.slice(1)) {
      expect(r.loss).toBe(runs[0]!.loss);
      r.grads.forEach((g, i) => expect(Array.from(g), `parameter ${i}`).toEqual(Array.from(runs[0]!.grads[i]!)));
    }
  });
});
