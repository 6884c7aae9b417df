// A 2-D loss surface as contour lines with optimizer paths on top (the optimizer tutorial's
// picture). Contours come from marching squares over a grid of f(x, y).
import { Figure } from "./bundle.js";
import { fmt } from "./format.js";
import { isTensorLike, type TensorLike } from "./types.js";
import { VEGALITE_SCHEMA } from "./vega.js";

export type Path2D = readonly (readonly [number, number])[] | TensorLike;

export interface LossSurfaceOptions {
  x?: readonly [number, number];
  y?: readonly [number, number];
  /** Grid points per axis (default 80). */
  n?: number;
  /** Number of contour levels (default 14). */
  levels?: number;
  /** Geometric instead of linear level spacing (default: automatic when values span > 2 decades). */
  logLevels?: boolean;
  /** Optimizer trajectories by name: arrays of [x, y] or tensors shaped [T, 2]. */
  paths?: Record<string, Path2D>;
  title?: string;
  width?: number;
  height?: number;
}

export interface Segment {
  level: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/**
 * Marching squares: line segments where the grid (values[j * nx + i] at xs[i], ys[j]) crosses
 * `level`; saddles are resolved by the cell-centre average.
 */
export function contourSegments(values: ArrayLike<number>, xs: readonly number[], ys: readonly number[], level: number): Segment[] {
  const nx = xs.length, ny = ys.length;
  const out: Segment[] = [];
  const v = (i: number, j: number) => values[j * nx + i]!;
  for (let j = 0; j + 1 < ny; j++) {
    for (let i = 0; i + 1 < nx; i++) {
      const c = [v(i, j), v(i + 1, j), v(i + 1, j + 1), v(i, j + 1)];
      if (c.some((z) => !Number.isFinite(z))) continue;
      const idx = (c[0]! >= level ? 1 : 0) | (c[1]! >= level ? 2 : 0) | (c[2]! >= level ? 4 : 0) | (c[3]! >= level ? 8 : 0);
      if (idx === 0 || idx === 15) continue;
      const px = [xs[i]!, xs[i + 1]!, xs[i + 1]!, xs[i]!], py = [ys[j]!, ys[j]!, ys[j + 1]!, ys[j + 1]!];
      // edge e runs from corner e to corner (e + 1) % 4
      const at = (e: number): [number, number] => {
        const a = e, b = (e + 1) % 4;
        const t = (level - c[a]!) / (c[b]! - c[a]!);
        return [px[a]! + t * (px[b]! - px[a]!), py[a]! + t * (py[b]! - py[a]!)];
      };
      const centreHigh = (c[0]! + c[1]! + c[2]! + c[3]!) / 4 >= level;
      const TABLE: Record<number, [number, number][]> = {
        1: [[3, 0]], 2: [[0, 1]], 3: [[3, 1]], 4: [[1, 2]], 6: [[0, 2]], 7: [[3, 2]], 8: [[2, 3]],
        9: [[0, 2]], 11: [[1, 2]], 12: [[1, 3]], 13: [[0, 1]], 14: [[3, 0]],
        5: centreHigh ? [[0, 1], [2, 3]] : [[3, 0], [1, 2]],
        10: centreHigh ? [[3, 0], [1, 2]] : [[0, 1], [2, 3]],
      };
      for (const [e1, e2] of TABLE[idx]!) {
        const [x1, y1] = at(e1), [x2, y2] = at(e2);
        out.push({ level, x1, y1, x2, y2 });
      }
    }
  }
  return out;
}

function pathPoints(p: Path2D, name: string): [number, number][] {
  if (isTensorLike(p)) {
    if (p.shape.length !== 2 || p.shape[1] !== 2) throw new Error(`lossSurface: path "${name}" must be shaped [T, 2], got [${p.shape.join(", ")}]`);
    return Array.from({ length: p.shape[0]! }, (_, i) => [Number(p.data[2 * i]), Number(p.data[2 * i + 1])]);
  }
  return p.map((q) => [Number(q[0]), Number(q[1])]);
}

export function lossSurface(f: (x: number, y: number) => number, opts: LossSurfaceOptions = {}): Figure {
  const paths = Object.entries(opts.paths ?? {}).map(([k, p]) => [k, pathPoints(p, k)] as const);
  const pts = paths.flatMap(([, p]) => p).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  const auto = (k: 0 | 1): [number, number] => {
    if (!pts.length) return [-2, 2];
    const lo = Math.min(...pts.map((p) => p[k])), hi = Math.max(...pts.map((p) => p[k]));
    const pad = Math.max((hi - lo) * 0.15, 0.5);
    return [lo - pad, hi + pad];
  };
  const [x0, x1] = opts.x ?? auto(0), [y0, y1] = opts.y ?? auto(1);
  const n = opts.n ?? 80;
  const xs = Array.from({ length: n }, (_, i) => x0 + ((x1 - x0) * i) / (n - 1));
  const ys = Array.from({ length: n }, (_, j) => y0 + ((y1 - y0) * j) / (n - 1));
  const grid = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) grid[j * n + i] = f(xs[i]!, ys[j]!);
  const finite = Array.from(grid).filter(Number.isFinite);
  if (!finite.length) throw new Error("lossSurface: f returned no finite values on the grid");
  const lo = Math.min(...finite), hi = Math.max(...finite);
  const log = opts.logLevels ?? (lo > 0 && hi / lo > 100);
  const L = opts.levels ?? 14;
  const levels = Array.from({ length: L }, (_, k) => {
    const t = (k + 0.5) / L;
    return log ? Math.exp(Math.log(lo) + t * (Math.log(hi) - Math.log(lo))) : lo + t * (hi - lo);
  });
  const segs = levels.flatMap((lv) => contourSegments(grid, xs, ys, lv));
  const pathRows = paths.flatMap(([name, p]) => p.map(([x, y], i) => ({ name, i, x, y, loss: f(x, y) })));
  const xEnc = { field: "x1", type: "quantitative", scale: { domain: [x0, x1], nice: false }, title: "x" };
  const yEnc = { field: "y1", type: "quantitative", scale: { domain: [y0, y1], nice: false }, title: "y" };
  const spec = {
    $schema: VEGALITE_SCHEMA,
    title: opts.title ?? "loss surface",
    width: opts.width ?? 380, height: opts.height ?? 320,
    layer: [
      {
        data: { values: segs.map((s) => ({ ...s, x1: r4(s.x1), y1: r4(s.y1), x2: r4(s.x2), y2: r4(s.y2) })) },
        mark: { type: "rule", strokeWidth: 1 },
        encoding: {
          x: xEnc, y: yEnc, x2: { field: "x2" }, y2: { field: "y2" },
          color: { field: "level", type: "quantitative", scale: { scheme: "viridis", ...(log ? { type: "log" } : {}) }, title: "loss" },
        },
      },
      ...(pathRows.length
        ? [
            {
              data: { values: pathRows },
              layer: [
                { mark: { type: "line", strokeWidth: 2, clip: true }, encoding: { x: { ...xEnc, field: "x" }, y: { ...yEnc, field: "y" }, order: { field: "i" }, stroke: { field: "name", type: "nominal", title: "optimizer" } } },
                { mark: { type: "circle", size: 14, clip: true, tooltip: true }, encoding: { x: { ...xEnc, field: "x" }, y: { ...yEnc, field: "y" }, color: { field: "name", type: "nominal", legend: null } } },
              ],
            },
          ]
        : []),
    ],
    resolve: { scale: { color: "independent" } },
  };
  const text = [`loss surface on x∈[${fmt(x0)}, ${fmt(x1)}], y∈[${fmt(y0)}, ${fmt(y1)}], loss ${fmt(lo)} … ${fmt(hi)}`]
    .concat(paths.map(([name, p]) => {
      const a = p[0], b = p[p.length - 1];
      return a && b ? `${name}: ${p.length} steps, (${fmt(a[0])}, ${fmt(a[1])}) → (${fmt(b[0])}, ${fmt(b[1])}), loss ${fmt(f(a[0], a[1]))} → ${fmt(f(b[0], b[1]))}` : `${name}: empty`;
    }))
    .join("\n");
  return new Figure(spec, text);
}

/** 6 significant digits keep the spec small without visible error. */
function r4(v: number): number {
  return Number(v.toPrecision(6));
}
