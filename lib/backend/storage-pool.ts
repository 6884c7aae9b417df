// Reuse of tensor storage the autograd engine proves dead (see autograd/engine.ts): a backward
// pass's intermediate gradients. A training step allocates the same sizes every step, so
// handing those arrays to the next allocations of their length saves the fresh-page faults
// and the external-memory garbage collections that new storage costs. Only arrays this
// module saw born (allocated while `recordBirths` was on) and the engine then released come
// back out; everything else is an ordinary GC-managed typed array as before.

import type { DType, TypedArray } from "../dtype.js";

/** Arrays smaller than this are cheap to allocate; they are never pooled. */
export const POOL_MIN_BYTES = 16384;
const DEFAULT_POOL_MAX_MB = 64;

function poolCapBytes(): number {
  const mb = Number(typeof process !== "undefined" ? process.env.GRADLAB_STORAGE_POOL_MB : undefined);
  return (Number.isFinite(mb) && mb >= 0 ? mb : DEFAULT_POOL_MAX_MB) * 1024 * 1024;
}

const capBytes = poolCapBytes();
/** Free arrays by dtype and length, oldest first. */
const free = new Map<string, TypedArray[]>();
/** Insertion order of every free array, to drop the oldest when over the cap. */
const order: { key: string; array: TypedArray }[] = [];
let pooledBytes = 0;
/** Totals since load, for profiling (bench/model-profile.ts). */
const totals = { releasedBytes: 0, reusedBytes: 0 };
let births: WeakSet<object> | null = null;

const keyOf = (dtype: DType, n: number) => `${dtype}:${n}`;

/** A free array of exactly `n` elements of `dtype`, or null. Its contents are stale. */
export function takePooled(dtype: DType, n: number, bytes: number): TypedArray | null {
  if (pooledBytes === 0 || bytes < POOL_MIN_BYTES) return null;
  const list = free.get(keyOf(dtype, n));
  const array = list?.pop();
  if (!array) return null;
  pooledBytes -= array.byteLength;
  totals.reusedBytes += array.byteLength;
  const at = order.findIndex((e) => e.array === array);
  if (at >= 0) order.splice(at, 1);
  if (births) births.add(array.buffer);
  return array;
}

/** Notes that `array` is new storage (while births are recorded). */
export function noteBirth(array: TypedArray): void {
  if (births && array.byteLength >= POOL_MIN_BYTES) births.add(array.buffer);
}

/** Notes new storage by its `Storage.key` (a resident region, backend/wasm/resident.ts). */
export function noteBirthKey(key: object): void {
  if (births) births.add(key);
}

/**
 * Runs `body` adding the buffers of the storage it allocates to `set`; `recordBirths(null, …)`
 * runs code (user hooks) whose allocations must not count.
 */
export function recordBirths<T>(set: WeakSet<object> | null, body: () => T): T {
  const prev = births;
  births = set;
  try {
    return body();
  } finally {
    births = prev;
  }
}

/** Gives `array` (of `dtype`, the whole storage of tensors nobody can reach any more) back. */
export function releaseStorage(dtype: DType, array: TypedArray): void {
  if (array.byteLength < POOL_MIN_BYTES || array.byteLength > capBytes || array.byteOffset !== 0 || array.byteLength !== array.buffer.byteLength) return;
  const key = keyOf(dtype, array.length);
  let list = free.get(key);
  if (!list) free.set(key, (list = []));
  list.push(array);
  order.push({ key, array });
  pooledBytes += array.byteLength;
  totals.releasedBytes += array.byteLength;
  while (pooledBytes > capBytes) {
    const old = order.shift()!;
    const l = free.get(old.key)!;
    l.splice(l.indexOf(old.array), 1);
    pooledBytes -= old.array.byteLength;
  }
}

/** Drops every pooled array (the garbage collector then frees them). */
export function clearStoragePool(): void {
  free.clear();
  order.length = 0;
  pooledBytes = 0;
}

/** Bytes held in the pool now, and bytes released into it and reused from it since load. */
export function storagePoolStats(): { pooledBytes: number; releasedBytes: number; reusedBytes: number } {
  return { pooledBytes, ...totals };
}
