// Notebook-style calls on real lib objects, written without casts: `tsc` checks that lib's
// Tensor and nn.Module satisfy the visualizers' structural types, and the calls must run.
import { describe, expect, it } from "vitest";
import { F, manualSeed, nn, randn, tensor } from "../../lib/index.js";
import {
  architecture, attention, confusionMatrix, gradientFlow, graph, HistogramTracker, imageGrid, Live, lossSurface, plot, saliency, summary, tensorView,
} from "../../visualizers/index.js";
import { JUPYTER_DISPLAY } from "../../visualizers/bundle.js";

describe("notebook usage on the real lib", () => {
  it("every entry point accepts lib objects as they are", async () => {
    manualSeed(1);
    const model = new nn.Sequential(new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.Flatten(), new nn.Linear(4 * 6 * 6, 3));
    const x = randn([5, 1, 6, 6]);
    const y = tensor([0, 1, 2, 0, 1], { dtype: "int32" });
    const logits = model.call(x);
    const loss = F.crossEntropy(logits, y);
    loss.backward();
    const tracker = new HistogramTracker(model);
    tracker.record();
    const live = new Live({ display: null, print: () => {} });
    live.log({ loss }); // the 0-d loss tensor itself
    const rich = [
      tensorView(x), summary(model, x), architecture(model, x), graph(loss, { params: model }), imageGrid(x),
      confusionMatrix(logits, y), attention(F.softmax(randn([2, 4, 4]), -1)), saliency(model, x), plot.heatmap(randn([3, 3])),
    ];
    for (const r of rich) expect(r[JUPYTER_DISPLAY]()["text/plain"]).toBeTruthy();
    const figures = [gradientFlow(model), tracker.figure(), plot.line(randn([10])), lossSurface((a, b) => a * a + b * b)];
    for (const f of figures) expect((await f.render())["image/svg+xml"]).toMatch(/^<svg/);
    expect(live.history.get("loss")![0]![1]).toBeCloseTo(loss.item(), 6);
  });
});
