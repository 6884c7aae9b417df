// What reading a live widget value costs inside a running cell (not a test). After
// `npm run build`:  node dist/bench/measure-live-read.js
// Starts the built kernel and runs one cell that times, interleaved over 7 rounds, 10⁷ reads
// of `slider.value` (a shared-memory load, kernel/widgets/live-state.ts), of a Button's
// `clicks`, and of a plain object's number field; prints ns per read (median of the rounds).
import { launchKernel } from "../kernel/client/launch.js";

const CELL = `
const slider = new widgets.FloatSlider({ value: 0.5 });
const stop = new widgets.Button({ description: "Stop" });
const plain = { value: 0.5 };
const N = 1e7;
const time = (read: () => number): number => { const t = performance.now(); let s = 0; for (let i = 0; i < N; i++) s += read(); if (s < 0) console.log(s); return ((performance.now() - t) * 1e6) / N; };
const rounds: Record<string, number[]> = { "slider.value": [], "button.clicks": [], "plain field": [] };
for (let r = 0; r < 7; r++) {
  rounds["slider.value"].push(time(() => slider.value));
  rounds["button.clicks"].push(time(() => stop.clicks));
  rounds["plain field"].push(time(() => plain.value));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[3];
console.log(JSON.stringify(Object.fromEntries(Object.entries(rounds).map(([k, v]) => [k, Number(median(v).toFixed(2))]))));
`;

const k = await launchKernel({});
try {
  const r = await k.client.execute(CELL, { timeoutMs: 300_000 });
  const out = r.outputs.filter((m) => m.header.msg_type === "stream").map((m) => (m.content as { text: string }).text).join("");
  console.log(`ns per read (median of 7 rounds of 10^7): ${out.trim()}`);
} finally {
  await k.shutdown();
}
