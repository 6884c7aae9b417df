// How long `zeros([1e8])` as a cell's last expression takes to display, end to end through a
// real kernel (a fresh one per round: the first display of a session is the one that matters),
// against the same display in-process. Wall clock and the kernel process's CPU time (all its
// threads, from /proc), so a loaded machine still gives comparable figures.
//   npm run build && node dist/bench/display-huge-tensor.js [--rounds N] [--numel N]
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { launchKernel } from "../kernel/client/launch.js";
import { zeros } from "../lib/index.js";
import { tensorView } from "../visualizers/index.js";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" }, numel: { type: "string", default: "1e8" } } });
const rounds = Number(values.rounds);
const numel = Number(values.numel);

/** CPU ms (user + system) a process has used, all threads: /proc/<pid>/stat fields 14 and 15. */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** A cell's wall and kernel CPU time, and the bytes of output it sent. */
async function timed(k: Awaited<ReturnType<typeof launchKernel>>, code: string): Promise<{ wall: number; cpu: number; bytes: number }> {
  const cpu0 = processCpuMs(k.process.pid!);
  const t0 = performance.now();
  const r = await k.client.execute(code, { timeoutMs: 300_000 });
  const wall = performance.now() - t0;
  const cpu = processCpuMs(k.process.pid!) - cpu0;
  const bytes = r.outputs.reduce((n, m) => n + JSON.stringify(m.content).length, 0);
  return { wall, cpu, bytes };
}

/** The huge display, and a tiny one before it: what a cell costs besides the display (its compile, the protocol). */
async function throughKernel(): Promise<{ small: { wall: number; cpu: number }; big: { wall: number; cpu: number; bytes: number } }> {
  const k = await launchKernel({ env: { ...process.env } });
  try {
    await k.client.execute("1");
    const small = await timed(k, "zeros([10])");
    return { small, big: await timed(k, `zeros([${numel}])`) };
  } finally {
    await k.shutdown();
  }
}

function inProcess(): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  JSON.stringify(tensorView(zeros([numel])));
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

const ms = (x: number): string => `${Math.round(x)} ms`;
console.log(`zeros([${numel}]) displayed, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
for (let i = 0; i < rounds; i++) {
  const k = await throughKernel();
  const p = inProcess();
  console.log(`round ${i + 1}: kernel wall ${ms(k.big.wall)} cpu ${ms(k.big.cpu)} (${k.big.bytes} bytes of output; zeros([10]) before it: wall ${ms(k.small.wall)} cpu ${ms(k.small.cpu)}) | in-process wall ${ms(p.wall)} cpu ${ms(p.cpu)}`);
}
console.log(`load average after: ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
