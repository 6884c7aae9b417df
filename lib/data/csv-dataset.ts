import { Tensor } from "../tensor.js";
import type { DType } from "../dtype.js";
import { readCsv, csvToNumbers, type CsvOptions } from "./csv.js";

export interface LoadCsvOptions extends CsvOptions {
  /** Column (name or index) holding the target; it is returned as `y` and left out of `x`. */
  labelColumn?: string | number;
  /** Feature columns (names or indices); default every column except the label. */
  columns?: (string | number)[];
  /** dtype of `x` (default float32). */
  dtype?: "float32" | "float64";
}

export interface CsvData {
  /** Names of x's columns, in order. */
  columns: string[];
  x: Tensor;
  /** The label column: int32 when every value is an integer, else float32. */
  y?: Tensor;
}

/** Reads a numeric CSV file (gzipped or not) into tensors: `const { x, y } = loadCsv(path, { labelColumn: "species" })`. */
export function loadCsv(path: string, options: LoadCsvOptions = {}): CsvData {
  const table = readCsv(path, options);
  const col = (c: string | number) => {
    const j = typeof c === "number" ? c : table.columns.indexOf(c);
    if (j < 0 || j >= table.columns.length) throw new Error(`loadCsv: ${path} has no column ${JSON.stringify(c)} (columns: ${table.columns.join(", ")})`);
    return j;
  };
  const labelIdx = options.labelColumn === undefined ? -1 : col(options.labelColumn);
  const featIdx = options.columns ? options.columns.map(col) : table.columns.map((_, j) => j).filter((j) => j !== labelIdx);
  const feats = csvToNumbers(table, featIdx);
  const dtype: DType = options.dtype ?? "float32";
  const x = Tensor.fromArray(dtype === "float64" ? feats.data : Float32Array.from(feats.data), [feats.rows, feats.cols], dtype);
  const out: CsvData = { columns: featIdx.map((j) => table.columns[j]), x };
  if (labelIdx >= 0) {
    let vals: Float64Array;
    try {
      vals = csvToNumbers(table, [labelIdx]).data;
    } catch {
      // Text labels: number the distinct values in order of first appearance.
      const names = new Map<string, number>();
      vals = Float64Array.from(table.rows, (r) => {
        const k = r[labelIdx];
        if (!names.has(k)) names.set(k, names.size);
        return names.get(k)!;
      });
    }
    const ints = vals.every(Number.isInteger);
    out.y = Tensor.fromArray(ints ? Int32Array.from(vals) : Float32Array.from(vals), [vals.length], ints ? "int32" : "float32");
  }
  return out;
}
