// Op codes of the model kernel families, read by both TypeScript (lib/backend/wasm/*.ts) and
// AssemblyScript (lib/backend/wasm/assembly/*.ts): an enum is valid in both languages, so
// the numbers are written once.

/** Pointwise activations with a fused backward (forward codes are the first three). */
export enum Pointwise {
  gelu = 0,
  geluTanh = 1,
  silu = 2,
  // backward only: the saved tensor is the output y
  relu = 3,
  tanh = 4,
  sigmoid = 5,
}
