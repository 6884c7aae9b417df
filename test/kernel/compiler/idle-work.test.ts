// The compiler's background-work rules (idle-work.ts), on real timers.
import { describe, expect, it } from "vitest";
import { IDLE_MS, IdleWork, PRELUDE_QUIET_MS } from "../../../kernel/compiler/idle-work.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("IdleWork", () => {
  it("runs steps only while the compiler is quiet, then the follow-up once", async () => {
    const idle = new IdleWork();
    let lastTouch = performance.now();
    const touch = () => { lastTouch = performance.now(); idle.touch(); };
    touch();
    let steps = 0, after = 0;
    const quietAtStep: number[] = [];
    const keepBusy = setInterval(touch, PRELUDE_QUIET_MS / 4);
    idle.inSteps(() => steps === 3, () => { quietAtStep.push(performance.now() - lastTouch); steps++; }, () => void after++);
    await sleep(PRELUDE_QUIET_MS * 5);
    clearInterval(keepBusy);
    await sleep(PRELUDE_QUIET_MS * 10);
    expect([steps, after]).toEqual([3, 1]);
    for (const q of quietAtStep) expect(q).toBeGreaterThanOrEqual(PRELUDE_QUIET_MS - 1);
    idle.inSteps(() => steps === 3, () => void steps++, () => void after++); // already done: nothing
    await sleep(PRELUDE_QUIET_MS * 3);
    expect([steps, after]).toEqual([3, 1]);
  });

  it("quiet() waits at least its time and until nothing touched the compiler for it", async () => {
    const idle = new IdleWork();
    const t0 = performance.now();
    setTimeout(() => idle.touch(), 30);
    await idle.quiet(50);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(78);
  });

  it("background steps and quiet() wait while a cell runs, however quiet the compiler", async () => {
    const idle = new IdleWork();
    idle.cellRunning(true);
    let steps = 0, quietAt = 0;
    idle.inSteps(() => steps === 2, () => void steps++, () => undefined);
    void idle.quiet(PRELUDE_QUIET_MS).then(() => void (quietAt = performance.now()));
    await sleep(PRELUDE_QUIET_MS * 8);
    expect([steps, quietAt]).toEqual([0, 0]); // a training loop's second core stays free
    const ended = performance.now();
    idle.cellRunning(false);
    await sleep(PRELUDE_QUIET_MS * 6);
    expect(steps).toBe(2);
    expect(quietAt - ended).toBeGreaterThanOrEqual(PRELUDE_QUIET_MS - 1);
  });

  it("an idle job that fails does not throw from its timer, and a job no longer pending is skipped", async () => {
    const idle = new IdleWork();
    let ran = 0;
    idle.whenIdle(() => true, () => { ran++; throw new Error("library file gone"); });
    const skipped = new IdleWork();
    let pending = true;
    skipped.whenIdle(() => pending, () => void ran++);
    pending = false;
    await sleep(1200);
    expect(ran).toBe(1);
  });

  it("an idle job waits while a cell runs, however quiet the compiler, and runs once it has ended", async () => {
    const idle = new IdleWork();
    let ranAt = 0;
    idle.cellRunning(true);
    const t0 = performance.now();
    idle.whenIdle(() => ranAt === 0, () => void (ranAt = performance.now()));
    await sleep(IDLE_MS * 2.2);
    expect(ranAt).toBe(0);
    const ended = performance.now();
    idle.cellRunning(false);
    await sleep(IDLE_MS * 2.2);
    expect(ranAt).toBeGreaterThan(0);
    expect(ranAt - ended).toBeGreaterThanOrEqual(IDLE_MS - 1);
    expect(ranAt - t0).toBeGreaterThan(IDLE_MS * 2);
  });
});
