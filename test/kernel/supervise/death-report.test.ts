// The cause the death reporter names, from the shell's exit status and V8's fatal-error report.
import { describe, expect, it } from "vitest";
import { describeDeath } from "../../../kernel/supervise/death-report.js";

describe("describeDeath", () => {
  it("V8's heap OOM report gives a MemoryError naming the limit in MB", () => {
    const c = describeDeath(134, { header: { event: "Allocation failed - JavaScript heap out of memory", trigger: "OOMError" } }, 176 * 2 ** 20);
    expect(c.ename).toBe("MemoryError");
    expect(c.evalue).toMatch(/^the kernel ran out of JavaScript heap \(limit 176 MB\) while running this cell; it will restart/);
    expect(c.evalue).toContain("gradlab install --max-heap SIZE");
  });
  it("another fatal error, a signal and an exit code each say what happened", () => {
    expect(describeDeath(134, { header: { event: "Check failed: x", trigger: "FatalError" } }, 0)).toEqual({ ename: "KernelDied", evalue: expect.stringMatching(/^the kernel hit a fatal error \(Check failed: x\) while running this cell/) });
    expect(describeDeath(137, null, 0).evalue).toMatch(/^the kernel process was killed by SIGKILL \(by the system's out-of-memory killer, or another process\)/);
    expect(describeDeath(139, null, 0).evalue).toMatch(/^the kernel process was killed by SIGSEGV while/);
    expect(describeDeath(3, null, 0)).toEqual({ ename: "KernelDied", evalue: expect.stringMatching(/^the kernel process exited with status 3 while running this cell/) });
  });
});
