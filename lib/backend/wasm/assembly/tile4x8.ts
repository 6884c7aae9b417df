// The 4×8 register tiles of the conv kernels (conv_implicit.ts, conv_winograd.ts): 8 f32x4
// accumulators, 2 vector loads of B and 4 broadcasts of A per step, 8 multiply-adds. Inlined,
// so each caller's constant arguments (store or add, which rows exist) fold away.

import { madd } from "./madd";

/** The tile's row r (2 vectors) into d: stored, or added to what is there; d 0: dropped. */
@inline function put(d: usize, lo: v128, hi: v128, add: bool): void {
  if (!d) return;
  if (add) {
    v128.store(d, f32x4.add(v128.load(d), lo));
    v128.store(d, f32x4.add(v128.load(d, 16), hi), 16);
  } else {
    v128.store(d, lo);
    v128.store(d, hi, 16);
  }
}

/** relu?(v + bias): max(v, 0) with NaN becoming 0. */
@inline function biasRelu(v: v128, bias: v128, relu: bool): v128 {
  const x = f32x4.add(v, bias);
  return relu ? f32x4.pmax(f32x4.splat(0), x) : x;
}

/**
 * Rows d0..d3 (=|+=) Σ over steps of A(r) · B, with A packed (4 floats a step, from a to
 * end) and B 8 floats a step: bs bytes apart from b, or (indexed) at b + the i32 byte
 * offsets of `table`, one a step. epilogue: row r gets relu?(· + bias r) before it is put.
 */
@inline export function packedTile(a: usize, end: usize, b: usize, bs: usize, indexed: bool, table: usize,
                                   d0: usize, d1: usize, d2: usize, d3: usize, add: bool,
                                   epilogue: bool, bias0: v128, bias1: v128, bias2: v128, bias3: v128, relu: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  while (a < end) {
    let src = b;
    if (indexed) {
      src = b + <usize>load<i32>(table);
      table += 4;
    } else {
      b += bs;
    }
    const b0 = v128.load(src), b1 = v128.load(src, 16);
    let av = v128.load32_splat(a);
    c00 = madd(av, b0, c00); c01 = madd(av, b1, c01);
    av = v128.load32_splat(a, 4);
    c10 = madd(av, b0, c10); c11 = madd(av, b1, c11);
    av = v128.load32_splat(a, 8);
    c20 = madd(av, b0, c20); c21 = madd(av, b1, c21);
    av = v128.load32_splat(a, 12);
    c30 = madd(av, b0, c30); c31 = madd(av, b1, c31);
    a += 16;
  }
  if (epilogue) {
    c00 = biasRelu(c00, bias0, relu); c01 = biasRelu(c01, bias0, relu);
    c10 = biasRelu(c10, bias1, relu); c11 = biasRelu(c11, bias1, relu);
    c20 = biasRelu(c20, bias2, relu); c21 = biasRelu(c21, bias2, relu);
    c30 = biasRelu(c30, bias3, relu); c31 = biasRelu(c31, bias3, relu);
  }
  put(d0, c00, c01, add); put(d1, c10, c11, add); put(d2, c20, c21, add); put(d3, c30, c31, add);
}

/**
 * Rows d0..d3 += Σ over steps of A(r) · B with A(r) one float of row xr (4 separate rows,
 * consecutive floats a step) and B 8 floats a step, bs bytes apart and continuing across
 * segments: `segs` segments of `len` steps, the A offset starting `segStep` bytes further
 * each (the real columns of wide rows).
 */
@inline export function rowsTile(x0: usize, x1: usize, x2: usize, x3: usize, b: usize, bs: usize,
                                 segs: i32, len: i32, segStep: usize, d0: usize, d1: usize, d2: usize, d3: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let r: usize = 0;
  for (let s = 0; s < segs; s++) {
    let a = r;
    const end = r + (<usize>len << 2);
    while (a < end) {
      const b0 = v128.load(b), b1 = v128.load(b, 16);
      let av = v128.load32_splat(x0 + a);
      c00 = madd(av, b0, c00); c01 = madd(av, b1, c01);
      av = v128.load32_splat(x1 + a);
      c10 = madd(av, b0, c10); c11 = madd(av, b1, c11);
      av = v128.load32_splat(x2 + a);
      c20 = madd(av, b0, c20); c21 = madd(av, b1, c21);
      av = v128.load32_splat(x3 + a);
      c30 = madd(av, b0, c30); c31 = madd(av, b1, c31);
      a += 4;
      b += bs;
    }
    r += segStep;
  }
  put(d0, c00, c01, true); put(d1, c10, c11, true); put(d2, c20, c21, true); put(d3, c30, c31, true);
}
