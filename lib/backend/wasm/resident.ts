// Resident float32 storage: tensor values that live in the wasm memory, above the scratch
// arena's cap, so a chain of wasm kernels reads each output where the previous kernel wrote
// it (no copy out of the arena, no copy back in). The JS side only ever sees them through
// `Storage` (tensor.ts): reading `storage.data` materializes the values into an ordinary
// typed array and gives the region back. Views of a region are handed out only inside
// `residentScope` (one op's forward or backward), and a region is reused only once no scope
// is open, so no view anyone still holds can see another tensor's values.
//
// A region is given back when its storage is collected: a training loop in one cell never
// reaches the event loop, so the outermost scopes poll for collected storages (collected.ts).
// V8 notices those in its full collections, which it schedules by its own heap (this one it
// cannot see): past the high-water mark the heap asks for one, at most once per quarter of
// its size allocated. When it is full even so, new outputs are ordinary arrays.
// Where this V8 cannot say that synchronously, regions hold their storage instead, and when
// the heap passes its high-water mark the next outermost scope materializes every region
// still held (what the arena design copied out on every call, paid once per region) and
// starts the heap over. Gradients the autograd engine proves dead are freed without a copy.

import { onRecover } from "../../recover.js";
import { collectedNotices, type CollectedNotices } from "./collected.js";
import { wasmRuntime } from "./runtime.js";

/** What owns a region: materialize() copies the values out and frees the region. */
export interface RegionOwner {
  materialize(): unknown;
}

export interface Region {
  readonly ptr: number;
  /** elements (4 bytes each: float32, or int32 for an index tensor) */
  readonly n: number;
  /** what it takes in the heap (n floats rounded up to 64 bytes) */
  readonly bytes: number;
  /** the region's values in place (valid while `live`) */
  readonly view: Float32Array | Int32Array;
  live: boolean;
  /** the storage, held only where collection cannot be noticed (then a flush needs it) */
  owner: RegionOwner | null;
}

/** Tensors smaller than this stay in JS arrays (their kernels mostly run the JS reference). */
export const RESIDENT_MIN_BYTES = 16384;
const DEFAULT_RESIDENT_MB = 256;
const HIGH_WATER = 0.75;
/** Of the heap's size, what must be allocated between two full collections it asks for. */
const COLLECT_EVERY = 0.25;

function budgetBytes(capBytes: number): number {
  const mb = Number(typeof process !== "undefined" ? process.env.GRADLAB_RESIDENT_MB : undefined);
  const want = (Number.isFinite(mb) && mb >= 0 ? mb : DEFAULT_RESIDENT_MB) * 1024 * 1024;
  // the heap sits above the arena cap and below wasm32's 4 GiB
  return Math.max(0, Math.min(want, 4 * 1024 * 1024 * 1024 - 65536 - capBytes));
}

class ResidentHeap {
  private top: number;
  /** free regions by byte size (a training loop asks for the same sizes every step) */
  private readonly free = new Map<number, number[]>();
  /** regions that hold their owner (no collection notices): what a flush materializes */
  private readonly owned = new Set<Region>();
  /** regions given back while a scope was open: reused only after it closes */
  private deferred: Region[] = [];
  /** bytes of the regions allocated and not yet given back */
  usedBytes = 0;
  depth = 0;
  /** bytes allocated since the heap last asked for a full collection */
  private sinceCollect = 0;
  readonly stats = { allocated: 0, reused: 0, materialized: 0, flushes: 0, freedDead: 0, collected: 0, refused: 0, collections: 0 };
  /** notices of collected storages; null: regions hold their owners and the heap flushes */
  notices: CollectedNotices<Region> | null;

  constructor(readonly base: number, readonly limit: number) {
    this.top = base;
    this.notices = this.watching(true);
  }

  watching(on: boolean): CollectedNotices<Region> | null {
    return on
      ? collectedNotices<Region>((r) => {
          if (!r.live) return;
          this.stats.collected += r.bytes;
          this.release(r);
        })
      : null;
  }

  /** Ties a new region to the storage that owns it. */
  adopt(r: Region, owner: RegionOwner): void {
    if (this.notices) this.notices.watch(owner, r);
    else {
      r.owner = owner;
      this.owned.add(r);
    }
  }

  alloc(n: number, int32 = false): Region | null {
    const rt = wasmRuntime();
    if (!rt || this.depth === 0) return null;
    const bytes = Math.ceil((n * 4) / 64) * 64;
    let ptr = this.free.get(bytes)?.pop();
    if (ptr !== undefined) this.stats.reused += bytes;
    else if (this.top + bytes <= this.limit) {
      ptr = this.top;
      this.top += bytes;
      rt.ensureBytes(this.top);
    } else {
      ptr = this.fromCoalesced(bytes);
      if (ptr === undefined) {
        this.stats.refused += bytes;
        // a heap full of garbage asks for a collection as if this had been allocated
        this.sinceCollect += bytes;
        return null;
      }
      this.stats.reused += bytes;
      rt.ensureBytes(this.top);
    }
    this.usedBytes += bytes;
    this.sinceCollect += bytes;
    this.stats.allocated += bytes;
    const view = int32 ? new Int32Array(rt.memory.buffer, ptr, n) : new Float32Array(rt.memory.buffer, ptr, n);
    return { ptr, n, bytes, view, live: true, owner: null };
  }

  release(r: Region): void {
    if (!r.live) return;
    r.live = false;
    r.owner = null;
    this.owned.delete(r);
    if (this.depth > 0) this.deferred.push(r);
    else this.reuse(r);
  }

  private reuse(r: Region): void {
    this.usedBytes -= r.bytes;
    this.putFree(r.ptr, r.bytes);
  }

  private putFree(ptr: number, bytes: number): void {
    let list = this.free.get(bytes);
    if (!list) this.free.set(bytes, (list = []));
    list.push(ptr);
  }

  /**
   * For a full heap whose free regions have other sizes (another model ran before, say, and
   * this one asks for none of its sizes): merges adjacent free regions, gives a free run at
   * the top back to the bump pointer, and takes `bytes` from the top or the first run that
   * fits. Regions in use never move. undefined: no room even so.
   */
  private fromCoalesced(bytes: number): number | undefined {
    const regions: [ptr: number, bytes: number][] = [];
    for (const [size, list] of this.free) for (const p of list) regions.push([p, size]);
    if (regions.length === 0) return undefined;
    regions.sort((a, b) => a[0] - b[0]);
    this.free.clear();
    const runs: [number, number][] = [];
    for (const [p, size] of regions) {
      const last = runs[runs.length - 1];
      if (last && last[0] + last[1] === p) last[1] += size;
      else runs.push([p, size]);
    }
    const top = runs[runs.length - 1]!;
    if (top[0] + top[1] === this.top) {
      this.top = top[0];
      runs.pop();
    }
    let ptr: number | undefined;
    if (this.top + bytes <= this.limit) {
      ptr = this.top;
      this.top += bytes;
    }
    for (const [p, size] of runs) {
      if (ptr === undefined && size >= bytes) {
        ptr = p;
        if (size > bytes) this.putFree(p + bytes, size - bytes);
      } else this.putFree(p, size);
    }
    return ptr;
  }

  enter(): void {
    if (this.depth === 0) {
      if (this.notices) {
        this.notices.poll();
        const size = this.limit - this.base;
        if (this.usedBytes > HIGH_WATER * size && this.sinceCollect > COLLECT_EVERY * size) {
          this.sinceCollect = 0;
          if (this.notices.collectNow()) this.stats.collections++;
        }
        if (this.usedBytes === 0 && this.top !== this.base) this.restart();
      } else if (this.top - this.base > HIGH_WATER * (this.limit - this.base)) this.flush();
    }
    this.depth++;
  }

  exit(): void {
    // after recover() settled an interrupted scope, the frames that did unwind find depth 0
    if (this.depth > 0 && --this.depth === 0) this.settle();
  }

  /** Frees what the closed scopes gave back. */
  settle(): void {
    this.depth = 0;
    const d = this.deferred;
    this.deferred = [];
    for (const r of d) this.reuse(r);
  }

  /**
   * Materializes every region its owner holds and, once none is left, starts the heap over
   * (no scope open). Regions whose collection is noticed have no owner here and stay.
   */
  flush(): void {
    this.stats.flushes++;
    this.notices?.poll();
    for (const r of [...this.owned]) r.owner!.materialize();
    this.settle();
    if (this.usedBytes === 0) this.restart();
  }

  private restart(): void {
    this.free.clear();
    this.top = this.base;
  }
}

let heap: ResidentHeap | null | undefined;

function theHeap(): ResidentHeap | null {
  if (heap !== undefined) return heap;
  const rt = wasmRuntime();
  const budget = rt ? budgetBytes(rt.capBytes) : 0;
  heap = rt && budget >= 16 * 1024 * 1024 ? new ResidentHeap(rt.capBytes, rt.capBytes + budget) : null;
  // a cell cut short by an interrupt never closed its scopes
  if (heap) onRecover(() => heap!.settle());
  return heap;
}

let enabled = false;

/** Called when the wasm kernels are registered (and with false when they are not). */
export function setResidentEnabled(on: boolean): void {
  enabled = on;
}

/**
 * A region for `n` float32 (or, with `int32`, int32) values, or null: residency off
 * (reference backend), a small tensor, no scope open, or the heap full until the next flush.
 */
export function allocResident(n: number, int32 = false): Region | null {
  if (!enabled || n * 4 < RESIDENT_MIN_BYTES) return null;
  return theHeap()?.alloc(n, int32) ?? null;
}

/** Gives a region back; its views must not be read after the current scope closes. */
export function releaseResident(r: Region): void {
  theHeap()?.release(r);
}

/** Ties a region from allocResident to the storage that owns it (given back when that is collected). */
export function adoptResident(r: Region, owner: RegionOwner): void {
  theHeap()?.adopt(r, owner);
}

/**
 * @internal tests: with false, new regions hold their owners and the heap flushes at its
 * high-water mark, as where this V8 cannot notice collection.
 */
export function setResidentCollection(on: boolean): void {
  const h = theHeap();
  if (h) h.notices = h.watching(on);
}

/** True inside residentScope: resident views may be taken (and must not outlive the scope). */
export function inResidentScope(): boolean {
  return (heap?.depth ?? 0) > 0;
}

/**
 * Runs `body` (one op's forward or backward) with resident views allowed: regions given back
 * meanwhile are reused only after the outermost scope closes.
 */
export function residentScope<T>(body: () => T): T {
  const h = enabled ? theHeap() : null;
  if (!h) return body();
  h.enter();
  try {
    return body();
  } finally {
    h.exit();
  }
}

/** Materializes every resident region (tests; a host about to hand memory to something else). */
export function flushResident(): void {
  if (heap && heap.depth === 0) heap.flush();
}

/**
 * Bytes held now, and totals since load: allocated (reused: from freed regions), materialized,
 * flushes, freed dead, collected, refused (heap full), full collections asked for.
 */
export function residentStats(): { heldBytes: number; allocated: number; reused: number; materialized: number; flushes: number; freedDead: number; collected: number; refused: number; collections: number; noticesCollection: boolean } {
  return heap
    ? { heldBytes: heap.usedBytes, ...heap.stats, noticesCollection: heap.notices !== null }
    : { heldBytes: 0, allocated: 0, reused: 0, materialized: 0, flushes: 0, freedDead: 0, collected: 0, refused: 0, collections: 0, noticesCollection: false };
}

/** Counts values copied out of a region into an ordinary array (Storage.materialize). */
export function noteMaterialized(bytes: number): void {
  if (heap) heap.stats.materialized += bytes;
}

/** Counts a dead gradient's region freed without a copy (autograd/dead-gradients.ts). */
export function noteFreedDead(bytes: number): void {
  if (heap) heap.stats.freedDead += bytes;
}
