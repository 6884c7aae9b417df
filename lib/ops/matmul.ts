// Matrix product with PyTorch's rules: 1-D operands are treated as a row/column vector and the
// added dim removed again; dims before the last two broadcast. Operands that are transposes of
// contiguous matrices are passed to the kernel with a trans flag instead of being copied, so
// the backward products (g @ b^T, a^T @ g) cost no copies.

import { getKernels, residentScope } from "../backend/index.js";
import { type DType, type Float, floatDType, promoteTypes } from "../dtype.js";
import { broadcastShapes, broadcastStrides, fmtShape, numelOf, sameShape } from "../shape.js";
import { Tensor } from "../tensor.js";
import { cast, contiguous } from "./copy.js";
import { record, sumTo } from "./op.js";

interface Operand {
  data: Float; trans: boolean; stride: number;
  /** Matrices read in place from a strided view (attention heads split from one tensor): each one's offset in data, and the stored row stride. */
  offsets?: Int32Array; ld?: number;
}

/** Lays out t ([...batch?, rows, cols]) for the kernel over `batch` matrices (valid for this call only). */
function operand(t: Tensor, dtype: DType, batch: readonly number[]): Operand {
  if (t.dtype !== dtype) t = cast(t, dtype);
  const nd = t.ndim, rows = t.shape[nd - 2], cols = t.shape[nd - 1];
  const tb = t.shape.slice(0, nd - 2);
  const single = numelOf(tb) === 1;
  if (!single && !sameShape(tb, batch)) {
    // Broadcast batch dims: materialise the expanded operand.
    const shape = [...batch, rows, cols];
    const ex = new Tensor(t.storage, shape, broadcastStrides(t.shape, t.strides, shape), t.offset, t.dtype);
    return { data: contiguous(ex, true).storage.values as Float, trans: false, stride: rows * cols };
  }
  const rs = t.strides[nd - 2], cs = t.strides[nd - 1];
  let batchOk = true;
  if (!single) {
    // Batch dims must step by whole matrices for the kernel's single batch stride.
    let expected = rows * cols;
    for (let d = nd - 3; d >= 0; d--) {
      if (t.shape[d] !== 1 && t.strides[d] !== expected) { batchOk = false; break; }
      expected *= t.shape[d];
    }
  }
  const stride = single ? 0 : rows * cols;
  if (batchOk && (cs === 1 || cols === 1) && (rs === cols || rows === 1)) {
    return { data: t.storage.values.subarray(t.offset) as Float, trans: false, stride };
  }
  if (batchOk && (rs === 1 || rows === 1) && (cs === rows || cols === 1)) {
    return { data: t.storage.values.subarray(t.offset) as Float, trans: true, stride };
  }
  // Rows (or, transposed, columns) contiguous but further apart, and batch dims of any
  // stride: the kernel reads each matrix in place (q.matmul(k.transpose(-2, -1)) on heads
  // viewed out of one [B, T, 3C] projection).
  const inPlace = (cs === 1 && rs >= cols) || (rs === 1 && cs >= rows);
  if (inPlace && rows > 1 && cols > 1 && t.strides.every((st) => st >= 0)) {
    const trans = cs !== 1;
    const ld = trans ? cs : rs;
    if (single) return { data: t.storage.values.subarray(t.offset) as Float, trans, stride: 0, ld };
    return { data: t.storage.values as Float, trans, stride: 0, ld, offsets: matrixOffsets(t) };
  }
  return { data: contiguous(t, true).storage.values as Float, trans: false, stride };
}

/** The storage offset of each matrix of t's batch dims (row-major order of the batch). */
export function matrixOffsets(t: Tensor): Int32Array {
  const nb = t.ndim - 2;
  const out = new Int32Array(numelOf(t.shape.slice(0, nb)));
  const idx = new Array<number>(nb).fill(0);
  let o = t.offset;
  for (let i = 0; i < out.length; i++) {
    out[i] = o;
    for (let d = nb - 1; d >= 0; d--) {
      o += t.strides[d];
      if (++idx[d] < t.shape[d]) break;
      o -= t.strides[d] * t.shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** A 2-D tensor that is the transpose of a contiguous matrix (strides [1, rows]). */
function storedTransposed(t: Tensor): boolean {
  const [r, c] = t.shape;
  return r > 1 && c > 1 && t.strides[0] === 1 && t.strides[1] === r;
}

function matmulND(a: Tensor, b: Tensor): Tensor {
  const m = a.shape[a.ndim - 2], k = a.shape[a.ndim - 1];
  const k2 = b.shape[b.ndim - 2], n = b.shape[b.ndim - 1];
  if (k !== k2) throw new Error(`matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (${k} != ${k2})`);
  const batch = broadcastShapes("matmul", a.shape.slice(0, -2), b.shape.slice(0, -2));
  const dtype = floatDType(promoteTypes(a.dtype, b.dtype));
  const out = residentScope(() => {
    const A = operand(a, dtype, batch), B = operand(b, dtype, batch);
    // k = 0 leaves the product to the zero fill
    const o = k > 0 ? Tensor.output([...batch, m, n], dtype, true) : Tensor.empty([...batch, m, n], dtype);
    getKernels().matmul(A.data, B.data, o.storage.values as Float, {
      batch: numelOf(batch), m, n, k, transA: A.trans, transB: B.trans, strideA: A.stride, strideB: B.stride,
      offsetsA: A.offsets, offsetsB: B.offsets, ldA: A.ld, ldB: B.ld,
    });
    return o;
  });
  return record(out, "MmBackward", [a, b], (g, needs) => {
    let ga: Tensor | null = null, gb: Tensor | null = null;
    if (needs[0]) {
      // A 2-D operand stored transposed (x = X.t()) gets its gradient computed in X's layout,
      // so the TransposeBackward below hands X a contiguous gradient (no transposing copy).
      if (a.ndim === 2 && b.ndim === 2 && storedTransposed(a)) ga = b.matmul(g.transpose(0, 1)).transpose(0, 1);
      else ga = sumTo(g.matmul(b.transpose(-1, -2)), a.shape);
    }
    if (needs[1]) {
      if (b.ndim === 2 && a.ndim >= 2) {
        // Fold a's batch into its rows: one [k, B*m] @ [B*m, n] product instead of B and a sum.
        const a2 = a.ndim === 2 ? a : a.reshape([-1, k]);
        const g2 = g.ndim === 2 ? g : g.reshape([-1, n]);
        // nn.Linear's weight enters as W.t(): compute dW = g^T a directly in W's layout.
        gb = storedTransposed(b) ? g2.transpose(0, 1).matmul(a2).transpose(0, 1) : a2.transpose(0, 1).matmul(g2);
      } else {
        gb = sumTo(a.transpose(-1, -2).matmul(g), b.shape);
      }
    }
    return [ga, gb];
  }, [a, b]);
}

/** Matrix product (batched, broadcasting batch dims; 1-D operands as in PyTorch). */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) throw new Error("matmul: both arguments must be Tensors");
  if (a.ndim === 0 || b.ndim === 0) throw new Error(`matmul: both arguments need at least 1 dim, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  if (a.ndim === 1 && b.ndim === 1 && a.shape[0] !== b.shape[0]) {
    throw new Error(`matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (${a.shape[0]} != ${b.shape[0]})`);
  }
  const a2 = a.ndim === 1 ? a.unsqueeze(0) : a;
  const b2 = b.ndim === 1 ? b.unsqueeze(-1) : b;
  if (a2.shape[a2.ndim - 1] !== b2.shape[b2.ndim - 2]) {
    throw new Error(`matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (${a2.shape[a2.ndim - 1]} != ${b2.shape[b2.ndim - 2]})`);
  }
  let r = matmulND(a2, b2);
  if (a.ndim === 1) r = r.squeeze(-2);
  if (b.ndim === 1) r = r.squeeze(-1);
  return r;
}
