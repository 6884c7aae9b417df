// The op codes of the wasm kernels: the one table both sides read. The TypeScript
// dispatch (elementwise.ts) looks codes up by the op's name; the AssemblyScript kernels
// (assembly/elementwise.ts) import this same file and switch on the members. Plain enums
// are valid TypeScript and valid AssemblyScript, so nothing is generated or written twice.
// A name missing here has no wasm kernel and runs on the reference.

/** binaryRange / binaryScalarRange: names as in BinaryOp. */
export enum BinaryCode { add = 0, sub = 1, mul = 2, div = 3, maximum = 4, minimum = 5 }

/**
 * unaryRange: names as in UnaryOp. The transcendental ones (from exp on) run through the
 * vector polynomial code for their tail too; keep them last.
 */
export enum UnaryCode {
  neg = 0, abs = 1, sqrt = 2, rsqrt = 3, square = 4, reciprocal = 5, relu = 6,
  exp = 7, log = 8, tanh = 9, sigmoid = 10,
}

/** reduceMaxMinRange: which extreme. */
export enum ExtremeCode { max = 0, min = 1 }

/** pointwiseRange (the forward ones) / pointwiseBackwardRange: names as in PointwiseGradOp. */
export enum PointwiseCode { gelu = 0, geluTanh = 1, silu = 2, tanh = 3, sigmoid = 4, relu = 5 }

/** matmulRange: the triangle of a product that matters (MatmulParams.triangle names). */
export enum TriangleCode { none = 0, lowerOut = 1, lowerA = 2, upperA = 3 }
