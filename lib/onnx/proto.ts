// ONNX's messages (onnx/onnx.proto, IR version 8), encoded from plain objects. Field numbers
// are the ones onnx.proto assigns.

import { ProtoWriter } from "./protobuf.js";

/** TensorProto.DataType values for the element types gradlab exports. */
export const ElemType = { float32: 1, int32: 6, int64: 7, bool: 9, float64: 11 } as const;
export type ElemTypeName = keyof typeof ElemType;

export type AttrValue = number | string | number[] | { ints: number[] } | { float: number } | { floats: number[] } | { strings: string[] } | InitTensor;

export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attrs: Record<string, AttrValue>;
}

export interface InitTensor {
  name: string;
  dims: number[];
  type: ElemTypeName;
  raw: Uint8Array;
}

export interface ValueInfo {
  name: string;
  type: ElemTypeName;
  /** A number for a fixed size, a string for a named dynamic axis. */
  shape: (number | string)[];
}

export interface OnnxModel {
  nodes: OnnxNode[];
  initializers: InitTensor[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  graphName: string;
  opset: number;
  producer: string;
  producerVersion: string;
}

const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

function tensorProto(t: InitTensor): ProtoWriter {
  const w = new ProtoWriter();
  if (t.dims.length) w.packedInts(1, t.dims);
  w.int(2, ElemType[t.type]);
  w.string(8, t.name);
  w.bytes(9, t.raw);
  return w;
}

function attribute(name: string, v: AttrValue): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if (typeof v === "number") {
    if (!Number.isInteger(v)) throw new Error(`onnx: attribute ${name} = ${v} must be an integer (use { float } for floats)`);
    w.int(3, v).int(20, AttrType.INT);
  } else if (typeof v === "string") w.string(4, v).int(20, AttrType.STRING);
  else if (Array.isArray(v)) w.packedInts(8, v).int(20, AttrType.INTS);
  else if ("ints" in v) w.packedInts(8, v.ints).int(20, AttrType.INTS);
  else if ("float" in v) w.float(2, v.float).int(20, AttrType.FLOAT);
  else if ("floats" in v) w.packedFloats(7, v.floats).int(20, AttrType.FLOATS);
  else if ("strings" in v) {
    for (const str of v.strings) w.string(9, str);
    w.int(20, AttrType.STRINGS);
  }
  else w.message(5, tensorProto(v)).int(20, AttrType.TENSOR);
  return w;
}

function nodeProto(n: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name);
  w.string(4, n.opType);
  for (const [k, v] of Object.entries(n.attrs)) w.message(5, attribute(k, v));
  return w;
}

function valueInfo(v: ValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.shape) shape.message(1, typeof d === "number" ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().int(1, ElemType[v.type]).message(2, shape);
  return new ProtoWriter().string(1, v.name).message(2, new ProtoWriter().message(1, tensorType));
}

export function encodeModel(m: OnnxModel): Uint8Array {
  const graph = new ProtoWriter();
  for (const n of m.nodes) graph.message(1, nodeProto(n));
  graph.string(2, m.graphName);
  for (const t of m.initializers) graph.message(5, tensorProto(t));
  for (const v of m.inputs) graph.message(11, valueInfo(v));
  for (const v of m.outputs) graph.message(12, valueInfo(v));
  const model = new ProtoWriter();
  model.int(1, 8); // ir_version 8 goes with opset 17/18
  model.string(2, m.producer);
  model.string(3, m.producerVersion);
  model.message(7, graph);
  model.message(8, new ProtoWriter().string(1, "").int(2, m.opset));
  return model.finish();
}
