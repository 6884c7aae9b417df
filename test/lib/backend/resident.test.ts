// Resident float32 storage (lib/backend/wasm/resident.ts): op outputs that stay in the wasm
// memory between kernels. The values and gradients must be bit-identical to the copy-in /
// copy-out path, reading `.data` must materialize them, and no view may be handed out
// outside an op's scope.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { F, manualSeed, nn, optim, randn, residentStats as publicResidentStats, type Tensor } from "../../../lib/index.js";
import { flushResident, inResidentScope, residentScope, residentStats } from "../../../lib/backend/index.js";
import { setResidentCollection, setResidentEnabled } from "../../../lib/backend/wasm/resident.js";
import { wasmRuntime } from "../../../lib/backend/wasm/runtime.js";
import { recover } from "../../../lib/recover.js";

/** The built library (npm test builds first), for the child process. */
const DIST = fileURLToPath(new URL("../../../dist/lib/index.js", import.meta.url));

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

  it("keeps Adam's moments in the wasm memory, updated in place with the copying path's bits", () => {
    const train = (resident: boolean) => {
      setResidentEnabled(resident);
      manualSeed(3);
      const fc = new nn.Linear(128, 64); // weight: 8192 floats, above the resident minimum
      const opt = new optim.AdamW(fc.parameters(), { lr: 1e-2 });
      const x = randn([32, 128]);
      for (let i = 0; i < 3; i++) {
        opt.zeroGrad();
        (fc.call(x) as Tensor).square().mean().backward();
        opt.step();
      }
      return { fc, opt };
    };
    const ref = train(false);
    const got = train(true);
    const moments = (o: typeof got.opt) => ["expAvg", "expAvgSq"].map((k) => o.stateOf(got.fc.weight)[k] as Tensor);
    // in place: the state tensors' values are views of the wasm memory inside a scope
    for (const t of moments(got.opt)) expect(residentScope(() => t.storage.resident !== null)).toBe(true);
    expect(bits(got.fc.weight)).toEqual(bits(ref.fc.weight));
    // stateDict copies them (they stay in place); reading one's data makes it an ordinary array
    const saved = got.opt.stateDict().state[0]!.expAvgSq as Tensor;
    expect(bits(saved)).toEqual(bits(ref.opt.stateOf(ref.fc.weight).expAvgSq as Tensor));
    expect(residentScope(() => moments(got.opt)[1]!.storage.resident !== null)).toBe(true);
    const [m] = moments(got.opt);
    expect(Array.from(m!.data as Float32Array)).toEqual(Array.from((ref.opt.stateOf(ref.fc.weight).expAvg as Tensor).data as Float32Array));
    expect(residentScope(() => m!.storage.resident)).toBeNull();
  });

  it("keeps a fused conv + pool's int32 argmax in the wasm memory, with the copying path's bits", () => {
    const run = (resident: boolean) => {
      setResidentEnabled(resident);
      manualSeed(5);
      // conv 1→6 5×5 then ReLU and a 2×2 pool, fused by Sequential; the argmax is 16·6·14·14 int32s
      const net = new nn.Sequential(new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2));
      const x = randn([16, 1, 28, 28]);
      const rt = wasmRuntime()!;
      const before = { ...rt.copied };
      const y = net.call(x) as Tensor;
      const out = rt.copied.out - before.out;
      y.square().sum().backward();
      const copiedIn = rt.copied.in - before.in;
      const [w, b] = [...net.parameters()];
      return { y, out, copiedIn, grads: [w!.grad!, b!.grad!] };
    };
    const ref = run(false);
    const got = run(true);
    const argmaxBytes = 16 * 6 * 14 * 14 * 4;
    expect(ref.out).toBeGreaterThanOrEqual(2 * argmaxBytes); // pooled values and argmax copied out
    expect(got.out).toBeLessThan(argmaxBytes); // neither: both written in place
    // the backward reads x from JS, but neither the argmax nor the pooled values come back in
    expect(ref.copiedIn - got.copiedIn).toBeGreaterThanOrEqual(2 * argmaxBytes);
    expect(bits(got.y)).toEqual(bits(ref.y));
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

  it("gives regions back within one synchronous loop once their storages are collected", () => {
    expect(publicResidentStats).toBe(residentStats); // users see the same counts (README)
    expect(residentStats().noticesCollection).toBe(true);
    manualSeed(4);
    const a = randn([64, 128]), w = randn([256, 128]);
    const before = residentStats();
    const bytes = 64 * 256 * 4;
    let junk: Float32Array[] = [];
    for (let i = 0; i < 200; i++) {
      F.linear(a, w); // dropped at once
      // ordinary arrays, as the rest of a training step makes: their external memory makes V8
      // run full collections during the loop (scavenges leave finalization registries alone)
      junk.push(new Float32Array(1 << 20));
      if (junk.length > 8) junk = [];
    }
    const after = residentStats();
    expect(after.allocated - before.allocated).toBe(200 * bytes);
    // how many depends on when V8 collects (the next test pins that down)
    expect(after.collected - before.collected).toBeGreaterThan(0);
    expect(after.reused - before.reused).toBeGreaterThan(0);
    expect(after.materialized).toBe(before.materialized); // nothing copied out
  });

  it.runIf(existsSync(DIST))("past its high-water mark the heap asks V8 for a full collection and reuses what it frees", () => {
    // a 16 MB heap in a child process, and a loop that makes 20 times that and keeps nothing:
    // only the collections the heap asks for can give the regions back
    const script = `
      import { F, randn } from ${JSON.stringify(DIST)};
      import { residentStats } from ${JSON.stringify(DIST.replace(/index\.js$/, "backend/index.js"))};
      const a = randn([64, 128]), w = randn([256, 128]);
      for (let i = 0; i < 5 * 16 * 20; i++) F.linear(a, w);
      console.log(JSON.stringify(residentStats()));`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { env: { ...process.env, GRADLAB_RESIDENT_MB: "16" }, encoding: "utf8" });
    const s = JSON.parse(out.trim().split("\n").pop()!) as ReturnType<typeof residentStats>;
    const bytes = 64 * 256 * 4, total = 5 * 16 * 20 * bytes;
    expect(s.noticesCollection).toBe(true);
    expect(s.allocated).toBe(total);
    expect(s.collections).toBeGreaterThan(0);
    expect(s.refused).toBe(0);
    expect(s.collected).toBeGreaterThan(total * 0.8); // the heap holds a fifth of the total at most
    expect(s.heldBytes).toBeLessThanOrEqual(16 * 1024 * 1024);
  });

  it.runIf(existsSync(DIST))("a heap full of live tensors hands out ordinary arrays, with the same values", () => {
    // 400 outputs of 64 kB kept alive in a 16 MB heap: the collections it asks for free
    // nothing, so past that the outputs are ordinary arrays
    const script = `
      import { F, randn } from ${JSON.stringify(DIST)};
      import { residentStats } from ${JSON.stringify(DIST.replace(/index\.js$/, "backend/index.js"))};
      const a = randn([64, 128]), w = randn([256, 128]);
      const kept = [];
      for (let i = 0; i < 400; i++) kept.push(F.linear(a.mul(1 + i / 400), w));
      const s = residentStats();
      const want = F.linear(a, w).data;
      const bad = kept.findIndex((y, i) => { const d = y.data; for (let j = 0; j < d.length; j += 97) if (Math.abs(d[j] - want[j] * (1 + i / 400)) > 1e-3 * (1 + Math.abs(want[j]))) return true; return false; });
      console.log(JSON.stringify({ ...s, bad }));`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { env: { ...process.env, GRADLAB_RESIDENT_MB: "16" }, encoding: "utf8" });
    const s = JSON.parse(out.trim().split("\n").pop()!) as ReturnType<typeof residentStats> & { bad: number };
    expect(s.refused).toBeGreaterThan(0);
    expect(s.heldBytes).toBeLessThanOrEqual(16 * 1024 * 1024);
    expect(s.bad).toBe(-1);
  });

  it.runIf(existsSync(DIST))("a heap whose free regions have other sizes merges them instead of refusing", () => {
    // One model fills a 16 MB heap with 64 kB outputs, all collected but the first (which keeps
    // the heap from starting over); the next asks only for 96 kB ones. Before free regions were
    // merged, every one of those was refused (an ordinary array, copied into the arena per op).
    const script = `
      import { F, randn } from ${JSON.stringify(DIST)};
      import { residentStats } from ${JSON.stringify(DIST.replace(/index\.js$/, "backend/index.js"))};
      const a = randn([64, 128]), w = randn([256, 128]), w2 = randn([384, 128]);
      let kept = [];
      for (let i = 0; i < 300; i++) kept.push(F.linear(a, w));
      const first = kept[0];
      kept = [];
      globalThis.gc();
      const before = residentStats();
      const want = F.linear(a, w2).data;
      const second = [];
      for (let i = 0; i < 100; i++) second.push(F.linear(a, w2));
      const after = residentStats();
      const bad = second.findIndex((y) => y.data.some((v, j) => v !== want[j]));
      console.log(JSON.stringify({ filledRefused: before.refused, refused: after.refused - before.refused, allocated: after.allocated - before.allocated, bad, firstLen: first.data.length }));`;
    const out = execFileSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", script], { env: { ...process.env, GRADLAB_RESIDENT_MB: "16" }, encoding: "utf8" });
    const s = JSON.parse(out.trim().split("\n").pop()!) as { filledRefused: number; refused: number; allocated: number; bad: number; firstLen: number };
    expect(s.filledRefused).toBeGreaterThan(0); // the first model did fill the heap
    expect(s.refused).toBe(0);
    expect(s.allocated).toBe(101 * 64 * 384 * 4); // with the reference output
    expect(s.bad).toBe(-1);
    expect(s.firstLen).toBe(64 * 256);
  });

  it("where collection goes unnoticed, a flush materializes every region with its values", () => {
    setResidentCollection(false);
    try {
      manualSeed(2);
      const a = randn([64, 128]), w = randn([256, 128]);
      const y = F.linear(a, w);
      setResidentEnabled(false);
      const ref = F.linear(a, w);
      setResidentEnabled(true);
      flushResident();
      expect(residentScope(() => y.storage.resident)).toBeNull();
      expect(bits(y)).toEqual(bits(ref));
    } finally {
      setResidentCollection(true);
    }
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
