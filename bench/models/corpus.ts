// The text the character-level benchmark models train on: the repo's own README (real
// characters, the same file the PyTorch twins read), as int32 token ids.

import { readFileSync } from "node:fs";

export const CORPUS_PATH = new URL("../../../README.md", import.meta.url).pathname;

export interface Corpus { ids: Int32Array; vocab: number }

/** Token ids in order of first appearance of each distinct character, as the Python twin does. */
export function loadCorpus(): Corpus {
  const text = readFileSync(CORPUS_PATH, "utf8");
  const chars = [...new Set(text)].sort();
  const index = new Map(chars.map((c, i) => [c, i]));
  return { ids: Int32Array.from(text, (c) => index.get(c)!), vocab: chars.length };
}

/** A deterministic batch of `batch` windows of `block + 1` tokens: inputs and next-token targets. */
export function windows(c: Corpus, batch: number, block: number, step: number): { x: Int32Array; y: Int32Array } {
  const x = new Int32Array(batch * block), y = new Int32Array(batch * block);
  const span = c.ids.length - block - 1;
  for (let b = 0; b < batch; b++) {
    const start = ((step * batch + b) * 7919) % span;
    for (let t = 0; t < block; t++) {
      x[b * block + t] = c.ids[start + t]!;
      y[b * block + t] = c.ids[start + t + 1]!;
    }
  }
  return { x, y };
}
