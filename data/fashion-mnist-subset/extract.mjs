#!/usr/bin/env node
// Builds the shipped Fashion-MNIST subset from the full IDX files of Debian's
// `dataset-fashion-mnist` package: the first PER_CLASS_TRAIN images of each class from the
// training set and the first PER_CLASS_TEST of each class from the test set, kept in their
// original order (so the subset is deterministic and class-balanced), written as gzipped IDX.
//
//   node data/fashion-mnist-subset/extract.mjs [sourceDir] [outDir]
import { readFileSync, writeFileSync } from "node:fs";
import { gunzipSync, gzipSync } from "node:zlib";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const PER_CLASS_TRAIN = 1000;
const PER_CLASS_TEST = 200;
const sourceDir = process.argv[2] ?? "/usr/share/datasets/fashion-mnist";
const outDir = process.argv[3] ?? dirname(fileURLToPath(import.meta.url));

function readIdx(path) {
  let buf = readFileSync(path);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  const rank = buf[3];
  const dims = [];
  for (let i = 0; i < rank; i++) dims.push(buf.readUInt32BE(4 + 4 * i));
  return { dims, body: buf.subarray(4 + 4 * rank) };
}

function writeIdx(path, dims, body) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08; // unsigned byte
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  writeFileSync(path, gzipSync(Buffer.concat([header, body]), { level: 9 }));
}

function subset(split, perClass) {
  const images = readIdx(join(sourceDir, `${split}-images-idx3-ubyte.gz`));
  const labels = readIdx(join(sourceDir, `${split}-labels-idx1-ubyte.gz`));
  const pixels = images.dims[1] * images.dims[2];
  const counts = new Array(10).fill(0);
  const chosen = [];
  for (let i = 0; i < labels.dims[0] && chosen.length < 10 * perClass; i++) {
    const c = labels.body[i];
    if (counts[c] < perClass) {
      counts[c]++;
      chosen.push(i);
    }
  }
  const outImages = Buffer.alloc(chosen.length * pixels);
  const outLabels = Buffer.alloc(chosen.length);
  chosen.forEach((src, dst) => {
    images.body.copy(outImages, dst * pixels, src * pixels, (src + 1) * pixels);
    outLabels[dst] = labels.body[src];
  });
  writeIdx(join(outDir, `${split}-images-idx3-ubyte.gz`), [chosen.length, images.dims[1], images.dims[2]], outImages);
  writeIdx(join(outDir, `${split}-labels-idx1-ubyte.gz`), [chosen.length], outLabels);
  console.log(`${split}: ${chosen.length} images, per class ${counts.join(",")}`);
}

subset("train", PER_CLASS_TRAIN);
subset("t10k", PER_CLASS_TEST);
