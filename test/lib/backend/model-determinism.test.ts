// A transformer, an LSTM and two conv nets: a training step gives bit-identical losses and gradients at 1 and
// 2 threads (work split forced down to these small shapes) and across runs: every kernel
// they use splits its work so that no sum depends on the split.
import "./helpers.js";
import { afterAll, expect, test } from "vitest";
import { F, manualSeed, nn, randn, tensor, type Tensor } from "../../../lib/index.js";
import { dispatchTuning } from "../../../lib/backend/wasm/dispatch.js";
import { setPoolThreads } from "../../../lib/backend/wasm/threads.js";

const savedWork = dispatchTuning.minWorkPerThread;
afterAll(() => {
  dispatchTuning.minWorkPerThread = savedWork;
  setPoolThreads(2);
});

const V = 40, D = 64, T = 32, B = 16;
const ids = tensor(Array.from({ length: B * T }, (_, i) => (i * 13) % V), { dtype: "int32" }).reshape(B, T);
const next = tensor(Array.from({ length: B * T }, (_, i) => (i * 13 + 5) % V), { dtype: "int32" });

function transformer(): nn.Module {
  return new nn.Sequential(
    new nn.Embedding(V, D),
    new nn.TransformerEncoderLayer(D, 4, { dimFeedforward: 4 * D, dropout: 0, batchFirst: true, normFirst: true, activation: "gelu" }),
    new nn.LayerNorm(D), new nn.Linear(D, V));
}

class Lstm extends nn.Module {
  emb = new nn.Embedding(V, D);
  lstm = new nn.LSTM(D, 64, { batchFirst: true });
  head = new nn.Linear(64, V);
  override forward(x: Tensor): Tensor {
    return this.head.call(this.lstm.call(this.emb.call(x))[0]);
  }
}

/** Loss and every parameter gradient of one step, as plain arrays. */
function step(make: () => nn.Module): number[][] {
  manualSeed(7);
  const model = make();
  const loss = F.crossEntropy((model.call(ids) as Tensor).reshape(-1, V), next, { labelSmoothing: 0.1 });
  loss.backward();
  return [[loss.item()], ...model.parameters().map((p) => Array.from(p.grad!.data))];
}

/** A small CNN (padded 3×3 convs: Winograd) and a LeNet-like net (unpadded 5×5: implicit GEMM): loss and gradients of one step. */
function convStep(lenet: boolean): number[][] {
  manualSeed(11);
  const n = 37; // not a multiple of the weight gradient's chunks
  const model = lenet
    ? new nn.Sequential(new nn.Conv2d(3, 6, 5), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Conv2d(6, 16, 5), new nn.ReLU(),
      new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(16 * 2 * 2, 10))
    : new nn.Sequential(new nn.Conv2d(1, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(8, 12, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(12 * 4 * 4, 10));
  const x = lenet ? randn([n, 3, 20, 20]) : randn([n, 1, 16, 16]);
  const labels = tensor(Array.from({ length: n }, (_, i) => i % 10), { dtype: "int32" });
  const loss = F.crossEntropy(model.call(x) as Tensor, labels);
  loss.backward();
  return [[loss.item()], ...model.parameters().map((p) => Array.from(p.grad!.data))];
}

const steps: [string, () => number[][]][] = [
  ["transformer", () => step(transformer)], ["LSTM", () => step(() => new Lstm())],
  ["CNN", () => convStep(false)], ["LeNet", () => convStep(true)],
];
for (const [name, run] of steps) {
  test(`${name} step: identical at 1 and 2 threads and across runs`, () => {
    const runs = [1, 2, 2].map((t) => {
      setPoolThreads(t);
      dispatchTuning.minWorkPerThread = t === 1 ? savedWork : 1;
      return run();
    });
    expect(runs[0]![0]![0]).toBeGreaterThan(0);
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[1]);
  });
}
