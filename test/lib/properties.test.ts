// Randomised checks of the strided machinery (views, reshape, broadcasting, reductions)
// against naive index arithmetic on nested arrays. Seeded, so failures reproduce.
import { describe, expect, it } from "vitest";
import { Generator, Tensor, arange, tensor } from "../../lib/index.js";

const gen = new Generator(2024);
const ri = (lo: number, hi: number) => gen.nextInt(lo, hi + 1);

type Nested = number | Nested[];

function randomShape(maxDims = 4, maxSize = 4): number[] {
  return Array.from({ length: ri(1, maxDims) }, () => ri(1, maxSize));
}

/** Value at a multi-index of a nested array. */
function at(a: Nested, idx: number[]): number {
  let v = a;
  for (const i of idx) v = (v as Nested[])[i];
  return v as number;
}

function allIndices(shape: number[]): number[][] {
  const out: number[][] = [];
  const rec = (d: number, cur: number[]) => {
    if (d === shape.length) { out.push(cur.slice()); return; }
    for (let i = 0; i < shape[d]; i++) { cur.push(i); rec(d + 1, cur); cur.pop(); }
  };
  rec(0, []);
  return out;
}

/** A tensor with the given logical shape, made non-contiguous in a random way. */
function randomLayout(shape: number[]): Tensor {
  const base = arange(shape.reduce((a, b) => a * b, 1)).reshape(shape).mul(1.5).sub(7);
  switch (ri(0, 3)) {
    case 0: return base;
    case 1: { // transposed storage
      const perm = shape.map((_, i) => i).sort(() => gen.nextDouble() - 0.5);
      const inv = perm.map((_, i) => perm.indexOf(i));
      return base.permute(perm).contiguous().permute(inv);
    }
    case 2: { // every other row of a bigger tensor
      const big = Tensor.empty([shape[0] * 2, ...shape.slice(1)], "float32");
      big.slice(0, 0, null, 2).copy_(base);
      return big.slice(0, 0, null, 2);
    }
    default: { // a narrow window inside a wider last dim
      const last = shape.length - 1;
      const wide = Tensor.empty([...shape.slice(0, last), shape[last] + 3], "float32");
      wide.narrow(last, 2, shape[last]).copy_(base);
      return wide.narrow(last, 2, shape[last]);
    }
  }
}

describe("strided machinery, randomised", () => {
  it("non-contiguous layouts read back the same values", () => {
    for (let trial = 0; trial < 100; trial++) {
      const shape = randomShape();
      const t = randomLayout(shape);
      const want = arange(t.numel).reshape(shape).mul(1.5).sub(7).toArray();
      expect(t.toArray()).toEqual(want);
      expect(t.contiguous().toArray()).toEqual(want);
      expect(Array.from(t.data)).toEqual((want as Nested[]).flat(10));
    }
  });

  it("reshape of any layout preserves row-major order", () => {
    for (let trial = 0; trial < 100; trial++) {
      const shape = randomShape();
      const t = randomLayout(shape);
      const n = t.numel;
      const dims: number[] = [];
      let rest = n;
      while (rest > 1 && dims.length < 3) {
        const divs = Array.from({ length: rest }, (_, i) => i + 1).filter((d) => rest % d === 0);
        const d = divs[ri(0, divs.length - 1)];
        dims.push(d);
        rest /= d;
      }
      dims.push(rest);
      expect(Array.from(t.reshape(dims).data)).toEqual(Array.from(t.data));
    }
  });

  it("broadcast binary ops match naive evaluation", () => {
    for (let trial = 0; trial < 100; trial++) {
      const out = randomShape(4, 3);
      const shrink = (s: number[]) => s.slice(ri(0, s.length - 1)).map((d) => (gen.nextDouble() < 0.4 ? 1 : d));
      const sa = shrink(out), sb = shrink(out);
      const a = randomLayout(sa), b = randomLayout(sb).mul(0.25).add(1);
      const nd = Math.max(sa.length, sb.length);
      const dimOf = (s: number[], i: number) => (i < nd - s.length ? 1 : s[i - (nd - s.length)]);
      const shape = Array.from({ length: nd }, (_, i) => Math.max(dimOf(sa, i), dimOf(sb, i)));
      const A = a.toArray() as Nested, B = b.toArray() as Nested;
      const pick = (arr: Nested, s: number[], idx: number[]) => at(arr, s.map((d, k) => (d === 1 ? 0 : idx[idx.length - s.length + k])));
      const ops: [string, (x: Tensor, y: Tensor) => Tensor, (x: number, y: number) => number][] = [
        ["add", (x, y) => x.add(y), (x, y) => x + y],
        ["mul", (x, y) => x.mul(y), (x, y) => x * y],
        ["div", (x, y) => x.div(y), (x, y) => x / y],
        ["maximum", (x, y) => x.maximum(y), (x, y) => Math.max(x, y)],
      ];
      const [, op, ref] = ops[trial % ops.length];
      const r = op(a, b);
      expect(r.shape).toEqual(shape);
      const R = r.toArray() as Nested;
      for (const idx of allIndices(shape)) {
        expect(at(R, idx)).toBeCloseTo(Math.fround(ref(pick(A, sa, idx), pick(B, sb, idx))), 4);
      }
    }
  });

  it("sums over random dim sets match naive evaluation", () => {
    for (let trial = 0; trial < 60; trial++) {
      const shape = randomShape();
      const t = randomLayout(shape);
      const dims = shape.map((_, i) => i).filter(() => gen.nextDouble() < 0.5);
      const T = t.toArray() as Nested;
      const r = t.sum(dims, true);
      const R = r.toArray() as Nested;
      const M = t.amax(dims, true).toArray() as Nested;
      for (const idx of allIndices(r.shape as number[])) {
        let s = 0, mx = -Infinity;
        for (const full of allIndices(shape)) {
          if (full.every((v, k) => dims.includes(k) || v === idx[k])) { s += at(T, full); mx = Math.max(mx, at(T, full)); }
        }
        expect(at(R, idx)).toBeCloseTo(s, 3);
        expect(at(M, idx)).toBe(mx);
      }
    }
  });

  it("tensor() round-trips toArray()", () => {
    for (let trial = 0; trial < 20; trial++) {
      const t = randomLayout(randomShape());
      expect(tensor(t.toArray() as number[]).toArray()).toEqual(t.toArray());
    }
  });
});
