// CPU time of the multi-channel conv layers (the CNN's conv2 16→32 3×3 on 14×14, batch 128;
// LeNet's conv2 6→16 5×5 on 14×14, batch 64: forward + ReLU + 2×2 pool, and all three
// gradients) and of the CNN and LeNet-5 training steps, this build against a base build
// (--base DIR: a checkout built with `npm run build`), rounds interleaved in one process so
// both see the same load. CPU time (process.cpuUsage, workers included) at T threads is what
// shared cores still measure; wall clock is printed for information.
// node --expose-gc --experimental-wasm-relaxed-simd dist/bench/conv-ab.js --base DIR [--threads T] [--rounds N]

import { loadavg } from "node:os";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { fmt, table } from "./timing.js";

const { values } = parseArgs({ options: { base: { type: "string" }, threads: { type: "string", default: "1" }, rounds: { type: "string", default: "4" } } });
if (values.base === undefined) throw new Error("missing --base DIR: a checkout of the commit to compare against, built with `npm run build`");
const baseDist = join(resolve(values.base), "dist");
if (!existsSync(join(baseDist, "lib", "index.js"))) throw new Error(`--base ${values.base} has no dist/lib: run \`npm run build\` there first`);
const hereDist = resolve(import.meta.dirname, ".."); // dist/bench → dist
const threads = Number(values.threads), rounds = Number(values.rounds);

interface Conv { n: number; cIn: number; h: number; w: number; cOut: number; kh: number; kw: number; strideH: number; strideW: number;
  padH: number; padW: number; dilationH: number; dilationW: number; groups: number; outH: number; outW: number }
function conv(n: number, cIn: number, size: number, cOut: number, k: number, pad: number): Conv {
  const o = size + 2 * pad - k + 1;
  return { n, cIn, h: size, w: size, cOut, kh: k, kw: k, strideH: 1, strideW: 1, padH: pad, padW: pad, dilationH: 1, dilationW: 1, groups: 1, outH: o, outW: o };
}
const layers = { "CNN conv2 16→32 3×3": conv(128, 16, 14, 32, 3, 1), "LeNet conv2 6→16 5×5": conv(64, 6, 14, 16, 5, 0) };

function random(len: number, seed: number): Float32Array {
  const a = new Float32Array(len);
  let s = seed;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    a[i] = s / 2 ** 32 - 0.5;
  }
  return a;
}

type Step = () => void;
interface Build { name: string; setNumThreads: (t: number) => void; cases: Record<string, Step> }

/* eslint-disable @typescript-eslint/no-explicit-any -- both builds are loaded by path at run time */
async function load(name: string, dist: string): Promise<Build> {
  const lib: any = await import(pathToFileURL(join(dist, "lib", "index.js")).href);
  const backend: any = await import(pathToFileURL(join(dist, "lib", "backend", "index.js")).href);
  const models: any = await import(pathToFileURL(join(dist, "bench", "models", "gradlab-models.js")).href);
  const K = backend.getKernels();
  const cases: Record<string, Step> = {};
  for (const [label, p] of Object.entries(layers)) {
    const x = random(p.n * p.cIn * p.h * p.w, 1), w = random(p.cOut * p.cIn * p.kh * p.kw, 2), b = random(p.cOut, 3);
    const dy = random(p.n * p.cOut * p.outH * p.outW, 4);
    const pool = { n: p.n, c: p.cOut, h: p.outH, w: p.outW, kh: 2, kw: 2, strideH: 2, strideW: 2, padH: 0, padW: 0,
      dilationH: 1, dilationW: 1, outH: p.outH >> 1, outW: p.outW >> 1, countIncludePad: false };
    const pooled = p.n * p.cOut * pool.outH * pool.outW;
    const out = new Float32Array(pooled), argmax = new Int32Array(pooled);
    const dx = new Float32Array(x.length), dw = new Float32Array(w.length), db = new Float32Array(p.cOut);
    cases[`${label} forward + pool`] = () => K.conv2dMaxPoolForward(x, w, out, argmax, p, pool, { bias: b, relu: true });
    cases[`${label} backward`] = () => K.conv2dBackward(x, w, dy, dx, dw, db, p);
  }
  const cnn = models.makeCnn(), lenet = models.makeLenet();
  cases["CNN training step"] = () => cnn.run();
  cases["LeNet-5 training step"] = () => lenet.run();
  return { name, setNumThreads: lib.setNumThreads, cases };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** CPU and wall milliseconds per call over a short burst after a warm-up. */
function burst(fn: Step): { cpu: number; wall: number } {
  fn();
  fn();
  const reps = 8;
  const c0 = process.cpuUsage(), t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1000 / reps, wall: (performance.now() - t0) / reps };
}

const builds = [await load("base", baseDist), await load("this", hereDist)];
const load0 = loadavg().map((v) => v.toFixed(1)).join(" ");
const best = new Map<string, { cpu: number; wall: number }>();
for (let r = 0; r < rounds; r++) {
  for (const b of builds) {
    b.setNumThreads(threads);
    for (const [label, fn] of Object.entries(b.cases)) {
      const m = burst(fn), key = `${b.name} ${label}`, o = best.get(key) ?? { cpu: Infinity, wall: Infinity };
      best.set(key, { cpu: Math.min(o.cpu, m.cpu), wall: Math.min(o.wall, m.wall) });
    }
  }
}
console.log(`conv layers and steps, base ${values.base} vs this build, ${threads} thread(s), best of ${rounds} interleaved rounds; load average ${load0}`);
table(["", "base cpu ms", "this cpu ms", "speed-up", "base wall ms", "this wall ms"],
  Object.keys(builds[1]!.cases).map((label) => {
    const a = best.get(`base ${label}`)!, b = best.get(`this ${label}`)!;
    return [label, fmt(a.cpu, 2), fmt(b.cpu, 2), `${(a.cpu / b.cpu).toFixed(2)}×`, fmt(a.wall, 2), fmt(b.wall, 2)];
  }));
console.log(`load average at the end ${loadavg().map((v) => v.toFixed(1)).join(" ")}`);
process.exit(0);
