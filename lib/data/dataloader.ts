import type { Tensor } from "../tensor.js";
import { defaultGenerator, type Generator } from "../random.js";
import { Dataset } from "./dataset.js";
import { defaultCollate } from "./collate.js";

export interface DataLoaderOptions<T, B> {
  /** Items per batch (default 1). */
  batchSize?: number;
  /** Reshuffle the order at the start of every pass (default false). */
  shuffle?: boolean;
  /** Drop the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Random source for shuffling (default: the global one, seeded by `manualSeed`). */
  generator?: Generator;
  /** Builds a batch from a list of items (default: `defaultCollate`). */
  collate?: (items: T[]) => B;
}

/** The batch type `defaultCollate` makes of items of type T. */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | boolean
    ? Tensor
    : T extends string
      ? string[]
      : T extends object
        ? { -readonly [K in keyof T]: Collated<T[K]> }
        : T;

/**
 * Iterates over a dataset in (optionally shuffled) batches: `for (const [x, y] of loader)`.
 * Each `for…of` is one pass (epoch); with `shuffle`, each pass draws a fresh permutation
 * from the generator, so seeding it (or `manualSeed`) makes the order reproducible.
 */
export class DataLoader<T = unknown, B = Collated<T>> implements Iterable<B> {
  readonly dataset: Dataset<T> | readonly T[];
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private generator: Generator;
  private collate: ((items: T[]) => B) | null;

  constructor(dataset: Dataset<T> | readonly T[], options: DataLoaderOptions<T, B> = {}) {
    const { batchSize = 1, shuffle = false, dropLast = false } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.generator = options.generator ?? defaultGenerator;
    this.collate = options.collate ?? null;
  }

  private get size(): number {
    return this.dataset.length;
  }

  /** Number of batches per pass. */
  get length(): number {
    return this.dropLast ? Math.floor(this.size / this.batchSize) : Math.ceil(this.size / this.batchSize);
  }

  private order(): number[] {
    const n = this.size;
    const idx = Array.from({ length: n }, (_, i) => i);
    if (this.shuffle) {
      // Fisher–Yates
      for (let i = n - 1; i > 0; i--) {
        const j = this.generator.nextInt(0, i + 1);
        const t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
      }
    }
    return idx;
  }

  private fetch(indices: number[]): B {
    const ds = this.dataset;
    if (ds instanceof Dataset) {
      if (this.collate === null && ds.getBatch) {
        const fast = ds.getBatch(indices);
        if (fast !== undefined) return fast as B;
      }
      const items = indices.map((i) => ds.get(i));
      return this.collate ? this.collate(items) : (defaultCollate(items) as B);
    }
    const items = indices.map((i) => (ds as readonly T[])[i]);
    return this.collate ? this.collate(items) : (defaultCollate(items) as B);
  }

  *[Symbol.iterator](): Iterator<B> {
    const order = this.order();
    const n = order.length;
    for (let start = 0; start < n; start += this.batchSize) {
      const end = Math.min(start + this.batchSize, n);
      if (end - start < this.batchSize && this.dropLast) return;
      yield this.fetch(order.slice(start, end));
    }
  }
}
