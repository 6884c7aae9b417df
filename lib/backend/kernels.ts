// The contract between ops and compute backends. Every kernel takes contiguous row-major
// typed arrays plus sizes, writes into an `out` array the caller allocated (through
// `allocate`), and returns synchronously. `out` may alias an input for the elementwise
// kernels (in-place updates use that); it never aliases for matmul/conv/pool.
// `reference.ts` implements all of them in plain TypeScript; faster backends register
// replacements through `registerKernels` in `index.ts`.

import type { Float } from "../dtype.js";
import type { ModelKernels } from "./model-kernels.js";
export type { Float } from "../dtype.js";

/** out[i] = f(x[i]). Ops: as listed; "sigmoid" is 1/(1+e^-x), "relu" is max(x, 0). */
export type UnaryOp =
  | "neg" | "abs" | "exp" | "log" | "sqrt" | "rsqrt" | "sin" | "cos" | "square" | "reciprocal"
  | "log1p" | "expm1" | "sign" | "tanh" | "sigmoid" | "relu";

/** out[i] = a[i] op b[i]. maximum/minimum propagate NaN. */
export type BinaryOp = "add" | "sub" | "mul" | "div" | "pow" | "maximum" | "minimum";

export type ReduceOp = "sum" | "max" | "min" | "prod";

export interface MatmulParams {
  batch: number; m: number; n: number; k: number;
  transA: boolean; transB: boolean;
  /** Element offset between consecutive batch matrices of A/B; 0 broadcasts one matrix. */
  strideA: number; strideB: number;
}

export interface Conv2dParams {
  n: number; cIn: number; h: number; w: number; cOut: number; kh: number; kw: number;
  strideH: number; strideW: number; padH: number; padW: number;
  dilationH: number; dilationW: number; groups: number; outH: number; outW: number;
}

export interface Pool2dParams {
  n: number; c: number; h: number; w: number; kh: number; kw: number;
  strideH: number; strideW: number; padH: number; padW: number;
  dilationH: number; dilationW: number; outH: number; outW: number;
  countIncludePad: boolean;
}

/** The core kernels below plus the model families of model-kernels.ts. */
export interface Kernels extends ModelKernels {
  /** out[i] = op(x[i]); x.length === out.length. */
  unary(op: UnaryOp, x: Float, out: Float): void;
  /** out[i] = a[i] op b[i]; all the same length. */
  binary(op: BinaryOp, a: Float, b: Float, out: Float): void;
  /** out[i] = x[i] op s, or s op x[i] when `scalarFirst`. */
  binaryScalar(op: BinaryOp, x: Float, s: number, out: Float, scalarFirst: boolean): void;
  /**
   * Reduces the middle axis of x viewed as [outer, size, inner]:
   * out[o*inner + i] = op over r of x[(o*size + r)*inner + i]. out has outer*inner elements.
   */
  reduce(op: ReduceOp, x: Float, out: Float, outer: number, size: number, inner: number): void;
  /** Like `reduce` with max/min, also writing the winning r (first one on ties) to `indices`. */
  argReduce(op: "max" | "min", x: Float, values: Float, indices: Int32Array, outer: number, size: number, inner: number): void;
  /** C[b] (m×n) = op(A[b]) @ op(B[b]); A[b] starts at b*strideA; C contiguous [batch, m, n]; out overwritten. */
  matmul(a: Float, b: Float, out: Float, p: MatmulParams): void;
  /** NCHW input, weight [cOut, cIn/groups, kh, kw], out [n, cOut, outH, outW]; no bias. */
  conv2dForward(x: Float, w: Float, out: Float, p: Conv2dParams): void;
  /** dx overwritten. */
  conv2dBackwardInput(dy: Float, w: Float, dx: Float, p: Conv2dParams): void;
  /** dw overwritten. */
  conv2dBackwardWeight(x: Float, dy: Float, dw: Float, p: Conv2dParams): void;
  /** argmax holds the flat index into the (n, c) plane h*w of each max; -1 if the window is all padding. */
  maxPool2dForward(x: Float, out: Float, argmax: Int32Array, p: Pool2dParams): void;
  /** dx overwritten. */
  maxPool2dBackward(dy: Float, argmax: Int32Array, dx: Float, p: Pool2dParams): void;
  avgPool2dForward(x: Float, out: Float, p: Pool2dParams): void;
  /** dx overwritten. */
  avgPool2dBackward(dy: Float, dx: Float, p: Pool2dParams): void;
}

export type KernelName = keyof Kernels;
