import { Tensor } from "../tensor.js";
import { fmtShape } from "../shape.js";
import { defaultGenerator, type Generator } from "../random.js";

/**
 * A map-style dataset (PyTorch's `torch.utils.data.Dataset`): a length and an item per index.
 * Subclass it and implement `length` and `get`, or pass a plain array to `DataLoader`.
 */
export abstract class Dataset<T = unknown> {
  abstract get length(): number;
  abstract get(index: number): T;

  /**
   * Several items at once. DataLoader uses it when a dataset provides a faster path than
   * fetching items one by one and stacking them (TensorDataset gathers whole batches).
   */
  getBatch?(indices: readonly number[]): unknown;

  /** A dataset whose items are `fn(item, index)` (per-sample preprocessing or augmentation). */
  map<U>(fn: (item: T, index: number) => U): Dataset<U> {
    return new MapDataset(this, fn);
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }
}

export class MapDataset<T, U> extends Dataset<U> {
  constructor(
    readonly source: Dataset<T>,
    private fn: (item: T, index: number) => U,
  ) {
    super();
  }
  get length(): number {
    return this.source.length;
  }
  get(index: number): U {
    return this.fn(this.source.get(index), index);
  }
}

function checkIndex(op: string, i: number, n: number): number {
  if (!Number.isInteger(i) || i < -n || i >= n) throw new Error(`${op}: index ${i} is out of range for a dataset of length ${n}`);
  return i < 0 ? i + n : i;
}

/**
 * Tensors sharing their first dimension, item i being the i-th row of each
 * (`new TensorDataset(images, labels).get(0)` → `[image0, label0]`).
 */
export class TensorDataset extends Dataset<Tensor[]> {
  readonly tensors: Tensor[];

  constructor(...tensors: Tensor[]) {
    super();
    if (tensors.length === 0) throw new Error("TensorDataset: needs at least one tensor");
    const n = tensors[0].shape[0];
    for (const t of tensors) {
      if (!(t instanceof Tensor)) throw new Error("TensorDataset: every argument must be a tensor");
      if (t.ndim === 0 || t.shape[0] !== n) {
        throw new Error(
          `TensorDataset: size mismatch between tensors: shapes ${tensors.map((x) => fmtShape(x.shape)).join(" and ")} differ in their first dimension`,
        );
      }
    }
    this.tensors = tensors;
  }

  get length(): number {
    return this.tensors[0].shape[0];
  }

  get(index: number): Tensor[] {
    const i = checkIndex("TensorDataset.get", index, this.length);
    return this.tensors.map((t) => t.select(0, i));
  }

  /** The rows at `indices` of every tensor, gathered in one op each. */
  override getBatch(indices: readonly number[]): Tensor[] {
    const n = this.length;
    const idx = Int32Array.from(indices, (i) => checkIndex("TensorDataset.getBatch", i, n));
    const it = Tensor.fromArray(idx, [idx.length], "int32");
    return this.tensors.map((t) => t.indexSelect(0, it));
  }
}

/** A view of `dataset` restricted to `indices` (PyTorch's `Subset`). */
export class Subset<T> extends Dataset<T> {
  constructor(
    readonly dataset: Dataset<T>,
    readonly indices: readonly number[],
  ) {
    super();
  }
  get length(): number {
    return this.indices.length;
  }
  get(index: number): T {
    return this.dataset.get(this.indices[checkIndex("Subset.get", index, this.indices.length)]);
  }
  override getBatch(indices: readonly number[]): unknown {
    const mapped = indices.map((i) => this.indices[checkIndex("Subset.getBatch", i, this.indices.length)]);
    return this.dataset.getBatch ? this.dataset.getBatch(mapped) : undefined;
  }
}

/**
 * Splits a dataset into non-overlapping random subsets (PyTorch's `random_split`): `lengths`
 * are counts summing to the dataset's length, or fractions summing to 1 (remainders go to the
 * first subsets one by one).
 */
export function randomSplit<T>(
  dataset: Dataset<T>,
  lengths: readonly number[],
  options: { generator?: Generator } = {},
): Subset<T>[] {
  const n = dataset.length;
  let counts = [...lengths];
  if (counts.every((l) => l >= 0 && l <= 1) && Math.abs(counts.reduce((a, b) => a + b, 0) - 1) < 1e-9 && counts.some((l) => !Number.isInteger(l))) {
    counts = lengths.map((f) => Math.floor(f * n));
    let rest = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; rest > 0; i = (i + 1) % counts.length, rest--) counts[i]++;
  }
  if (counts.some((c) => !Number.isInteger(c) || c < 0) || counts.reduce((a, b) => a + b, 0) !== n) {
    throw new Error(`randomSplit: lengths [${lengths.join(", ")}] must be counts summing to the dataset length ${n} or fractions summing to 1`);
  }
  const gen = options.generator ?? defaultGenerator;
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = gen.nextInt(0, i + 1);
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  let start = 0;
  return counts.map((c) => {
    const s = new Subset(dataset, perm.slice(start, start + c));
    start += c;
    return s;
  });
}
