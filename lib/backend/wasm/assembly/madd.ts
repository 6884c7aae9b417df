// The multiply-add of the GEMM micro-kernels. The module is built twice (package.json
// build:wasm): the relaxed-SIMD build (ASC_FEATURE_RELAXED_SIMD true) fuses c + a·b into one
// f32x4.relaxed_madd (an FMA on x86 and ARM); the plain build rounds the product first. The
// loader picks the relaxed build when the engine validates it (runtime.ts).

@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}
