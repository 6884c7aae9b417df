// Fault injection against the real kernel process over real ZeroMQ: each fault a learner
// meets (an interrupt mid-way, a bad number, a runaway cell, a hostile client) is tried
// many times, and after each the next cell must work with the session's state kept.
// Counts are logged as "tried / survived / state kept" (README, "Reliability").
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LaunchedKernel } from "../../kernel/client/launch.js";
import { built, result, startBuiltKernel, stdout } from "./kernel-harness.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const status = (r: { reply: { content: unknown } }): string => (r.reply.content as { status: string }).status;
const ename = (r: { reply: { content: unknown } }): string | undefined => (r.reply.content as { ename?: string }).ename;
const evalue = (r: { reply: { content: unknown } }): string => String((r.reply.content as { evalue?: string }).evalue);

function report(what: string, tried: number, survived: number, kept: number): void {
  console.log(`[reliability] ${what}: ${tried} tried / ${survived} survived / ${kept} state kept`);
}

describe.skipIf(!built)("reliability: interrupted cells leave no library state half-changed", () => {
  let k: LaunchedKernel;
  beforeAll(async () => {
    k = await startBuiltKernel();
    const r = await k.client.execute(
      [
        "manualSeed(0);",
        "const model = new nn.Linear(8, 1);",
        "const opt = new optim.SGD(model.parameters(), { lr: 0.01 });",
        "const x = randn([16, 8]); const y = randn([16, 1]);",
        "const kept = 'kept';",
        // A training step that spends most of its time inside noGrad, as optimizers do.
        "function step(): number { const loss = F.mseLoss(model.forward(x), y); opt.zeroGrad(); loss.backward(); noGrad(() => { const t = Date.now(); while (Date.now() - t < 3) {} }); opt.step(); return loss.item(); }",
      ].join("\n"),
    );
    expect(status(r)).toBe("ok");
  }, 60_000);
  afterAll(async () => {
    await k?.shutdown();
  });

  it("20/20 interrupted training loops (sync and with awaits) are followed by a training cell that works", async () => {
    let survived = 0;
    let kept = 0;
    const tried = 20;
    for (let i = 0; i < tried; i++) {
      const code = i % 2 === 0 ? "for (;;) step();" : "for (;;) { await null; step(); }";
      const loop = k.client.execute(code, { timeoutMs: 10_000 });
      await sleep(150 + (i % 5) * 20);
      await k.client.request("control", "interrupt_request", {}, { waitForIdle: false, timeoutMs: 2000 });
      const r = await loop.catch((e: Error) => ({ reply: { content: { ename: e.message } }, outputs: [] }));
      expect(ename(r), `loop ${i}: ${evalue(r)}`).toBe("Interrupted");
      const after = await k.client.execute("isGradEnabled() + ' ' + Number.isFinite(step()) + ' ' + kept");
      if (status(after) === "ok") survived++;
      if (result(after.outputs) === "'true true kept'") kept++;
    }
    report("interrupted training loops", tried, survived, kept);
    expect(kept).toBe(tried);
  }, 120_000);

  it("an interrupted loop logging to a Live display leaves it showing its last values, marked stopped", async () => {
    // A Live display logged after its last drawn update shows the values it was stopped at.
    const r2 = k.client.execute("const live = new Live({ every: 1e9 }); let n = 0; for (;;) { live.log({ loss: ++n }); }");
    await sleep(300);
    await k.client.request("control", "interrupt_request", {}, { waitForIdle: false, timeoutMs: 2000 });
    const done = await r2;
    expect(ename(done)).toBe("Interrupted");
    const drawn = done.outputs.filter((m) => m.header.msg_type === "update_display_data").map((m) => String((m.content as any).data["text/plain"]));
    expect(drawn.at(-1)).toMatch(/stopped/);
    expect(result((await k.client.execute("Number.isFinite(step())")).outputs)).toBe("true");
  }, 60_000);
});

