import { afterAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { nn, tensor, save, load, loadWithMetadata, serialize, deserialize } from "../../../lib/index.js";
import { removeTempDirs, tempDir } from "../../temp-dirs.js";

const tmp = () => tempDir("gradlab-st-");
afterAll(removeTempDirs);

/** Builds a safetensors file by hand from a header object and raw data bytes. */
function handmade(header: object, body: number[]): Uint8Array {
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

describe("safetensors layout", () => {
  it("writes u64-LE header length, a JSON header padded to 8 bytes, then little-endian data", () => {
    const bytes = serialize({ w: tensor([1.5, -2]), n: tensor([7], { dtype: "int32" }) }, { format: "pt" });
    const dv = new DataView(bytes.buffer, bytes.byteOffset);
    const n = Number(dv.getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const text = Buffer.from(bytes.subarray(8, 8 + n)).toString("utf8");
    expect(text.trimEnd()).toBe(
      '{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"n":{"dtype":"I32","shape":[1],"data_offsets":[8,12]}}',
    );
    expect(text.slice(text.trimEnd().length)).toMatch(/^ *$/);
    const data = bytes.subarray(8 + n);
    expect(data.length).toBe(12);
    const expected = new DataView(new ArrayBuffer(12));
    expected.setFloat32(0, 1.5, true);
    expected.setFloat32(4, -2, true);
    expected.setInt32(8, 7, true);
    expect(Array.from(data)).toEqual(Array.from(new Uint8Array(expected.buffer)));
  });

  it("reads F16, BF16, I64 and U8 as written by other tools", () => {
    // F16 1.0 = 0x3C00, −2 = 0xC000; BF16 1.5 = 0x3FC0; I64 5 and −3; U8 200
    const file = handmade(
      {
        h: { dtype: "F16", shape: [2], data_offsets: [0, 4] },
        b: { dtype: "BF16", shape: [1], data_offsets: [4, 6] },
        i: { dtype: "I64", shape: [2], data_offsets: [6, 22] },
        u: { dtype: "U8", shape: [1], data_offsets: [22, 23] },
      },
      [0x00, 0x3c, 0x00, 0xc0, 0xc0, 0x3f, 5, 0, 0, 0, 0, 0, 0, 0, 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 200],
    );
    const { tensors } = deserialize(file);
    expect(tensors.h.toArray()).toEqual([1, -2]);
    expect(tensors.b.toArray()).toEqual([1.5]);
    expect(tensors.i.dtype).toBe("int32");
    expect(tensors.i.toArray()).toEqual([5, -3]);
    expect(tensors.u.toArray()).toEqual([200]);
  });

  it("rejects inconsistent offsets, gaps and truncated files", () => {
    expect(() => deserialize(handmade({ a: { dtype: "F32", shape: [2], data_offsets: [0, 4] } }, [0, 0, 0, 0]))).toThrow(/do not match its size/);
    expect(() =>
      deserialize(
        handmade(
          { a: { dtype: "U8", shape: [1], data_offsets: [0, 1] }, b: { dtype: "U8", shape: [1], data_offsets: [2, 3] } },
          [1, 2, 3],
        ),
      ),
    ).toThrow(/gap or overlap/);
    expect(() => deserialize(new Uint8Array([255, 0, 0, 0, 0, 0, 0, 0, 123]))).toThrow(/larger than the file/);
  });
});

describe("save / load", () => {
  it("round-trips every dtype and shape, with metadata", () => {
    const path = join(tmp(), "t.safetensors");
    const sd = {
      f32: tensor([[1, 2, 3], [4, 5, 6]]),
      f64: tensor([Math.PI, -1e-300], { dtype: "float64" }),
      i32: tensor([-5, 2147483647], { dtype: "int32" }),
      b: tensor([true, false, true], { dtype: "bool" }),
      scalar: tensor(3),
      empty: tensor([]),
    };
    save(sd, path, { metadata: { epoch: "3" } });
    const back = loadWithMetadata(path);
    expect(back.metadata).toEqual({ epoch: "3" });
    expect(Object.keys(back.tensors)).toEqual(Object.keys(sd));
    for (const [k, t] of Object.entries(sd)) {
      expect(back.tensors[k].dtype).toBe(t.dtype);
      expect(back.tensors[k].shape).toEqual(t.shape);
      expect(back.tensors[k].toArray()).toEqual(t.toArray());
    }
    expect(readFileSync(path).length).toBe(8 + Number(readFileSync(path).readBigUInt64LE(0)) + 6 * 4 + 2 * 8 + 2 * 4 + 3 + 4);
  });

  it("saves a model's state dict and loads it into a fresh model", () => {
    const path = join(tmp(), "model.safetensors");
    const make = () => new nn.Sequential(new nn.Linear(4, 8), new nn.BatchNorm1d(8), new nn.ReLU(), new nn.Linear(8, 2));
    const a = make();
    save(a.stateDict(), path);
    const b = make();
    b.loadStateDict(load(path));
    for (const [k, t] of Object.entries(a.stateDict())) expect(b.stateDict()[k].toArray()).toEqual(t.toArray());
    expect(() => load(join(tmp(), "missing.safetensors"))).toThrow(/load: cannot read/);
  });
});
