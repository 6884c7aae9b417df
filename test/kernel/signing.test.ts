import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ReplayGuard, Signer } from "../../kernel/transport/signing.js";

const parts = ["{\"msg_id\":\"1\"}", "{}", "{}", "{\"code\":\"1\"}"].map((s) => Buffer.from(s));

describe("Signer", () => {
  it("matches HMAC-SHA256 over the concatenated frames (RFC 4231 test case 2 for one frame)", () => {
    // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?"
    const s = new Signer("Jefe");
    expect(s.sign([Buffer.from("what do ya want "), Buffer.from("for nothing?")])).toBe("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  });

  it("verifies its own signature and rejects tampering, truncation and a wrong key", () => {
    const s = new Signer("secret");
    const sig = s.sign(parts);
    expect(s.verify(sig, parts)).toBe(true);
    expect(s.verify(Buffer.from(sig), parts)).toBe(true);
    expect(s.verify(sig.slice(0, -1), parts)).toBe(false);
    expect(s.verify("", parts)).toBe(false);
    expect(s.verify(sig.replace(/^./, (c) => (c === "a" ? "b" : "a")), parts)).toBe(false);
    const tampered = [...parts.slice(0, 3), Buffer.from("{\"code\":\"2\"}")];
    expect(s.verify(sig, tampered)).toBe(false);
    expect(new Signer("other").verify(sig, parts)).toBe(false);
    expect(sig).toBe(createHmac("sha256", "secret").update(Buffer.concat(parts)).digest("hex"));
  });

  it("with an empty key signs with the empty string and accepts anything", () => {
    const s = new Signer("");
    expect(s.enabled).toBe(false);
    expect(s.sign(parts)).toBe("");
    expect(s.verify("", parts)).toBe(true);
  });
});

describe("ReplayGuard", () => {
  it("admits a signature once", () => {
    const g = new ReplayGuard(4);
    expect(g.admit("a")).toBe(true);
    expect(g.admit("a")).toBe(false);
    expect(g.admit("")).toBe(true);
    expect(g.admit("")).toBe(true);
  });
  it("stays bounded, forgetting the oldest half", () => {
    const g = new ReplayGuard(4);
    for (const s of ["a", "b", "c", "d", "e"]) expect(g.admit(s)).toBe(true);
    expect(g.admit("e")).toBe(false);
    expect(g.admit("d")).toBe(false);
    expect(g.admit("a")).toBe(true);
  });
});
