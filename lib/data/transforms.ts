// Image transforms for data preparation and augmentation. Each is a plain function
// `(x: Tensor) => Tensor` taking one image [C, H, W] (or [H, W]) or a batch [N, C, H, W];
// random ones draw independently per image, so applying one to a whole batch inside the
// training loop (`x = augment(x)`) is both correct and the fast path. They work on values,
// not on the autograd graph: the result never requires grad.

import { Tensor } from "../tensor.js";
import { fmtShape } from "../shape.js";
import { defaultGenerator, type Generator } from "../random.js";
import type { Float } from "../dtype.js";

export type Transform = (x: Tensor) => Tensor;

/** Applies transforms left to right. */
export function compose(transforms: readonly Transform[]): Transform {
  return (x) => transforms.reduce((acc, t) => t(acc), x);
}

interface ImageLayout {
  n: number;
  c: number;
  h: number;
  w: number;
}

function layout(op: string, x: Tensor): ImageLayout {
  const s = x.shape;
  if (s.length === 2) return { n: 1, c: 1, h: s[0], w: s[1] };
  if (s.length === 3) return { n: 1, c: s[0], h: s[1], w: s[2] };
  if (s.length === 4) return { n: s[0], c: s[1], h: s[2], w: s[3] };
  throw new Error(`${op}: expected an image [H, W], [C, H, W] or a batch [N, C, H, W], got shape ${fmtShape(x.shape)}`);
}

function floatData(op: string, x: Tensor): Float {
  if (x.dtype !== "float32" && x.dtype !== "float64") {
    throw new Error(`${op}: expected a float image (convert with .float() and scale), got dtype ${x.dtype}`);
  }
  // `.data` is a view when contiguous: copy so the input is never modified.
  return (x.data as Float).slice();
}

/** (x − mean[c]) / std[c] per channel; numbers apply to every channel. */
export function normalize(mean: number | readonly number[], std: number | readonly number[]): Transform {
  return (x) => {
    const { n, c, h, w } = layout("normalize", x);
    const m = typeof mean === "number" ? new Array(c).fill(mean) : mean;
    const s = typeof std === "number" ? new Array(c).fill(std) : std;
    if (m.length !== c || s.length !== c) {
      throw new Error(`normalize: got ${m.length} means and ${s.length} stds for an image with ${c} channels (shape ${fmtShape(x.shape)})`);
    }
    if (s.some((v) => v === 0)) throw new Error("normalize: std must be non-zero");
    const d = floatData("normalize", x);
    const plane = h * w;
    for (let i = 0; i < n; i++) {
      for (let ch = 0; ch < c; ch++) {
        const base = (i * c + ch) * plane;
        const mu = m[ch];
        const inv = 1 / s[ch];
        for (let k = 0; k < plane; k++) d[base + k] = (d[base + k] - mu) * inv;
      }
    }
    return Tensor.fromArray(d, x.shape.slice(), x.dtype);
  };
}

/** Mirrors each image left–right with probability `p` (default 0.5). */
export function randomHorizontalFlip(options: { p?: number; generator?: Generator } = {}): Transform {
  const p = options.p ?? 0.5;
  const gen = options.generator ?? defaultGenerator;
  return (x) => {
    const { n, c, h, w } = layout("randomHorizontalFlip", x);
    const d = floatData("randomHorizontalFlip", x);
    for (let i = 0; i < n; i++) {
      if (gen.nextDouble() >= p) continue;
      for (let ch = 0; ch < c; ch++) {
        for (let r = 0; r < h; r++) {
          const row = ((i * c + ch) * h + r) * w;
          for (let a = row, b = row + w - 1; a < b; a++, b--) {
            const t = d[a];
            d[a] = d[b];
            d[b] = t;
          }
        }
      }
    }
    return Tensor.fromArray(d, x.shape.slice(), x.dtype);
  };
}

/**
 * Crops each image at a random position to `size` ([h, w] or a number for square crops),
 * after padding every side with `padding` pixels of `fill` (the CIFAR/MNIST augmentation
 * `RandomCrop(28, padding=2)` shifts images by up to 2 pixels).
 */
export function randomCrop(
  size: number | readonly [number, number],
  options: { padding?: number; fill?: number; generator?: Generator } = {},
): Transform {
  const [oh, ow] = typeof size === "number" ? [size, size] : size;
  const pad = options.padding ?? 0;
  const fill = options.fill ?? 0;
  const gen = options.generator ?? defaultGenerator;
  return (x) => {
    const { n, c, h, w } = layout("randomCrop", x);
    const ph = h + 2 * pad;
    const pw = w + 2 * pad;
    if (oh > ph || ow > pw) {
      throw new Error(`randomCrop: crop size [${oh}, ${ow}] is larger than the padded image [${ph}, ${pw}] (input shape ${fmtShape(x.shape)})`);
    }
    const src = floatData("randomCrop", x);
    const out = src instanceof Float64Array ? new Float64Array(n * c * oh * ow) : new Float32Array(n * c * oh * ow);
    for (let i = 0; i < n; i++) {
      // Top-left corner of the crop in padded coordinates.
      const top = gen.nextInt(0, ph - oh + 1) - pad;
      const left = gen.nextInt(0, pw - ow + 1) - pad;
      for (let ch = 0; ch < c; ch++) {
        const sBase = (i * c + ch) * h * w;
        const oBase = (i * c + ch) * oh * ow;
        for (let r = 0; r < oh; r++) {
          const sr = top + r;
          for (let q = 0; q < ow; q++) {
            const sc = left + q;
            out[oBase + r * ow + q] = sr >= 0 && sr < h && sc >= 0 && sc < w ? src[sBase + sr * w + sc] : fill;
          }
        }
      }
    }
    const shape = x.shape.length === 2 ? [oh, ow] : x.shape.length === 3 ? [c, oh, ow] : [n, c, oh, ow];
    return Tensor.fromArray(out, shape, x.dtype);
  };
}
