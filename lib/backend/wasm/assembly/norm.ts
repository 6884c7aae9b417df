// layerNorm forward and backward on f32x4: rows [r0, r1) for the normalisation and dx,
// columns [c0, c1) for the weight/bias gradients (each column summed over all rows in
// order, so the result does not depend on how the columns are split). Statistics in f32
// with two passes, each row's sums over independent accumulators (a row is always summed
// the same way, whatever the split); the parameter gradients accumulate in f64.

@inline function f(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}
@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** Σ x[j] for j < n: four vector accumulators (16 floats a step), so the adds do not wait on each other. */
@inline function rowSum(x: usize, n: i32): f32 {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let j = 0;
  for (; j + 16 <= n; j += 16) {
    a0 = f32x4.add(a0, v128.load(f(x, j)));
    a1 = f32x4.add(a1, v128.load(f(x, j), 16));
    a2 = f32x4.add(a2, v128.load(f(x, j), 32));
    a3 = f32x4.add(a3, v128.load(f(x, j), 48));
  }
  for (; j + 4 <= n; j += 4) a0 = f32x4.add(a0, v128.load(f(x, j)));
  let s = hsum(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
  for (; j < n; j++) s += load<f32>(f(x, j));
  return s;
}

/** Σ (x[j] − mu)² for j < n, accumulated as rowSum. */
@inline function rowSquares(x: usize, n: i32, mu: f32): f32 {
  const mv = f32x4.splat(mu);
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let j = 0;
  for (; j + 16 <= n; j += 16) {
    const e0 = f32x4.sub(v128.load(f(x, j)), mv), e1 = f32x4.sub(v128.load(f(x, j), 16), mv);
    const e2 = f32x4.sub(v128.load(f(x, j), 32), mv), e3 = f32x4.sub(v128.load(f(x, j), 48), mv);
    a0 = f32x4.add(a0, f32x4.mul(e0, e0));
    a1 = f32x4.add(a1, f32x4.mul(e1, e1));
    a2 = f32x4.add(a2, f32x4.mul(e2, e2));
    a3 = f32x4.add(a3, f32x4.mul(e3, e3));
  }
  for (; j + 4 <= n; j += 4) { const e = f32x4.sub(v128.load(f(x, j)), mv); a0 = f32x4.add(a0, f32x4.mul(e, e)); }
  let q = hsum(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
  for (; j < n; j++) { const e = load<f32>(f(x, j)) - mu; q += e * e; }
  return q;
}

export function layerNormRange(x: usize, w: usize, b: usize, out: usize, mean: usize, rstd: usize, D: i32, eps: f32, r0: i32, r1: i32): void {
  const v1 = D & ~3;
  for (let r = r0; r < r1; r++) {
    const xr = f(x, r * D), or = f(out, r * D);
    const mu = rowSum(xr, D) / <f32>D;
    const mv = f32x4.splat(mu);
    const q = rowSquares(xr, D, mu);
    const rs = <f32>1 / Mathf.sqrt(q / <f32>D + eps);
    store<f32>(f(mean, r), mu);
    store<f32>(f(rstd, r), rs);
    const rv = f32x4.splat(rs);
    for (let j = 0; j < v1; j += 4) {
      let y = f32x4.mul(f32x4.sub(v128.load(f(xr, j)), mv), rv);
      if (w) y = f32x4.mul(y, v128.load(f(w, j)));
      if (b) y = f32x4.add(y, v128.load(f(b, j)));
      v128.store(f(or, j), y);
    }
    for (let j = v1; j < D; j++) {
      let y = (load<f32>(f(xr, j)) - mu) * rs;
      if (w) y *= load<f32>(f(w, j));
      if (b) y += load<f32>(f(b, j));
      store<f32>(f(or, j), y);
    }
  }
}

/** dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)), ĝ = g·w, for rows [r0, r1). */
export function layerNormBackwardRange(x: usize, w: usize, mean: usize, rstd: usize, g: usize, dx: usize, D: i32, r0: i32, r1: i32): void {
  const v1 = D & ~3;
  for (let r = r0; r < r1; r++) {
    const xr = f(x, r * D), gr = f(g, r * D), dr = f(dx, r * D);
    const mu = load<f32>(f(mean, r)), rs = load<f32>(f(rstd, r));
    const mv = f32x4.splat(mu), rv = f32x4.splat(rs);
    // two accumulators per sum (even and odd vectors): the adds do not wait on each other
    let s1v = f32x4.splat(0), s2v = f32x4.splat(0), s1u = f32x4.splat(0), s2u = f32x4.splat(0);
    let j = 0;
    for (; j + 8 <= v1; j += 8) {
      let gh = v128.load(f(gr, j)), gk = v128.load(f(gr, j), 16);
      if (w) { gh = f32x4.mul(gh, v128.load(f(w, j))); gk = f32x4.mul(gk, v128.load(f(w, j), 16)); }
      const xh = f32x4.mul(f32x4.sub(v128.load(f(xr, j)), mv), rv), xk = f32x4.mul(f32x4.sub(v128.load(f(xr, j), 16), mv), rv);
      s1v = f32x4.add(s1v, gh);
      s2v = f32x4.add(s2v, f32x4.mul(gh, xh));
      s1u = f32x4.add(s1u, gk);
      s2u = f32x4.add(s2u, f32x4.mul(gk, xk));
    }
    for (; j < v1; j += 4) {
      let gh = v128.load(f(gr, j));
      if (w) gh = f32x4.mul(gh, v128.load(f(w, j)));
      const xh = f32x4.mul(f32x4.sub(v128.load(f(xr, j)), mv), rv);
      s1v = f32x4.add(s1v, gh);
      s2v = f32x4.add(s2v, f32x4.mul(gh, xh));
    }
    let s1 = hsum(f32x4.add(s1v, s1u)), s2 = hsum(f32x4.add(s2v, s2u));
    for (let j = v1; j < D; j++) {
      let gh = load<f32>(f(gr, j));
      if (w) gh *= load<f32>(f(w, j));
      const xh = (load<f32>(f(xr, j)) - mu) * rs;
      s1 += gh; s2 += gh * xh;
    }
    s1 /= <f32>D; s2 /= <f32>D;
    const a = f32x4.splat(s1), c = f32x4.splat(s2);
    for (let j = 0; j < v1; j += 4) {
      let gh = v128.load(f(gr, j));
      if (w) gh = f32x4.mul(gh, v128.load(f(w, j)));
      const xh = f32x4.mul(f32x4.sub(v128.load(f(xr, j)), mv), rv);
      v128.store(f(dr, j), f32x4.mul(rv, f32x4.sub(f32x4.sub(gh, a), f32x4.mul(xh, c))));
    }
    for (let j = v1; j < D; j++) {
      let gh = load<f32>(f(gr, j));
      if (w) gh *= load<f32>(f(w, j));
      const xh = (load<f32>(f(xr, j)) - mu) * rs;
      store<f32>(f(dr, j), rs * (gh - s1 - xh * s2));
    }
  }
}

/**
 * dw[j] = Σ_rows g·x̂, db[j] = Σ_rows g for columns [c0, c1) (dw/db = 0: not wanted);
 * ws: 16·D bytes of f64 accumulators (columns of different calls never overlap).
 */
export function layerNormParamGradRange(x: usize, mean: usize, rstd: usize, g: usize, dw: usize, db: usize, rows: i32, D: i32, ws: usize, c0: i32, c1: i32): void {
  const aw = ws, ab = ws + (<usize>D << 3);
  for (let j = c0; j < c1; j++) { store<f64>(aw + (<usize>j << 3), 0); store<f64>(ab + (<usize>j << 3), 0); }
  const v1 = c0 + ((c1 - c0) & ~3);
  for (let r = 0; r < rows; r++) {
    const xr = f(x, r * D), gr = f(g, r * D);
    const mu = load<f32>(f(mean, r)), rs = load<f32>(f(rstd, r));
    const mv = f32x4.splat(mu), rv = f32x4.splat(rs);
    for (let j = c0; j < v1; j += 4) {
      const gv = v128.load(f(gr, j));
      const gx = f32x4.mul(gv, f32x4.mul(f32x4.sub(v128.load(f(xr, j)), mv), rv));
      const pw = aw + (<usize>j << 3), pb = ab + (<usize>j << 3);
      v128.store(pw, f64x2.add(v128.load(pw), f64x2.promote_low_f32x4(gx)));
      v128.store(pw, f64x2.add(v128.load(pw, 16), f64x2.promote_low_f32x4(i32x4.shuffle(gx, gx, 2, 3, 0, 1))), 16);
      v128.store(pb, f64x2.add(v128.load(pb), f64x2.promote_low_f32x4(gv)));
      v128.store(pb, f64x2.add(v128.load(pb, 16), f64x2.promote_low_f32x4(i32x4.shuffle(gv, gv, 2, 3, 0, 1))), 16);
    }
    for (let j = v1; j < c1; j++) {
      const gv = load<f32>(f(gr, j));
      const pw = aw + (<usize>j << 3), pb = ab + (<usize>j << 3);
      store<f64>(pw, load<f64>(pw) + <f64>(gv * ((load<f32>(f(xr, j)) - mu) * rs)));
      store<f64>(pb, load<f64>(pb) + <f64>gv);
    }
  }
  for (let j = c0; j < c1; j++) {
    if (dw) store<f32>(f(dw, j), <f32>load<f64>(aw + (<usize>j << 3)));
    if (db) store<f32>(f(db, j), <f32>load<f64>(ab + (<usize>j << 3)));
  }
}
