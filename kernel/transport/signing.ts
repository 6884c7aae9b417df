// HMAC-SHA256 over the four JSON frames of a message, as the Jupyter wire protocol specifies.
// Verification compares in constant time so a forger learns nothing from response timing.
import { createHmac, timingSafeEqual } from "node:crypto";

export class Signer {
  private readonly key: Buffer;
  constructor(key: string) {
    this.key = Buffer.from(key, "utf8");
  }

  /** An empty key means the connection is unauthenticated: the signature frame is empty. */
  get enabled(): boolean {
    return this.key.length > 0;
  }

  sign(parts: readonly Buffer[]): string {
    if (!this.enabled) return "";
    const h = createHmac("sha256", this.key);
    for (const p of parts) h.update(p);
    return h.digest("hex");
  }

  verify(signature: Buffer | string, parts: readonly Buffer[]): boolean {
    if (!this.enabled) return true;
    const got = typeof signature === "string" ? Buffer.from(signature, "latin1") : signature;
    const want = Buffer.from(this.sign(parts), "latin1");
    // timingSafeEqual needs equal lengths; comparing `want` against itself keeps the time constant.
    if (got.length !== want.length) {
      timingSafeEqual(want, want);
      return false;
    }
    return timingSafeEqual(got, want);
  }
}

/**
 * Remembers recently seen signatures so a captured message cannot be replayed. Bounded: the
 * oldest half is forgotten when full (a replay must then also beat the HMAC of a fresh date).
 */
export class ReplayGuard {
  private seen = new Set<string>();
  constructor(private readonly capacity = 65536) {}
  /** true when the signature is new (and records it); false for a replay. */
  admit(signature: string): boolean {
    if (signature === "") return true;
    if (this.seen.has(signature)) return false;
    if (this.seen.size >= this.capacity) {
      const keep = [...this.seen].slice(this.capacity / 2);
      this.seen = new Set(keep);
    }
    this.seen.add(signature);
    return true;
  }
}
