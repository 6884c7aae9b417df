// Times whole tutorial notebooks under `gradlab run`, this build against another checkout's
// build (the --base directory, built with `npm run build`), rounds interleaved (base, this,
// base, this, …) so both see the same load. Each run is a fresh `gradlab run` process; its
// wall time, its CPU time with the kernel and worker threads (user + sys, from
// /usr/bin/time when present) and its slowest cell are printed, then the fastest round of
// each side and their ratio, and the range and median of the rounds' own ratios.
// node dist/bench/notebook-time.js --base DIR [--rounds N] [NOTEBOOK.ipynb …]

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { gradlabPackage } from "../kernel/package-root.js";
import { fmt, table } from "./timing.js";

const DEFAULT_NOTEBOOKS = ["notebooks/06-convolutional-networks.ipynb", "notebooks/09-transformers-and-attention.ipynb"];
const TIME = "/usr/bin/time";

interface Run {
  wall: number;
  cpu: number | null;
  slowest: { cell: string; seconds: number };
  kernelReady: number;
}

/** One `gradlab run` of `notebook` with the build in `root`. */
function runOnce(root: string, notebook: string): Run {
  const gradlab = join(root, "bin", "gradlab.js");
  const args = [process.execPath, gradlab, "run", notebook];
  const timed = existsSync(TIME);
  const t0 = performance.now();
  // /usr/bin/time reports the child's rusage, which includes the kernel it waited for.
  const r = timed ? spawnSync(TIME, ["-f", "TIME %U %S", ...args], { encoding: "utf8" }) : spawnSync(args[0]!, args.slice(1), { encoding: "utf8" });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${gradlab} run ${notebook} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  const m = /TIME ([\d.]+) ([\d.]+)/.exec(r.stderr);
  const cpu = m ? Number(m[1]) + Number(m[2]) : null;
  let slowest = { cell: "?", seconds: 0 };
  for (const line of r.stdout.split("\n")) {
    const c = /\] cell (\d+) .* … ok ([\d.]+)s$/.exec(line);
    if (c && Number(c[2]) > slowest.seconds) slowest = { cell: c[1]!, seconds: Number(c[2]) };
  }
  const ready = /kernel ready in ([\d.]+)s/.exec(r.stdout);
  return { wall, cpu, slowest, kernelReady: ready ? Number(ready[1]) : NaN };
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { base: { type: "string" }, rounds: { type: "string", default: "3" } } });
if (values.base === undefined) throw new Error("missing --base DIR: a checkout of the commit to compare against, built with `npm run build`");
const base = resolve(values.base);
if (!existsSync(join(base, "dist", "kernel"))) throw new Error(`--base ${base} has no dist/kernel: run \`npm run build\` there first`);
const here = gradlabPackage().root;
const rounds = Number(values.rounds);
if (!(Number.isInteger(rounds) && rounds > 0)) throw new Error(`--rounds must be a positive integer, got "${values.rounds}"`);
const notebooks = (positionals.length > 0 ? positionals : DEFAULT_NOTEBOOKS.map((p) => join(here, p))).map((p) => resolve(p));

const load = () => loadavg().map((x) => x.toFixed(2)).join(" ");
console.log(`gradlab run, base ${base} vs this build ${here}; ${rounds} interleaved rounds; load average ${load()}`);
if (!existsSync(TIME)) console.log(`(${TIME} not found: CPU time not measured)`);
const rows: string[][] = [];
for (const nb of notebooks) {
  const runs: Record<"base" | "this", Run[]> = { base: [], this: [] };
  for (let round = 1; round <= rounds; round++) {
    for (const [side, root] of [["base", base], ["this", here]] as const) {
      const r = runOnce(root, nb);
      runs[side].push(r);
      console.log(`  ${nb.split("/").pop()} round ${round} ${side.padEnd(4)}: wall ${r.wall.toFixed(2)} s, cpu ${fmt(r.cpu, 2)} s, slowest cell ${r.slowest.cell} ${r.slowest.seconds.toFixed(1)} s, kernel ready ${r.kernelReady.toFixed(2)} s (load ${load()})`);
    }
  }
  const best = (rs: Run[], f: (r: Run) => number | null) => Math.min(...rs.map((r) => f(r) ?? Infinity));
  const bw = best(runs.base, (r) => r.wall), tw = best(runs.this, (r) => r.wall);
  const bc = best(runs.base, (r) => r.cpu), tc = best(runs.this, (r) => r.cpu);
  const bs = best(runs.base, (r) => r.slowest.seconds), ts = best(runs.this, (r) => r.slowest.seconds);
  // each round's pair ran back to back under the same load: their ratios say how steady the speed-up is
  const ratios = runs.base.map((b, i) => b.wall / runs.this[i]!.wall).sort((x, y) => x - y);
  const median = ratios.length % 2 ? ratios[(ratios.length - 1) / 2]! : (ratios[ratios.length / 2 - 1]! + ratios[ratios.length / 2]!) / 2;
  const perRound = `${ratios[0]!.toFixed(2)}–${ratios[ratios.length - 1]!.toFixed(2)}× (median ${median.toFixed(2)}×)`;
  rows.push([nb.split("/").pop()!, fmt(bw, 2), fmt(tw, 2), `${(bw / tw).toFixed(2)}×`, perRound, fmt(bc, 2), fmt(tc, 2), Number.isFinite(bc) ? `${(bc / tc).toFixed(2)}×` : "n/a", `${fmt(bs)} → ${fmt(ts)}`]);
}
console.log(`\nfastest round of each side (load average ${load()}), and each round's own wall-time ratio:`);
table(["notebook", "base wall s", "this wall s", "speed-up", "per round", "base cpu s", "this cpu s", "speed-up", "slowest cell s"], rows);
