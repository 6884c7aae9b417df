// Batched matrix products (GEMM).

import type { Float } from "../../dtype.js";

export interface MatmulParams {
  batch: number; m: number; n: number; k: number;
  transA: boolean; transB: boolean;
  /** Element offset between consecutive batch matrices of A/B; 0 broadcasts one matrix. */
  strideA: number; strideB: number;
  /**
   * The triangle of each m×n product that matters (causal attention), counting rows i and
   * columns j of op(A), op(B) and C: "lowerOut" wants only C[i, j] for j <= i and gets zeros
   * for j > i; "lowerA" promises op(A)[i, q] = 0 for q > i, "upperA" for q < i, so a kernel
   * may skip those products. Absent: the whole product.
   */
  triangle?: "lowerOut" | "lowerA" | "upperA";
  /**
   * Matrices read in place from a strided layout (attention heads of a [N, L, h·d] tensor):
   * the element offset of each batch matrix of A/B (replacing strideA/strideB) and the
   * stored matrices' row stride (default their column count: k, or m when transposed, for A).
   */
  offsetsA?: Int32Array; offsetsB?: Int32Array;
  ldA?: number; ldB?: number;
  /**
   * C written in place the same way: each matrix's offset in `out` and its row stride
   * (default n); elements of `out` outside the matrices keep their values.
   */
  offsetsC?: Int32Array; ldC?: number;
}

export interface MatmulKernels {
  /** C[b] (m×n) = op(A[b]) @ op(B[b]); A[b] starts at b*strideA; C contiguous [batch, m, n] (or at offsetsC); out overwritten. */
  matmul(a: Float, b: Float, out: Float, p: MatmulParams): void;
}
