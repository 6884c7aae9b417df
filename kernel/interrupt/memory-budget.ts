// The kernel's memory budget: a cell whose process grows past it is stopped (like an
// interrupt) and fails with a MemoryError, instead of growing until the machine swaps or the
// kernel is killed. The io thread watches the process's resident memory while a cell runs;
// typed arrays and the wasm arena count, which a V8 heap limit would not see.
import { totalmem } from "node:os";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** The default budget: this fraction of physical memory. */
export const DEFAULT_BUDGET_FRACTION = 0.75;

/** Bytes in a size written as bytes or a number with K/M/G (e.g. "8G", "512M"), or null. */
export function parseSize(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([KMG]?)B?$/i.exec(text.trim());
  return m === null ? null : Math.round(Number(m[1]) * 1024 ** " KMG".indexOf((m[2] || " ").toUpperCase()));
}

/** GRADLAB_MAX_MEMORY: bytes, or a number with K/M/G (e.g. "8G"); unset: 3/4 of RAM. */
export function memoryBudget(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.GRADLAB_MAX_MEMORY?.trim();
  if (text) {
    const bytes = parseSize(text);
    if (bytes !== null) return bytes;
    process.stderr.write(`[gradlab] GRADLAB_MAX_MEMORY=${text} is not a size (bytes, or a number with K, M or G): using the default\n`);
  }
  return Math.round(DEFAULT_BUDGET_FRACTION * totalmem());
}

export function gb(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(bytes < 2 ** 30 ? 2 : 1)} GB`;
}

let fullGc: (() => void) | undefined;

/**
 * A full garbage collection now. After a cell stopped for memory, V8 would only collect what
 * it grew once the heap filled up again: the next cell would be stopped for the garbage.
 * (`--expose-gc` set at run time defines `gc` in contexts created after it.)
 */
export function collectGarbage(): void {
  if (fullGc === undefined) {
    setFlagsFromString("--expose-gc");
    fullGc = runInNewContext("gc") as () => void;
  }
  fullGc();
}
