// Live curves through the real kernel: a training loop in a cell (2 s with live curves, plus
// the same steps without) updates one display in place — update_display_data with a single
// display_id, arriving while the cell still runs — and costs < 2% of the loop's time.
// Uses dist/ (npm test builds first).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LaunchedKernel } from "../../kernel/client/launch.js";
import type { Message } from "../../kernel/client/kernel-client.js";
import { built, startBuiltKernel, stdout } from "../kernel/kernel-harness.js";

const SETUP = `
const w = randn([96, 96], { requiresGrad: true });
const x = randn([48, 96]);
function step(): number {
  const y = x.matmul(w).sin();
  const loss = y.mul(y).mean();
  loss.backward();
  w.grad!.zero_();
  return loss.item();
}
// Plain and live chunks of the same steps alternate every few dozen ms, so the machine's
// load (2 cores shared with other work) hits both alike; the difference is Live's cost.
// Runs until the live chunks add up to 2 s (a fixed step count would drift with the load).
function interleaved(liveTargetMs: number, chunk: number, show?: null) {
  // No display option: Live must find the kernel's display channel by itself, as in a
  // notebook (null, for the warm-up, draws without sending anything).
  const live = new Live(show === null ? { every: 250, display: null } : { every: 250 });
  let plainMs = 0, liveMs = 0, steps = 0;
  while (liveMs < liveTargetMs) {
    let t0 = performance.now();
    for (let i = 0; i < chunk; i++) step();
    plainMs += performance.now() - t0;
    t0 = performance.now();
    for (let i = 0; i < chunk; i++, steps++) {
      const loss = step();
      live.log({ loss, acc: 1 - 1 / (1 + steps / 100) });
      if (steps % 50 === 49) live.log({ val_loss: loss * 1.1 });
    }
    liveMs += performance.now() - t0;
  }
  const t0 = performance.now();
  live.done();
  liveMs += performance.now() - t0;
  return { plainMs, liveMs, steps, ...live.stats };
}
// warm up the JIT along the measured path (the same chunks, updates sent to the frontend), long
// enough for TurboFan under the kernel's raised tier-up budget (kernel/startup/start-options.ts):
// otherwise the first measured chunks still run unoptimized code
interleaved(1500, 20);
`;

describe.skipIf(!built)("Live through the kernel", () => {
  let k: LaunchedKernel;
  beforeAll(async () => {
    // Type checking is the compiler's concern (tested in test/kernel); off here, this test
    // is about display traffic and timing.
    k = await startBuiltKernel({ env: { GRADLAB_TYPECHECK: "off" } });
  });
  afterAll(async () => {
    await k?.shutdown();
  });

  it("updates one display in place during a 2 s loop, costing < 2%", async () => {
    const setup = await k.client.execute(SETUP, { timeoutMs: 60_000 });
    expect((setup.reply.content as { status: string }).status, stdout(setup.outputs) + JSON.stringify(setup.reply.content)).toBe("ok");
    // Timing is only as steady as the machine (2 cores shared with other work): up to 3
    // attempts; one must show Live's own measured drawing time under 2% of the loop and the
    // wall-clock slowdown under 5% (a gross-regression bound: the wall clock also carries the
    // io thread's sending and GC on the same 2 cores; figures belong to benchmarks). The
    // message traffic is checked on every attempt.
    const results: { overhead: number; share: number }[] = [];
    const good = () => results.some((r) => r.overhead < 0.05 && r.share < 0.02);
    for (let attempt = 0; attempt < 3 && !good(); attempt++) {
      const seen: { t: number; m: Message }[] = [];
      const r = await k.client.execute("console.log(JSON.stringify(interleaved(2000, 20)))", { timeoutMs: 120_000, onOutput: (m) => seen.push({ t: performance.now(), m }) });
      expect((r.reply.content as { status: string }).status, JSON.stringify(r.reply.content)).toBe("ok");
      const res = JSON.parse(stdout(r.outputs)) as { plainMs: number; liveMs: number; updates: number; spentMs: number };
      const shows = seen.filter((s) => s.m.header.msg_type === "display_data");
      const updates = seen.filter((s) => s.m.header.msg_type === "update_display_data");
      expect(shows).toHaveLength(1);
      // The kernel's io thread merges updates of one display id that come within 25 ms of
      // each other (latest wins), so the final done() may absorb the update just before it.
      expect(updates.length).toBeLessThanOrEqual(res.updates - 1);
      expect(updates.length).toBeGreaterThanOrEqual(res.updates - 2);
      const ids = new Set([...shows, ...updates].map((s) => (s.m.content as { transient: { display_id: string } }).transient.display_id));
      expect(ids.size).toBe(1);
      const last = updates[updates.length - 1]!.m.content as { data: Record<string, string> };
      expect(Object.keys(last.data).sort()).toEqual(["image/svg+xml", "text/html", "text/plain"]);
      expect(last.data["text/plain"]).toMatch(/^step [\d,]+ .* loss=.* done$/);
      // updates stream out while the loop runs (not all at the end): besides the final one,
      // at least one arrives half a second or more before the cell finishes
      const end = seen.find((s) => s.m.header.msg_type === "stream")!.t;
      expect(updates.filter((u) => u.t < end - 500).length).toBeGreaterThanOrEqual(1);
      const overhead = res.liveMs / res.plainMs - 1;
      results.push({ overhead, share: res.spentMs / res.liveMs });
      console.log(`live-kernel: ${res.updates} displays; plain ${res.plainMs.toFixed(0)} ms, live ${res.liveMs.toFixed(0)} ms, wall-clock overhead ${(overhead * 100).toFixed(2)}%, drawing+sending ${res.spentMs.toFixed(1)} ms = ${((100 * res.spentMs) / res.liveMs).toFixed(2)}% of the live steps`);
    }
    expect(good(), JSON.stringify(results)).toBe(true);
  });
});
