// A computation terminated from outside (vm's timeout, like the kernel's interrupt) skips its
// finally blocks; recover() puts the state they would have restored back.
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { enableGrad, isGradEnabled, noGrad, setGradEnabled } from "../../lib/index.js";
import { recover } from "../../lib/recover.js";

/** Runs fn until vm's watchdog terminates it (no finally block on the way out runs). */
function terminated(fn: () => void): void {
  const ctx = vm.createContext({ fn });
  expect(() => vm.runInContext("fn()", ctx, { timeout: 30 })).toThrow(/timed out/);
}

describe("recover", () => {
  it("a noGrad cut short leaves grad mode off until recover() restores it", () => {
    terminated(() => noGrad(() => enableGrad(() => noGrad(() => { for (;;); }))));
    expect(isGradEnabled()).toBe(false);
    recover("interrupt");
    expect(isGradEnabled()).toBe(true);
  });

  it("keeps a grad mode set outside any scope, and does nothing when no scope is open", () => {
    setGradEnabled(false);
    terminated(() => enableGrad(() => { for (;;); }));
    expect(isGradEnabled()).toBe(true);
    recover("interrupt");
    expect(isGradEnabled()).toBe(false);
    recover("ok");
    expect(isGradEnabled()).toBe(false);
    setGradEnabled(true);
  });
});
