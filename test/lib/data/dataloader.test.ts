import { afterAll, describe, expect, it } from "vitest";
import { DataLoader, TensorDataset, Dataset } from "../../../lib/data/index.js";
import { Tensor } from "../../../lib/tensor.js";
import { Generator } from "../../../lib/random.js";
import { removeTempDirs, tempDir } from "../../temp-dirs.js";

afterAll(removeTempDirs);

function range(n: number, cols = 1): TensorDataset {
  const x = Float32Array.from({ length: n * cols }, (_, i) => Math.floor(i / cols));
  const y = Int32Array.from({ length: n }, (_, i) => i);
  return new TensorDataset(Tensor.fromArray(x, cols === 1 ? [n] : [n, cols], "float32"), Tensor.fromArray(y, [n], "int32"));
}

describe("TensorDataset", () => {
  it("item i is row i of each tensor", () => {
    const ds = range(5, 2);
    expect(ds.length).toBe(5);
    const [x, y] = ds.get(3);
    expect(x.toArray()).toEqual([3, 3]);
    expect(y.item()).toBe(3);
    expect(() => ds.get(5)).toThrow(/out of range/);
  });

  it("rejects tensors of different lengths, naming both shapes", () => {
    const a = Tensor.fromArray(new Float32Array(6), [3, 2], "float32");
    const b = Tensor.fromArray(new Float32Array(4), [4], "float32");
    expect(() => new TensorDataset(a, b)).toThrow(/\[3, 2\] and \[4\]/);
  });
});

describe("DataLoader", () => {
  it("batches in order, keeping the short last batch unless dropLast", () => {
    const dl = new DataLoader(range(10, 3), { batchSize: 4 });
    expect(dl.length).toBe(3);
    const batches = [...dl];
    expect(batches.map(([x]) => x.shape)).toEqual([[4, 3], [4, 3], [2, 3]]);
    expect(Array.from(batches[2][1].data)).toEqual([8, 9]);
    const dropped = new DataLoader(range(10), { batchSize: 4, dropLast: true });
    expect(dropped.length).toBe(2);
    expect([...dropped].length).toBe(2);
  });

  it("shuffles into a permutation, a new one each epoch, reproducible from the seed", () => {
    const order = (gen: Generator) => {
      const dl = new DataLoader(range(20), { batchSize: 6, shuffle: true, generator: gen });
      const epochs: number[][] = [];
      for (let e = 0; e < 2; e++) {
        const ids: number[] = [];
        for (const [, y] of dl) ids.push(...Array.from(y.data));
        epochs.push(ids);
      }
      return epochs;
    };
    const a = order(new Generator(7));
    const b = order(new Generator(7));
    expect(a).toEqual(b);
    for (const e of a) expect([...e].sort((p, q) => p - q)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(a[0]).not.toEqual(a[1]);
    expect(a[0]).not.toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("collates items of a custom dataset and of plain arrays", () => {
    class Squares extends Dataset<{ x: number; sq: number }> {
      get length() {
        return 5;
      }
      get(i: number) {
        return { x: i, sq: i * i + 0.5 };
      }
    }
    const [first] = new DataLoader(new Squares(), { batchSize: 3 });
    expect(first.x.dtype).toBe("int32");
    expect(Array.from(first.x.data)).toEqual([0, 1, 2]);
    expect(first.sq.dtype).toBe("float32");
    expect(Array.from(first.sq.data)).toEqual([0.5, 1.5, 4.5]);
    const t = (v: number) => Tensor.fromArray(Float32Array.from([v, -v]), [2], "float32");
    const [pair] = new DataLoader([[t(1), 0], [t(2), 1]] as [Tensor, number][], { batchSize: 2 });
    expect(pair[0].toArray()).toEqual([[1, -1], [2, -2]]);
    expect(Array.from(pair[1].data)).toEqual([0, 1]);
  });

  it("map() applies a per-item function", () => {
    const ds = range(4).map(([x, y]) => [x.mul(10), y] as const);
    const [[x]] = new DataLoader(ds, { batchSize: 4 });
    expect(Array.from(x.data)).toEqual([0, 10, 20, 30]);
  });

  it("rejects a bad batch size", () => {
    expect(() => new DataLoader(range(3), { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
  });
});

describe("Subset and IDX datasets", () => {
  it("Subset picks items and batches through the parent's fast path", async () => {
    const { Subset } = await import("../../../lib/data/index.js");
    const sub = new Subset(range(10), [7, 2, 5]);
    expect(sub.length).toBe(3);
    expect(sub.get(0)[1].item()).toBe(7);
    const [[, y]] = new DataLoader(sub, { batchSize: 3 });
    expect(Array.from(y.data)).toEqual([7, 2, 5]);
  });

  it("loadIdxDataset scales pixels to [0, 1] and checks that the counts agree", async () => {
    const { loadIdxDataset } = await import("../../../lib/data/index.js");
    const { writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const dir = tempDir("gradlab-idx-");
    // two 2×2 images and their labels
    writeFileSync(join(dir, "img"), Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 255, 51, 102, 255, 0, 0, 0]));
    writeFileSync(join(dir, "lab"), Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 2, 3, 9]));
    writeFileSync(join(dir, "lab3"), Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 3, 3, 9, 1]));
    const ds = loadIdxDataset(join(dir, "img"), join(dir, "lab"));
    expect(ds.tensors[0].shape).toEqual([2, 1, 2, 2]);
    expect(Array.from(ds.tensors[0].data)).toEqual([0, 1, 0.2, 0.4, 1, 0, 0, 0].map(Math.fround));
    expect(Array.from(ds.tensors[1].data)).toEqual([3, 9]);
    expect(() => loadIdxDataset(join(dir, "img"), join(dir, "lab3"))).toThrow(/holds shape \[3\], expected \[2\]/);
  });
});

describe("randomSplit", () => {
  it("partitions the indices by counts or fractions, reproducibly", async () => {
    const { randomSplit } = await import("../../../lib/data/index.js");
    const ds = range(10);
    const [a, b] = randomSplit(ds, [7, 3], { generator: new Generator(1) });
    const ids = (s: { length: number; get(i: number): Tensor[] }) => Array.from({ length: s.length }, (_, i) => s.get(i)[1].item());
    expect(a.length).toBe(7);
    expect([...ids(a), ...ids(b)].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const [c] = randomSplit(ds, [7, 3], { generator: new Generator(1) });
    expect(ids(c)).toEqual(ids(a));
    expect(randomSplit(range(11), [0.5, 0.5]).map((s) => s.length)).toEqual([6, 5]);
    expect(() => randomSplit(ds, [5, 4])).toThrow(/must be counts summing to the dataset length 10/);
  });
});

describe("custom collate", () => {
  it("receives the items of each batch", () => {
    const dl = new DataLoader([1, 2, 3, 4, 5], { batchSize: 2, collate: (items: number[]) => items.reduce((s, v) => s + v, 0) });
    expect([...dl]).toEqual([3, 7, 5]);
  });
});
