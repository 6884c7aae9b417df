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

// The other direction (a slicing view's gradient, autograd/engine.ts): a source written into,
// or added onto (accumulate = 1), a strided output; both walk the same coalesced shape, with
// strides gs and os (rows as above, each row's two offsets from its index).
export function stridedScatterRange(g: usize, out: usize, nd: i32, shape: usize, gs: usize, os: usize, accumulate: i32, r0: i32, r1: i32): void {
  const last = <usize>(nd - 1) << 2;
  const n = load<i32>(shape + last), sg = load<i32>(gs + last), so = load<i32>(os + last);
  const n4 = n & ~3;
  const rows = so === 1 && sg === 1;
  for (let r = r0; r < r1; r++) {
    let rem = r, pg = 0, po = 0;
    for (let d = nd - 2; d >= 0; d--) {
      const size = load<i32>(shape + (<usize>d << 2)), i = rem % size;
      pg += i * load<i32>(gs + (<usize>d << 2));
      po += i * load<i32>(os + (<usize>d << 2));
      rem /= size;
    }
    const src = g + (<usize>pg << 2), dst = out + (<usize>po << 2);
    if (rows && accumulate) {
      for (let j = 0; j < n4; j += 4) v128.store(dst + (<usize>j << 2), f32x4.add(v128.load(dst + (<usize>j << 2)), v128.load(src + (<usize>j << 2))));
      for (let j = n4; j < n; j++) store<f32>(dst + (<usize>j << 2), load<f32>(dst + (<usize>j << 2)) + load<f32>(src + (<usize>j << 2)));
    } else if (rows) {
      for (let j = 0; j < n4; j += 4) v128.store(dst + (<usize>j << 2), v128.load(src + (<usize>j << 2)));
      for (let j = n4; j < n; j++) store<f32>(dst + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
    } else if (accumulate) {
      for (let j = 0; j < n; j++) store<f32>(dst + (<usize>j * so << 2), load<f32>(dst + (<usize>j * so << 2)) + load<f32>(src + (<usize>j * sg << 2)));
    } else {
      for (let j = 0; j < n; j++) store<f32>(dst + (<usize>j * so << 2), load<f32>(src + (<usize>j * sg << 2)));
    }
  }
}
