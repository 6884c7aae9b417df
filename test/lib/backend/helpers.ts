// Shared helpers for the backend tests: a seeded generator and float comparisons. Imported
// first by every backend test: if the wasm module has not been built yet (plain `npx vitest`
// on a fresh checkout), it builds it before any backend module tries to load it.

import { existsSync, readFileSync, renameSync } from "node:fs";
import { execSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const target = "dist/wasm/kernels.wasm";
if (!existsSync(root + target)) {
  // test files run in parallel processes: each builds to its own file and renames it into
  // place (atomic), so none can read a half-written module
  const script = (JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { scripts: Record<string, string> }).scripts["build:wasm"]!;
  const tmp = `dist/wasm/kernels.${process.pid}.wasm`;
  execSync(script.replace(target, tmp), { cwd: root, stdio: "ignore", env: { ...process.env, PATH: `${root}node_modules/.bin:${process.env.PATH}` } });
  renameSync(root + tmp, root + target);
}

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomF32(n: number, rand: () => number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rand() * 2 - 1;
  return a;
}

/** Largest |a-b| / (1 + |b|) over the arrays; Infinity on a length or NaN-pattern mismatch. */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let e = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) !== Number.isNaN(y)) return Infinity;
      continue;
    }
    if (x === y) continue;
    e = Math.max(e, Math.abs(x - y) / (1 + Math.abs(y)));
  }
  return e;
}
