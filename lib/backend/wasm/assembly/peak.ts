// The machine's WebAssembly SIMD peak for the GEMM's inner operation, measured rather than
// assumed: `iters` rounds of 10 vector multiply-adds c_i += x·b into 10 accumulators (enough to
// cover the add/FMA latency; with the operands, 14 of x64's 16 vector registers, so no
// spills). Only the adds chain through c_i and b changes every round, so nothing can be
// hoisted. 80 flops a round; bench/peak.ts and bench/gemm-peak.ts time it. In the plain build
// the repeated products x·b may be shared, so there it is a lower bound.

import { madd } from "./madd";

export function simdPeak(iters: i32): f32 {
  const inc = f32x4.splat(1e-7);
  const x0 = f32x4.splat(0.1), x1 = f32x4.splat(0.2);
  let b = f32x4.splat(1.0);
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0);
  let a8 = f32x4.splat(0), a9 = f32x4.splat(0);
  for (let i = 0; i < iters; i++) {
    b = f32x4.add(b, inc);
    a0 = madd(x0, b, a0); a1 = madd(x1, b, a1); a2 = madd(x0, b, a2); a3 = madd(x1, b, a3);
    a4 = madd(x0, b, a4); a5 = madd(x1, b, a5); a6 = madd(x0, b, a6); a7 = madd(x1, b, a7);
    a8 = madd(x0, b, a8); a9 = madd(x1, b, a9);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(f32x4.add(a6, a7), f32x4.add(a8, a9))));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}
