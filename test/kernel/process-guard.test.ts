// SIGINT listeners set aside while the SIGINT thread owns SIGINT, and timer callbacks an
// interrupt can stop (in-process; the kernel-level behaviour is in robustness.test.ts).
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { callInterruptibly, interruptibleTimers } from "../../kernel/interrupt/interruptible-timers.js";
import { redirectSigintListeners } from "../../kernel/interrupt/sigint-listeners.js";

/** What process itself holds, past any redirection. */
const realCount = (event: string): number => EventEmitter.prototype.listenerCount.call(process, event);

describe("redirectSigintListeners", () => {
  it("keeps SIGINT listeners off process, everything else on it; undone by the returned function", () => {
    const aside = new EventEmitter();
    const restore = redirectSigintListeners(aside);
    const seen: string[] = [];
    const onSigint = (name: string): void => void seen.push(name);
    const onOther = (): void => undefined;
    try {
      expect(process.on("SIGINT", onSigint)).toBe(process);
      process.once("SIGINT", onSigint);
      process.on("beforeExit", onOther);
      expect(process.listenerCount("SIGINT")).toBe(2);
      expect(realCount("SIGINT")).toBe(0);
      expect(aside.listenerCount("SIGINT")).toBe(2);
      expect(process.listeners("SIGINT")).toEqual([onSigint, onSigint]);
      expect(realCount("beforeExit")).toBeGreaterThan(0);
      aside.emit("SIGINT", "SIGINT");
      expect(seen).toEqual(["SIGINT", "SIGINT"]);
      expect(process.listenerCount("SIGINT")).toBe(1); // the once listener is gone
      process.off("SIGINT", onSigint);
      expect(process.listenerCount("SIGINT")).toBe(0);
      process.on("SIGINT", onSigint);
      process.removeAllListeners("SIGINT");
      expect(aside.listenerCount("SIGINT")).toBe(0);
    } finally {
      process.off("beforeExit", onOther);
      restore();
    }
    const probe = (): void => undefined;
    process.on("SIGINT", probe);
    expect(realCount("SIGINT")).toBeGreaterThan(0);
    process.off("SIGINT", probe);
  });
});

describe("interruptible timer callbacks", () => {
  it("pass this, arguments and results through; errors propagate", async () => {
    const self = { k: 1 };
    expect(callInterruptibly(function (this: typeof self, a: unknown, b: unknown) {
      return [this.k, a, b];
    } as (...args: unknown[]) => unknown, self, [2, 3], () => undefined)).toEqual([1, 2, 3]);
    expect(() => callInterruptibly(() => {
      throw new RangeError("inside");
    }, undefined, [], () => undefined)).toThrow(RangeError);
    const timers = interruptibleTimers(() => undefined) as { setTimeout: typeof setTimeout; setInterval: typeof setInterval; setImmediate: typeof setImmediate };
    const got = await new Promise((resolve) => timers.setTimeout((a: unknown, b: unknown) => resolve([a, b]), 1, "x", "y"));
    expect(got).toEqual(["x", "y"]);
    let ticks = 0;
    await new Promise<void>((resolve) => {
      const h = timers.setInterval(() => {
        if (++ticks === 3) {
          clearInterval(h);
          resolve();
        }
      }, 1);
    });
    expect(ticks).toBe(3);
    expect(await new Promise((resolve) => timers.setImmediate(resolve, "now"))).toBe("now");
    const { promisify } = await import("node:util");
    expect(await promisify(timers.setTimeout)(1, "promised")).toBe("promised");
    expect(timers.setTimeout.name).toBe("setTimeout");
  });
});
