import { describe, expect, it } from "vitest";
import { arange, matmul, ones, randn, tensor } from "../../../lib/index.js";
import type { Tensor } from "../../../lib/index.js";
import { getKernels } from "../../../lib/backend/index.js";
import { atThreads } from "../backend/at-threads.js";

/** Triple loop straight from the definition, on nested arrays. */
function naive(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
}

function close(t: Tensor, expected: number[][], digits = 4): void {
  const got = t.toArray() as number[][];
  expect(got.length).toBe(expected.length);
  got.forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(expected[i][j], digits)));
}

describe("matmul", () => {
  it("hand-worked 2x2", () => {
    expect(tensor([[1, 2], [3, 4]]).matmul(tensor([[5, 6], [7, 8]])).toArray()).toEqual([[19, 22], [43, 50]]);
  });

  it("matches the definition for every transpose layout", () => {
    const a = randn([5, 7]), b = randn([7, 3]);
    const A = a.toArray() as number[][], B = b.toArray() as number[][];
    const want = naive(A, B);
    close(a.matmul(b), want);
    const at = randn([7, 5]).t(); // non-contiguous operand of the same shape
    close(at.matmul(b), naive(at.toArray() as number[][], B));
    const bt = randn([3, 7]).t();
    close(a.matmul(bt), naive(A, bt.toArray() as number[][]));
    close(at.matmul(bt), naive(at.toArray() as number[][], bt.toArray() as number[][]));
    const sliced = randn([10, 7]).slice(0, 0, null, 2);
    close(sliced.matmul(b), naive(sliced.toArray() as number[][], B));
  });

  it("1-D cases follow PyTorch", () => {
    const v = tensor([1, 2, 3]);
    expect(matmul(v, v).toArray()).toBe(14);
    expect(matmul(v, v).shape).toEqual([]);
    const m = arange(6).reshape(3, 2);
    expect(matmul(v, m).toArray()).toEqual([16, 22]);
    expect(matmul(m.t(), v).toArray()).toEqual([16, 22]);
    expect(matmul(ones([4, 2, 3]), v).shape).toEqual([4, 2]);
    expect(matmul(v, ones([4, 3, 2])).shape).toEqual([4, 2]);
  });

  it("batches and broadcasts batch dims", () => {
    const a = randn([2, 1, 3, 4]), b = randn([5, 4, 2]);
    const c = a.matmul(b);
    expect(c.shape).toEqual([2, 5, 3, 2]);
    for (const [i, j] of [[0, 0], [1, 3], [0, 4]]) {
      close(c.select(0, i).select(0, j), naive(a.select(0, i).select(0, 0).toArray() as number[][], b.select(0, j).toArray() as number[][]));
    }
    const w = randn([4, 6]);
    const d = randn([3, 2, 4]).matmul(w);
    expect(d.shape).toEqual([3, 2, 6]);
  });

  it("reads heads split from one projection, and column slices, in place: the values of contiguous copies, exactly", () => {
    const kernels = getKernels() as unknown as Record<string, (...a: unknown[]) => unknown>;
    const copy = kernels.stridedUnary!;
    for (const dtype of ["float32", "float64"] as const) {
      const x = randn([8, 16, 3 * 64], { dtype, requiresGrad: true });
      const w = randn([40, 9], { dtype });
      const heads = (): Tensor[] => x.split(64, 2).map((t) => t.view([8, 16, 4, 16]).transpose(1, 2));
      const runs = atThreads(() => {
        const [q, k, v] = heads() as [Tensor, Tensor, Tensor];
        let copies = 0;
        kernels.stridedUnary = (...a: unknown[]) => (copies++, copy(...a));
        let att: Tensor, y: Tensor, z: Tensor;
        try {
          att = q.matmul(k.transpose(-2, -1));
          y = att.matmul(v);
          z = x.narrow(2, 7, 40).matmul(w);
        } finally {
          kernels.stridedUnary = copy;
        }
        expect(copies).toBe(0); // no operand was gathered into a contiguous copy first
        x.grad = null;
        y.square().sum().backward();
        return { att: att.toArray(), y: y.toArray(), z: z.toArray(), grad: x.grad!.toArray() };
      });
      const [q, k, v] = heads().map((t) => t.detach().contiguous()) as [Tensor, Tensor, Tensor];
      const att = q.matmul(k.transpose(-2, -1).contiguous());
      const want = { att: att.toArray(), y: att.matmul(v).toArray(), z: x.detach().narrow(2, 7, 40).contiguous().matmul(w).toArray() };
      for (const r of runs) {
        expect(r.att).toEqual(want.att);
        expect(r.y).toEqual(want.y);
        expect(r.z).toEqual(want.z);
      }
      expect(runs[1]!.grad).toEqual(runs[0]!.grad);
    }
  });

  it("errors name both shapes", () => {
    expect(() => ones([2, 3]).matmul(ones([4, 5]))).toThrow("matmul: shapes [2, 3] and [4, 5] cannot be multiplied (3 != 4)");
    expect(() => ones([3]).matmul(ones([4]))).toThrow("matmul: shapes [3] and [4] cannot be multiplied (3 != 4)");
    expect(() => ones([2, 2, 3]).matmul(ones([3, 3, 2]))).toThrow(/matmul: shapes \[2\] and \[3\] cannot be broadcast/);
    expect(() => tensor(1).matmul(ones([1]))).toThrow(/matmul: both arguments need at least 1 dim/);
  });

  it("int inputs compute in float32", () => {
    const a = tensor([[1, 2]], { dtype: "int32" });
    const r = a.matmul(tensor([[3], [4]], { dtype: "int32" }));
    expect(r.dtype).toBe("float32");
    expect(r.toArray()).toEqual([[11]]);
  });
});
