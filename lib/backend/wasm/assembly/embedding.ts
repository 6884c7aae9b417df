// Embedding lookup: the gather of table rows by index and its backward, the scatter-add of
// each output row's gradient into its table row. Indices are checked by the op (in range).

/** out row i = w row idx[i] (D floats each) for i in [r0, r1). */
export function embeddingGatherRange(w: usize, idx: usize, out: usize, D: i32, r0: i32, r1: i32): void {
  const rowBytes = <usize>D << 2;
  for (let i = r0; i < r1; i++) {
    const r = load<i32>(idx + (<usize>i << 2));
    memory.copy(out + <usize>i * rowBytes, w + <usize>r * rowBytes, rowBytes);
  }
}

/**
 * dw (V rows of D, overwritten) = Σ over i < n with idx[i] = r of g row i, rows `pad` left
 * zero (−1: none). Added in index order, as the reference does, so the bits are the same.
 */
export function embeddingScatterAdd(g: usize, idx: usize, dw: usize, n: i32, V: i32, D: i32, pad: i32): void {
  const rowBytes = <usize>D << 2;
  memory.fill(dw, 0, <usize>V * rowBytes);
  for (let i = 0; i < n; i++) {
    const r = load<i32>(idx + (<usize>i << 2));
    if (r == pad) continue;
    const s = g + <usize>i * rowBytes, d = dw + <usize>r * rowBytes;
    let j: usize = 0;
    for (; j + 16 <= rowBytes; j += 16) v128.store(d + j, f32x4.add(v128.load(d + j), v128.load(s + j)));
    for (; j < rowBytes; j += 4) store<f32>(d + j, load<f32>(d + j) + load<f32>(s + j));
  }
}
