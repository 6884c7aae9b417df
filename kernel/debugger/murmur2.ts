// MurmurHash2 (32-bit) of a string's UTF-8 bytes: the "Murmur2" hash method of the Jupyter
// debug protocol. JupyterLab names a cell's source file by hashing the cell's text with the
// seed the kernel reports in debugInfo, so this must agree with it bit for bit.

const M = 0x5bd1e995;

export function murmur2(text: string, seed: number): number {
  const data = Buffer.from(text, "utf8");
  const n = data.length;
  let h = (seed ^ n) >>> 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    let k = data.readUInt32LE(i);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = n - i;
  if (rest > 0) {
    // The last 1–3 bytes, little-endian, as one more (short) word.
    for (let j = rest - 1; j >= 0; j--) h ^= data[i + j]! << (8 * j);
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h >>> 0;
}
