// A strided float32 copy into a contiguous output (contiguous(), the head split/merge of
// attention): rows [r0, r1) of the coalesced shape, each row's source offset from its
// index; a row whose source is contiguous moves as v128.

export function stridedCopyRange(x: usize, out: usize, nd: i32, shape: usize, strides: usize, r0: i32, r1: i32): void {
  const n = load<i32>(shape + (<usize>(nd - 1) << 2));
  const sx = load<i32>(strides + (<usize>(nd - 1) << 2));
  const n4 = n & ~3;
  for (let r = r0; r < r1; r++) {
    let rem = r, px = 0;
    for (let d = nd - 2; d >= 0; d--) {
      const size = load<i32>(shape + (<usize>d << 2));
      px += (rem % size) * load<i32>(strides + (<usize>d << 2));
      rem /= size;
    }
    const src = x + (<usize>px << 2), dst = out + (<usize>r * <usize>n << 2);
    if (sx === 1) {
      for (let j = 0; j < n4; j += 4) v128.store(dst + (<usize>j << 2), v128.load(src + (<usize>j << 2)));
      for (let j = n4; j < n; j++) store<f32>(dst + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
    } else {
      for (let j = 0; j < n; j++) store<f32>(dst + (<usize>j << 2), load<f32>(src + (<usize>j * sx << 2)));
    }
  }
}
