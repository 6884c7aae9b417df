// The gradlab side of the training benchmarks through the public API (nn, optim, F),
// imported at run time from the built library so the benchmark still runs (with the
// kernel-level steps only) while the API is incomplete.

export interface LibrarySteps {
  mlp: () => void;
  lenet: () => void;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export async function librarySteps(): Promise<LibrarySteps | string> {
  let g: any;
  try {
    g = await import(new URL("../lib/index.js", import.meta.url).href);
  } catch (e) {
    return `library not importable: ${(e as Error).message.split("\n")[0]}`;
  }
  try {
    const { nn, optim, F, randn, tensor } = g;
    const labels = tensor(Array.from({ length: 64 }, (_, i) => i % 10), { dtype: "int32" });
    const stepOf = (model: any, x: any) => {
      const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
      return () => {
        opt.zeroGrad();
        const loss = F.crossEntropy(model.forward(x), labels);
        loss.backward();
        opt.step();
        loss.item();
      };
    };
    const mlp = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 10));
    const lenet = new nn.Sequential(
      new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Flatten(), new nn.Linear(400, 120), new nn.ReLU(), new nn.Linear(120, 84), new nn.ReLU(),
      new nn.Linear(84, 10));
    const steps = { mlp: stepOf(mlp, randn([64, 784])), lenet: stepOf(lenet, randn([64, 1, 28, 28])) };
    steps.mlp();
    steps.lenet();
    return steps;
  } catch (e) {
    return `library step failed: ${(e as Error).message.split("\n")[0]}`;
  }
}
