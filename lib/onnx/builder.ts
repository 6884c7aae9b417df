// The ONNX graph as it is built: nodes in order, initializers (weights and constants), and
// which ONNX value holds each traced tensor.

import type { DType } from "../dtype.js";
import { Tensor } from "../tensor.js";
import { type AttrValue, ElemType, type ElemTypeName, type InitTensor, type OnnxNode } from "./proto.js";

export class GraphBuilder {
  constructor(readonly opset: number) {}
  readonly nodes: OnnxNode[] = [];
  readonly initializers: InitTensor[] = [];
  /** Traced tensors → the ONNX value computing them (graph inputs and node outputs). */
  readonly values = new Map<Tensor, string>();
  private constants = new Map<Tensor, string>();
  private used = new Set<string>();

  /** A name not used yet, from `base`. */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Appends a node; returns its output names. */
  node(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputs = 1, base = opType): string[] {
    const outs = Array.from({ length: outputs }, (_, i) => this.fresh(`${base}${outputs > 1 ? `_out${i}` : ""}`));
    this.nodes.push({ opType, inputs, outputs: outs, name: this.fresh(`${base}_node`), attrs });
    return outs;
  }

  /** A single-output node. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, base = opType): string {
    return this.node(opType, inputs, attrs, 1, base)[0];
  }

  /** The value for `t`: its traced value, or an initializer holding its current values. */
  valueOf(t: Tensor, hint = "const"): string {
    const v = this.values.get(t);
    if (v !== undefined) return v;
    let c = this.constants.get(t);
    if (c === undefined) {
      c = this.init(hint, t.dtype, [...t.shape], t.data);
      this.constants.set(t, c);
    }
    return c;
  }

  /** An initializer from values. */
  init(hint: string, dtype: DType | "int64", dims: number[], data: ArrayLike<number>): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, dims, type: dtype, raw: rawBytes(dtype, data) });
    return name;
  }

  /** A 1-D int64 constant (shapes, axes, starts...). */
  ints(values: readonly number[], hint = "ints"): string {
    return this.init(hint, "int64", [values.length], values);
  }

  /** A 0-d constant of `dtype`. */
  scalar(v: number, dtype: DType, hint = "scalar"): string {
    return this.init(hint, dtype, [], [v]);
  }

  /** ReduceMean over `axes`: an attribute up to opset 17, an input from opset 18. */
  reduceMean(x: string, axes: number[], keepdims: boolean): string {
    const keep = keepdims ? 1 : 0;
    return this.opset >= 18 ? this.op("ReduceMean", [x, this.ints(axes, "axes")], { keepdims: keep }) : this.op("ReduceMean", [x], { axes, keepdims: keep });
  }

  /** `v` (of dtype `from`) as `to`, adding a Cast only when they differ. */
  cast(v: string, from: DType, to: DType): string {
    return from === to ? v : this.op("Cast", [v], { to: elemTypeCode(to) });
  }
}

export function elemTypeCode(d: ElemTypeName): number {
  return ElemType[d];
}

function rawBytes(dtype: DType | "int64", data: ArrayLike<number>): Uint8Array {
  const n = data.length;
  let arr: ArrayBufferView;
  switch (dtype) {
    case "float32": arr = Float32Array.from(data); break;
    case "float64": arr = Float64Array.from(data); break;
    case "int32": arr = Int32Array.from(data); break;
    case "bool": arr = Uint8Array.from(data, (v) => (v ? 1 : 0)); break;
    case "int64": {
      const w = new BigInt64Array(n);
      for (let i = 0; i < n; i++) w[i] = BigInt(Math.trunc(data[i]));
      arr = w;
      break;
    }
  }
  return new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
}

export function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}

/** A model the exporter cannot write; the message names the op or layer. */
export class ExportError extends Error {}
