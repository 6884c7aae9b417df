// PyTorch-style text repr: `tensor([[1., 2.],\n        [3., 4.]], requiresGrad=true)`.
// Same rules as torch's _tensor_str: one width for all elements, integer-valued floats print
// as "1.", 4 decimals otherwise, scientific when magnitudes span > 1e3 or leave [1e-4, 1e8];
// more than 1000 elements are summarised to 3 items at each edge with "...".

import type { Tensor } from "./tensor.js";

const THRESHOLD = 1000;
const EDGE = 3;
const LINE_WIDTH = 80;

export interface ReprOptions { threshold?: number; edgeItems?: number; lineWidth?: number }

function sci(v: number): string {
  const [m, e] = v.toExponential(4).split("e");
  const sign = e[0] === "-" ? "-" : "+";
  const digits = e.replace(/^[+-]/, "");
  return `${m}e${sign}${digits.length < 2 ? "0" + digits : digits}`;
}

/** Picks one formatting rule for all the values shown. */
function makeFormatter(t: Tensor, vals: ArrayLike<number>): (v: number) => string {
  if (t.dtype === "bool") return (v) => (v ? "true" : "false");
  if (t.dtype === "int32") return (v) => String(v);
  let intMode = true, maxAbs = 0, minAbs = Infinity, anyFinite = false;
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i];
    if (!Number.isFinite(v)) continue;
    anyFinite = true;
    if (v !== Math.round(v)) intMode = false;
    const a = Math.abs(v);
    if (a > 0) { maxAbs = Math.max(maxAbs, a); minAbs = Math.min(minAbs, a); }
  }
  const special = (v: number) => (Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf");
  if (!anyFinite) return (v) => (Number.isFinite(v) ? v.toFixed(4) : special(v));
  let fmt: (v: number) => string;
  if (intMode) fmt = maxAbs > 1e8 ? sci : (v) => `${v.toFixed(0)}.`;
  else if (minAbs !== Infinity && (maxAbs / minAbs > 1000 || maxAbs > 1e8 || minAbs < 1e-4)) fmt = sci;
  else fmt = (v) => v.toFixed(4);
  return (v) => (Number.isFinite(v) ? fmt(Object.is(v, -0) ? 0 : v) : special(v));
}

/** Indices to show along a dim of `size` (-1 marks the "..." gap). */
function shownIndices(size: number, summarise: boolean, edge: number): number[] {
  if (!summarise || size <= 2 * edge) return Array.from({ length: size }, (_, i) => i);
  return [...Array.from({ length: edge }, (_, i) => i), -1, ...Array.from({ length: edge }, (_, i) => size - edge + i)];
}

export function formatTensor(t: Tensor, opts: ReprOptions = {}): string {
  const threshold = opts.threshold ?? THRESHOLD, edge = opts.edgeItems ?? EDGE, lineWidth = opts.lineWidth ?? LINE_WIDTH;
  const shape = t.shape;
  const data = t.data;
  const strides: number[] = [];
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { strides[i] = acc; acc *= shape[i]; }
  const summarise = t.numel > threshold;
  const suffix: string[] = [];
  if (t.numel === 0 && shape.length !== 1) suffix.push(`size=[${shape.join(", ")}]`);
  else if (summarise) suffix.push(`size=[${shape.join(", ")}]`);
  if (t.dtype !== "float32" && t.dtype !== "bool") suffix.push(`dtype=${t.dtype}`);
  if (t.gradFn) suffix.push(`gradFn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) suffix.push("requiresGrad=true");

  // Collect the shown values first: the width and number style depend on them only.
  const shown: number[] = [];
  const collect = (dim: number, base: number): void => {
    if (dim === shape.length) { shown.push(data[base]); return; }
    for (const i of shownIndices(shape[dim], summarise, edge)) if (i >= 0) collect(dim + 1, base + i * strides[dim]);
  };
  collect(0, 0);
  const fmt = makeFormatter(t, shown);
  // Like torch, non-finite values do not widen the columns (unless nothing else is shown).
  let width = 0;
  const finiteOnly = t.dtype !== "bool" && shown.some((v) => Number.isFinite(v));
  for (const v of shown) if (!finiteOnly || Number.isFinite(v)) width = Math.max(width, fmt(v).length);
  const cell = (v: number) => fmt(v).padStart(width);

  const prefix = "tensor(";
  const render = (dim: number, base: number, indent: number): string => {
    if (dim === shape.length) return cell(data[base]);
    const idx = shownIndices(shape[dim], summarise, edge);
    if (dim === shape.length - 1) {
      const items = idx.map((i) => (i < 0 ? " ..." : cell(data[base + i * strides[dim]])));
      const perLine = Math.max(1, Math.floor((lineWidth - indent) / (width + 2)));
      const lines: string[] = [];
      for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(", "));
      return `[${lines.join(`,\n${" ".repeat(indent + 1)}`)}]`;
    }
    const sep = `,${"\n".repeat(shape.length - dim - 1)}${" ".repeat(indent + 1)}`;
    const parts = idx.map((i) => (i < 0 ? "..." : render(dim + 1, base + i * strides[dim], indent + 1)));
    return `[${parts.join(sep)}]`;
  };
  const body = t.numel === 0 ? "[]" : render(0, 0, prefix.length);
  return `${prefix}${[body, ...suffix].join(", ")})`;
}
