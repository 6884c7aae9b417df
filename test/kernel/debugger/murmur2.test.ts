// The Murmur2 hash against the numbers JupyterLab's debugger (@jupyterlab/debugger hash.ts) and
// ipykernel (compiler.py murmur2_x86) compute for the same texts, and against ipykernel live.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { HASH_SEED } from "../../../kernel/debugger/cell-files.js";
import { murmur2 } from "../../../kernel/debugger/murmur2.js";

const SAMPLES = ["", "a", "ab", "abc", "abcd", "const x = randn([64, 784]);\nx", "é ünïcødé 🚀\n\tend", "x".repeat(1001)];

describe("murmur2", () => {
  it("gives JupyterLab's and ipykernel's hashes (seed 0xc70f6907)", () => {
    // Computed with @jupyterlab/debugger 4.6 lib/hash.js and ipykernel 6's murmur2_x86.
    expect(SAMPLES.map((s) => murmur2(s, HASH_SEED))).toEqual([3990065800, 2167009006, 2805137849, 3350977461, 804720481, 2454129440, 906882331, 2469510316]);
  });

  const ipykernel = "/usr/lib/python3/dist-packages/ipykernel/compiler.py";
  it.skipIf(!existsSync(ipykernel))("agrees with ipykernel on random texts", () => {
    const texts = Array.from({ length: 40 }, (_, i) => Array.from({ length: i * 7 }, (_, j) => String.fromCodePoint(32 + ((i * 131 + j * 977) % 2000))).join(""));
    const script = "import json, sys\nfrom ipykernel.compiler import murmur2_x86\nprint(json.dumps([murmur2_x86(t, 0xC70F6907) for t in json.load(sys.stdin)]))";
    const out = execFileSync("/usr/bin/python3", ["-c", script], { input: JSON.stringify(texts) }).toString();
    expect(texts.map((t) => murmur2(t, HASH_SEED))).toEqual(JSON.parse(out));
  });
});
