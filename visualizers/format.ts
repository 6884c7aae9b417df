// Number, shape and value formatting shared by text and HTML views.

export function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/** Short human form: 4 significant digits, exponent outside [1e-3, 1e5). */
export function fmt(x: number, digits = 4): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (Number.isInteger(x) && a < 1e6) return String(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(Math.max(0, digits - 2)).replace("e+", "e");
  return String(Number(x.toPrecision(digits)));
}

/** 1234567 → "1,234,567". */
export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

export function fmtDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = String(m).padStart(2, "0");
  const ss = String(sec).padStart(2, "0");
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/**
 * PyTorch-style nested value listing, summarised with "..." past `threshold` elements
 * (first/last `edgeItems` along each dimension), values in a common fixed format.
 */
export function formatValues(
  shape: readonly number[],
  data: ArrayLike<number>,
  dtype = "float32",
  { edgeItems = 3, threshold = 1000 } = {},
): string {
  const numel = shape.reduce((a, b) => a * b, 1);
  const summarise = numel > threshold;
  const isInt = dtype === "int32" || dtype === "bool";
  const shown: number[] = [];
  // Pick a format from the values that will be shown, like PyTorch does.
  const visit = (dim: number, offset: number, stride: number[], f: (i: number) => void) => {
    if (dim === shape.length) return f(offset);
    const n = shape[dim]!;
    const idx = summarise && n > 2 * edgeItems ? [...range(0, edgeItems), ...range(n - edgeItems, n)] : range(0, n);
    for (const i of idx) visit(dim + 1, offset + i * stride[dim]!, stride, f);
  };
  const strides = contiguousStrides(shape);
  visit(0, 0, strides, (i) => shown.push(data[i]!));
  const finite = shown.filter((v) => Number.isFinite(v));
  const maxAbs = finite.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const minAbs = finite.filter((v) => v !== 0).reduce((m, v) => Math.min(m, Math.abs(v)), Infinity);
  const sci = !isInt && (maxAbs >= 1e8 || (minAbs < 1e-4 && minAbs !== Infinity) || maxAbs / minAbs > 1e7);
  const allInts = !isInt && finite.every((v) => Number.isInteger(v));
  const one = (v: number): string => {
    if (dtype === "bool") return v ? "true" : "false";
    if (Number.isNaN(v)) return "nan";
    if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
    if (isInt) return String(v);
    if (sci) return v.toExponential(4);
    if (allInts) return `${v}.`;
    return v.toFixed(4);
  };
  const width = Math.max(1, ...shown.map((v) => one(v).length));
  const pad = (s: string) => s.padStart(width);
  const rec = (dim: number, offset: number, indent: number): string => {
    if (shape.length === 0) return one(data[0]!);
    const n = shape[dim]!;
    const cut = summarise && n > 2 * edgeItems;
    const idx = cut ? [...range(0, edgeItems), -1, ...range(n - edgeItems, n)] : range(0, n);
    if (dim === shape.length - 1) {
      return `[${idx.map((i) => (i < 0 ? "..." : pad(one(data[offset + i * strides[dim]!]!)))).join(", ")}]`;
    }
    const sep = `,${"\n".repeat(shape.length - dim - 1)}${" ".repeat(indent + 1)}`;
    return `[${idx.map((i) => (i < 0 ? "..." : rec(dim + 1, offset + i * strides[dim]!, indent + 1))).join(sep)}]`;
  };
  return `tensor(${rec(0, 0, 7)})`;
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = a; i < b; i++) out.push(i);
  return out;
}
