// The Tensor: a strided view (shape, strides, offset) over a typed-array Storage, plus its
// place in the autograd graph. Almost every method is a thin call into lib/ops/, where each op
// keeps its forward and backward together.

import { adoptResident, allocate, allocateUninit, allocResident, inResidentScope, noteMaterialized, releaseResident } from "./backend/index.js";
// From its own module, not backend/index: the declaration file then keeps the backend's types
// out of every cell's type-check (the compiler loads modules as cells need them).
import type { Region } from "./backend/wasm/resident.js";
import { noteBirthKey } from "./backend/storage-pool.js";
import { type DType, type TypedArray, isFloatDType } from "./dtype.js";
import { contiguousStrides, fmtShape, numelOf, normDim } from "./shape.js";
import { AccumulateGrad, GradFn, type Hook, type RemovableHandle } from "./autograd/graph.js";
import { type BackwardOptions, runBackward } from "./autograd/engine.js";
import * as ew from "./ops/elementwise.js";
import * as red from "./ops/reduce.js";
import * as vw from "./ops/views.js";
import * as ix from "./ops/indexing.js";
import * as jn from "./ops/join.js";
import { matmul } from "./ops/matmul.js";
import * as srt from "./ops/sort.js";
import { cast, clone, contiguous } from "./ops/copy.js";
import { inplace } from "./ops/inplace.js";
import { formatTensor } from "./repr.js";

/**
 * Shared typed-array storage; `version` counts in-place writes (autograd checks it). A float32
 * op output may instead start *resident* (backend/wasm/resident.ts): its values sit in the
 * wasm memory, where the next kernels read them in place, until `data` is first read, which
 * copies them into an ordinary typed array (for good) and gives the region back.
 */
export class Storage {
  version = 0;
  private _data: TypedArray | null;
  private region: Region | null;
  /** Identity for the autograd engine's dead-gradient bookkeeping (stays the same when materialized). */
  readonly key: object;

  constructor(data: TypedArray | Region) {
    if (ArrayBuffer.isView(data)) {
      this._data = data;
      this.region = null;
      this.key = data.buffer;
    } else {
      this._data = null;
      this.region = data;
      adoptResident(data, this);
      this.key = data;
    }
  }

  /** The values as an ordinary typed array (a resident storage is materialized first). */
  get data(): TypedArray {
    return this._data ?? this.materialize();
  }

  /** Elements held (without materializing). */
  get length(): number {
    return this._data ? this._data.length : this.region!.n;
  }

  /**
   * The values in place in the wasm memory, for a kernel call inside `residentScope`; null
   * when the storage is an ordinary array or no scope is open. Never keep it past the scope.
   */
  get resident(): Float32Array | Int32Array | null {
    return this.region !== null && inResidentScope() ? this.region.view : null;
  }

  /** The array a kernel call made now reads or writes: `resident` when there is one, else `data`. */
  get values(): TypedArray {
    return this.resident ?? this.data;
  }

  /** Copies resident values into an ordinary array (the heap's flush calls this too). */
  materialize(): TypedArray {
    if (this._data) return this._data;
    const r = this.region!;
    const a = allocateUninit(r.view instanceof Int32Array ? "int32" : "float32", r.n) as Float32Array | Int32Array;
    a.set(r.view);
    noteMaterialized(r.n * 4);
    this._data = a;
    this.region = null;
    releaseResident(r);
    return a;
  }

  /**
   * Gives a resident region back (a dead gradient); false when not resident. As with a pooled
   * array, the values stay readable until the next allocation of that size reuses the region.
   */
  releaseResident(): boolean {
    const r = this.region;
    if (r === null || !r.live) return false;
    releaseResident(r);
    return true;
  }
}

export type NestedArray = number | boolean | NestedArray[];
export type TensorOrScalar = Tensor | number;
export type IndexSpec = number | null | "..." | readonly [(number | null)?, (number | null)?, number?] | Tensor;
/** `{ values, indices }` that also destructures like PyTorch's tuple: `const [v, i] = t.max(1)`. */
export interface ValuesIndices extends Iterable<Tensor> { values: Tensor; indices: Tensor }

export function valuesIndices(values: Tensor, indices: Tensor): ValuesIndices {
  return {
    values,
    indices,
    *[Symbol.iterator]() {
      yield values;
      yield indices;
    },
  };
}
export interface VarOptions { correction?: number; unbiased?: boolean; keepdim?: boolean }

export class Tensor {
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly dtype: DType;
  readonly storage: Storage;
  grad: Tensor | null = null;
  gradFn: GradFn | null = null;
  /** Optional label (visualizers show it, e.g. parameter names). */
  name: string | undefined = undefined;
  /** @internal true when created by a view op (shares storage with its input). */
  _isView = false;
  /** @internal the tensor whose storage a view looks into (null unless a view). */
  _base: Tensor | null = null;
  /** @internal hooks of a leaf tensor (non-leaf hooks live on its gradFn). */
  _hooks: Hook[] | null = null;
  private _requiresGrad = false;
  private _accNode: AccumulateGrad | null = null;

  /** Low-level: prefer `tensor()`, `zeros()`, ... Tensors never own a copy of `storage`. */
  constructor(storage: Storage, shape: readonly number[], strides: readonly number[], offset: number, dtype: DType) {
    this.storage = storage;
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
    this.dtype = dtype;
  }

  /** @internal a contiguous tensor over `data` (not copied). */
  static fromArray(data: TypedArray, shape: readonly number[], dtype: DType): Tensor {
    return new Tensor(new Storage(data), shape, contiguousStrides(shape), 0, dtype);
  }

  /**
   * @internal a contiguous float32 (or int32: a kernel's indices) tensor with unspecified values
   * resident in the wasm memory (see Storage), or null when none can be had (then use
   * `uninit`): only inside residentScope.
   */
  static resident(shape: readonly number[], dtype: "float32" | "int32" = "float32"): Tensor | null {
    const region = allocResident(numelOf(shape), dtype === "int32");
    if (region) noteBirthKey(region);
    return region ? new Tensor(new Storage(region), shape, contiguousStrides(shape), 0, dtype) : null;
  }

  /**
   * @internal a fresh contiguous output for an op's kernel inside residentScope: resident when
   * float32 and one can be had, else allocated; zero-filled only when `zeroed` (a kernel that
   * may accumulate: the reference matmul adds into its output).
   */
  static output(shape: readonly number[], dtype: DType, zeroed = false): Tensor {
    const r = dtype === "float32" ? Tensor.resident(shape) : null;
    if (r && zeroed) r.storage.resident!.fill(0);
    return r ?? Tensor.allocated(shape, dtype, zeroed);
  }

  /** @internal a zero-filled contiguous tensor. */
  static empty(shape: readonly number[], dtype: DType): Tensor {
    return Tensor.allocated(shape, dtype, true);
  }

  /** @internal a contiguous tensor with unspecified values, for a kernel that writes every element. */
  static uninit(shape: readonly number[], dtype: DType): Tensor {
    return Tensor.allocated(shape, dtype, false);
  }

  private static allocated(shape: readonly number[], dtype: DType, zeroed: boolean): Tensor {
    const n = numelOf(shape);
    let storage: TypedArray;
    try {
      storage = zeroed ? allocate(dtype, n) : allocateUninit(dtype, n);
    } catch (e) {
      // V8 says only "Invalid typed array length: 1000000000000"; name the shape and the size.
      if (!(e instanceof RangeError)) throw e;
      throw new RangeError(`cannot allocate a ${dtype} tensor of shape ${fmtShape(shape)}: ${n.toLocaleString("en-US")} elements, ${fmtBytes(n * BYTES_PER_ELEMENT[dtype])} (${e.message})`);
    }
    return Tensor.fromArray(storage, shape, dtype);
  }

  // ---- metadata ----------------------------------------------------------------------------

  get numel(): number {
    return numelOf(this.shape);
  }

  get ndim(): number {
    return this.shape.length;
  }

  dim(): number {
    return this.shape.length;
  }

  /** `size()` is the shape; `size(d)` one (possibly negative) dim. */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    if (dim === undefined) return this.shape.slice();
    return this.shape[normDim("size", dim, this.ndim)];
  }

  get version(): number {
    return this.storage.version;
  }

  isContiguous(): boolean {
    let expected = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.strides[i] !== expected) return false;
      expected *= this.shape[i];
    }
    return true;
  }

  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  set requiresGrad(on: boolean) {
    if (!on && this.gradFn) {
      throw new Error("requiresGrad: cannot turn off requiresGrad on a non-leaf tensor; use detach()");
    }
    if (on && !isFloatDType(this.dtype)) {
      throw new Error(`requiresGrad: only float tensors can require gradients (got dtype ${this.dtype})`);
    }
    this._requiresGrad = on;
  }

  /** Sets requiresGrad in place and returns this (PyTorch's `requires_grad_()`). */
  requiresGrad_(on = true): this {
    this.requiresGrad = on;
    return this;
  }

  /** @internal used by ops when recording the graph. */
  _setGradFn(fn: GradFn): void {
    this.gradFn = fn;
    this._requiresGrad = true;
  }

  /** @internal the node through which gradients reach this leaf's `.grad`. */
  _accumulateNode(): AccumulateGrad {
    if (!this._accNode) this._accNode = new AccumulateGrad(this);
    return this._accNode;
  }

  // ---- values ------------------------------------------------------------------------------

  /**
   * The values in row-major order: a view of the storage when contiguous (writes go through),
   * otherwise a fresh copy.
   */
  get data(): TypedArray {
    const n = this.numel;
    if (this.isContiguous()) {
      const d = this.storage.data;
      if (this.offset === 0 && d.length === n) return d;
      return d.subarray(this.offset, this.offset + n) as TypedArray;
    }
    return contiguous(this, true).storage.data;
  }

  /**
   * @internal `data` for a kernel call made now inside residentScope: a contiguous resident
   * tensor's values in place (never keep the array past the op), else `data`.
   */
  get kernelData(): TypedArray {
    const r = this.isContiguous() ? this.storage.resident : null;
    if (r === null) return this.data;
    return this.offset === 0 && r.length === this.numel ? r : (r.subarray(this.offset, this.offset + this.numel) as TypedArray);
  }

  /** The single value of a one-element tensor (bools give 0/1). */
  item(): number {
    if (this.numel !== 1) throw new Error(`item: a tensor with ${this.numel} elements (shape ${fmtShape(this.shape)}) cannot be converted to a number`);
    return this.storage.data[this.offset];
  }

  /** Nested JS arrays (numbers, or booleans for bool tensors); a number for a 0-d tensor. */
  toArray(): NestedArray {
    const d = this.data;
    const asBool = this.dtype === "bool";
    const shape = this.shape;
    if (shape.length === 0) return asBool ? d[0] !== 0 : d[0];
    let pos = 0;
    const build = (dim: number): NestedArray[] => {
      const n = shape[dim];
      const out: NestedArray[] = new Array(n);
      if (dim === shape.length - 1) {
        for (let i = 0; i < n; i++) out[i] = asBool ? d[pos++] !== 0 : d[pos++];
      } else {
        for (let i = 0; i < n; i++) out[i] = build(dim + 1);
      }
      return out;
    };
    return build(0);
  }

  /** PyTorch's name for `toArray()`. */
  tolist(): NestedArray {
    return this.toArray();
  }

  /** `JSON.stringify` gives the nested values, not the storage internals. */
  toJSON(): NestedArray {
    return this.toArray();
  }

  /** Same shape and values. */
  equal(other: Tensor): boolean {
    return ew.equal(this, other);
  }

  toString(): string {
    return formatTensor(this);
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return formatTensor(this);
  }

  // ---- autograd ----------------------------------------------------------------------------

  /**
   * Accumulates d(this)/d(leaf) into every leaf's `.grad`. Needs `gradient` unless this is a
   * scalar. Options: `retainGraph` (backward through the graph again), `createGraph` (record
   * the backward pass so gradients can be differentiated again).
   */
  backward(gradient?: Tensor | null | BackwardOptions, opts: BackwardOptions = {}): void {
    if (gradient && !(gradient instanceof Tensor)) {
      opts = gradient;
      gradient = undefined;
    }
    runBackward(this, (gradient as Tensor | null | undefined) ?? undefined, opts);
  }

  /** Makes a non-leaf tensor keep its `.grad` after backward. */
  retainGrad(): void {
    if (!this._requiresGrad) throw new Error("retainGrad: tensor does not require grad");
    if (this.gradFn) this.gradFn.retained = this;
  }

  get retainsGrad(): boolean {
    return this.gradFn !== null && this.gradFn.retained === this;
  }

  /** `fn(grad)` runs when this tensor's gradient is computed; returning a tensor replaces the gradient. */
  registerHook(fn: Hook): RemovableHandle {
    if (!this._requiresGrad) throw new Error("registerHook: cannot register a hook on a tensor that does not require grad");
    const owner = this.gradFn;
    const list = owner ? (owner.hooks ??= []) : (this._hooks ??= []);
    list.push(fn);
    return {
      remove: () => {
        const i = list.indexOf(fn);
        if (i >= 0) list.splice(i, 1);
      },
    };
  }

  /**
   * Same values and storage, cut from the graph. Not an autograd view of this tensor either:
   * in-place writes to it change the values here but never link the two in the graph.
   */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape, this.strides, this.offset, this.dtype);
  }

  /** Cuts this tensor from the graph in place (it becomes a leaf). */
  detach_(): this {
    this.gradFn = null;
    this._requiresGrad = false;
    return this;
  }

  // ---- copies and dtype --------------------------------------------------------------------

  contiguous(): Tensor { return contiguous(this); }
  clone(): Tensor { return clone(this); }
  to(dtype: DType): Tensor { return cast(this, dtype); }
  float(): Tensor { return cast(this, "float32"); }
  double(): Tensor { return cast(this, "float64"); }
  int(): Tensor { return cast(this, "int32"); }
  bool(): Tensor { return cast(this, "bool"); }

  // ---- elementwise -------------------------------------------------------------------------

  add(other: TensorOrScalar, opts?: { alpha?: number }): Tensor { return ew.add(this, other, opts); }
  sub(other: TensorOrScalar, opts?: { alpha?: number }): Tensor { return ew.sub(this, other, opts); }
  mul(other: TensorOrScalar): Tensor { return ew.mul(this, other); }
  div(other: TensorOrScalar): Tensor { return ew.div(this, other); }
  pow(exponent: TensorOrScalar): Tensor { return ew.pow(this, exponent); }
  maximum(other: TensorOrScalar): Tensor { return ew.maximum(this, other); }
  minimum(other: TensorOrScalar): Tensor { return ew.minimum(this, other); }
  neg(): Tensor { return ew.neg(this); }
  abs(): Tensor { return ew.abs(this); }
  exp(): Tensor { return ew.exp(this); }
  log(): Tensor { return ew.log(this); }
  sqrt(): Tensor { return ew.sqrt(this); }
  rsqrt(): Tensor { return ew.rsqrt(this); }
  sin(): Tensor { return ew.sin(this); }
  cos(): Tensor { return ew.cos(this); }
  square(): Tensor { return ew.square(this); }
  reciprocal(): Tensor { return ew.reciprocal(this); }
  log1p(): Tensor { return ew.log1p(this); }
  expm1(): Tensor { return ew.expm1(this); }
  sign(): Tensor { return ew.sign(this); }
  clamp(min?: number | null, max?: number | null): Tensor { return ew.clamp(this, min, max); }
  eq(other: TensorOrScalar): Tensor { return ew.eq(this, other); }
  ne(other: TensorOrScalar): Tensor { return ew.ne(this, other); }
  lt(other: TensorOrScalar): Tensor { return ew.lt(this, other); }
  le(other: TensorOrScalar): Tensor { return ew.le(this, other); }
  gt(other: TensorOrScalar): Tensor { return ew.gt(this, other); }
  ge(other: TensorOrScalar): Tensor { return ew.ge(this, other); }
  logicalNot(): Tensor { return ew.logicalNot(this); }
  isnan(): Tensor { return ew.isnan(this); }
  isinf(): Tensor { return ew.isinf(this); }
  isfinite(): Tensor { return ew.isfinite(this); }
  logicalAnd(other: TensorOrScalar): Tensor { return ew.logicalAnd(this, other); }
  logicalOr(other: TensorOrScalar): Tensor { return ew.logicalOr(this, other); }
  /** `x.where(cond, y)`: x where cond is true, else y (PyTorch's `Tensor.where`). */
  where(condition: Tensor, other: TensorOrScalar): Tensor { return ew.where(condition, this, other); }
  maskedFill(mask: Tensor, value: number): Tensor { return ew.maskedFill(this, mask, value); }

  // ---- reductions --------------------------------------------------------------------------

  sum(dim?: number | readonly number[] | null, keepdim = false): Tensor { return red.sum(this, dim, keepdim); }
  mean(dim?: number | readonly number[] | null, keepdim = false): Tensor { return red.mean(this, dim, keepdim); }
  prod(dim?: number | null, keepdim = false): Tensor { return red.prod(this, dim, keepdim); }
  amax(dim?: number | readonly number[] | null, keepdim = false): Tensor { return red.amax(this, dim, keepdim); }
  amin(dim?: number | readonly number[] | null, keepdim = false): Tensor { return red.amin(this, dim, keepdim); }
  /** `max()`: the largest value; `max(dim, keepdim)`: `{ values, indices }`; `max(other)`: elementwise maximum. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): ValuesIndices;
  max(other: Tensor): Tensor;
  max(arg?: number | Tensor, keepdim = false): Tensor | ValuesIndices {
    if (arg instanceof Tensor) return ew.maximum(this, arg);
    return arg === undefined ? red.max(this) : red.max(this, arg, keepdim);
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): ValuesIndices;
  min(other: Tensor): Tensor;
  min(arg?: number | Tensor, keepdim = false): Tensor | ValuesIndices {
    if (arg instanceof Tensor) return ew.minimum(this, arg);
    return arg === undefined ? red.min(this) : red.min(this, arg, keepdim);
  }
  argmax(dim?: number | null, keepdim = false): Tensor { return red.argmax(this, dim, keepdim); }
  argmin(dim?: number | null, keepdim = false): Tensor { return red.argmin(this, dim, keepdim); }
  var(dim?: number | readonly number[] | null, opts?: VarOptions): Tensor { return red.variance(this, dim, opts); }
  std(dim?: number | readonly number[] | null, opts?: VarOptions): Tensor { return red.std(this, dim, opts); }
  logsumexp(dim: number | readonly number[], keepdim = false): Tensor { return red.logsumexp(this, dim, keepdim); }
  cumsum(dim: number): Tensor { return srt.cumsum(this, dim); }
  sort(dim = -1, descending = false): ValuesIndices { return srt.sort(this, dim, descending); }
  argsort(dim = -1, descending = false): Tensor { return srt.argsort(this, dim, descending); }
  topk(k: number, dim = -1, opts?: { largest?: boolean }): ValuesIndices { return srt.topk(this, k, dim, opts); }

  // ---- linear algebra ----------------------------------------------------------------------

  matmul(other: Tensor): Tensor { return matmul(this, other); }
  mm(other: Tensor): Tensor {
    if (this.ndim !== 2 || other.ndim !== 2) throw new Error(`mm: expected 2-D tensors, got shapes ${fmtShape(this.shape)} and ${fmtShape(other.shape)}`);
    return matmul(this, other);
  }

  // ---- views and shape ---------------------------------------------------------------------

  reshape(...shape: (number | readonly number[])[]): Tensor { return vw.reshape(this, flatArgs(shape)); }
  view(...shape: (number | readonly number[])[]): Tensor { return vw.view(this, flatArgs(shape)); }
  viewAs(other: Tensor): Tensor { return vw.view(this, other.shape); }
  reshapeAs(other: Tensor): Tensor { return vw.reshape(this, other.shape); }
  transpose(dim0: number, dim1: number): Tensor { return vw.transpose(this, dim0, dim1); }
  /** Transpose of a tensor with at most 2 dims. */
  t(): Tensor {
    if (this.ndim > 2) throw new Error(`t: expects a tensor with <= 2 dims, got shape ${fmtShape(this.shape)}; use transpose(d0, d1)`);
    return this.ndim < 2 ? this : vw.transpose(this, 0, 1);
  }
  /** Reverses all dims (2-D: the matrix transpose). */
  get T(): Tensor {
    return vw.permute(this, this.shape.map((_, i) => this.ndim - 1 - i));
  }
  permute(...dims: (number | readonly number[])[]): Tensor { return vw.permute(this, flatArgs(dims)); }
  unsqueeze(dim: number): Tensor { return vw.unsqueeze(this, dim); }
  squeeze(dim?: number | readonly number[]): Tensor { return vw.squeeze(this, dim); }
  flatten(startDim = 0, endDim = -1): Tensor { return vw.flatten(this, startDim, endDim); }
  unflatten(dim: number, sizes: readonly number[]): Tensor { return vw.unflatten(this, dim, sizes); }
  flip(...dims: (number | readonly number[])[]): Tensor { return vw.flip(this, flatArgs(dims)); }
  expand(...sizes: (number | readonly number[])[]): Tensor { return vw.expand(this, flatArgs(sizes)); }
  expandAs(other: Tensor): Tensor { return vw.expand(this, other.shape); }
  narrow(dim: number, start: number, length: number): Tensor { return vw.narrow(this, dim, start, length); }
  select(dim: number, index: number): Tensor { return vw.select(this, dim, index); }
  /** Python's `t[:, start:end:step]` on one dim (negative bounds count from the end). */
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor { return vw.slice(this, dim, start, end, step); }
  /**
   * NumPy-style indexing, one spec per dim: a number selects (drops the dim), `[start, end, step]`
   * slices, `null` keeps the whole dim, `"..."` stands for the remaining dims, and an int32
   * index tensor picks entries (like `indexSelect`). `t.index(0, [1, 3])` is `t[0, 1:3]`.
   */
  index(...specs: IndexSpec[]): Tensor { return vw.index(this, specs); }
  repeat(...sizes: (number | readonly number[])[]): Tensor { return jn.repeat(this, flatArgs(sizes)); }
  split(splitSize: number | readonly number[], dim = 0): Tensor[] { return jn.split(this, splitSize, dim); }
  chunk(chunks: number, dim = 0): Tensor[] { return jn.chunk(this, chunks, dim); }
  unbind(dim = 0): Tensor[] { return jn.unbind(this, dim); }

  // ---- indexing ----------------------------------------------------------------------------

  indexSelect(dim: number, index: Tensor): Tensor { return ix.indexSelect(this, dim, index); }
  gather(dim: number, index: Tensor): Tensor { return ix.gather(this, dim, index); }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return ix.scatterAdd(this, dim, index, src); }
  tril(diagonal = 0): Tensor { return ix.tril(this, diagonal); }
  triu(diagonal = 0): Tensor { return ix.triu(this, diagonal); }

  // ---- in place (PyTorch's trailing underscore) --------------------------------------------

  add_(other: TensorOrScalar, opts?: { alpha?: number }): this { return inplace(this, "add_", (x) => ew.add(x, other, opts), other, opts?.alpha); }
  sub_(other: TensorOrScalar, opts?: { alpha?: number }): this { return inplace(this, "sub_", (x) => ew.sub(x, other, opts), other, opts?.alpha); }
  mul_(other: TensorOrScalar): this { return inplace(this, "mul_", (x) => ew.mul(x, other), other); }
  div_(other: TensorOrScalar): this { return inplace(this, "div_", (x) => ew.div(x, other), other); }
  clamp_(min?: number | null, max?: number | null): this { return inplace(this, "clamp_", (x) => ew.clamp(x, min, max)); }
  zero_(): this { return inplace(this, "zero_", (x) => ew.where(TRUE, 0, x), 0); }
  fill_(value: number): this { return inplace(this, "fill_", (x) => ew.where(TRUE, value, x), value); }
  /** Copies `src` (broadcast to this shape, cast to this dtype) into this tensor. */
  copy_(src: TensorOrScalar): this { return inplace(this, "copy_", (x) => ew.where(TRUE, src, x), src); }
}

// A 0-d `true`: `where(TRUE, v, x)` is "replace x by v" with the gradient flowing to v only.
const TRUE = Tensor.fromArray(new Uint8Array([1]), [], "bool");

function flatArgs(args: (number | readonly number[])[]): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return (args[0] as number[]).slice();
  return args as number[];
}


const BYTES_PER_ELEMENT: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

function fmtBytes(b: number): string {
  const units = ["bytes", "KB", "MB", "GB", "TB", "PB"];
  let i = 0;
  while (b >= 1024 && i < units.length - 1) { b /= 1024; i++; }
  return `${i === 0 ? b : b.toFixed(1)} ${units[i]}`;
}
