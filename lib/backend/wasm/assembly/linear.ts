// linear's bias epilogue: out[r, :] += bias for rows [r0, r1) of an [rows, n] product still
// in the arena, so the bias costs one pass over cache-warm memory and no copies.

export function biasRowsRange(out: usize, bias: usize, n: i32, r0: i32, r1: i32): void {
  const n4 = n & ~3;
  for (let r = r0; r < r1; r++) {
    const o = out + (<usize>r * <usize>n << 2);
    for (let j = 0; j < n4; j += 4) {
      const p = o + (<usize>j << 2);
      v128.store(p, f32x4.add(v128.load(p), v128.load(bias + (<usize>j << 2))));
    }
    for (let j = n4; j < n; j++) {
      const p = o + (<usize>j << 2);
      store<f32>(p, load<f32>(p) + load<f32>(bias + (<usize>j << 2)));
    }
  }
}
