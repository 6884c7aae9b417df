// The error function to double precision (JavaScript has no Math.erf), for exact GELU.
// |z| < 3: erf(z) = 2/√π · e^(−z²) · Σ 2ⁿ z^(2n+1) / (1·3·…·(2n+1)), a series of positive terms
// (no cancellation). |z| >= 3: erfc(z) = e^(−z²)/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + …))))
// by the modified Lentz method, which converges quickly there and keeps relative accuracy in
// the far tail where 1 − erf(z) would round to 0.

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const ONE_OVER_SQRT_PI = 0.5641895835477563;

function erfSeries(z: number): number {
  const z2 = z * z;
  let term = z, sum = z;
  for (let n = 0; n < 200; n++) {
    term *= (2 * z2) / (2 * n + 3);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-z2) * sum;
}

/** erfc(z) for z >= 3 (continued fraction). */
function erfcFraction(z: number): number {
  const tiny = 1e-300;
  // K = 1/(z + a1/(z + a2/(z + ...))) with a_k = k/2; evaluate b0 + a1/(b1 + ...) with b = z.
  let f = z, c = z, d = 0;
  for (let k = 1; k < 300; k++) {
    const a = k / 2;
    d = z + a * d;
    d = d === 0 ? tiny : 1 / d;
    c = z + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return (ONE_OVER_SQRT_PI * Math.exp(-z * z)) / f;
}

export function erf(z: number): number {
  if (z !== z) return NaN;
  const a = Math.abs(z);
  const r = a < 3 ? erfSeries(a) : 1 - erfcFraction(a);
  return z < 0 ? -r : r;
}

export function erfc(z: number): number {
  if (z !== z) return NaN;
  if (z >= 3) return erfcFraction(z);
  if (z <= -3) return 2 - erfcFraction(-z);
  return 1 - (z < 0 ? -erfSeries(-z) : erfSeries(z));
}

const SQRT1_2 = Math.SQRT1_2;

/** Φ(x), the standard normal CDF, accurate in both tails. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x * SQRT1_2);
}
