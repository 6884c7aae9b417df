// conv2d forward and both backward passes on the wasm kernels, split across threads by
// image: Winograd F(2×2, 3×3) for 3×3 "same" convs (conv_winograd.ts), the implicit GEMM
// for other stride-1 multi-channel convs (conv_implicit.ts), the direct kernel for single-
// channel images (conv_direct.ts), im2col + GEMM for the rest (conv.ts). The weight gradient
// is summed over images, so each fixed chunk of images gets its own partial dw and the
// partials are added here in chunk order.

import type { Conv2dParams, Pool2dParams } from "../kernels.js";
import { window } from "./pool2d.js";
import { runRange, withArena } from "./dispatch.js";
import { wasmRuntime, type WasmRuntime } from "./runtime.js";

function geometry(p: Conv2dParams): number[] {
  return [p.cIn, p.h, p.w, p.cOut, p.kh, p.kw, p.strideH, p.strideW, p.padH, p.padW,
    p.dilationH, p.dilationW, p.groups, p.outH, p.outW];
}

const xLen = (p: Conv2dParams) => p.n * p.cIn * p.h * p.w;
const yLen = (p: Conv2dParams) => p.n * p.cOut * p.outH * p.outW;
const wLen = (p: Conv2dParams) => p.cOut * (p.cIn / p.groups) * p.kh * p.kw;

function flops(p: Conv2dParams): number {
  return 2 * p.n * p.cOut * (p.cIn / p.groups) * p.kh * p.kw * p.outH * p.outW;
}

function wsBytes(rt: WasmRuntime, p: Conv2dParams): number {
  return rt.exports.convWorkspaceBytes!(p.cIn, p.cOut, p.groups, p.kh, p.kw, p.outH, p.outW) as number;
}

/**
 * Which convs take the implicit-GEMM kernels (conv_implicit.ts): `forward` and `input` only
 * where the wide rows they compute (kw − 1 junk columns each) add little work, `input` only
 * while the planes it re-reads stay in cache (im2col + GEMM blocks larger layers better).
 */
function implicitPlan(p: Conv2dParams): { forward: boolean; input: boolean; scatter: boolean; weight: boolean; ws: number } | null {
  const rt = wasmRuntime()!;
  if (rt.exports.implicitConv!(p.cIn, p.groups, p.strideH, p.strideW, p.dilationH, p.dilationW, p.kh, p.kw, p.padH, p.padW) !== 1) return null;
  const wideForward = (p.outH * (p.w + 2 * p.padW)) / (p.outH * p.outW);
  const wideInput = (p.h * (p.outW + 2 * (p.kw - 1 - p.padW))) / (p.outH * p.outW);
  const ws = rt.exports.implicitWorkspaceBytes!(p.cIn, p.h, p.w, p.cOut, p.kh, p.kw, p.padH, p.padW, p.outH, p.outW) as number;
  // the planes the input gradient re-reads for every block of channels or taps: padded dy
  // (rotated forward) or wide dy (scatter); the forward measured faster even past this
  const Wp = p.w + 2 * p.padW;
  const fits = (floats: number) => floats <= IMPLICIT_MAX_PLANES;
  const forward = wideForward <= IMPLICIT_MAX_WIDE;
  const input = wideInput <= IMPLICIT_MAX_WIDE
    && fits(p.cOut * (p.outH + 2 * (p.kh - 1 - p.padH)) * (p.outW + 2 * (p.kw - 1 - p.padW)));
  const scatter = !input && wideForward <= IMPLICIT_MAX_WIDE && fits(p.cOut * p.outH * Wp);
  return { forward, input, scatter, weight: true, ws };
}
/** Most extra work (wide positions per real output) the implicit forward and input gradient may take. */
const IMPLICIT_MAX_WIDE = 1.5;
/** Floats of the planes the implicit input gradient re-reads for every block of channels or taps: about L2. */
const IMPLICIT_MAX_PLANES = 1 << 16;

// args: geometry (15), three pointers, b0 (18), b1, workspace
const IMAGES = 18;
/** Images of a weight gradient are summed in this many fixed chunks (fewer when n is smaller). */
const WEIGHT_GRAD_CHUNKS = 16;

type Epilogue = { bias: Float32Array | null; relu: boolean };

const implicitGeometry = (p: Conv2dParams) => [p.cIn, p.h, p.w, p.cOut, p.kh, p.kw, p.padH, p.padW, p.outH, p.outW];
/** Range start in the implicit kernels' arguments: geometry (10), three pointers (argmax too for the forward). */
const IMPLICIT_IMAGES = 13;

/**
 * Whether the Winograd F(2×2, 3×3) kernels (conv_winograd.ts) take this pass of the conv:
 * their workspace bytes per thread, 0 if not. With fewer than WINOGRAD_MIN_CHANNELS input or
 * output channels the tile GEMMs are too short to pay for the transforms; the weight
 * gradient's accumulator (16 · cOut · cIn floats) must stay in cache.
 */
function winograd(p: Conv2dParams, pass: "forward" | "input" | "weight"): number {
  const e = wasmRuntime()!.exports;
  if (e.winogradConv!(p.cIn, p.groups, p.kh, p.kw, p.strideH, p.strideW, p.padH, p.padW, p.dilationH, p.dilationW, p.outH, p.outW) !== 1) return 0;
  if (Math.min(p.cIn, p.cOut) < WINOGRAD_MIN_CHANNELS) return 0;
  if (pass === "weight" && 16 * p.cOut * Math.ceil(p.cIn / 8) * 8 * 4 > WINOGRAD_MAX_ACCUMULATOR) return 0;
  const ws = pass === "weight" ? e.winogradWeightWorkspaceBytes!(p.cIn, p.cOut, p.outH, p.outW) as number
    : e.winogradWorkspaceBytes!(p.cIn, p.cOut, p.outH, p.outW) as number;
  return ws <= WINOGRAD_MAX_WORKSPACE ? ws : 0;
}
/** Winograd keeps one image's transforms per thread: beyond this (large planes) they would leave the cache. */
const WINOGRAD_MAX_WORKSPACE = 4 << 20;
const WINOGRAD_MIN_CHANNELS = 8;
const WINOGRAD_MAX_ACCUMULATOR = 256 << 10;
/** Range start in winogradForwardRange's arguments. */
const WINOGRAD_IMAGES = 8;

/** The Winograd forward (pooled: with its 2×2 max pool into po, pa) over all images. */
function winogradForward(rt: WasmRuntime, px: number, pw: number, po: number, pa: number, p: Conv2dParams, ws: number,
  epilogue: Epilogue | undefined, pooled: boolean): void {
  const pb = epilogue?.bias ? rt.put(epilogue.bias, p.cOut) : 0;
  runRange("conv2d", "winogradForwardRange",
    () => [p.cIn, p.cOut, p.outH, p.outW, px, pw, po, pa, 0, p.n, rt.alloc(ws), pb, epilogue?.relu ? 1 : 0, pooled ? 1 : 0, 0],
    { startArg: WINOGRAD_IMAGES, total: p.n, align: 1 }, flops(p) / 2.25);
}

/** The implicit forward over all images into po (and pa when pooled): see implicitForwardRange. */
function implicitForward(rt: WasmRuntime, px: number, pw: number, po: number, pa: number, p: Conv2dParams, ws: number,
  epilogue: Epilogue | undefined, pooled: boolean): void {
  const pb = epilogue?.bias ? rt.put(epilogue.bias, p.cOut) : 0;
  runRange("conv2d", "implicitForwardRange",
    () => [...implicitGeometry(p), px, pw, po, pa, 0, p.n, rt.alloc(ws), pb, epilogue?.relu ? 1 : 0, pooled ? 1 : 0],
    { startArg: IMPLICIT_IMAGES + 1, total: p.n, align: 1 }, flops(p));
}

/**
 * Runs the conv forward into the arena and returns the output's offset there; the bias and
 * ReLU of `epilogue` are applied per image right after its GEMM.
 */
function forwardInArena(rt: WasmRuntime, x: Float32Array, w: Float32Array, p: Conv2dParams, epilogue?: Epilogue, out?: Float32Array): number {
  // a resident `out` is written in place (rt.out), else the result stays in the arena
  const px = rt.put(x, xLen(p)), pw = rt.put(w, wLen(p)), po = out ? rt.out(out, yLen(p)) : rt.alloc(yLen(p) * 4);
  const wino = winograd(p, "forward");
  if (wino) {
    winogradForward(rt, px, pw, po, 0, p, wino, epilogue, false);
    return po;
  }
  const plan = implicitPlan(p);
  if (plan?.forward) {
    implicitForward(rt, px, pw, po, 0, p, plan.ws, epilogue, false);
    return po;
  }
  const pb = epilogue?.bias ? rt.put(epilogue.bias, p.cOut) : 0;
  const relu = epilogue?.relu ? 1 : 0;
  const ws = wsBytes(rt, p);
  runRange("conv2d", "conv2dForwardRange", () => [...geometry(p), px, pw, po, 0, p.n, rt.alloc(ws), pb, relu],
    { startArg: IMAGES, total: p.n, align: 1 }, flops(p));
  return po;
}

export function conv2dForwardF32(x: Float32Array, w: Float32Array, out: Float32Array, p: Conv2dParams, epilogue?: Epilogue): void {
  if (p.n === 0) return;
  withArena("conv2d", (rt) => rt.getF32(forwardInArena(rt, x, w, p, epilogue, out), out, yLen(p)));
}

/**
 * Single-channel convs (the direct kernel) followed by a 2×2, stride-2, unpadded, floor-mode
 * pool run as one kernel that pools each pair of conv rows while they are in cache.
 */
function fusedPool2x2(p: Conv2dParams, q: Pool2dParams): boolean {
  const rt = wasmRuntime()!;
  return rt.exports.convPoolFusable!(p.cIn, p.groups, p.kh, p.kw, p.strideH, p.strideW, p.dilationH, p.dilationW) === 1 && pool2x2(p, q);
}

/** A 2×2, stride-2, unpadded, floor-mode max pool of the whole conv output. */
function pool2x2(p: Conv2dParams, q: Pool2dParams): boolean {
  return q.kh === 2 && q.kw === 2 && q.strideH === 2 && q.strideW === 2 && q.padH === 0 && q.padW === 0
    && q.dilationH === 1 && q.dilationW === 1 && q.h === p.outH && q.w === p.outW
    && q.outH === Math.floor(p.outH / 2) && q.outW === Math.floor(p.outW / 2);
}

/**
 * The conv forward, then max pooling of its output while it is still in the arena: only the
 * pooled values and the argmax are copied out (a quarter of the conv output for 2×2 pools).
 */
export function conv2dMaxPoolForwardF32(x: Float32Array, w: Float32Array, out: Float32Array, argmax: Int32Array, p: Conv2dParams,
  pool: Pool2dParams, epilogue?: Epilogue): void {
  if (p.n === 0) return;
  if (fusedPool2x2(p, pool)) {
    withArena("conv2d + maxPool2d", (rt) => {
      const pooled = pool.n * pool.c * pool.outH * pool.outW;
      const px = rt.put(x, xLen(p)), pw = rt.put(w, wLen(p)), po = rt.out(out, pooled), pa = rt.out(argmax, pooled);
      const pb = epilogue?.bias ? rt.put(epilogue.bias, p.cOut) : 0;
      const ws = wsBytes(rt, p);
      runRange("conv2d + maxPool2d", "conv2dMaxPool2x2ForwardRange",
        () => [p.h, p.w, p.cOut, p.kh, p.kw, p.padH, p.padW, p.outH, p.outW, px, pw, po, pa, 0, p.n, rt.alloc(ws), pb, epilogue?.relu ? 1 : 0],
        { startArg: 13, total: p.n, align: 1 }, flops(p));
      rt.getF32(po, out, pooled);
      rt.getI32(pa, argmax, pooled);
    });
    return;
  }
  const plan = implicitPlan(p), wino = epilogue?.relu ? winograd(p, "forward") : 0;
  if ((wino || plan?.forward) && pool2x2(p, pool)) {
    withArena("conv2d + maxPool2d", (rt) => {
      const pooled = pool.n * pool.c * pool.outH * pool.outW;
      const px = rt.put(x, xLen(p)), pw = rt.put(w, wLen(p)), po = rt.out(out, pooled), pa = rt.out(argmax, pooled);
      if (wino) winogradForward(rt, px, pw, po, pa, p, wino, epilogue, true);
      else implicitForward(rt, px, pw, po, pa, p, plan!.ws, epilogue, true);
      rt.getF32(po, out, pooled);
      rt.getI32(pa, argmax, pooled);
    });
    return;
  }
  withArena("conv2d + maxPool2d", (rt) => {
    const py = forwardInArena(rt, x, w, p, epilogue);
    const pooled = pool.n * pool.c * pool.outH * pool.outW;
    const po = rt.out(out, pooled), pa = rt.out(argmax, pooled);
    runRange("maxPool2d", "maxPool2dForwardRange", () => [...window(pool), py, po, pa, 0, 0],
      { startArg: 15, total: pool.n * pool.c, align: 1 }, pooled * pool.kh * pool.kw);
    rt.getF32(po, out, pooled);
    rt.getI32(pa, argmax, pooled);
  });
}

/**
 * Whether poolWeightGradInArena takes dw and db of maxPool(relu(conv2d(x))): stride and
 * dilation 1, no groups, taps up to 8 wide (their rows fit the kernel's registers), and a
 * pool that keeps at most half the conv's positions (so half the multiply-adds or fewer).
 * For 2×2 pools it measured faster than every dense weight gradient, Winograd's included.
 */
function poolWeightGrad(p: Conv2dParams, pool: Pool2dParams): boolean {
  const e = wasmRuntime()!.exports;
  return e.poolWeightGradable!(p.groups, p.strideH, p.strideW, p.dilationH, p.dilationW) === 1 && p.kw <= 8
    && 2 * pool.outH * pool.outW <= p.outH * p.outW;
}

/**
 * dw and db of a conv (poolWeightGrad) under a ReLU and a max pool, straight from the pooled
 * gradient already in the arena: only the argmax positions are visited (a quarter of the conv
 * output for 2×2 pools), the conv output's gradient is never read. Partials per fixed chunk of
 * images, summed in chunk order (as backwardWeightInArena).
 */
function poolWeightGradInArena(rt: WasmRuntime, px: number, pdy: number, ppooled: number, pargmax: number, dw: Float32Array | null,
  db: Float32Array | null, p: Conv2dParams, pool: Pool2dParams): void {
  const partFloats = rt.exports.maxPoolWeightGradPartFloats!(p.cIn, p.cOut, p.kh, p.kw) as number;
  const chunks = Math.min(p.n, WEIGHT_GRAD_CHUNKS), chunk = Math.ceil(p.n / chunks);
  const parts = Math.ceil(p.n / chunk);
  const base = rt.alloc(parts * partFloats * 4); // each chunk's first image zeroes its partial
  const PP = pool.outH * pool.outW;
  const ws = rt.exports.poolWeightGradScratchBytes!(p.cIn, p.outH, p.outW, p.kh, p.kw, PP) as number;
  runRange("conv2d + maxPool2d backward (weight)", "conv2dMaxPoolBackwardWeightRange",
    () => [p.cIn, p.h, p.w, p.cOut, p.kh, p.kw, p.padH, p.padW, p.outH, p.outW, PP, px, pdy, ppooled, pargmax, base, 0, p.n, rt.alloc(ws), chunk],
    { startArg: 16, total: p.n, align: chunk }, p.n * p.cOut * p.cIn * PP * p.kh * ((p.kw + 3) & ~3) * 2);
  const f = rt.f32, b = base >> 2, kv = (p.kw + 3) & ~3, taps = (partFloats / p.cOut - 1) / p.cIn;
  for (let c = 0; c < p.cOut; c++) {
    for (let ci = 0; ci < p.cIn; ci++) {
      for (let ki = 0; ki < p.kh; ki++) {
        for (let kj = 0; kj < p.kw; kj++) {
          const i = (c * p.cIn + ci) * taps + ki * kv + kj;
          let s = f[b + i]!;
          for (let q = 1; q < parts; q++) s += f[b + q * partFloats + i]!;
          if (dw) dw[((c * p.cIn + ci) * p.kh + ki) * p.kw + kj] = s;
        }
      }
    }
    if (db) {
      const i = p.cOut * p.cIn * taps + c;
      let s = f[b + i]!;
      for (let q = 1; q < parts; q++) s += f[b + q * partFloats + i]!;
      db[c] = s;
    }
  }
}

/**
 * The conv gradients of maxPool(relu(conv2d(x))) from the pooled gradient: dw and db by
 * poolWeightGradInArena where it applies; dx (and dw, db elsewhere) from the conv output's
 * gradient, which the pool's backward scatters into the arena (no copy of it out and back).
 */
export function conv2dMaxPoolBackwardF32(x: Float32Array, w: Float32Array, dy: Float32Array, pooled: Float32Array, argmax: Int32Array,
  dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null, p: Conv2dParams, pool: Pool2dParams): void {
  if (p.n === 0) {
    dw?.fill(0, 0, wLen(p));
    db?.fill(0, 0, p.cOut);
    return;
  }
  const pooledLen = pool.n * pool.c * pool.outH * pool.outW;
  withArena("conv2d + maxPool2d backward", (rt) => {
    const pdy = rt.put(dy, pooledLen), pp = rt.put(pooled, pooledLen), pa = rt.put(argmax, pooledLen);
    const visits = (dw || db) && poolWeightGrad(p, pool);
    if (visits) poolWeightGradInArena(rt, rt.put(x, xLen(p)), pdy, pp, pa, dw, db, p, pool);
    if (!dx && (visits || (!dw && !db))) return;
    const pg = rt.alloc(yLen(p) * 4);
    runRange("maxPool2d backward", "maxPool2dBackwardRange", () => [pool.h, pool.w, pool.outH, pool.outW, pdy, pa, pg, pp, 0, 0],
      { startArg: 8, total: pool.n * pool.c, align: 1 }, pooledLen * pool.kh * pool.kw);
    if (!visits) {
      if (db) channelSumInArena(rt, pg, db, p.n, p.cOut, p.outH * p.outW);
      if (dw) backwardWeightInArena(rt, rt.put(x, xLen(p)), pg, dw, p);
    }
    if (dx) rt.getF32(backwardInputInArena(rt, pg, rt.put(w, wLen(p)), p), dx, xLen(p));
  });
}

/** dx of the conv from dy and w already in the arena; returns dx's offset there. */
function backwardInputInArena(rt: WasmRuntime, pdy: number, pw: number, p: Conv2dParams): number {
  const pdx = rt.alloc(xLen(p) * 4);
  const wino = winograd(p, "input");
  if (wino) {
    runRange("conv2d backward (input)", "winogradForwardRange",
      () => [p.cOut, p.cIn, p.h, p.w, pdy, pw, pdx, 0, 0, p.n, rt.alloc(wino), 0, 0, 0, 1],
      { startArg: WINOGRAD_IMAGES, total: p.n, align: 1 }, flops(p) / 2.25);
    return pdx;
  }
  const plan = implicitPlan(p);
  if (plan?.input || plan?.scatter) {
    runRange("conv2d backward (input)", plan.input ? "implicitBackwardInputRange" : "implicitBackwardInputScatterRange", () => [...implicitGeometry(p), pdy, pw, pdx, 0, p.n, rt.alloc(plan.ws)],
      { startArg: IMPLICIT_IMAGES, total: p.n, align: 1 }, flops(p));
    return pdx;
  }
  const ws = wsBytes(rt, p);
  runRange("conv2d backward (input)", "conv2dBackwardInputRange", () => [...geometry(p), pdy, pw, pdx, 0, p.n, rt.alloc(ws)],
    { startArg: IMAGES, total: p.n, align: 1 }, flops(p));
  return pdx;
}

/** dw (overwritten) of the conv from x and dy already in the arena. */
function backwardWeightInArena(rt: WasmRuntime, px: number, pdy: number, dw: Float32Array, p: Conv2dParams): void {
  const size = wLen(p);
  const ws = wsBytes(rt, p);
  // One partial per fixed chunk of images (the chunking depends on n only), summed in
  // chunk order: the same result for any number of threads and any split among them.
  const chunks = Math.min(p.n, WEIGHT_GRAD_CHUNKS), chunk = Math.ceil(p.n / chunks);
  const parts = Math.ceil(p.n / chunk);
  const base = rt.alloc(parts * size * 4);
  rt.f32.fill(0, base >> 2, (base >> 2) + parts * size); // the kernel accumulates into them
  const plan = implicitPlan(p);
  const wino = winograd(p, "weight");
  if (wino) {
    runRange("conv2d backward (weight)", "winogradBackwardWeightRange", () => [p.cIn, p.cOut, p.outH, p.outW, px, pdy, base, 0, p.n, rt.alloc(wino), chunk],
      { startArg: WINOGRAD_IMAGES - 1, total: p.n, align: chunk }, flops(p) / 2.25);
  } else if (plan?.weight) {
    runRange("conv2d backward (weight)", "implicitBackwardWeightRange", () => [...implicitGeometry(p), px, pdy, base, 0, p.n, rt.alloc(plan.ws), chunk],
      { startArg: IMPLICIT_IMAGES, total: p.n, align: chunk }, flops(p));
  } else {
    runRange("conv2d backward (weight)", "conv2dBackwardWeightRange", () => [...geometry(p), px, pdy, base, 0, p.n, rt.alloc(ws), chunk],
      { startArg: IMAGES, total: p.n, align: chunk }, flops(p));
  }
  const f = rt.f32, b = base >> 2;
  for (let i = 0; i < size; i++) {
    let s = f[b + i]!;
    for (let c = 1; c < parts; c++) s += f[b + c * size + i]!;
    dw[i] = s;
  }
}

/** db[ch] (overwritten) = Σ of dy [n, c, plane] already in the arena over images and positions. */
function channelSumInArena(rt: WasmRuntime, pdy: number, db: Float32Array, n: number, c: number, plane: number): void {
  const pdb = rt.alloc(c * 4);
  runRange("channelSum", "channelSumRange", () => [pdy, pdb, n, c, plane, 0, 0], { startArg: 5, total: c, align: 1 }, n * c * plane);
  rt.getF32(pdb, db, c);
}

export function conv2dBackwardInputF32(dy: Float32Array, w: Float32Array, dx: Float32Array, p: Conv2dParams): void {
  if (p.n === 0) return;
  withArena("conv2d backward (input)", (rt) => {
    rt.getF32(backwardInputInArena(rt, rt.put(dy, yLen(p)), rt.put(w, wLen(p)), p), dx, xLen(p));
  });
}

export function conv2dBackwardWeightF32(x: Float32Array, dy: Float32Array, dw: Float32Array, p: Conv2dParams): void {
  if (p.n === 0) {
    dw.fill(0, 0, wLen(p));
    return;
  }
  withArena("conv2d backward (weight)", (rt) => backwardWeightInArena(rt, rt.put(x, xLen(p)), rt.put(dy, yLen(p)), dw, p));
}

export function channelSumF32(dy: Float32Array, db: Float32Array, n: number, c: number, plane: number): void {
  if (n * plane === 0) {
    db.fill(0, 0, c);
    return;
  }
  withArena("channelSum", (rt) => channelSumInArena(rt, rt.put(dy, n * c * plane), db, n, c, plane));
}

/** The three conv gradients wanted (null: not) from one copy of dy in the arena. */
export function conv2dBackwardF32(x: Float32Array, w: Float32Array, dy: Float32Array,
  dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null, p: Conv2dParams): void {
  if (p.n === 0) {
    dw?.fill(0, 0, wLen(p));
    db?.fill(0, 0, p.cOut);
    return;
  }
  withArena("conv2d backward", (rt) => {
    const pdy = rt.put(dy, yLen(p));
    if (db) channelSumInArena(rt, pdy, db, p.n, p.cOut, p.outH * p.outW);
    if (dw) backwardWeightInArena(rt, rt.put(x, xLen(p)), pdy, dw, p);
    if (dx) rt.getF32(backwardInputInArena(rt, pdy, rt.put(w, wLen(p)), p), dx, xLen(p));
  });
}
