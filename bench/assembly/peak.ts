// The machine's WebAssembly SIMD multiply-add peak, the yardstick for the GEMM's GFLOPS:
// twelve independent accumulators (as many as a register-tiled micro-kernel keeps) each
// take acc += x·y per step, so only the adds chain and the loop runs at the add/mul ports'
// throughput. Returns the sum so nothing is optimized away.

export function peakLoop(steps: i32, seed: f32): f32 {
  // y changes every step so the products cannot be hoisted out of the loop
  let y = f32x4.splat(seed);
  const dy = f32x4.splat(1e-7);
  // twelve distinct multiplicands, so no two products are the same expression
  const x0 = f32x4.splat(0.50), x1 = f32x4.splat(0.51), x2 = f32x4.splat(0.52), x3 = f32x4.splat(0.53);
  const x4 = f32x4.splat(0.54), x5 = f32x4.splat(0.55), x6 = f32x4.splat(0.56), x7 = f32x4.splat(0.57);
  const x8 = f32x4.splat(0.58), x9 = f32x4.splat(0.59), x10 = f32x4.splat(0.60), x11 = f32x4.splat(0.61);
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0);
  let a8 = f32x4.splat(0), a9 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
  for (let i = 0; i < steps; i++) {
    a0 = f32x4.add(a0, f32x4.mul(x0, y)); a1 = f32x4.add(a1, f32x4.mul(x1, y)); a2 = f32x4.add(a2, f32x4.mul(x2, y));
    a3 = f32x4.add(a3, f32x4.mul(x3, y)); a4 = f32x4.add(a4, f32x4.mul(x4, y)); a5 = f32x4.add(a5, f32x4.mul(x5, y));
    a6 = f32x4.add(a6, f32x4.mul(x6, y)); a7 = f32x4.add(a7, f32x4.mul(x7, y)); a8 = f32x4.add(a8, f32x4.mul(x8, y));
    a9 = f32x4.add(a9, f32x4.mul(x9, y)); a10 = f32x4.add(a10, f32x4.mul(x10, y)); a11 = f32x4.add(a11, f32x4.mul(x11, y));
    y = f32x4.add(y, dy);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  const u = f32x4.add(s, f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)));
  return f32x4.extract_lane(u, 0) + f32x4.extract_lane(u, 1) + f32x4.extract_lane(u, 2) + f32x4.extract_lane(u, 3);
}

/** Multiply-add flops in one step of peakLoop: 12 accumulators × 4 lanes × (mul + add). */
export const FLOPS_PER_STEP: i32 = 96;
