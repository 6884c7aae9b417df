import { existsSync } from "node:fs";
import { join } from "node:path";
import { Tensor } from "../tensor.js";
import { fmtShape } from "../shape.js";
import { readIdx } from "./idx.js";
import { TensorDataset } from "./dataset.js";
import { dataRoot } from "./paths.js";
import type { SplitDatasets } from "./digits.js";

export const FASHION_MNIST_CLASSES = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

export const DEBIAN_FASHION_MNIST = "/usr/share/datasets/fashion-mnist";

/**
 * A TensorDataset from an IDX image file and an IDX label file (MNIST layout, gzipped or
 * not): images float32 [N, 1, H, W] scaled to [0, 1] (or [N, H·W] with `flatten`), labels int32.
 */
export function loadIdxDataset(imagesPath: string, labelsPath: string, options: { flatten?: boolean } = {}): TensorDataset {
  const images = readIdx(imagesPath);
  const labels = readIdx(labelsPath);
  if (images.shape.length !== 3) throw new Error(`loadIdxDataset: ${imagesPath} holds shape ${fmtShape(images.shape)}, expected [N, H, W]`);
  if (labels.shape.length !== 1 || labels.shape[0] !== images.shape[0]) {
    throw new Error(`loadIdxDataset: ${labelsPath} holds shape ${fmtShape(labels.shape)}, expected [${images.shape[0]}] to match the images`);
  }
  const [n, h, w] = images.shape;
  const x = new Float32Array(n * h * w);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i] / 255;
  const y = Int32Array.from(labels.data);
  return new TensorDataset(
    Tensor.fromArray(x, options.flatten ? [n, h * w] : [n, 1, h, w], "float32"),
    Tensor.fromArray(y, [n], "int32"),
  );
}

function firstExisting(dir: string, names: string[]): string {
  for (const name of names) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  throw new Error(`loadMnistLike: none of ${names.join(", ")} found in ${dir}`);
}

/** Loads a folder holding the four MNIST-style files (`train-images-idx3-ubyte[.gz]`, …). */
export function loadMnistFolder(root: string, options: { flatten?: boolean; classes?: string[] } = {}): SplitDatasets {
  const file = (stem: string) => firstExisting(root, [`${stem}.gz`, stem]);
  return {
    train: loadIdxDataset(file("train-images-idx3-ubyte"), file("train-labels-idx1-ubyte"), options),
    test: loadIdxDataset(file("t10k-images-idx3-ubyte"), file("t10k-labels-idx1-ubyte"), options),
    classes: options.classes ?? ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
  };
}

export interface FashionMnistOptions {
  /**
   * true: the 12,000-image subset shipped in data/; false: the full set from `root` (an error
   * when absent). Default: the full set when `root` holds it, else the subset.
   */
  subset?: boolean;
  /** Folder of the full set (default /usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist). */
  root?: string;
  /** Images as [N, 784] rows instead of [N, 1, 28, 28]. */
  flatten?: boolean;
  /** Do not print the line saying which set was loaded. */
  quiet?: boolean;
}

export interface FashionMnist extends SplitDatasets {
  /** Which set this is, e.g. "the full Fashion-MNIST (60,000 train / 10,000 test) from /usr/share/…". */
  source: string;
  /** True for the shipped 10,000 / 2,000 subset. */
  subset: boolean;
}

/**
 * Fashion-MNIST: all 60,000 train / 10,000 test images from `root` when they are there
 * (Debian's dataset-fashion-mnist), else the class-balanced 10,000 / 2,000 subset shipped in
 * data/fashion-mnist-subset; `{ subset: true }` always gives the subset. Prints which one it
 * loaded (unless `quiet`), and says so in `source`.
 */
export function loadFashionMnist(options: FashionMnistOptions = {}): FashionMnist {
  const { flatten = false } = options;
  const fullRoot = options.root ?? DEBIAN_FASHION_MNIST;
  const fullPresent = existsSync(join(fullRoot, "train-images-idx3-ubyte.gz")) || existsSync(join(fullRoot, "train-images-idx3-ubyte"));
  const subset = options.subset ?? !fullPresent;
  if (!subset && !existsSync(fullRoot)) {
    throw new Error(`loadFashionMnist: ${fullRoot} does not exist (install Debian's dataset-fashion-mnist, or pass { root } or { subset: true })`);
  }
  const root = subset ? join(dataRoot(), "fashion-mnist-subset") : fullRoot;
  const sets = loadMnistFolder(root, { flatten, classes: FASHION_MNIST_CLASSES });
  const counts = `${sets.train.length.toLocaleString("en-US")} train / ${sets.test.length.toLocaleString("en-US")} test`;
  const source = subset
    ? `the Fashion-MNIST subset shipped with gradlab (${counts}, class-balanced)${options.subset ? "" : `; the full set loads from ${fullRoot} when it is there (Debian's dataset-fashion-mnist)`}`
    : `the full Fashion-MNIST (${counts}) from ${fullRoot}`;
  if (!options.quiet) console.log(`loadFashionMnist: ${source}`);
  return { ...sets, source, subset };
}
