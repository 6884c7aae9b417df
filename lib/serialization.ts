// save/load of state dicts in the safetensors format
// (https://huggingface.co/docs/safetensors, "Format" section), so weights move between gradlab
// and PyTorch/NumPy/Rust tools without conversion:
//
//   bytes 0..8        N, the header length: unsigned 64-bit little-endian integer
//   bytes 8..8+N      UTF-8 JSON object: for each tensor name
//                       { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] }
//                     plus optionally "__metadata__": { string: string };
//                     padded at the end with spaces (0x20) so the data starts 8-byte aligned
//   bytes 8+N..       the byte buffer: each tensor's values row-major, little-endian, at
//                     [begin, end) relative to the buffer's start; no gaps, no overlaps.
//
// gradlab writes F32, F64, I32 and BOOL (its dtypes), and I64 for int32 tensors that are int64
// in PyTorch (BatchNorm's num_batches_tracked, and any tensor that was read as I64), so a file
// PyTorch wrote comes back with its dtypes. It reads those plus F16, BF16 (as float32), I64 (as
// int32, when every value fits), U8/I8/I16/U16 (as int32) so PyTorch checkpoints load too.

import { readFileSync, writeFileSync } from "node:fs";
import { endianness } from "node:os";
import type { DType, TypedArray } from "./dtype.js";
import { Tensor } from "./tensor.js";

const WRITE_CODES: Record<DType, string> = { float32: "F32", float64: "F64", int32: "I32", bool: "BOOL" };

/** Storages whose int32 values are int64 on disk (PyTorch's dtype for them). */
const int64OnDisk = new WeakSet<object>();

/**
 * Marks an int32 tensor's storage as int64 on disk: `save` writes it as I64 (as PyTorch
 * stores integer buffers such as BatchNorm's `num_batches_tracked`). Tensors read from I64
 * are marked already.
 */
export function markInt64OnDisk(t: Tensor): Tensor {
  if (t.dtype !== "int32") throw new Error(`markInt64OnDisk: expected an int32 tensor, got ${t.dtype}`);
  int64OnDisk.add(t.storage);
  return t;
}

function encode(t: Tensor): { code: string; bytes: Uint8Array } {
  const data = t.data as TypedArray;
  if (t.dtype === "int32" && int64OnDisk.has(t.storage)) {
    const wide = new BigInt64Array(data.length);
    for (let i = 0; i < data.length; i++) wide[i] = BigInt(data[i]);
    return { code: "I64", bytes: new Uint8Array(wide.buffer) };
  }
  return { code: WRITE_CODES[t.dtype], bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

const READ_CODES: Record<string, { bytes: number; dtype: DType }> = {
  F64: { bytes: 8, dtype: "float64" },
  F32: { bytes: 4, dtype: "float32" },
  F16: { bytes: 2, dtype: "float32" },
  BF16: { bytes: 2, dtype: "float32" },
  I64: { bytes: 8, dtype: "int32" },
  I32: { bytes: 4, dtype: "int32" },
  I16: { bytes: 2, dtype: "int32" },
  U16: { bytes: 2, dtype: "int32" },
  I8: { bytes: 1, dtype: "int32" },
  U8: { bytes: 1, dtype: "int32" },
  BOOL: { bytes: 1, dtype: "bool" },
};

const MAX_HEADER = 100_000_000;

if (endianness() !== "LE") {
  // Typed arrays use the platform's byte order; the format is little-endian.
  throw new Error("serialization: safetensors I/O needs a little-endian platform");
}

export interface SafetensorsContents {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/** Encodes named tensors (e.g. `model.stateDict()`) as safetensors bytes. */
export function serialize(stateDict: Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") throw new Error(`save: metadata value for ${JSON.stringify(k)} must be a string`);
    }
    header.__metadata__ = metadata;
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(stateDict)) {
    if (!(t instanceof Tensor)) throw new Error(`save: ${JSON.stringify(name)} is not a tensor`);
    if (name === "__metadata__") throw new Error('save: "__metadata__" is reserved and cannot name a tensor');
    const { code, bytes } = encode(t);
    header[name] = { dtype: code, shape: [...t.shape], data_offsets: [offset, offset + bytes.byteLength] };
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  const pad = (8 - ((Buffer.byteLength(json, "utf8") + 8) % 8)) % 8;
  json += " ".repeat(pad);
  const headerBytes = Buffer.from(json, "utf8");
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.byteLength;
  }
  return out;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function decode(code: string, src: Uint8Array, n: number, name: string): TypedArray {
  // Copy into a fresh, aligned buffer: the tensor then owns its storage. (Not src.slice():
  // on a Node Buffer that is a view into the file's pooled memory.)
  const aligned = new Uint8Array(src);
  const view = new DataView(aligned.buffer);
  switch (code) {
    case "F64":
      return new Float64Array(aligned.buffer, 0, n);
    case "F32":
      return new Float32Array(aligned.buffer, 0, n);
    case "I32":
      return new Int32Array(aligned.buffer, 0, n);
    case "BOOL":
      return new Uint8Array(aligned.buffer, 0, n).map((v) => (v ? 1 : 0));
    case "F16": {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      return out;
    }
    case "BF16": {
      const out = new Float32Array(n);
      const u32 = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) u32[i] = view.getUint16(2 * i, true) << 16;
      return out;
    }
    case "I64": {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = view.getBigInt64(8 * i, true);
        if (v > 2147483647n || v < -2147483648n) {
          throw new Error(`load: tensor ${JSON.stringify(name)} is I64 with value ${v}, which does not fit in int32`);
        }
        out[i] = Number(v);
      }
      return out;
    }
    case "I16":
      return Int32Array.from(new Int16Array(aligned.buffer, 0, n));
    case "U16":
      return Int32Array.from(new Uint16Array(aligned.buffer, 0, n));
    case "I8":
      return Int32Array.from(new Int8Array(aligned.buffer, 0, n));
    case "U8":
      return Int32Array.from(new Uint8Array(aligned.buffer, 0, n));
  }
  throw new Error(`load: tensor ${JSON.stringify(name)} has unsupported dtype ${code}`);
}

/** Decodes safetensors bytes, checking the header against the format's rules. */
export function deserialize(bytes: Uint8Array, source = "input"): SafetensorsContents {
  if (bytes.byteLength < 8) throw new Error(`load: ${source} is too short to be a safetensors file`);
  const zip = bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
  const pickle = bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5;
  if (zip || pickle) {
    throw new Error(`load: ${source} is a torch.save file (${zip ? "zip" : "pickle"}), not safetensors; in Python write the weights with safetensors.torch.save_file(model.state_dict(), "model.safetensors") and load that`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  if (n > MAX_HEADER || 8 + n > bytes.byteLength) {
    throw new Error(`load: ${source} has a header length of ${n} bytes, larger than the file (${bytes.byteLength} bytes)`);
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + 8, n).toString("utf8");
  if (!text.startsWith("{")) throw new Error(`load: ${source} header is not a JSON object`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`load: ${source} header is not valid JSON: ${(e as Error).message}`);
  }
  const buffer = bytes.subarray(8 + n);
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const tensors: Record<string, Tensor> = {};
  const spans: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const { dtype, shape, data_offsets } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const info = READ_CODES[dtype];
    if (!info) throw new Error(`load: tensor ${JSON.stringify(name)} has unsupported dtype ${dtype}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new Error(`load: tensor ${JSON.stringify(name)} has an invalid shape ${JSON.stringify(shape)}`);
    }
    const [begin, end] = data_offsets;
    const count = shape.reduce((a, b) => a * b, 1);
    if (!(begin >= 0 && end >= begin && end <= buffer.byteLength) || end - begin !== count * info.bytes) {
      throw new Error(
        `load: tensor ${JSON.stringify(name)} of dtype ${dtype} and shape [${shape.join(", ")}] has data_offsets [${begin}, ${end}], which do not match its size or the buffer (${buffer.byteLength} bytes)`,
      );
    }
    spans.push([begin, end, name]);
    tensors[name] = Tensor.fromArray(decode(dtype, buffer.subarray(begin, end), count, name), shape, info.dtype);
    if (dtype === "I64") int64OnDisk.add(tensors[name].storage);
  }
  spans.sort((a, b) => a[0] - b[0]);
  let expected = 0;
  for (const [begin, end, name] of spans) {
    if (begin !== expected) {
      throw new Error(`load: ${source} byte buffer has a gap or overlap before tensor ${JSON.stringify(name)} (offset ${begin}, expected ${expected})`);
    }
    expected = end;
  }
  if (expected !== buffer.byteLength) {
    throw new Error(`load: ${source} has ${buffer.byteLength - expected} bytes after the last tensor`);
  }
  return { tensors, metadata };
}

/** Writes named tensors to `path` as a safetensors file. */
export function saveTensors(stateDict: Record<string, Tensor>, path: string, metadata: Record<string, string> = {}): void {
  writeFileSync(path, serialize(stateDict, metadata));
}

/** Reads a safetensors file, returning its tensors and its `__metadata__` strings. */
export function loadWithMetadata(path: string): SafetensorsContents {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`load: cannot read ${path}: ${(e as Error).message}`);
  }
  return deserialize(bytes, path);
}
