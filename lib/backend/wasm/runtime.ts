// Loads the AssemblyScript kernel module (built by `npm run build:wasm` into dist/wasm/)
// into one shared WebAssembly.Memory that the main thread and every pool worker
// instantiate against.
//
// Tensor storage is mostly ordinary GC-managed typed arrays: a training loop inside one
// notebook cell never yields to the event loop, so FinalizationRegistry callbacks that
// would free WASM-heap tensors never run there. Each kernel call copies those inputs into a
// scratch arena at the bottom of the shared memory, computes there (workers read/write the
// same arena: zero-copy between threads), copies the outputs out, and resets the arena.
// The copies are memcpy-speed (TypedArray.set), small next to the O(n^3) work of the kernels
// that run here. A forward may `keep` what its backward reads at the bottom of the arena
// instead (KeptRegion): freed by the op's graph node, spilled to the op's own arrays when
// the kept regions pass a budget. Outputs of the ops that run in a `residentScope` may live
// above the arena cap (resident.ts): `put` and `out` then use them in place, no copy either way.

import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Raw exports of the kernel module: all pointers are byte offsets into the shared memory. */
export interface WasmKernelExports {
  [name: string]: (...args: number[]) => number | void;
}

// @types/node 20 does not declare the WebAssembly namespace (it lives in lib.dom), so the
// few members used here are typed locally.
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}
export type WasmModule = object;
const WA = (globalThis as unknown as {
  WebAssembly: {
    Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
    Module: new (bytes: Uint8Array) => WasmModule;
    Instance: new (m: WasmModule, imports: object) => { exports: object };
    validate(bytes: Uint8Array): boolean;
  };
}).WebAssembly;

const PAGE = 65536;
const MAX_PAGES = 65536; // 4 GiB: the wasm32 limit; only reserved address space until used
const GROW_STEP = 16 * 1024 * 1024;
const ARENA_BASE = 1024; // below: the module's (empty) static area and its constants table (transcendental.ts)
const DEFAULT_ARENA_MAX_MB = 512;

/**
 * Thrown by `alloc` when a kernel call needs more scratch than the arena cap: a shared
 * WebAssembly.Memory can never shrink, so the call runs on the reference kernels over the
 * tensors' own (GC-freed) typed arrays instead of growing the arena for good.
 */
export class ArenaCapExceeded extends Error {}

/**
 * A region at the bottom of the arena that outlives reset(): what a forward kernel leaves
 * for its backward (see `keep`). `spill` copies it out to the owner's own arrays when the
 * runtime needs the room back; after that, or after free, `live` is false.
 */
export interface KeptRegion {
  readonly ptr: number;
  readonly bytes: number;
  live: boolean;
  spill: (() => void) | null;
}

/** The arena cap in bytes: GRADLAB_ARENA_MAX_MB, default 512 MiB, at most the 4 GiB limit. */
export function arenaCapBytes(): number {
  const mb = Number(typeof process !== "undefined" ? process.env.GRADLAB_ARENA_MAX_MB : undefined);
  const cap = Number.isFinite(mb) && mb > 0 ? mb * 1024 * 1024 : DEFAULT_ARENA_MAX_MB * 1024 * 1024;
  return Math.min(cap, MAX_PAGES * PAGE);
}

/**
 * The two builds of the module (package.json build:wasm): "relaxed-simd" fuses the GEMM's
 * multiply-adds (f32x4.relaxed_madd), "simd" is plain 128-bit SIMD and runs everywhere.
 */
export type WasmBuild = "relaxed-simd" | "simd";

// A module of one function using f32x4.relaxed_madd: it validates only where the engine has
// relaxed SIMD (Node 20 with --experimental-wasm-relaxed-simd, which the notebook kernel sets
// for its own process; later Node versions by default).
const RELAXED_PROBE = "0061736d0100000001080160037b7b7b017b030201000503010000070e0201660000066d656d6f727902000a0d010b00200020012002fd85020b";

/** Which build this engine can run; GRADLAB_WASM_BUILD=simd forces the plain one. */
export function preferredBuild(): WasmBuild {
  if (typeof process !== "undefined" && process.env.GRADLAB_WASM_BUILD === "simd") return "simd";
  try {
    return WA.validate(Uint8Array.from(RELAXED_PROBE.match(/../g)!, (h) => parseInt(h, 16))) ? "relaxed-simd" : "simd";
  } catch {
    return "simd";
  }
}

/** Where `npm run build` puts a build of the module, seen from lib/ sources and from dist/lib. */
export function wasmPath(build: WasmBuild = "simd"): string | null {
  const file = build === "relaxed-simd" ? "kernels-relaxed.wasm" : "kernels.wasm";
  const candidates = [
    new URL(`../../../dist/wasm/${file}`, import.meta.url), // lib/backend/wasm/*.ts (vitest)
    new URL(`../../../wasm/${file}`, import.meta.url), // dist/lib/backend/wasm/*.js
  ];
  for (const u of candidates) {
    const p = fileURLToPath(u);
    if (existsSync(p)) return p;
  }
  return null;
}

export class WasmRuntime {
  readonly module: WasmModule;
  /** Which build of the module was loaded. */
  build: WasmBuild = "simd";
  readonly memory: WasmMemory;
  readonly exports: WasmKernelExports;
  private top = ARENA_BASE;
  /** Where reset() returns to: ARENA_BASE plus the kept regions below it. */
  private base = ARENA_BASE;
  private kept: KeptRegion[] = [];
  /** Kept regions together never exceed this; a new one spills all the older ones first. */
  keepBudgetBytes: number;
  /** Name of the op using the arena, for error messages. */
  op = "wasm backend";
  private f32view: Float32Array;
  private i32view: Int32Array;
  /** The arena never grows past this many bytes (see ArenaCapExceeded). */
  readonly capBytes = arenaCapBytes();
  /** Bytes copied into (put) and out of (getF32/getI32) the arena since load, for profiling. */
  readonly copied = { in: 0, out: 0 };
  /** Every ArrayBuffer this memory has had (a grow gives a new one; older views stay valid). */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  /** Byte ranges of the operands this call reads in place (put of a resident view), [start, end) pairs. */
  private direct: number[] = [];

  constructor(module: WasmModule) {
    this.module = module;
    this.memory = new WA.Memory({ initial: 64, maximum: MAX_PAGES, shared: true });
    const instance = new WA.Instance(module, { env: { memory: this.memory } });
    this.exports = instance.exports as unknown as WasmKernelExports;
    // vector constants the kernels load (every instance shares this memory)
    this.exports.transcendentalInit!();
    this.f32view = new Float32Array(this.memory.buffer);
    this.i32view = new Int32Array(this.memory.buffer);
    this.buffers.add(this.memory.buffer);
    // a shared memory never shrinks: forwards whose backward never runs must not grow it far
    this.keepBudgetBytes = Math.min(this.capBytes / 8, 64 * 1024 * 1024);
  }

  /** Float32 view of the whole memory (refreshed after growth). */
  get f32(): Float32Array {
    return this.f32view;
  }
  get i32(): Int32Array {
    return this.i32view;
  }

  /** Reserves `bytes` (64-byte aligned) in the arena; returns the byte offset. */
  alloc(bytes: number): number {
    const ptr = this.top;
    const end = ptr + Math.ceil(bytes / 64) * 64;
    if (end > this.capBytes) {
      throw new ArenaCapExceeded(`${this.op}: needs ${end} bytes of wasm scratch memory, over the ${this.capBytes}-byte arena cap`);
    }
    if (end > this.memory.buffer.byteLength) this.grow(end);
    this.top = end;
    return ptr;
  }

  private grow(end: number): void {
    const have = this.memory.buffer.byteLength / PAGE;
    // grow by at least 1/4 so a training loop settles after a few steps
    // ... but never past the cap, which alloc has checked `end` against
    const need = Math.min(Math.max(Math.ceil(end / PAGE) - have, Math.ceil(have / 4)), Math.floor(this.capBytes / PAGE) - have);
    this.memory.grow(Math.max(need, Math.ceil(end / PAGE) - have));
    this.refreshViews();
  }

  private refreshViews(): void {
    this.f32view = new Float32Array(this.memory.buffer);
    this.i32view = new Int32Array(this.memory.buffer);
    this.buffers.add(this.memory.buffer);
  }

  /**
   * Makes the memory at least `end` bytes long (the resident heap above the arena cap,
   * resident.ts), growing by GROW_STEP at least: a heap filling with small regions would
   * otherwise grow page by page, each time with new views. Untouched pages cost nothing.
   */
  ensureBytes(end: number): void {
    const have = this.memory.buffer.byteLength / PAGE;
    if (end <= have * PAGE) return;
    const want = Math.min(MAX_PAGES, Math.max(Math.ceil(end / PAGE), have + GROW_STEP / PAGE));
    this.memory.grow(want - have);
    this.refreshViews();
  }

  /** True when `a` is a view of this memory (a resident tensor's storage, resident.ts): kernels read and write it in place. */
  isResident(a: ArrayBufferView): boolean {
    return this.buffers.has(a.buffer);
  }

  /**
   * Where a kernel writes `n` floats of output `dst`: in place when dst is resident and
   * overlaps no operand this call reads in place (a GEMM must not write what it reads), else
   * fresh arena scratch that getF32 then copies into dst.
   */
  out(dst: Float32Array | Int32Array, n = dst.length): number {
    if (this.isResident(dst)) {
      const start = dst.byteOffset, end = start + n * 4;
      let clear = true;
      for (let i = 0; i < this.direct.length; i += 2) if (start < this.direct[i + 1]! && this.direct[i]! < end) clear = false;
      if (clear) return start;
    }
    return this.alloc(n * 4);
  }

  /**
   * Copies the first `n` elements (default: all) of a Float32Array or Int32Array into the
   * arena; returns its byte offset. Ops hand kernels views that may run past the data the
   * kernel reads (`storage.subarray(offset)`), so callers pass the extent they need.
   */
  put(src: Float32Array | Int32Array, n = src.length): number {
    if (n > src.length) throw new Error(`${this.op}: input has ${src.length} elements, the kernel reads ${n}`);
    if (this.isResident(src)) {
      this.direct.push(src.byteOffset, src.byteOffset + n * 4);
      return src.byteOffset;
    }
    const ptr = this.alloc(n * 4);
    this.copied.in += n * 4;
    const part = n === src.length ? src : src.subarray(0, n);
    if (part[Symbol.toStringTag] === "Float32Array") this.f32view.set(part, ptr >> 2);
    else this.i32view.set(part, ptr >> 2);
    return ptr;
  }

  /** Copies bytes (a bool tensor's storage) into the arena; returns its byte offset. */
  putBytes(src: Uint8Array): number {
    const ptr = this.alloc(src.length);
    this.copied.in += src.length;
    new Uint8Array(this.memory.buffer, ptr, src.length).set(src);
    return ptr;
  }

  /** Copies `n` floats (default: dst.length) from the arena into dst. */
  getF32(ptr: number, dst: Float32Array, n = dst.length): void {
    if (this.isResident(dst)) {
      if (dst.byteOffset !== ptr) this.f32view.copyWithin(dst.byteOffset >> 2, ptr >> 2, (ptr >> 2) + n);
      return;
    }
    this.copied.out += n * 4;
    dst.set(this.f32view.subarray(ptr >> 2, (ptr >> 2) + n));
  }

  getI32(ptr: number, dst: Int32Array, n = dst.length): void {
    if (this.isResident(dst)) {
      if (dst.byteOffset !== ptr) this.i32view.copyWithin(dst.byteOffset >> 2, ptr >> 2, (ptr >> 2) + n);
      return;
    }
    this.copied.out += n * 4;
    dst.set(this.i32view.subarray(ptr >> 2, (ptr >> 2) + n));
  }

  /** Releases everything allocated since the last reset (call once a kernel is done). */
  reset(): void {
    this.top = this.base;
    if (this.direct.length > 0) this.direct = [];
  }

  /**
   * Reserves `bytes` that stay valid across resets until `free` (or, when the kept regions
   * would pass keepBudgetBytes, until the runtime calls `spill` and takes them back). Only
   * on an empty arena, first thing in a kernel call. Throws ArenaCapExceeded as alloc does.
   */
  keep(bytes: number, spill: () => void): KeptRegion {
    if (this.top !== this.base) throw new Error(`${this.op}: keep() needs an empty arena`);
    const size = Math.ceil(bytes / 64) * 64;
    if (this.base - ARENA_BASE + size > this.keepBudgetBytes) this.spillAll();
    const ptr = this.alloc(size);
    const region: KeptRegion = { ptr, bytes: size, live: true, spill };
    this.kept.push(region);
    this.base = this.top;
    return region;
  }

  /** Gives a kept region back (its contents are no longer needed); the base drops past freed tops. */
  free(region: KeptRegion): void {
    if (!region.live) return;
    region.live = false;
    region.spill = null;
    while (this.kept.length > 0 && !this.kept[this.kept.length - 1]!.live) this.kept.pop();
    const last = this.kept[this.kept.length - 1];
    this.base = last ? last.ptr + last.bytes : ARENA_BASE;
    if (this.top < this.base) this.top = this.base;
  }

  /** Spills every kept region to its owner's arrays and empties the kept stack. */
  spillAll(): void {
    for (const r of this.kept) {
      if (!r.live) continue;
      const spill = r.spill;
      r.live = false;
      r.spill = null;
      spill?.();
    }
    this.kept = [];
    this.base = ARENA_BASE;
    this.top = ARENA_BASE;
  }

  /** Bytes held by kept regions (for tests and diagnostics). */
  get keptBytes(): number {
    return this.base - ARENA_BASE;
  }

  get arenaTop(): number {
    return this.top;
  }
}

let runtime: WasmRuntime | null | undefined;
let loadError = "";

/** The process-wide runtime, created on first use; null when WASM SIMD is unavailable. */
export function wasmRuntime(): WasmRuntime | null {
  if (runtime !== undefined) return runtime;
  runtime = null;
  let build = preferredBuild();
  let path = wasmPath(build);
  if (!path && build === "relaxed-simd") path = wasmPath((build = "simd"));
  if (!path) {
    loadError = "dist/wasm/kernels.wasm not found (run `npm run build:wasm`)";
    return null;
  }
  try {
    runtime = new WasmRuntime(new WA.Module(readFileSync(path)));
    runtime.build = build;
  } catch (e) {
    loadError = `could not instantiate ${path}: ${(e as Error).message}`;
  }
  return runtime;
}

/** Why wasmRuntime() returned null ("" when it did not). */
export function wasmLoadError(): string {
  return loadError;
}
