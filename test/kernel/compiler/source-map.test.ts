// mapStackTrace: frames of generated cells map back to the cell; long user text stays fast.
import { describe, expect, it } from "vitest";
import { decodeMappings, encodeMappings, mapStackTrace, shiftFirstLine, SourceMapper } from "../../../kernel/compiler/source-map.js";

// "AACA": generated line 1, column 0 comes from source line 2 (0-based 1), column 0.
const mappers = new Map([["/nb/cell-1.js", new SourceMapper("AACA")]]);

describe("mapStackTrace", () => {
  it("maps frame locations of known files, leaves others and the message alone", () => {
    const stack = "Error: boom at /nb/cell-1.js:1:5\n    at f (/nb/cell-1.js:1:5)\n    at /nb/cell-1.js:1:7\n    at g (/other.js:1:5)";
    expect(mapStackTrace(stack, mappers)).toBe("Error: boom at /nb/cell-1.js:1:5\n    at f (/nb/cell-1.js:2:5)\n    at /nb/cell-1.js:2:7\n    at g (/other.js:1:5)");
  });

  it("drops frames of a known file at an unmapped position", () => {
    expect(mapStackTrace("Error: e\n    at /nb/cell-1.js:3:1\n    at h (/other.js:2:2)", mappers)).toBe("Error: e\n    at h (/other.js:2:2)");
  });

  it("a 5 MB token in the message or a frame does not make it quadratic", () => {
    // A token with no location is the slow case of an unbounded `[^\s()]+:…` (retried at each
    // of its positions: hours for 5 MB); one ending in ":1:1" matches at once.
    const long = "x".repeat(5_000_000);
    const stack = `Error: ${long}:1:1 ${long}:1:\n    at ${long}:1:1\n    at ${long}\n    at f (/nb/cell-1.js:1:3)`;
    const mapped = mapStackTrace(stack, mappers);
    expect(mapped.endsWith("    at f (/nb/cell-1.js:2:3)")).toBe(true);
    expect(mapped.length).toBe(stack.length);
  });
});

describe("encodeMappings / shiftFirstLine", () => {
  it("encoding inverts decoding", () => {
    for (const m of ["AAAA,IAAI;AACJ,SAAS", ";AAAA,OAAA,iBAAA,6CAA4C,QAA5C;;", "AAAA;;AAEA,EAAE"]) {
      expect(decodeMappings(encodeMappings(decodeMappings(m)))).toEqual(decodeMappings(m));
    }
  });

  it("moves first-line positions back by the text added in front; a segment starting inside it starts later", () => {
    // Generated line 0: col 0 → cell (0,0) [the added "("], col 4 → cell (0,4); line 1 untouched.
    const shifted = decodeMappings(shiftFirstLine("AAAA,IAAI;AACJ,SAAS", -1));
    expect(shifted).toEqual([[[1, 0, 0], [4, 0, 3]], [[0, 1, 0], [9, 1, 9]]]);
  });
});
