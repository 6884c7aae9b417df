import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

export interface CsvOptions {
  /** Field separator (default ","). */
  delimiter?: string;
  /** Whether the first row holds column names (default: detected — true when any field of the first row is not a number). */
  header?: boolean;
}

export interface CsvTable {
  columns: string[];
  /** Rows of fields as strings (quotes removed). */
  rows: string[][];
}

/**
 * Parses CSV text (RFC 4180: fields may be quoted with ", a doubled "" is a quote inside a
 * quoted field, quoted fields may span lines). Blank lines are skipped.
 */
export function parseCsv(text: string, options: CsvOptions = {}): CsvTable {
  const delim = options.delimiter ?? ",";
  if (delim.length !== 1) throw new Error(`parseCsv: delimiter must be one character, got ${JSON.stringify(delim)}`);
  const records: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = 0;
  const endRow = () => {
    row.push(field);
    field = "";
    if (!(row.length === 1 && row[0] === "")) records.push(row);
    row = [];
  };
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === "") quoted = true;
    else if (c === delim) {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      endRow();
      if (c === "\r" && text[i + 1] === "\n") i++;
    } else field += c;
    i++;
  }
  if (quoted) throw new Error("parseCsv: unterminated quoted field");
  if (field !== "" || row.length > 0) endRow();
  if (records.length === 0) return { columns: [], rows: [] };
  const header = options.header ?? records[0].some((f) => f.trim() === "" || Number.isNaN(Number(f)));
  const width = records[0].length;
  records.forEach((r, k) => {
    if (r.length !== width) {
      throw new Error(`parseCsv: row ${k + 1} has ${r.length} fields, the first row has ${width}`);
    }
  });
  const columns = header ? records[0] : records[0].map((_, j) => String(j));
  return { columns, rows: header ? records.slice(1) : records };
}

/** Reads a CSV file (gzipped if its name ends in .gz or it starts with gzip's magic bytes). */
export function readCsv(path: string, options: CsvOptions = {}): CsvTable {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new Error(`readCsv: cannot read ${path}: ${(e as Error).message}`);
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  return parseCsv(buf.toString("utf8"), options);
}

/** Converts the given columns (all by default) of a table to a row-major Float64Array. */
export function csvToNumbers(table: CsvTable, columns?: (string | number)[]): { data: Float64Array; rows: number; cols: number } {
  const idx = (columns ?? table.columns.map((_, j) => j)).map((c) => {
    const j = typeof c === "number" ? c : table.columns.indexOf(c);
    if (j < 0 || j >= table.columns.length) throw new Error(`csvToNumbers: no column ${JSON.stringify(c)}`);
    return j;
  });
  const data = new Float64Array(table.rows.length * idx.length);
  table.rows.forEach((r, i) => {
    idx.forEach((j, k) => {
      const f = r[j].trim();
      const v = f === "" ? NaN : Number(f);
      if (Number.isNaN(v) && f !== "" && f.toLowerCase() !== "nan") {
        throw new Error(`csvToNumbers: row ${i + 1}, column ${JSON.stringify(table.columns[j])}: ${JSON.stringify(r[j])} is not a number`);
      }
      data[i * idx.length + k] = v;
    });
  });
  return { data, rows: table.rows.length, cols: idx.length };
}
