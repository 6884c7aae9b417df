// Resident float32 storage (lib/backend/wasm/resident.ts): op outputs that stay in the wasm
// memory between kernels. The values and gradients must be bit-identical to the copy-in /
// copy-out path, reading `.data` must materialize them, and no view may be handed out
// outside an op's scope.
import { afterEach, describe, expect, it } from "vitest";
import { F, manualSeed, nn, randn, type Tensor } from "../../../lib/index.js";
import { flushResident, inResidentScope, residentScope, residentStats } from "../../../lib/backend/index.js";
import { setResidentEnabled } from "../../../lib/backend/wasm/resident.js";
import { wasmRuntime } from "../../../lib/backend/wasm/runtime.js";
import { recover } from "../../../lib/recover.js";

const bits = (t: Tensor): number[] => Array.from(new Uint32Array(Float32Array.from(t.contiguous().data as Float32Array).buffer));

/** A small transformer-style step: linear, GELU, linear, residual add, softmax attention-like product, loss. */
function step(seed: number) {
  manualSeed(seed);
  const fc = new nn.Linear(64, 256), proj = new nn.Linear(256, 64), ln = new nn.LayerNorm(64);
  const x = randn([128, 64]);
  const h = ln.call(x) as Tensor;
  const y = h.add(proj.call(F.gelu(fc.call(h) as Tensor)) as Tensor);
  const att = F.softmax(y.matmul(y.t()).mul(0.125), -1);
  const out = att.matmul(y);
  const loss = out.square().mean();
  loss.backward();
  return { y, out, loss, grads: [...fc.parameters(), ...proj.parameters(), ...ln.parameters()].map((p) => p.grad!) };
}

describe.runIf(wasmRuntime() !== null)("resident storage", () => {
  afterEach(() => setResidentEnabled(true));

  it("gives the same bits as the copying path, forward and backward", () => {
    setResidentEnabled(false);
    const ref = step(7);
    setResidentEnabled(true);
    const before = residentStats();
    const got = step(7);
    expect(residentStats().allocated).toBeGreaterThan(before.allocated);
    expect(bits(got.y)).toEqual(bits(ref.y));
    expect(bits(got.out)).toEqual(bits(ref.out));
    expect(got.loss.item()).toBe(ref.loss.item());
    got.grads.forEach((g, i) => expect(bits(g)).toEqual(bits(ref.grads[i]!)));
  });

  it("materializes on .data and hands views out only inside a scope", () => {
    manualSeed(1);
    const a = randn([64, 128]), w = randn([256, 128]);
    const y = F.linear(a, w);
    expect(y.storage.resident).toBeNull(); // no scope open
    const inside = residentScope(() => y.storage.resident);
    expect(inside).not.toBeNull();
    const m0 = residentStats().materialized;
    const first = y.data;
    expect(residentStats().materialized - m0).toBe(64 * 256 * 4);
    expect(wasmRuntime()!.isResident(first)).toBe(false);
    expect(residentScope(() => y.storage.resident)).toBeNull(); // an ordinary array for good
    expect(y.data).toBe(first);
  });

  it("a flush materializes every region with its values", () => {
    manualSeed(2);
    const a = randn([64, 128]), w = randn([256, 128]);
    const y = F.linear(a, w);
    setResidentEnabled(false);
    const ref = F.linear(a, w);
    setResidentEnabled(true);
    flushResident();
    expect(residentScope(() => y.storage.resident)).toBeNull();
    expect(residentStats().heldBytes).toBe(0);
    expect(bits(y)).toEqual(bits(ref));
  });

  it("recovers scopes an interrupt left open", () => {
    let left = false;
    try {
      residentScope(() => {
        left = true;
        // what an interrupt does: no finally of the open scope runs before recovery
        recover("interrupt");
        throw new Error("cut short");
      });
    } catch {
      // expected
    }
    expect(left).toBe(true);
    expect(inResidentScope()).toBe(false);
    manualSeed(3);
    const y = F.linear(randn([64, 128]), randn([256, 128]));
    expect(residentScope(() => y.storage.resident)).not.toBeNull();
  });
});
