import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

/** Element types of the IDX format (third byte of the magic number). */
const IDX_TYPES: Record<number, { name: string; bytes: number }> = {
  0x08: { name: "uint8", bytes: 1 },
  0x09: { name: "int8", bytes: 1 },
  0x0b: { name: "int16", bytes: 2 },
  0x0c: { name: "int32", bytes: 4 },
  0x0d: { name: "float32", bytes: 4 },
  0x0e: { name: "float64", bytes: 8 },
};

export interface IdxArray {
  shape: number[];
  /** Values in row-major order: Uint8Array for uint8 files, else Int8/Int16/Int32/Float32/Float64Array. */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/**
 * Parses an IDX file (the MNIST format: two zero bytes, a type byte, a rank byte, then
 * big-endian uint32 dimensions and big-endian values). Gzipped input is detected by its
 * magic bytes and inflated first.
 */
export function parseIdx(bytes: Uint8Array, source = "input"): IdxArray {
  let buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0) {
    throw new Error(`parseIdx: ${source} is not an IDX file (bad magic number)`);
  }
  const type = IDX_TYPES[buf[2]];
  if (!type) throw new Error(`parseIdx: ${source} has unknown element type 0x${buf[2].toString(16)}`);
  const rank = buf[3];
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(buf.readUInt32BE(4 + 4 * i));
  const n = shape.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * rank;
  if (buf.length < start + n * type.bytes) {
    throw new Error(`parseIdx: ${source} is truncated: header says [${shape.join(", ")}] (${n} values) but only ${buf.length - start} bytes follow`);
  }
  let data: IdxArray["data"];
  switch (type.name) {
    case "uint8":
      data = new Uint8Array(buf.subarray(start, start + n));
      break;
    case "int8":
      data = new Int8Array(buf.subarray(start, start + n));
      break;
    default: {
      const view = new DataView(buf.buffer, buf.byteOffset + start, n * type.bytes);
      if (type.name === "int16") {
        data = new Int16Array(n);
        for (let i = 0; i < n; i++) data[i] = view.getInt16(2 * i);
      } else if (type.name === "int32") {
        data = new Int32Array(n);
        for (let i = 0; i < n; i++) data[i] = view.getInt32(4 * i);
      } else if (type.name === "float32") {
        data = new Float32Array(n);
        for (let i = 0; i < n; i++) data[i] = view.getFloat32(4 * i);
      } else {
        data = new Float64Array(n);
        for (let i = 0; i < n; i++) data[i] = view.getFloat64(8 * i);
      }
    }
  }
  return { shape, data };
}

/** Reads an IDX file (gzipped or not) from a local path. */
export function readIdx(path: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`readIdx: cannot read ${path}: ${(e as Error).message}`);
  }
  return parseIdx(bytes, path);
}
