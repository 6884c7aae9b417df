// Batched matrix products (GEMM).

import type { Float } from "../../dtype.js";

export interface MatmulParams {
  batch: number; m: number; n: number; k: number;
  transA: boolean; transB: boolean;
  /** Element offset between consecutive batch matrices of A/B; 0 broadcasts one matrix. */
  strideA: number; strideB: number;
}

export interface MatmulKernels {
  /** C[b] (m×n) = op(A[b]) @ op(B[b]); A[b] starts at b*strideA; C contiguous [batch, m, n]; out overwritten. */
  matmul(a: Float, b: Float, out: Float, p: MatmulParams): void;
}
