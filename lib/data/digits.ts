import { join } from "node:path";
import { Tensor } from "../tensor.js";
import { readCsv, csvToNumbers } from "./csv.js";
import { TensorDataset } from "./dataset.js";
import { dataRoot } from "./paths.js";
import { stratifiedSplit } from "./split.js";

export interface DigitsOptions {
  /** Images as [N, 64] rows (default) or, with false, as [N, 1, 8, 8]. */
  flatten?: boolean;
  /** Share of each class held out for testing (default 0.2). */
  testFraction?: number;
  /** Seed of the split (default 0: the fixed split the tutorials and tests use). */
  seed?: number;
}

export interface SplitDatasets {
  /** TensorDataset of [images float32 in [0, 1], labels int32]. */
  train: TensorDataset;
  test: TensorDataset;
  classes: string[];
}

/**
 * The UCI 8×8 handwritten digits shipped in data/digits (1,797 images, pixel counts 0..16
 * scaled to [0, 1]), split per class into train and test with a fixed seed: 1,438 / 359 by
 * default.
 */
export function loadDigits(options: DigitsOptions = {}): SplitDatasets {
  const { flatten = true, testFraction = 0.2, seed = 0 } = options;
  const table = readCsv(join(dataRoot(), "digits", "digits.csv.gz"), { header: false });
  const { data, rows, cols } = csvToNumbers(table);
  if (cols !== 65) throw new Error(`loadDigits: expected 65 columns in digits.csv.gz, got ${cols}`);
  const pixels = new Float32Array(rows * 64);
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < 64; j++) pixels[i * 64 + j] = data[i * 65 + j] / 16;
    labels[i] = data[i * 65 + 64];
  }
  const split = stratifiedSplit(labels, testFraction, seed);
  const make = (idx: number[]) => {
    const x = new Float32Array(idx.length * 64);
    const y = new Int32Array(idx.length);
    idx.forEach((src, k) => {
      x.set(pixels.subarray(src * 64, src * 64 + 64), k * 64);
      y[k] = labels[src];
    });
    const shape = flatten ? [idx.length, 64] : [idx.length, 1, 8, 8];
    return new TensorDataset(Tensor.fromArray(x, shape, "float32"), Tensor.fromArray(y, [idx.length], "int32"));
  };
  return { train: make(split.train), test: make(split.test), classes: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"] };
}
