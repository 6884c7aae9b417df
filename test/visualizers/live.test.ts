import { describe, expect, it } from "vitest";
import { JUPYTER_DISPLAY, type MimeBundle } from "../../visualizers/bundle.js";
import type { DisplayChannel } from "../../visualizers/display_channel.js";
import { downsamplePoints, Live, progress, splitMetricName } from "../../visualizers/live.js";
import { allText, parseSvg } from "./xml.js";

/** A display channel that records what it was asked to show, like the kernel's display(). */
function recorder(onSend: () => void = () => {}) {
  const sent: { kind: "show" | "update"; id: string; bundle: MimeBundle }[] = [];
  const bundleOf = (v: unknown) => (v as { [JUPYTER_DISPLAY](): MimeBundle })[JUPYTER_DISPLAY]();
  const fn = ((value: unknown, o: { displayId?: string } = {}) => {
    onSend();
    const id = o.displayId ?? "anon";
    sent.push({ kind: "show", id, bundle: bundleOf(value) });
    return { id, update: (v: unknown) => { onSend(); sent.push({ kind: "update", id, bundle: bundleOf(v) }); } };
  }) as DisplayChannel;
  return { fn, sent };
}

describe("metric names", () => {
  it("pairs validation metrics with their training metric", () => {
    expect(splitMetricName("val_loss")).toEqual({ base: "loss", split: "val" });
    expect(splitMetricName("valAcc")).toEqual({ base: "acc", split: "val" });
    expect(splitMetricName("value")).toEqual({ base: "value", split: "train" });
    expect(splitMetricName("loss")).toEqual({ base: "loss", split: "train" });
  });
  it("downsampling averages equal buckets", () => {
    const pts = Array.from({ length: 8 }, (_, i) => [i, i * 10] as [number, number]);
    expect(downsamplePoints(pts, 4)).toEqual([[0.5, 5], [2.5, 25], [4.5, 45], [6.5, 65]]);
    expect(downsamplePoints(pts, 10)).toHaveLength(8);
  });
});

describe("Live", () => {
  it("updates one display in place, at most every `every` ms, plus a final flush", () => {
    let t = 0;
    const { fn, sent } = recorder();
    const live = new Live({ every: 500, display: fn, now: () => t, total: 3000 });
    for (let i = 0; i < 3000; i++) {
      t += 1; // 1 ms per step → 3 s
      live.log({ loss: 1 / (i + 1), acc: i / 3000 });
      if (i % 100 === 99) live.log({ val_loss: 2 / (i + 1) });
    }
    live.done();
    expect(sent[0]!.kind).toBe("show");
    expect(sent.slice(1).every((s) => s.kind === "update")).toBe(true);
    expect(new Set(sent.map((s) => s.id)).size).toBe(1);
    // shows at t = 1, 501, 1001, 1501, 2001, 2501 (t ends at 3000), then done(): 6 + 1
    expect(sent.length).toBe(7);
    const last = sent[sent.length - 1]!.bundle;
    expect(Object.keys(last).sort()).toEqual(["image/svg+xml", "text/html", "text/plain"]);
    expect(last["text/plain"]).toMatch(/100% 3,000\/3,000 .* loss=3.33e-4 acc=0.9997 val_loss=6.67e-4 done$/);
    const text = allText(parseSvg(last["image/svg+xml"] as string));
    expect(text).toContain("loss");
    expect(text).toContain("validation");
    expect(text).toContain("acc");
    expect(live.history.get("val_loss")![0]).toEqual([100, 0.02]); // validation sits at the current step
  });

  it("ETA shows — until a few steps after the first, then the pace since the first step", () => {
    let t = 0;
    const live = new Live({ display: null, print: () => {}, now: () => t, total: 100 });
    t = 5000; // a slow first step (warm-up) must not set the pace
    live.log({ loss: 1 });
    expect(live.textLine()).toMatch(/00:05<— /);
    expect(live.progressHtml()).toContain("ETA —");
    for (let i = 0; i < 3; i++) { t += 10; live.log({ loss: 1 }); }
    // 3 steps in 30 ms after the first: 100 it/s, 96 steps left ≈ 1 s (not 96 × 5 s / 4)
    expect(live.textLine()).toMatch(/ 100 it\/s 00:05<00:01 /);
    expect(live.progressHtml()).toContain("ETA 00:01");
  });

  it("backs off when drawing is slow so it stays under maxOverhead", () => {
    let t = 0;
    const { fn, sent } = recorder(() => (t += 40)); // every update costs 40 ms
    const live = new Live({ every: 250, maxOverhead: 0.01, display: fn, now: () => t });
    while (t < 60_000) {
      t += 5;
      live.log({ loss: 1 });
    }
    live.done();
    const s = live.stats;
    expect(s.updates).toBe(sent.length);
    // 40 ms / 0.01 = 4 s between updates → 15 in 60 s, plus the final one
    expect(sent.length).toBeLessThanOrEqual(17);
    expect(s.spentMs / s.elapsedMs).toBeLessThan(0.012);
  });

  it("prints text lines without a display channel", () => {
    let t = 0;
    const lines: string[] = [];
    const live = new Live({ display: null, print: (l) => lines.push(l), now: () => t, epochs: 2, stepsPerEpoch: 5, every: 1000 });
    for (let i = 0; i < 10; i++) {
      t += 300;
      live.log({ loss: 10 - i });
    }
    live.done();
    expect(lines[0]).toMatch(/^epoch 1\/2 \[##------------------\] 10% 1\/10 .* loss=10$/);
    expect(lines[lines.length - 1]).toMatch(/^epoch 2\/2 \[#{20}\] 100% 10\/10 .*loss=1 done$/);
    expect(lines.length).toBe(4); // t=300, 1300, 2300, done
  });

  it("figure() is a valid Vega-Lite facet of every metric", async () => {
    const live = new Live({ display: null, print: () => {} });
    for (let i = 0; i < 10; i++) live.log({ loss: 1 / (i + 1), val_loss: 1.2 / (i + 1) });
    const b = await live.figure().render();
    expect(Object.keys(b).sort()).toEqual(["application/vnd.vegalite.v5+json", "image/svg+xml", "text/html", "text/plain"]);
    parseSvg(b["image/svg+xml"] as string);
  });

  it("accepts one-element tensors as metric values", () => {
    const live = new Live({ display: null, print: () => {} });
    live.log({ loss: { data: new Float32Array([0.25]) } });
    expect(live.history.get("loss")).toEqual([[1, 0.25]]);
  });

  it("stop() ends a loop that checks live.stopped; without a display there is no Stop button", () => {
    const lines: string[] = [];
    const live = new Live({ display: null, print: (l) => lines.push(l), stopButton: true });
    let n = 0;
    while (!live.stopped) if (++n === 3) live.stop();
    live.done();
    expect(n).toBe(3);
    expect(lines.at(-1)).toMatch(/stopped$/);
  });

  it("progress() yields everything and ends at 100%", () => {
    const lines: string[] = [];
    const got = [...progress([1, 2, 3], { display: null, print: (l) => lines.push(l) })];
    expect(got).toEqual([1, 2, 3]);
    expect(lines[lines.length - 1]).toMatch(/100% 3\/3 .* done$/);
  });
});
