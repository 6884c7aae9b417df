// Creating tensors: from JS data, constant fills, ranges, and random draws (seeded through
// lib/random.ts, so `manualSeed(n)` makes every draw reproducible).

import { allocate, getKernels } from "../backend/index.js";
import { type DType, type TypedArray, DEFAULT_DTYPE, checkDType, dtypeOfArray } from "../dtype.js";
import { type Generator, defaultGenerator } from "../random.js";
import { checkShape } from "../shape.js";
import { Tensor, type NestedArray } from "../tensor.js";

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

export type ShapeLike = number | readonly number[];
/** What `tensor()` accepts: numbers, booleans, one-element tensors, nested arrays of them. */
export type TensorData = number | boolean | Tensor | readonly TensorData[];

function shapeArg(op: string, s: ShapeLike): number[] {
  return checkShape(op, typeof s === "number" ? [s] : s);
}

function finish(t: Tensor, opts: TensorOptions | undefined): Tensor {
  if (opts?.requiresGrad) t.requiresGrad = true;
  return t;
}

function dtypeArg(op: string, opts: TensorOptions | undefined, fallback: DType = DEFAULT_DTYPE): DType {
  if (opts !== undefined && (typeof opts !== "object" || opts === null || Array.isArray(opts))) {
    throw new Error(`${op}: options must be an object like { dtype, requiresGrad }, got ${JSON.stringify(opts)} (pass a shape as one array: ${op}([2, 3]))`);
  }
  return opts?.dtype === undefined ? fallback : checkDType(op, opts.dtype);
}

function copyOf(x: Tensor): Tensor {
  const out = Tensor.empty(x.shape, x.dtype);
  out.storage.data.set(x.data);
  return out;
}

function inferShape(data: unknown, shape: number[]): void {
  if (Array.isArray(data)) {
    shape.push(data.length);
    if (data.length > 0) inferShape(data[0], shape);
  } else if (ArrayBuffer.isView(data)) {
    shape.push((data as unknown as ArrayLike<number>).length);
  }
}

/**
 * A tensor holding a copy of `data`: a number, a boolean, nested arrays of them, or a typed
 * array (1-D). dtype is inferred when not given: numbers → float32, booleans → bool,
 * Float64Array → float64, integer typed arrays → int32.
 */
export function tensor(data: TensorData | NestedArray | ArrayLike<number> | TypedArray, opts?: TensorOptions): Tensor {
  if (data instanceof Tensor) {
    const t = data.detach().to(dtypeArg("tensor", opts, data.dtype));
    return finish(copyOf(t), opts);
  }
  const shape: number[] = [];
  inferShape(data, shape);
  const flat: (number | boolean)[] = [];
  let sawBool = false, sawNumber = false;
  const walk = (v: unknown, dim: number): void => {
    if (dim === shape.length) {
      if (v instanceof Tensor) {
        if (v.numel !== 1) throw new Error(`tensor: only one-element tensors can be nested in data, got shape [${v.shape.join(", ")}] (use stack/cat)`);
        v = v.item();
      }
      if (typeof v === "boolean") sawBool = true;
      else if (typeof v === "number") sawNumber = true;
      else throw new Error(`tensor: expected numbers or booleans, found ${Array.isArray(v) ? "a nested array deeper than the first element's" : typeof v}`);
      flat.push(v);
      return;
    }
    if (ArrayBuffer.isView(v)) {
      const a = v as unknown as ArrayLike<number>;
      if (a.length !== shape[dim] || dim !== shape.length - 1) throw new Error(`tensor: ragged nested data at dim ${dim}`);
      for (let i = 0; i < a.length; i++) flat.push(a[i]);
      sawNumber = true;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      throw new Error(`tensor: ragged nested data: expected ${shape[dim]} elements at dim ${dim}, got ${Array.isArray(v) ? v.length : typeof v}`);
    }
    for (const e of v) walk(e, dim + 1);
  };
  walk(data, 0);
  const inferred: DType = ArrayBuffer.isView(data) ? (dtypeOfArray(data as unknown as ArrayLike<number>) ?? DEFAULT_DTYPE)
    : sawBool && !sawNumber ? "bool" : DEFAULT_DTYPE;
  const dtype = dtypeArg("tensor", opts, inferred);
  const arr = allocate(dtype, flat.length);
  getKernels().fromNumbers(flat, arr, dtype === "bool");
  return finish(Tensor.fromArray(arr, shape, dtype), opts);
}

export function zeros(shape: ShapeLike, opts?: TensorOptions): Tensor {
  return finish(Tensor.empty(shapeArg("zeros", shape), dtypeArg("zeros", opts)), opts);
}

export function ones(shape: ShapeLike, opts?: TensorOptions): Tensor {
  return full(shape, 1, opts);
}

export function full(shape: ShapeLike, value: number | boolean, opts?: TensorOptions): Tensor {
  const dtype = dtypeArg("full", opts, typeof value === "boolean" ? "bool" : DEFAULT_DTYPE);
  const t = Tensor.empty(shapeArg("full", shape), dtype);
  t.storage.data.fill(Number(value));
  return finish(t, opts);
}

export function zerosLike(t: Tensor, opts?: TensorOptions): Tensor {
  return zeros(t.shape, { dtype: t.dtype, ...opts });
}

export function onesLike(t: Tensor, opts?: TensorOptions): Tensor {
  return ones(t.shape, { dtype: t.dtype, ...opts });
}

export function fullLike(t: Tensor, value: number, opts?: TensorOptions): Tensor {
  return full(t.shape, value, { dtype: t.dtype, ...opts });
}

/**
 * `arange(end)`, `arange(start, end)`, `arange(start, end, step)`, options last:
 * start, start+step, ... up to (excluding) end. float32 unless a dtype is given.
 */
export function arange(...args: (number | TensorOptions | undefined)[]): Tensor {
  const nums = args.filter((a): a is number => typeof a === "number");
  const opts = args.find((a): a is TensorOptions => typeof a === "object" && a !== null);
  let start = 0, end: number, step = 1;
  if (nums.length === 1) [end] = nums;
  else if (nums.length === 2) [start, end] = nums;
  else if (nums.length === 3) [start, end, step] = nums;
  else throw new Error("arange: expected (end), (start, end) or (start, end, step)");
  if (step === 0 || !Number.isFinite(step)) throw new Error(`arange: step must be a nonzero finite number, got ${step}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const t = Tensor.empty([n], dtypeArg("arange", opts));
  getKernels().fillArange(t.storage.data, start, step);
  return finish(t, opts);
}

/** `steps` evenly spaced values from start to end inclusive. */
export function linspace(start: number, end: number, steps: number, opts?: TensorOptions): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`linspace: steps must be a non-negative integer, got ${steps}`);
  const t = Tensor.empty([steps], dtypeArg("linspace", opts));
  const d = t.storage.data;
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  // Fill from both ends so the last value is exactly `end`.
  getKernels().fillLinspace(d, start, end, step);
  return finish(t, opts);
}

/** n×m identity (m defaults to n). */
export function eye(n: number, m?: number | TensorOptions, opts?: TensorOptions): Tensor {
  if (typeof m === "object") { opts = m; m = undefined; }
  const cols = m ?? n;
  const t = Tensor.empty(shapeArg("eye", [n, cols]), dtypeArg("eye", opts));
  getKernels().fillEye(t.storage.data, n, cols);
  return finish(t, opts);
}

function floatArg(op: string, opts: TensorOptions | undefined): DType {
  const d = dtypeArg(op, opts);
  if (d !== "float32" && d !== "float64") throw new Error(`${op}: dtype must be float32 or float64, got ${d}`);
  return d;
}

/** Uniform on [0, 1). */
export function rand(shape: ShapeLike, opts?: RandomOptions): Tensor {
  const dtype = floatArg("rand", opts);
  const g = opts?.generator ?? defaultGenerator;
  const t = Tensor.empty(shapeArg("rand", shape), dtype);
  getKernels().fillUniform(t.storage.data, g, dtype !== "float32");
  return finish(t, opts);
}

/** Standard normal. */
export function randn(shape: ShapeLike, opts?: RandomOptions): Tensor {
  const dtype = floatArg("randn", opts);
  const g = opts?.generator ?? defaultGenerator;
  const t = Tensor.empty(shapeArg("randn", shape), dtype);
  getKernels().fillNormal(t.storage.data, g);
  return finish(t, opts);
}

/** Uniform integers in [low, high); `randint(high, shape)` uses low = 0. int32 unless a dtype is given. */
export function randint(low: number, high: number | ShapeLike, shape?: ShapeLike | RandomOptions, opts?: RandomOptions): Tensor {
  if (typeof high !== "number") {
    opts = shape as RandomOptions | undefined;
    shape = high;
    high = low;
    low = 0;
  }
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) throw new Error(`randint: need integers low < high, got ${low} and ${high}`);
  const g = opts?.generator ?? defaultGenerator;
  const t = Tensor.empty(shapeArg("randint", shape as ShapeLike), dtypeArg("randint", opts, "int32"));
  getKernels().fillRandint(t.storage.data, g, low, high);
  return finish(t, opts);
}

export function randLike(t: Tensor, opts?: RandomOptions): Tensor {
  return rand(t.shape, { dtype: t.dtype, ...opts });
}

export function randnLike(t: Tensor, opts?: RandomOptions): Tensor {
  return randn(t.shape, { dtype: t.dtype, ...opts });
}


/** A random permutation of 0..n-1 (int32 unless a dtype is given). */
export function randperm(n: number, opts?: RandomOptions): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new Error(`randperm: n must be a non-negative integer, got ${n}`);
  const g = opts?.generator ?? defaultGenerator;
  const t = Tensor.empty([n], dtypeArg("randperm", opts, "int32"));
  const d = t.storage.data;
  getKernels().randperm(d, g);
  return finish(t, opts);
}

/**
 * Draws `numSamples` category indices from each row of (unnormalised, non-negative) weights
 * `probs` ([C] or [N, C]); without replacement unless `replacement: true`. int32 result.
 */
export function multinomial(probs: Tensor, numSamples: number, opts: { replacement?: boolean; generator?: Generator } = {}): Tensor {
  if (probs.ndim !== 1 && probs.ndim !== 2) throw new Error(`multinomial: probs must be 1-D or 2-D, got shape [${probs.shape.join(", ")}]`);
  const rows = probs.ndim === 1 ? 1 : probs.shape[0], c = probs.shape[probs.ndim - 1];
  const replacement = opts.replacement ?? false;
  if (!Number.isInteger(numSamples) || numSamples <= 0) throw new Error(`multinomial: numSamples must be a positive integer, got ${numSamples}`);
  if (!replacement && numSamples > c) throw new Error(`multinomial: cannot draw ${numSamples} samples without replacement from ${c} categories`);
  const g = opts.generator ?? defaultGenerator;
  const p = probs.data;
  const out = Tensor.empty(probs.ndim === 1 ? [numSamples] : [rows, numSamples], "int32");
  const problem = getKernels().multinomial(probs.data, rows, c, numSamples, replacement, g, out.storage.data as Int32Array);
  if (problem) throw new Error(`multinomial: ${problem}`);
  return out;
}
