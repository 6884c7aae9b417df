// Summary statistics over a tensor's values (lovely-tensors style), computed in float64
// over finite values; NaN/±Inf are counted, not folded into the moments.

export interface TensorStats {
  numel: number;
  /** Finite values only. */
  min: number;
  max: number;
  mean: number;
  /** Sample standard deviation (n - 1), as torch.std. NaN for fewer than 2 finite values. */
  std: number;
  nan: number;
  posInf: number;
  negInf: number;
  zeros: number;
  finite: number;
}

/**
 * One pass over the values (a huge tensor is read once): sums of (v - k) and (v - k)² around
 * the first value k, which keeps the variance exact enough when the mean is far from zero (the
 * shifted-data algorithm). The pass has no branch for NaN/±Inf, which make its sums non-finite:
 * only then are the values read again, counting them (carefulStats).
 */
export function tensorStats(data: ArrayLike<number>): TensorStats {
  const n = data.length;
  if (n === 0) return carefulStats(data);
  const k = data[0]!;
  let min = Infinity, max = -Infinity, zeros = 0, s1 = 0, s2 = 0;
  for (let i = 0; i < n; i++) {
    const v = data[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    if (v === 0) zeros++;
    const d = v - k;
    s1 += d;
    s2 += d * d;
  }
  if (!Number.isFinite(s2) || !Number.isFinite(s1)) return carefulStats(data);
  const ss = Math.max(0, s2 - (s1 * s1) / n);
  return { numel: n, min, max, mean: k + s1 / n, std: n > 1 ? Math.sqrt(ss / (n - 1)) : NaN, nan: 0, posInf: 0, negInf: 0, zeros, finite: n };
}

/** tensorStats over values that may hold NaN or ±Inf: counted apart, the moments over the finite ones. */
function carefulStats(data: ArrayLike<number>): TensorStats {
  const n = data.length;
  let min = Infinity, max = -Infinity, finite = 0, nan = 0, posInf = 0, negInf = 0, zeros = 0;
  let k = NaN, s1 = 0, s2 = 0;
  for (let i = 0; i < n; i++) {
    const v = data[i]!;
    if (v - v !== 0) {
      if (v !== v) nan++;
      else if (v > 0) posInf++;
      else negInf++;
      continue;
    }
    if (finite === 0) k = v;
    if (v === 0) zeros++;
    if (v < min) min = v;
    if (v > max) max = v;
    const d = v - k;
    s1 += d;
    s2 += d * d;
    finite++;
  }
  const mean = finite ? k + s1 / finite : NaN;
  const ss = finite ? Math.max(0, s2 - (s1 * s1) / finite) : 0;
  return {
    numel: n,
    min: finite ? min : NaN,
    max: finite ? max : NaN,
    mean,
    std: finite > 1 ? Math.sqrt(ss / (finite - 1)) : NaN,
    nan, posInf, negInf, zeros, finite,
  };
}

export interface Histogram {
  /** bins + 1 edges, edges[0] = lo, edges[bins] = hi. */
  edges: number[];
  counts: number[];
}

/** How many values a tensor display's mini histogram counts at most (an evenly strided sample). */
export const HISTOGRAM_SAMPLE = 1 << 20;

/**
 * Equal-width histogram of the finite values over [lo, hi] (default: their range); hi is
 * inclusive. Over `maxValues` values it counts every k-th one: its shape, not exact counts
 * (a huge tensor's mini histogram then costs a fraction of a pass).
 */
export function histogram(data: ArrayLike<number>, bins = 30, range?: [number, number], maxValues = Infinity): Histogram {
  let lo = range?.[0], hi = range?.[1];
  if (lo === undefined || hi === undefined) {
    const s = tensorStats(data);
    lo ??= s.min;
    hi ??= s.max;
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { edges: [], counts: [] };
  if (hi === lo) { lo -= 0.5; hi += 0.5; }
  const counts = new Array<number>(bins).fill(0);
  const w = (hi - lo) / bins;
  const step = Math.max(1, Math.floor(data.length / maxValues));
  for (let i = 0; i < data.length; i += step) {
    const v = data[i]!;
    if (!Number.isFinite(v) || v < lo || v > hi) continue;
    counts[Math.min(bins - 1, Math.floor((v - lo) / w))]!++;
  }
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo! + i * w);
  edges[bins] = hi;
  return { edges, counts };
}

/** Mean and max of |x| (the gradient-flow numbers). */
export function absStats(data: ArrayLike<number>): { meanAbs: number; maxAbs: number } {
  let s = 0, m = 0, n = 0;
  for (let i = 0; i < data.length; i++) {
    const a = Math.abs(data[i]!);
    if (!Number.isFinite(a)) continue;
    s += a;
    n++;
    if (a > m) m = a;
  }
  return { meanAbs: n ? s / n : NaN, maxAbs: n ? m : NaN };
}
