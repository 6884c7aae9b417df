import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { loadDigits, loadFashionMnist } from "../../../lib/data/index.js";

function counts(labels: ArrayLike<number>): number[] {
  const c = new Array(10).fill(0);
  for (let i = 0; i < labels.length; i++) c[labels[i]]++;
  return c;
}

describe("shipped datasets", () => {
  it("digits: 1,797 images split per class 80/20, pixels in [0, 1], fixed split", () => {
    const { train, test, classes } = loadDigits();
    const [xtr, ytr] = train.tensors;
    const [xte, yte] = test.tensors;
    expect(classes.length).toBe(10);
    expect(xtr.shape[0] + xte.shape[0]).toBe(1797);
    expect(xtr.shape[1]).toBe(64);
    expect(xte.shape[0]).toBeGreaterThan(350);
    expect(xte.shape[0]).toBeLessThan(370);
    // Every class is ~20% of the test split.
    const ctr = counts(ytr.data);
    const cte = counts(yte.data);
    for (let c = 0; c < 10; c++) expect(Math.abs(cte[c] - 0.2 * (ctr[c] + cte[c]))).toBeLessThanOrEqual(0.5);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of xtr.data) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBe(0);
    expect(hi).toBe(1);
    // The first CSV row (a 0) is 0,0,5,13,9,1,0,0,… : whichever split holds it starts with those values / 16.
    const again = loadDigits();
    expect(Array.from(again.test.tensors[1].data)).toEqual(Array.from(yte.data));
    const rows = [...Array.from({ length: xtr.shape[0] }, (_, i) => Array.from(xtr.data.subarray(i * 64, i * 64 + 8)))];
    const rowsTe = [...Array.from({ length: xte.shape[0] }, (_, i) => Array.from(xte.data.subarray(i * 64, i * 64 + 8)))];
    const want = [0, 0, 5, 13, 9, 1, 0, 0].map((v) => Math.fround(v / 16)).join(",");
    expect([...rows, ...rowsTe].some((r) => r.join(",") === want)).toBe(true);
    expect(loadDigits({ flatten: false }).train.tensors[0].shape.slice(1)).toEqual([1, 8, 8]);
  });

  it("Fashion-MNIST subset: 10,000 / 2,000 balanced; the first image is the Debian set's first", () => {
    const { train, test, classes, source, subset } = loadFashionMnist({ subset: true, quiet: true });
    expect(subset).toBe(true);
    expect(source).toBe("the Fashion-MNIST subset shipped with gradlab (10,000 train / 2,000 test, class-balanced)");
    const [x, y] = train.tensors;
    expect(x.shape).toEqual([10000, 1, 28, 28]);
    expect(test.tensors[0].shape).toEqual([2000, 1, 28, 28]);
    expect(counts(y.data)).toEqual(new Array(10).fill(1000));
    expect(counts(test.tensors[1].data)).toEqual(new Array(10).fill(200));
    expect(classes[9]).toBe("Ankle boot");
    // Independent read of the original file: header 16 bytes, then 784 pixels per image.
    const raw = gunzipSync(readFileSync("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"));
    const labels = gunzipSync(readFileSync("/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz"));
    const first = Array.from(raw.subarray(16, 16 + 784), (v) => Math.fround(v / 255));
    expect(Array.from(x.data.subarray(0, 784))).toEqual(first);
    expect(y.data[0]).toBe(labels[8]);
  });
});

describe("full Fashion-MNIST from the Debian package", () => {
  it("loads all 60,000 / 10,000 images with { subset: false }", () => {
    const { train, test } = loadFashionMnist({ subset: false, flatten: true });
    expect(train.tensors[0].shape).toEqual([60000, 784]);
    expect(test.tensors[0].shape).toEqual([10000, 784]);
    expect(counts(train.tensors[1].data)).toEqual(new Array(10).fill(6000));
    expect(() => loadFashionMnist({ subset: false, root: "/nonexistent" })).toThrow(/\/nonexistent does not exist/);
  });

  it("is the default when present, and says which set it loaded", () => {
    const lines: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => { lines.push(a.join(" ")); };
    try {
      const full = loadFashionMnist({ flatten: true });
      expect(full.subset).toBe(false);
      expect(full.train.length).toBe(60000);
      const fallback = loadFashionMnist({ root: "/nonexistent" });
      expect(fallback.subset).toBe(true);
      expect(fallback.train.length).toBe(10000);
    } finally {
      console.log = log;
    }
    expect(lines).toEqual([
      "loadFashionMnist: the full Fashion-MNIST (60,000 train / 10,000 test) from /usr/share/datasets/fashion-mnist",
      "loadFashionMnist: the Fashion-MNIST subset shipped with gradlab (10,000 train / 2,000 test, class-balanced); the full set loads from /nonexistent when it is there (Debian's dataset-fashion-mnist)",
    ]);
  });
});
