import { afterAll, describe, expect, it } from "vitest";
import { gzipSync } from "node:zlib";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseIdx, readIdx, parseCsv, loadCsv } from "../../../lib/data/index.js";
import { removeTempDirs, tempDir } from "../../temp-dirs.js";

afterAll(removeTempDirs);

// IDX: 0x00 0x00 <type> <rank>, big-endian uint32 dims, big-endian values.
const UBYTE_2x3 = Uint8Array.from([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 250, 251, 252]);

describe("IDX", () => {
  it("parses a uint8 [2, 3] file byte by byte", () => {
    const a = parseIdx(UBYTE_2x3);
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 250, 251, 252]);
  });

  it("inflates gzipped files and reads big-endian int32 and float32", () => {
    expect(Array.from(parseIdx(gzipSync(UBYTE_2x3)).data)).toEqual([1, 2, 3, 250, 251, 252]);
    const i32 = Uint8Array.from([0, 0, 0x0c, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xfe, 0, 0, 1, 0]);
    expect(Array.from(parseIdx(i32).data)).toEqual([-2, 256]);
    const f32 = Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0x3f, 0xc0, 0, 0]); // 1.5
    expect(Array.from(parseIdx(f32).data)).toEqual([1.5]);
  });

  it("rejects bad magic numbers and truncated bodies with the source named", () => {
    expect(() => parseIdx(Uint8Array.from([1, 2, 3, 4]), "x.idx")).toThrow(/x.idx is not an IDX file/);
    expect(() => parseIdx(UBYTE_2x3.subarray(0, 15))).toThrow(/truncated/);
  });

  it("reads Debian's Fashion-MNIST test labels (10,000 labels 0..9)", () => {
    const a = readIdx("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");
    expect(a.shape).toEqual([10000]);
    const counts = new Array(10).fill(0);
    for (const v of a.data) counts[v]++;
    expect(counts).toEqual(new Array(10).fill(1000));
  });
});

describe("CSV", () => {
  it("parses quotes, doubled quotes, embedded newlines and CRLF", () => {
    const t = parseCsv('name,note\r\n"a, b","say ""hi"""\r\nc,"two\nlines"\r\n');
    expect(t.columns).toEqual(["name", "note"]);
    expect(t.rows).toEqual([
      ["a, b", 'say "hi"'],
      ["c", "two\nlines"],
    ]);
  });

  it("detects a numeric first row as data, and checks row widths", () => {
    expect(parseCsv("1,2\n3,4\n").columns).toEqual(["0", "1"]);
    expect(() => parseCsv("a,b\n1\n")).toThrow(/row 2 has 1 fields, the first row has 2/);
  });

  it("loadCsv splits features and label, numbering text labels", () => {
    const dir = tempDir("gradlab-csv-");
    const path = join(dir, "iris.csv");
    writeFileSync(path, "len,wid,species\n5.1,3.5,setosa\n7.0,3.2,versicolor\n5.0,3.0,setosa\n");
    const { x, y, columns } = loadCsv(path, { labelColumn: "species" });
    expect(columns).toEqual(["len", "wid"]);
    expect(x.shape).toEqual([3, 2]);
    expect(Array.from(x.data)).toEqual([5.1, 3.5, 7.0, 3.2, 5.0, 3.0].map(Math.fround));
    expect(y!.dtype).toBe("int32");
    expect(Array.from(y!.data)).toEqual([0, 1, 0]);
    expect(() => loadCsv(path, { labelColumn: "nope" })).toThrow(/has no column "nope"/);
  });
});
