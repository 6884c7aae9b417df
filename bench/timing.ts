// Timing helpers for the benchmarks: warm up, then repeat until a time budget is spent.
// `ms` is the fastest repetition: on cores shared with other processes the median mostly
// measures how often this process was descheduled, the minimum what the code costs. Every
// column (gradlab and tfjs) is measured the same way.

export interface Timing {
  /** fastest repetition, milliseconds */
  ms: number;
  /** median repetition, milliseconds */
  median: number;
  reps: number;
}

export function time(fn: () => void, budgetMs = 1500, maxReps = 200, warmup = 1): Timing {
  for (let i = 0; i < warmup; i++) fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < maxReps && (samples.length < 3 || performance.now() - start < budgetMs)) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
    if (samples.length >= 1 && performance.now() - start > budgetMs * 3) break; // very slow peers
  }
  samples.sort((a, b) => a - b);
  return { ms: samples[0]!, median: samples[Math.floor(samples.length / 2)]!, reps: samples.length };
}

export function fmt(x: number | null, digits = 1): string {
  if (x === null || !Number.isFinite(x)) return "n/a";
  return x >= 100 ? x.toFixed(0) : x.toFixed(digits);
}

export function ratio(a: number | null, b: number | null): string {
  if (a === null || b === null || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return "n/a";
  return `${(a / b).toFixed(a / b >= 100 ? 0 : a / b >= 10 ? 1 : 2)}×`;
}

/** Prints rows as an aligned text table. */
export function table(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
  console.log();
}
