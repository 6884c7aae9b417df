// The wasm arena lives in a shared WebAssembly.Memory, which can never shrink: a call that
// needs more scratch than the cap runs on the reference kernels instead, so a large op
// leaves no memory resident once its tensors are collected. Measured in a child process
// (node --expose-gc) on the built library.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const LIB = fileURLToPath(new URL("../../../dist/lib/index.js", import.meta.url));

const CHILD = `
const { ones } = await import(process.argv[1]);
const n = Number(process.argv[2]);
const rss = () => process.memoryUsage().rss;
const settle = () => { globalThis.gc(); globalThis.gc(); return rss(); };
ones([1e5]).mul(2).sum().item(); // load the module, start the pool, warm the arena
const before = settle();
// in a function: its frame (and the temporaries it holds) is gone before the GC below
const work = () => { const x = ones([n]); return [x.sum().item(), x.mul(2).max().item()]; };
const [sum, doubled] = work();
const after = settle();
console.log(JSON.stringify({ before, after, sum, doubled }));
`;

function run(n: number, env: Record<string, string>): { before: number; after: number; sum: number; doubled: number } {
  const out = execFileSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", CHILD, LIB, String(n)], {
    encoding: "utf8",
    env: { ...process.env, GRADLAB_BACKEND: "", ...env },
  });
  return JSON.parse(out.trim().split("\n").pop()!);
}

const MB = 1024 * 1024;

describe.skipIf(!existsSync(LIB))("wasm arena cap", () => {
  test("an op over the cap runs on the reference and RSS returns to within 10% after GC", () => {
    const r = run(2e8, {}); // 800 MB of float32: over the default 512 MiB cap
    expect(r.sum).toBe(2e8);
    expect(r.doubled).toBe(2);
    expect(r.after).toBeLessThan(r.before * 1.1);
  }, 120_000);

  test("under a raised cap the same kind of op keeps its scratch resident (what the cap prevents)", () => {
    const r = run(1e8, { GRADLAB_ARENA_MAX_MB: "4096" }); // 400 MB input staged in the arena
    expect(r.sum).toBe(1e8);
    expect(r.after - r.before).toBeGreaterThan(300 * MB);
  }, 120_000);
});
