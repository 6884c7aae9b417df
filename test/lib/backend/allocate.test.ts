// allocate (zero-filled) and allocateUninit (for outputs a kernel overwrites): the right
// array type and length, each large unfilled array on its own ArrayBuffer.
import { describe, expect, test } from "vitest";
import { allocate, allocateUninit } from "../../../lib/backend/index.js";

describe("allocate / allocateUninit", () => {
  test("allocate is zero-filled", () => {
    for (const dt of ["float32", "float64", "int32", "bool"] as const) expect(allocate(dt, 5000).every((v) => v === 0)).toBe(true);
  });

  test("allocateUninit gives the dtype's array of n elements on its own buffer", () => {
    const kinds = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array } as const;
    for (const [dt, Kind] of Object.entries(kinds) as [keyof typeof kinds, typeof kinds[keyof typeof kinds]][]) {
      for (const n of [0, 3, 1023, 4096, 100_003]) {
        const a = allocateUninit(dt, n);
        expect(a).toBeInstanceOf(Kind);
        expect(a.length).toBe(n);
        expect(a.byteOffset).toBe(0);
        expect(a.buffer.byteLength).toBe(a.byteLength);
      }
    }
    const a = allocateUninit("float32", 1 << 16), b = allocateUninit("float32", 1 << 16);
    a.fill(1);
    b.fill(2);
    expect(a.every((v) => v === 1)).toBe(true);
  });
});
