// Single-precision GEMM: C = op(A) @ op(B) (or C += ...), Goto/BLIS style.
// A and B are described by row/column strides (in elements), so transposes cost
// nothing beyond the packing pass. Packed operands go into a caller-provided
// workspace (one per thread: the memory is shared, so no static scratch here).

import { madd } from "./madd";
import { TriangleCode } from "../opcodes";

export const MR: i32 = 4;
export const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = 128;
const NC: i32 = 2048;

@inline function roundUp(x: i32, m: i32): i32 {
  return ((x + m - 1) / m) * m;
}

/** Bytes of workspace sgemm needs for an m×n×k problem. */
export function sgemmWorkspaceBytes(m: i32, n: i32, k: i32): i32 {
  const kc = min(k, KC);
  const nc = min(roundUp(n, NR), NC);
  const mc = min(roundUp(m, MR), MC);
  return (kc * nc + kc * mc + MR * NR) * 4 + 64;
}

// A(i, p) for i in [0, mc), p in [0, kc) → MR-row micro-panels, p-major, zero-padded.
function packA(mc: i32, kc: i32, a: usize, rsA: i32, csA: i32, dst: usize): void {
  for (let i = 0; i < mc; i += MR) {
    const rows = min(MR, mc - i);
    const base = a + (<usize>(i * rsA) << 2);
    if (rows == MR && rsA == 1) {
      // op(A) rows are contiguous in memory (transposed A): straight vector copy.
      const step = <usize>csA << 2;
      let src = base;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src));
        src += step;
        dst += 16;
      }
    } else if (rows == MR && csA == 1) {
      const r1 = base + (<usize>rsA << 2);
      const r2 = r1 + (<usize>rsA << 2);
      const r3 = r2 + (<usize>rsA << 2);
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        // 4×4 transpose of rows r0..r3, columns p..p+3
        const off = <usize>p << 2;
        const x0 = v128.load(base + off);
        const x1 = v128.load(r1 + off);
        const x2 = v128.load(r2 + off);
        const x3 = v128.load(r3 + off);
        const t0 = i32x4.shuffle(x0, x1, 0, 4, 1, 5);
        const t1 = i32x4.shuffle(x2, x3, 0, 4, 1, 5);
        const t2 = i32x4.shuffle(x0, x1, 2, 6, 3, 7);
        const t3 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
        v128.store(dst, i64x2.shuffle(t0, t1, 0, 2));
        v128.store(dst, i64x2.shuffle(t0, t1, 1, 3), 16);
        v128.store(dst, i64x2.shuffle(t2, t3, 0, 2), 32);
        v128.store(dst, i64x2.shuffle(t2, t3, 1, 3), 48);
        dst += 64;
      }
      for (; p < kc; p++) {
        const off = <usize>p << 2;
        store<f32>(dst, load<f32>(base + off));
        store<f32>(dst, load<f32>(r1 + off), 4);
        store<f32>(dst, load<f32>(r2 + off), 8);
        store<f32>(dst, load<f32>(r3 + off), 12);
        dst += 16;
      }
    } else {
      // edge panel (or a rarely used layout): one row at a time with running pointers
      for (let r = 0; r < MR; r++) {
        let d = dst + (<usize>r << 2);
        if (r >= rows) {
          for (let p = 0; p < kc; p++) { store<f32>(d, 0); d += 16; }
          continue;
        }
        let src = base + (<usize>(r * rsA) << 2);
        const step = <usize>csA << 2;
        for (let p = 0; p < kc; p++) { store<f32>(d, load<f32>(src)); src += step; d += 16; }
      }
      dst += <usize>(kc * MR) << 2;
    }
  }
}

// B(p, j) for p in [0, kc), j in [0, nc) → NR-column micro-panels, p-major, zero-padded.
function packB(kc: i32, nc: i32, b: usize, rsB: i32, csB: i32, dst: usize): void {
  for (let j = 0; j < nc; j += NR) {
    const cols = min(NR, nc - j);
    const base = b + (<usize>(j * csB) << 2);
    if (cols == NR && csB == 1) {
      const step = <usize>rsB << 2;
      let src = base;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        src += step;
        dst += 32;
      }
    } else if (cols == NR && rsB == 1) {
      // transposed B (nn.Linear's x @ W^T): the 8 columns are 8 contiguous rows in memory;
      // read 4 floats of each and transpose 4×4 blocks instead of gathering scalars.
      const step = <usize>csB << 2;
      const q0 = base, q1 = q0 + step, q2 = q1 + step, q3 = q2 + step;
      const q4 = q3 + step, q5 = q4 + step, q6 = q5 + step, q7 = q6 + step;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const off = <usize>p << 2;
        let x0 = v128.load(q0 + off), x1 = v128.load(q1 + off), x2 = v128.load(q2 + off), x3 = v128.load(q3 + off);
        let t0 = i32x4.shuffle(x0, x1, 0, 4, 1, 5), t1 = i32x4.shuffle(x2, x3, 0, 4, 1, 5);
        let t2 = i32x4.shuffle(x0, x1, 2, 6, 3, 7), t3 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
        v128.store(dst, i64x2.shuffle(t0, t1, 0, 2));
        v128.store(dst, i64x2.shuffle(t0, t1, 1, 3), 32);
        v128.store(dst, i64x2.shuffle(t2, t3, 0, 2), 64);
        v128.store(dst, i64x2.shuffle(t2, t3, 1, 3), 96);
        x0 = v128.load(q4 + off); x1 = v128.load(q5 + off); x2 = v128.load(q6 + off); x3 = v128.load(q7 + off);
        t0 = i32x4.shuffle(x0, x1, 0, 4, 1, 5); t1 = i32x4.shuffle(x2, x3, 0, 4, 1, 5);
        t2 = i32x4.shuffle(x0, x1, 2, 6, 3, 7); t3 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
        v128.store(dst, i64x2.shuffle(t0, t1, 0, 2), 16);
        v128.store(dst, i64x2.shuffle(t0, t1, 1, 3), 48);
        v128.store(dst, i64x2.shuffle(t2, t3, 0, 2), 80);
        v128.store(dst, i64x2.shuffle(t2, t3, 1, 3), 112);
        dst += 128;
      }
      for (; p < kc; p++) {
        const off = <usize>p << 2;
        store<f32>(dst, load<f32>(q0 + off)); store<f32>(dst, load<f32>(q1 + off), 4);
        store<f32>(dst, load<f32>(q2 + off), 8); store<f32>(dst, load<f32>(q3 + off), 12);
        store<f32>(dst, load<f32>(q4 + off), 16); store<f32>(dst, load<f32>(q5 + off), 20);
        store<f32>(dst, load<f32>(q6 + off), 24); store<f32>(dst, load<f32>(q7 + off), 28);
        dst += 32;
      }
    } else {
      // edge panel (or a rarely used layout): one column at a time with running pointers
      for (let c = 0; c < NR; c++) {
        let d = dst + (<usize>c << 2);
        if (c >= cols) {
          for (let p = 0; p < kc; p++) { store<f32>(d, 0); d += 32; }
          continue;
        }
        let src = base + (<usize>(c * csB) << 2);
        const step = <usize>rsB << 2;
        for (let p = 0; p < kc; p++) { store<f32>(d, load<f32>(src)); src += step; d += 32; }
      }
      dst += <usize>(kc * NR) << 2;
    }
  }
}

// 4×8 register tile over kc steps of packed A (4 floats/step) and packed B (8 floats/step).
// overwrite != 0: C = tile, else C += tile. Partial tiles (rows<4 or cols<8) go through `tmp`.
function micro4x8(kc: i32, a: usize, b: usize, c: usize, ldc: i32, rows: i32, cols: i32,
                  overwrite: i32, tmp: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load32_splat(a);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load32_splat(a, 4);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.load32_splat(a, 8);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    av = v128.load32_splat(a, 12);
    c30 = madd(av, b0, c30);
    c31 = madd(av, b1, c31);
    a += 16;
    b += 32;
  }
  const ld = <usize>ldc << 2;
  if (rows == MR && cols == NR) {
    const r0 = c, r1 = c + ld, r2 = r1 + ld, r3 = r2 + ld;
    if (overwrite) {
      v128.store(r0, c00); v128.store(r0, c01, 16);
      v128.store(r1, c10); v128.store(r1, c11, 16);
      v128.store(r2, c20); v128.store(r2, c21, 16);
      v128.store(r3, c30); v128.store(r3, c31, 16);
    } else {
      v128.store(r0, f32x4.add(v128.load(r0), c00)); v128.store(r0, f32x4.add(v128.load(r0, 16), c01), 16);
      v128.store(r1, f32x4.add(v128.load(r1), c10)); v128.store(r1, f32x4.add(v128.load(r1, 16), c11), 16);
      v128.store(r2, f32x4.add(v128.load(r2), c20)); v128.store(r2, f32x4.add(v128.load(r2, 16), c21), 16);
      v128.store(r3, f32x4.add(v128.load(r3), c30)); v128.store(r3, f32x4.add(v128.load(r3, 16), c31), 16);
    }
    return;
  }
  v128.store(tmp, c00); v128.store(tmp, c01, 16);
  v128.store(tmp, c10, 32); v128.store(tmp, c11, 48);
  v128.store(tmp, c20, 64); v128.store(tmp, c21, 80);
  v128.store(tmp, c30, 96); v128.store(tmp, c31, 112);
  for (let r = 0; r < rows; r++) {
    const crow = c + <usize>r * ld;
    const trow = tmp + (<usize>(r * NR) << 2);
    for (let j = 0; j < cols; j++) {
      const o = <usize>j << 2;
      const v = load<f32>(trow + o);
      store<f32>(crow + o, overwrite ? v : load<f32>(crow + o) + v);
    }
  }
}

// Edge tiles: only rows <= 2 (of the 4 packed) or cols <= 4 (of the 8) hold results, so
// half the multiply-adds of micro4x8 would be thrown away (cOut = 6 convs, 10-class heads).
function writeTile(c: usize, ldc: i32, rows: i32, cols: i32, overwrite: i32, tmp: usize): void {
  const ld = <usize>ldc << 2;
  for (let r = 0; r < rows; r++) {
    const crow = c + <usize>r * ld;
    const trow = tmp + (<usize>(r * NR) << 2);
    for (let j = 0; j < cols; j++) {
      const o = <usize>j << 2;
      const v = load<f32>(trow + o);
      store<f32>(crow + o, overwrite ? v : load<f32>(crow + o) + v);
    }
  }
}

function micro2x8(kc: i32, a: usize, b: usize, c: usize, ldc: i32, rows: i32, cols: i32,
                  overwrite: i32, tmp: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load32_splat(a);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load32_splat(a, 4);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    a += 16;
    b += 32;
  }
  v128.store(tmp, c00); v128.store(tmp, c01, 16);
  v128.store(tmp, c10, 32); v128.store(tmp, c11, 48);
  writeTile(c, ldc, rows, cols, overwrite, tmp);
}

function micro4x4(kc: i32, a: usize, b: usize, c: usize, ldc: i32, rows: i32, cols: i32,
                  overwrite: i32, tmp: usize): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b);
    c0 = madd(v128.load32_splat(a), b0, c0);
    c1 = madd(v128.load32_splat(a, 4), b0, c1);
    c2 = madd(v128.load32_splat(a, 8), b0, c2);
    c3 = madd(v128.load32_splat(a, 12), b0, c3);
    a += 16;
    b += 32;
  }
  v128.store(tmp, c0); v128.store(tmp, c1, 32); v128.store(tmp, c2, 64); v128.store(tmp, c3, 96);
  writeTile(c, ldc, rows, cols, overwrite, tmp);
}

const TRI_NONE = TriangleCode.none, TRI_LOWER_OUT = TriangleCode.lowerOut;
const TRI_LOWER_A = TriangleCode.lowerA, TRI_UPPER_A = TriangleCode.upperA;

/**
 * C(i, j) (=|+=) sum_p A(i, p) B(p, j) for i < m, j < n, p < k, where
 * A(i, p) = a[i*rsA + p*csA], B(p, j) = b[p*rsB + j*csB], C(i, j) = c[i*ldc + j].
 * accumulate = 0 overwrites C. ws: sgemmWorkspaceBytes(m, n, k) bytes, 16-aligned.
 */
export function sgemm(m: i32, n: i32, k: i32, a: usize, rsA: i32, csA: i32,
                      b: usize, rsB: i32, csB: i32, c: usize, ldc: i32,
                      accumulate: i32, ws: usize): void {
  sgemmTri(m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, accumulate, ws, TRI_NONE, 0, 0);
}

/**
 * sgemm over the part of a triangular product that matters, C's row i and column j being
 * row i + gi and column j + gj of the whole matrix: TRI_LOWER_OUT skips 4×8 tiles wholly
 * right of the diagonal (j > i; left unwritten), TRI_LOWER_A treats A(i, p) as 0 for
 * p > i and TRI_UPPER_A for p < i (their products are not computed). Skipped products are
 * exact zeros, so every computed entry has the bits of the full product.
 */
function sgemmTri(m: i32, n: i32, k: i32, a: usize, rsA: i32, csA: i32,
                  b: usize, rsB: i32, csB: i32, c: usize, ldc: i32,
                  accumulate: i32, ws: usize, tri: i32, gi: i32, gj: i32): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) for (let i = 0; i < m; i++) memory.fill(c + (<usize>(i * ldc) << 2), 0, <usize>n << 2);
    return;
  }
  const kcMax = min(k, KC);
  const ncMax = min(roundUp(n, NR), NC);
  const pb = (ws + 15) & ~15;
  const pa = pb + (<usize>(kcMax * ncMax) << 2);
  const mcMax = min(roundUp(m, MR), MC);
  const tmp = pa + (<usize>(kcMax * mcMax) << 2);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const overwrite = pc == 0 && !accumulate ? 1 : 0;
      packB(kc, nc, b + (<usize>(pc * rsB + jc * csB) << 2), rsB, csB, pb);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(mc, kc, a + (<usize>(ic * rsA + pc * csA) << 2), rsA, csA, pa);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          const bp = pb + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir);
            let ap = pa + (<usize>(ir * kc) << 2);
            let bt = bp;
            const cp = c + (<usize>((ic + ir) * ldc + jc + jr) << 2);
            let kt = kc;
            if (tri != TRI_NONE) {
              const i0 = gi + ic + ir;
              if (tri == TRI_LOWER_OUT) {
                if (gj + jc + jr > i0 + rows - 1) continue;
              } else {
                // the tile's rows need p in [p0, p1) of this block
                const p0 = tri == TRI_UPPER_A ? max(0, i0 - pc) : 0;
                const p1 = tri == TRI_LOWER_A ? min(kc, i0 + rows - pc) : kc;
                if (p1 <= p0) {
                  if (overwrite) zeroTile(cp, ldc, rows, cols);
                  continue;
                }
                ap += <usize>(p0 * MR) << 2;
                bt += <usize>(p0 * NR) << 2;
                kt = p1 - p0;
              }
            }
            if (rows <= 2) micro2x8(kt, ap, bt, cp, ldc, rows, cols, overwrite, tmp);
            else if (cols <= 4) micro4x4(kt, ap, bt, cp, ldc, rows, cols, overwrite, tmp);
            else micro4x8(kt, ap, bt, cp, ldc, rows, cols, overwrite, tmp);
          }
        }
      }
    }
  }
}

@inline function zeroTile(c: usize, ldc: i32, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) memory.fill(c + (<usize>(r * ldc) << 2), 0, <usize>cols << 2);
}

/** Element offset of batch matrix bi: offsets[bi] from an i32 table, else bi·stride. */
@inline function batchOffset(offsets: usize, stride: i32, bi: i32): i32 {
  return offsets ? load<i32>(offsets + (<usize>bi << 2)) : bi * stride;
}

/**
 * Batched matmul restricted to output rows [r0, r1) (flattened over batch×m) and
 * columns [c0, c1): the unit of work one thread takes. Strides as in MatmulParams
 * (offA/offB/offC: i32 tables of per-matrix offsets replacing strideA/strideB and C's
 * m·n, 0: none; ldA/ldB/ldC: the stored matrices' row strides); tri: TriangleCode (TRI_LOWER_OUT also writes the
 * zeros right of each diagonal).
 */
export function matmulRange(batch: i32, m: i32, n: i32, k: i32, transA: i32, transB: i32,
                            strideA: i32, strideB: i32, a: usize, b: usize, c: usize,
                            r0: i32, r1: i32, c0: i32, c1: i32, ws: usize, tri: i32,
                            offA: usize, offB: usize, ldA: i32, ldB: i32, offC: usize, ldC: i32): void {
  const rsA = transA ? 1 : ldA, csA = transA ? ldA : 1;
  const rsB = transB ? 1 : ldB, csB = transB ? ldB : 1;
  let r = r0;
  while (r < r1) {
    const bi = r / m;
    const i0 = r - bi * m;
    const i1 = min(m, i0 + (r1 - r));
    const ab = a + (<usize>(batchOffset(offA, strideA, bi) + i0 * rsA) << 2);
    const bb = b + (<usize>(batchOffset(offB, strideB, bi) + c0 * csB) << 2);
    const cm = batchOffset(offC, m * n, bi);
    const cb = c + (<usize>(cm + i0 * ldC + c0) << 2);
    sgemmTri(i1 - i0, c1 - c0, k, ab, rsA, csA, bb, rsB, csB, cb, ldC, 0, ws, tri, i0, c0);
    if (tri == TRI_LOWER_OUT) {
      for (let i = i0; i < i1; i++) {
        const j0 = max(c0, i + 1);
        if (j0 < c1) memory.fill(c + (<usize>(cm + i * ldC + j0) << 2), 0, <usize>(c1 - j0) << 2);
      }
    }
    r += i1 - i0;
  }
}
