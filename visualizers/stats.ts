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

export function tensorStats(data: ArrayLike<number>): TensorStats {
  const n = data.length;
  let min = Infinity, max = -Infinity, sum = 0, finite = 0, nan = 0, posInf = 0, negInf = 0, zeros = 0;
  for (let i = 0; i < n; i++) {
    const v = data[i]!;
    if (v !== v) { nan++; continue; }
    if (v === Infinity) { posInf++; continue; }
    if (v === -Infinity) { negInf++; continue; }
    if (v === 0) zeros++;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    finite++;
  }
  const mean = finite ? sum / finite : NaN;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const v = data[i]!;
    if (Number.isFinite(v)) ss += (v - mean) * (v - mean);
  }
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

/** Equal-width histogram of the finite values over [lo, hi] (default: their range); hi is inclusive. */
export function histogram(data: ArrayLike<number>, bins = 30, range?: [number, number]): Histogram {
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
  for (let i = 0; i < data.length; i++) {
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
