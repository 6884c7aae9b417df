// Entry point of the WebAssembly kernel module (f32, SIMD). Every export works on raw
// pointers into the shared memory the loader imports; nothing here allocates.
export { sgemm, sgemmWorkspaceBytes, matmulRange } from "./gemm";
