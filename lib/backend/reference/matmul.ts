// Reference batched matmul (register-blocked JS loops).

import type { Float } from "../../dtype.js";
import type { MatmulParams } from "../kernels/matmul.js";

export function matmul(a: Float, b: Float, out: Float, p: MatmulParams): void {
  const { batch, m, n, k, transA, transB, strideA, strideB } = p;
  // C[b][i, j] at co + i*ldC + j
  const ldC = p.ldC ?? n;
  if (!p.offsetsC) out.fill(0, 0, batch * m * n);
  // A[i,q] sits at ao + i*ra + q*ca; B[q,j] at bo + q*ldB + j (transposed: bo + j*ldB + q).
  const ldA = p.ldA ?? (transA ? m : k), ldB = p.ldB ?? (transB ? k : n);
  const ra = transA ? 1 : ldA, ca = transA ? ldA : 1;
  for (let bt = 0; bt < batch; bt++) {
    const ao = p.offsetsA ? p.offsetsA[bt]! : bt * strideA, bo = p.offsetsB ? p.offsetsB[bt]! : bt * strideB;
    const co = p.offsetsC ? p.offsetsC[bt]! : bt * m * n;
    if (p.offsetsC) for (let i = 0; i < m; i++) out.fill(0, co + i * ldC, co + i * ldC + n);
    if (!transB) {
      // C[i,:] += A[i,q] * B[q,:], four rows of C per pass so each B row is read once per four.
      let i = 0;
      for (; i + 4 <= m; i += 4) {
        const c0 = co + i * ldC, c1 = c0 + ldC, c2 = c1 + ldC, c3 = c2 + ldC;
        for (let q = 0; q < k; q++) {
          const ai = ao + i * ra + q * ca;
          const a0 = a[ai], a1 = a[ai + ra], a2 = a[ai + 2 * ra], a3 = a[ai + 3 * ra];
          const bq = bo + q * ldB;
          for (let j = 0; j < n; j++) {
            const bv = b[bq + j];
            out[c0 + j] += a0 * bv;
            out[c1 + j] += a1 * bv;
            out[c2 + j] += a2 * bv;
            out[c3 + j] += a3 * bv;
          }
        }
      }
      for (; i < m; i++) {
        const ci = co + i * ldC;
        for (let q = 0; q < k; q++) {
          const av = a[ao + i * ra + q * ca];
          const bq = bo + q * ldB;
          for (let j = 0; j < n; j++) out[ci + j] += av * b[bq + j];
        }
      }
    } else {
      // B stored [n, k]: C[i,j] is a dot product over q; four columns share each A value.
      for (let i = 0; i < m; i++) {
        const ai = ao + i * ra, ci = co + i * ldC;
        let j = 0;
        for (; j + 4 <= n; j += 4) {
          const b0 = bo + j * ldB, b1 = b0 + ldB, b2 = b1 + ldB, b3 = b2 + ldB;
          let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
          for (let q = 0; q < k; q++) {
            const av = a[ai + q * ca];
            s0 += av * b[b0 + q]; s1 += av * b[b1 + q]; s2 += av * b[b2 + q]; s3 += av * b[b3 + q];
          }
          out[ci + j] = s0; out[ci + j + 1] = s1; out[ci + j + 2] = s2; out[ci + j + 3] = s3;
        }
        for (; j < n; j++) {
          const bj = bo + j * ldB;
          let s = 0;
          for (let q = 0; q < k; q++) s += a[ai + q * ca] * b[bj + q];
          out[ci + j] = s;
        }
      }
    }
    // the known zeros of op(A) ("lowerA", "upperA") are simply multiplied in
    if (p.triangle === "lowerOut") for (let i = 0; i < m; i++) out.fill(0, co + i * ldC + Math.min(n, i + 1), co + i * ldC + n);
  }
}
