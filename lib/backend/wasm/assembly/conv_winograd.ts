// 3×3, stride-1, "same" (padding 1) conv2d by Winograd's F(2×2, 3×3): each 2×2 output tile
// is A^T [(G g G^T) ⊙ (B^T d B)] A over its 4×4 input tile d, so the channel sums become 16
// GEMMs (one per transform position ξ) with 2.25× fewer multiply-adds than the direct conv.
// Per image: input transform V [16][cIn][TN], GEMMs M[ξ] = U[ξ] [cOut × cIn] @ V[ξ], output
// transform with bias and ReLU, and 2×2 max pooling for free (a pool window is one tile).
// Tiles t = ty·tw + tx, tw = the tile columns rounded up to 4 (one vector of tiles).

import { packedTile, rowsTile } from "./tile4x8";
import { copyFloats, padPlanes, paddedFloats, transposeDy } from "./conv_implicit";
import { maxPoolWindows } from "./pool2d";

@inline function f(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

@inline function roundUp(x: i32, m: i32): i32 {
  return ((x + m - 1) / m) * m;
}

/** Whether Winograd takes this conv: 3×3, stride and dilation 1, padding 1, even output, groups 1. */
export function winogradConv(cIn: i32, groups: i32, kh: i32, kw: i32, sH: i32, sW: i32, pH: i32, pW: i32,
                             dH: i32, dW: i32, outH: i32, outW: i32): i32 {
  return <i32>(cIn > 1 && groups == 1 && kh == 3 && kw == 3 && sH == 1 && sW == 1 && pH == 1 && pW == 1
    && dH == 1 && dW == 1 && outH >= 2 && outW >= 2 && (outH & 1) == 0 && (outW & 1) == 0);
}

@inline function tileCols(outW: i32): i32 {
  return roundUp(outW >> 1, 4);
}
@inline function tileCount(outH: i32, outW: i32): i32 {
  return roundUp((outH >> 1) * tileCols(outW), 8);
}
/** Padded plane: 1 row/column of zeros before, enough after for the last vector of tiles. */
@inline function paddedW(outW: i32): i32 {
  return 2 * tileCols(outW) + 4;
}
@inline function paddedH(outH: i32): i32 {
  return outH + 2;
}

// workspace (floats, each part 64-byte aligned): xp [c][Hp][Wp] (padPlanes) | V [16][c][TN] | U [16][c4o][c][4] | M [16][c4o][TN]
@inline function xpAt(ws: usize): usize {
  return (ws + 63) & ~63;
}
@inline function vAt(ws: usize, c: i32, outH: i32, outW: i32): usize {
  return (f(xpAt(ws), paddedFloats(c, paddedH(outH), paddedW(outW))) + 63) & ~63;
}
@inline function uAt(ws: usize, c: i32, outH: i32, outW: i32): usize {
  return (f(vAt(ws, c, outH, outW), 16 * c * tileCount(outH, outW)) + 63) & ~63;
}
@inline function mAt(ws: usize, c: i32, cOut: i32, outH: i32, outW: i32): usize {
  return (f(uAt(ws, c, outH, outW), 16 * roundUp(cOut, 4) * c) + 63) & ~63;
}

/** Workspace bytes of one thread for a c → cOut channel Winograd conv with an outH × outW output. */
@inline function layoutBytes(c: i32, cOut: i32, outH: i32, outW: i32): i32 {
  return <i32>f(mAt(0, c, cOut, outH, outW), 16 * roundUp(cOut, 4) * tileCount(outH, outW) + 16) + 64;
}

/** Workspace bytes for the forward (cIn → cOut) and the input gradient (cOut → cIn) of this conv. */
export function winogradWorkspaceBytes(cIn: i32, cOut: i32, outH: i32, outW: i32): i32 {
  return max(layoutBytes(cIn, cOut, outH, outW), layoutBytes(cOut, cIn, outH, outW));
}

/**
 * U[ξ][cb][ci][4] = (G g G^T)[ξ] for g = wt[co, ci] (flip: the input gradient's kernel, wt
 * [cIn', cOut', 3, 3] read transposed and rotated by 180°), 0 for co past cOut.
 */
function transformWeights(wt: usize, cOut: i32, c: i32, flip: bool, u: usize): void {
  const c4 = roundUp(cOut, 4);
  for (let co = 0; co < c4; co++) {
    for (let ci = 0; ci < c; ci++) {
      // g [3×3] row-major, then t = G g (4×3) and t G^T (storeRow); the rows of G are
      // (1, 0, 0), (½, ½, ½), (½, −½, ½), (0, 0, 1)
      let g0: f32 = 0, g1: f32 = 0, g2: f32 = 0, g3: f32 = 0, g4: f32 = 0, g5: f32 = 0, g6: f32 = 0, g7: f32 = 0, g8: f32 = 0;
      if (co < cOut) {
        const base = flip ? f(wt, (ci * cOut + co) * 9) : f(wt, (co * c + ci) * 9);
        if (flip) {
          g0 = load<f32>(base, 32); g1 = load<f32>(base, 28); g2 = load<f32>(base, 24);
          g3 = load<f32>(base, 20); g4 = load<f32>(base, 16); g5 = load<f32>(base, 12);
          g6 = load<f32>(base, 8); g7 = load<f32>(base, 4); g8 = load<f32>(base);
        } else {
          g0 = load<f32>(base); g1 = load<f32>(base, 4); g2 = load<f32>(base, 8);
          g3 = load<f32>(base, 12); g4 = load<f32>(base, 16); g5 = load<f32>(base, 20);
          g6 = load<f32>(base, 24); g7 = load<f32>(base, 28); g8 = load<f32>(base, 32);
        }
      }
      // t = G g: 4 rows × 3 columns
      const t00 = g0, t01 = g1, t02 = g2;
      const t10 = <f32>0.5 * (g0 + g3 + g6), t11 = <f32>0.5 * (g1 + g4 + g7), t12 = <f32>0.5 * (g2 + g5 + g8);
      const t20 = <f32>0.5 * (g0 - g3 + g6), t21 = <f32>0.5 * (g1 - g4 + g7), t22 = <f32>0.5 * (g2 - g5 + g8);
      const t30 = g6, t31 = g7, t32 = g8;
      storeRow(u, c4, c, co, ci, 0, t00, t01, t02);
      storeRow(u, c4, c, co, ci, 1, t10, t11, t12);
      storeRow(u, c4, c, co, ci, 2, t20, t21, t22);
      storeRow(u, c4, c, co, ci, 3, t30, t31, t32);
    }
  }
}

/** U[4r + j] for j < 4 = row r of t G^T, with t's row (a, b, c). */
@inline function storeRow(u: usize, c4: i32, c: i32, co: i32, ci: i32, r: i32, a: f32, b: f32, cc: f32): void {
  const lane = (co >> 2) * c * 4 + ci * 4 + (co & 3);
  const stride = c4 * c; // floats between ξ planes
  store<f32>(f(u, (4 * r) * stride + lane), a);
  store<f32>(f(u, (4 * r + 1) * stride + lane), <f32>0.5 * (a + b + cc));
  store<f32>(f(u, (4 * r + 2) * stride + lane), <f32>0.5 * (a - b + cc));
  store<f32>(f(u, (4 * r + 3) * stride + lane), cc);
}

/** Even lanes of (a, b): columns 0, 2, 4, 6 of the 8 floats a:b. */
@inline function evens(a: v128, b: v128): v128 {
  return i32x4.shuffle(a, b, 0, 2, 4, 6);
}
@inline function odds(a: v128, b: v128): v128 {
  return i32x4.shuffle(a, b, 1, 3, 5, 7);
}

/**
 * V[ξ][ci][t] = (B^T d B)[ξ] of every tile, 4 tiles (a vector) at a time: along x, the
 * columns (c0 − c2, c1 + c2, c2 − c1, c1 − c3) of each of the 4 rows, then the same along y.
 */
function transformInput(xp: usize, c: i32, Hp: i32, Wp: i32, th: i32, tw: i32, TN: i32, v: usize): void {
  const plane = <usize>(c * TN) << 2; // bytes between ξ planes of V
  for (let ci = 0; ci < c; ci++) {
    for (let ty = 0; ty < th; ty++) {
      const r0 = f(xp, ci * Hp * Wp + 2 * ty * Wp), r1 = f(r0, Wp), r2 = f(r1, Wp), r3 = f(r2, Wp);
      for (let tx = 0; tx < tw; tx += 4) {
        const o = <usize>(2 * tx) << 2;
        // row i's four transformed columns e_i0..e_i3 (lanes: 4 tiles)
        let a = v128.load(r0 + o), b = v128.load(r0 + o, 16), p = v128.load(r0 + o, 8), q = v128.load(r0 + o, 24);
        let x0 = evens(a, b), x1 = odds(a, b), x2 = evens(p, q), x3 = odds(p, q);
        const e00 = f32x4.sub(x0, x2), e01 = f32x4.add(x1, x2), e02 = f32x4.sub(x2, x1), e03 = f32x4.sub(x1, x3);
        a = v128.load(r1 + o); b = v128.load(r1 + o, 16); p = v128.load(r1 + o, 8); q = v128.load(r1 + o, 24);
        x0 = evens(a, b); x1 = odds(a, b); x2 = evens(p, q); x3 = odds(p, q);
        const e10 = f32x4.sub(x0, x2), e11 = f32x4.add(x1, x2), e12 = f32x4.sub(x2, x1), e13 = f32x4.sub(x1, x3);
        a = v128.load(r2 + o); b = v128.load(r2 + o, 16); p = v128.load(r2 + o, 8); q = v128.load(r2 + o, 24);
        x0 = evens(a, b); x1 = odds(a, b); x2 = evens(p, q); x3 = odds(p, q);
        const e20 = f32x4.sub(x0, x2), e21 = f32x4.add(x1, x2), e22 = f32x4.sub(x2, x1), e23 = f32x4.sub(x1, x3);
        a = v128.load(r3 + o); b = v128.load(r3 + o, 16); p = v128.load(r3 + o, 8); q = v128.load(r3 + o, 24);
        x0 = evens(a, b); x1 = odds(a, b); x2 = evens(p, q); x3 = odds(p, q);
        const e30 = f32x4.sub(x0, x2), e31 = f32x4.add(x1, x2), e32 = f32x4.sub(x2, x1), e33 = f32x4.sub(x1, x3);
        const d = f(v, ci * TN + ty * tw + tx);
        v128.store(d, f32x4.sub(e00, e20)); v128.store(d + plane, f32x4.sub(e01, e21));
        v128.store(d + 2 * plane, f32x4.sub(e02, e22)); v128.store(d + 3 * plane, f32x4.sub(e03, e23));
        v128.store(d + 4 * plane, f32x4.add(e10, e20)); v128.store(d + 5 * plane, f32x4.add(e11, e21));
        v128.store(d + 6 * plane, f32x4.add(e12, e22)); v128.store(d + 7 * plane, f32x4.add(e13, e23));
        v128.store(d + 8 * plane, f32x4.sub(e20, e10)); v128.store(d + 9 * plane, f32x4.sub(e21, e11));
        v128.store(d + 10 * plane, f32x4.sub(e22, e12)); v128.store(d + 11 * plane, f32x4.sub(e23, e13));
        v128.store(d + 12 * plane, f32x4.sub(e10, e30)); v128.store(d + 13 * plane, f32x4.sub(e11, e31));
        v128.store(d + 14 * plane, f32x4.sub(e12, e32)); v128.store(d + 15 * plane, f32x4.sub(e13, e33));
      }
    }
  }
}

/** M[ξ] [c4o, TN] = U[ξ] [c4o, c] @ V[ξ] [c, TN] for the 16 ξ: 4 channels × 8 tiles a register tile. */
function tileGemms(u: usize, v: usize, c: i32, cOut: i32, TN: i32, m: usize): void {
  const c4 = roundUp(cOut, 4), vs = <usize>TN << 2, zero = f32x4.splat(0);
  for (let xi = 0; xi < 16; xi++) {
    const uk = f(u, xi * c4 * c), vk = f(v, xi * c * TN), mk = f(m, xi * c4 * TN);
    for (let cb = 0; cb < c4; cb += 4) {
      const ab = f(uk, cb * c), end = f(ab, 4 * c);
      const r0 = f(mk, cb * TN);
      for (let t = 0; t < TN; t += 8) {
        const d = f(r0, t);
        packedTile(ab, end, f(vk, t), vs, false, 0, d, d + vs, d + 2 * vs, d + 3 * vs, false, false, zero, zero, zero, zero, false);
      }
    }
  }
}

/**
 * The output transform of channel co's tiles [t, t + 4) (4 tile columns of one tile row):
 * y00, y01, y10, y11 (the tile's 2×2 outputs, lanes: tiles), bias added.
 * A^T = (1, 1, 1, 0; 0, 1, −1, −1) on both sides.
 */
@inline function outputTiles(m: usize, ms: usize, bias: f32, out: usize): void {
  const m0 = v128.load(m), m1 = v128.load(m + ms), m2 = v128.load(m + 2 * ms), m3 = v128.load(m + 3 * ms);
  const m4 = v128.load(m + 4 * ms), m5 = v128.load(m + 5 * ms), m6 = v128.load(m + 6 * ms), m7 = v128.load(m + 7 * ms);
  const m8 = v128.load(m + 8 * ms), m9 = v128.load(m + 9 * ms), m10 = v128.load(m + 10 * ms), m11 = v128.load(m + 11 * ms);
  const m12 = v128.load(m + 12 * ms), m13 = v128.load(m + 13 * ms), m14 = v128.load(m + 14 * ms), m15 = v128.load(m + 15 * ms);
  // along y: s0 = row0 + row1 + row2, s1 = row1 − row2 − row3 (each a row of 4 columns)
  const s00 = f32x4.add(f32x4.add(m0, m4), m8), s01 = f32x4.add(f32x4.add(m1, m5), m9);
  const s02 = f32x4.add(f32x4.add(m2, m6), m10), s03 = f32x4.add(f32x4.add(m3, m7), m11);
  const s10 = f32x4.sub(f32x4.sub(m4, m8), m12), s11 = f32x4.sub(f32x4.sub(m5, m9), m13);
  const s12 = f32x4.sub(f32x4.sub(m6, m10), m14), s13 = f32x4.sub(f32x4.sub(m7, m11), m15);
  const bv = f32x4.splat(bias);
  v128.store(out, f32x4.add(f32x4.add(f32x4.add(s00, s01), s02), bv));
  v128.store(out, f32x4.add(f32x4.sub(f32x4.sub(s01, s02), s03), bv), 16);
  v128.store(out, f32x4.add(f32x4.add(f32x4.add(s10, s11), s12), bv), 32);
  v128.store(out, f32x4.add(f32x4.sub(f32x4.sub(s11, s12), s13), bv), 48);
}

/**
 * From M: relu?(y + bias) of every tile; pooled: the 2×2 max of each tile (= a pool window)
 * and its argmax into out/argmax [cOut, outH/2, outW/2], else the tiles into out [cOut, outH, outW].
 * tmp: 16 floats.
 */
function transformOutput(m: usize, cOut: i32, TN: i32, th: i32, tw: i32, outH: i32, outW: i32,
                         bias: usize, relu: i32, pooled: i32, out: usize, argmax: usize, tmp: usize): void {
  const c4 = roundUp(cOut, 4), ms = <usize>(c4 * TN) << 2, pw = outW >> 1, ph = outH >> 1;
  const zero = f32x4.splat(0), lanes2 = i32x4(0, 2, 4, 6);
  for (let co = 0; co < cOut; co++) {
    const b: f32 = bias ? load<f32>(f(bias, co)) : 0;
    for (let ty = 0; ty < th; ty++) {
      for (let tx = 0; tx < tw; tx += 4) {
        outputTiles(f(m, co * TN + ty * tw + tx), ms, b, tmp);
        let y00 = v128.load(tmp), y01 = v128.load(tmp, 16), y10 = v128.load(tmp, 32), y11 = v128.load(tmp, 48);
        if (relu) {
          y00 = f32x4.pmax(zero, y00); y01 = f32x4.pmax(zero, y01);
          y10 = f32x4.pmax(zero, y10); y11 = f32x4.pmax(zero, y11);
        }
        const n = min(4, pw - tx);
        if (pooled) {
          // each tile is one pool window: its four quadrants are the window's positions (no NaN: a ReLU's output)
          const o = (co * ph + ty) * pw + tx;
          maxPoolWindows(y00, y01, y10, y11, i32x4.add(i32x4.splat(2 * ty * outW + 2 * tx), lanes2), outW, f(out, o), f(argmax, o), n, true);
        } else {
          const r0 = f(out, (co * outH + 2 * ty) * outW + 2 * tx), r1 = f(r0, outW);
          const lo0 = i32x4.shuffle(y00, y01, 0, 4, 1, 5), hi0 = i32x4.shuffle(y00, y01, 2, 6, 3, 7);
          const lo1 = i32x4.shuffle(y10, y11, 0, 4, 1, 5), hi1 = i32x4.shuffle(y10, y11, 2, 6, 3, 7);
          if (n == 4) {
            v128.store(r0, lo0); v128.store(r0, hi0, 16);
            v128.store(r1, lo1); v128.store(r1, hi1, 16);
          } else {
            v128.store(tmp, lo0); v128.store(tmp, hi0, 16);
            v128.store(tmp, lo1, 32); v128.store(tmp, hi1, 48);
            for (let l = 0; l < 2 * n; l++) {
              store<f32>(f(r0, l), load<f32>(f(tmp, l)));
              store<f32>(f(r1, l), load<f32>(f(tmp, 8 + l)));
            }
          }
        }
      }
    }
  }
}

/**
 * Images [b0, b1) of relu?(conv2d(x, wt) + bias) for winogradConv convs: pooled 0, out
 * [n, cOut, outH, outW]; else out/argmax [n, cOut, outH/2, outW/2] of its 2×2 max pool
 * (relu must be on: the pool takes a ReLU's NaN-free output). flip: the input gradient
 * instead (x is dy [n, cOut', outH, outW], wt the forward's [cIn', cOut', 3, 3] with
 * cIn' = cOut here and cOut' = cIn), out dx.
 */
export function winogradForwardRange(cIn: i32, cOut: i32, outH: i32, outW: i32, x: usize, wt: usize, out: usize, argmax: usize,
                                     b0: i32, b1: i32, ws: usize, bias: usize, relu: i32, pooled: i32, flip: i32): void {
  const Hp = paddedH(outH), Wp = paddedW(outW), th = outH >> 1, tw = tileCols(outW), TN = tileCount(outH, outW);
  const xp = xpAt(ws), v = vAt(ws, cIn, outH, outW), u = uAt(ws, cIn, outH, outW), m = mAt(ws, cIn, cOut, outH, outW);
  const tmp = f(m, 16 * roundUp(cOut, 4) * TN);
  transformWeights(wt, cOut, cIn, flip != 0, u);
  const perOut = pooled ? cOut * (outH >> 1) * (outW >> 1) : cOut * outH * outW;
  for (let b = b0; b < b1; b++) {
    padPlanes(f(x, b * cIn * outH * outW), cIn, outH, outW, 1, 1, Hp, Wp, xp);
    transformInput(xp, cIn, Hp, Wp, th, tw, TN, v);
    tileGemms(u, v, cIn, cOut, TN, m);
    transformOutput(m, cOut, TN, th, tw, outH, outW, bias, relu, pooled, f(out, b * perOut), pooled ? f(argmax, b * perOut) : 0, tmp);
  }
}

// ---- weight gradient: dg = G^T [Σ_tiles (B^T d B) ⊙ (A dY A^T)] G, the forward's adjoint ----

// workspace (floats): xp | V [16][c][TN] | VT [16][TN][c8] | Z [16][cOut][TN] | dyp [cOut][outH][2·tw] | dU [16][cOut][c8]
@inline function vtAt(ws: usize, c: i32, outH: i32, outW: i32): usize {
  return (f(vAt(ws, c, outH, outW), 16 * c * tileCount(outH, outW)) + 63) & ~63;
}
@inline function zAt(ws: usize, c: i32, outH: i32, outW: i32): usize {
  return (f(vtAt(ws, c, outH, outW), 16 * tileCount(outH, outW) * roundUp(c, 8)) + 63) & ~63;
}
@inline function dypAt(ws: usize, c: i32, cOut: i32, outH: i32, outW: i32): usize {
  return (f(zAt(ws, c, outH, outW), 16 * cOut * tileCount(outH, outW)) + 63) & ~63;
}
@inline function duAt(ws: usize, c: i32, cOut: i32, outH: i32, outW: i32): usize {
  return (f(dypAt(ws, c, cOut, outH, outW), cOut * outH * 2 * tileCols(outW) + 16) + 63) & ~63;
}

/** Workspace bytes of one thread for winogradBackwardWeightRange. */
export function winogradWeightWorkspaceBytes(cIn: i32, cOut: i32, outH: i32, outW: i32): i32 {
  return <i32>f(duAt(0, cIn, cOut, outH, outW), 16 * cOut * roundUp(cIn, 8)) + 64;
}

/** vt [16][TN][c8] = v [16][c][TN] transposed per ξ, channels past c zero. */
function transposeV(v: usize, c: i32, TN: i32, c8: i32, vt: usize): void {
  for (let xi = 0; xi < 16; xi++) transposeDy(f(v, xi * c * TN), c, TN, c8, f(vt, xi * TN * c8));
}

/** dyp [c][outH][2·tw] = dy [c, outH, outW], zeros in the columns past outW (their tiles add nothing). */
function padDy(dy: usize, c: i32, outH: i32, outW: i32, W2: i32, dyp: usize): void {
  memory.fill(dyp, 0, <usize>(c * outH * W2 + 16) << 2);
  for (let r = 0; r < c * outH; r++) {
    copyFloats(f(dyp, r * W2), f(dy, r * outW), outW);
  }
}

/** Z[ξ][co][t] = (A dY A^T)[ξ] of each tile's 2×2 dY, 4 tiles a vector; A = (1, 0; 1, 1; 1, −1; 0, −1). */
function transformDy(dyp: usize, cOut: i32, outH: i32, W2: i32, th: i32, tw: i32, TN: i32, z: usize): void {
  const plane = <usize>(cOut * TN) << 2;
  const neg = f32x4.splat(-0.0);
  for (let co = 0; co < cOut; co++) {
    for (let ty = 0; ty < th; ty++) {
      const r0 = f(dyp, (co * outH + 2 * ty) * W2), r1 = f(r0, W2);
      for (let tx = 0; tx < tw; tx += 4) {
        const o = <usize>(2 * tx) << 2;
        const a = v128.load(r0 + o), b = v128.load(r0 + o, 16), c = v128.load(r1 + o), d = v128.load(r1 + o, 16);
        const y00 = evens(a, b), y01 = odds(a, b), y10 = evens(c, d), y11 = odds(c, d);
        // rows of A dY: (y00, y01), (y00 + y10, y01 + y11), (y00 − y10, y01 − y11), (−y10, −y11)
        const p1 = f32x4.add(y00, y10), q1 = f32x4.add(y01, y11);
        const p2 = f32x4.sub(y00, y10), q2 = f32x4.sub(y01, y11);
        const p3 = v128.xor(y10, neg), q3 = v128.xor(y11, neg);
        const dst = f(z, co * TN + ty * tw + tx);
        zRow(dst, plane, 0, y00, y01);
        zRow(dst, plane, 1, p1, q1);
        zRow(dst, plane, 2, p2, q2);
        zRow(dst, plane, 3, p3, q3);
      }
    }
  }
}

/** Row r of (A dY) A^T from (p, q): p, p + q, p − q, −q. */
@inline function zRow(dst: usize, plane: usize, r: i32, p: v128, q: v128): void {
  const d = dst + <usize>(4 * r) * plane;
  v128.store(d, p);
  v128.store(d + plane, f32x4.add(p, q));
  v128.store(d + 2 * plane, f32x4.sub(p, q));
  v128.store(d + 3 * plane, f32x4.neg(q));
}

/** dU[ξ] [cOut, c8] += Z[ξ] [cOut, T] @ VT[ξ] [T, c8] over the T real tiles: 4 channels × 8 input channels a register tile. */
function tileGradGemms(z: usize, vt: usize, cOut: i32, c8: i32, TN: i32, T: i32, du: usize): void {
  const rs = <usize>c8 << 2;
  for (let xi = 0; xi < 16; xi++) {
    const zk = f(z, xi * cOut * TN), vk = f(vt, xi * TN * c8), dk = f(du, xi * cOut * c8);
    for (let co = 0; co < cOut; co += 4) {
      // rows past cOut read the last one and are dropped
      const z0 = f(zk, co * TN);
      const z1 = f(zk, min(co + 1, cOut - 1) * TN), z2 = f(zk, min(co + 2, cOut - 1) * TN), z3 = f(zk, min(co + 3, cOut - 1) * TN);
      for (let cb = 0; cb < c8; cb += 8) {
        const d0 = f(dk, co * c8 + cb);
        rowsTile(z0, z1, z2, z3, f(vk, cb), rs, 1, T, 0, d0, co + 1 < cOut ? d0 + rs : 0,
          co + 2 < cOut ? d0 + 2 * rs : 0, co + 3 < cOut ? d0 + 3 * rs : 0);
      }
    }
  }
}

/** dw [cOut, c, 3, 3] += G^T dU G of each (co, ci); G^T = (1, ½, ½, 0; 0, ½, −½, 0; 0, ½, ½, 1). */
function flushGrad(du: usize, cOut: i32, c: i32, c8: i32, dw: usize): void {
  const ps = cOut * c8; // floats between ξ planes of dU
  for (let co = 0; co < cOut; co++) {
    for (let ci = 0; ci < c; ci++) {
      const u = co * c8 + ci;
      // s = G^T dU (3×4), then s G (3×3)
      for (let i = 0; i < 3; i++) {
        let s0: f32, s1: f32, s2: f32, s3: f32;
        const m0 = f(du, u), m1 = f(du, 4 * ps + u), m2 = f(du, 8 * ps + u), m3 = f(du, 12 * ps + u);
        // column c of row r is at ξ = 4r + c: offset c·ps
        const cs = <usize>ps << 2;
        if (i == 0) {
          s0 = load<f32>(m0) + <f32>0.5 * (load<f32>(m1) + load<f32>(m2));
          s1 = load<f32>(m0 + cs) + <f32>0.5 * (load<f32>(m1 + cs) + load<f32>(m2 + cs));
          s2 = load<f32>(m0 + 2 * cs) + <f32>0.5 * (load<f32>(m1 + 2 * cs) + load<f32>(m2 + 2 * cs));
          s3 = load<f32>(m0 + 3 * cs) + <f32>0.5 * (load<f32>(m1 + 3 * cs) + load<f32>(m2 + 3 * cs));
        } else if (i == 1) {
          s0 = <f32>0.5 * (load<f32>(m1) - load<f32>(m2));
          s1 = <f32>0.5 * (load<f32>(m1 + cs) - load<f32>(m2 + cs));
          s2 = <f32>0.5 * (load<f32>(m1 + 2 * cs) - load<f32>(m2 + 2 * cs));
          s3 = <f32>0.5 * (load<f32>(m1 + 3 * cs) - load<f32>(m2 + 3 * cs));
        } else {
          s0 = <f32>0.5 * (load<f32>(m1) + load<f32>(m2)) + load<f32>(m3);
          s1 = <f32>0.5 * (load<f32>(m1 + cs) + load<f32>(m2 + cs)) + load<f32>(m3 + cs);
          s2 = <f32>0.5 * (load<f32>(m1 + 2 * cs) + load<f32>(m2 + 2 * cs)) + load<f32>(m3 + 2 * cs);
          s3 = <f32>0.5 * (load<f32>(m1 + 3 * cs) + load<f32>(m2 + 3 * cs)) + load<f32>(m3 + 3 * cs);
        }
        const d = f(dw, (co * c + ci) * 9 + 3 * i);
        store<f32>(d, load<f32>(d) + s0 + <f32>0.5 * (s1 + s2));
        store<f32>(d, load<f32>(d, 4) + <f32>0.5 * (s1 - s2), 4);
        store<f32>(d, load<f32>(d, 8) + <f32>0.5 * (s1 + s2) + s3, 8);
      }
    }
  }
}

/**
 * dw partial c (cOut·cIn·9 floats at dw + c·cOut·cIn·9) += the weight gradient of the images
 * of [b0, b1) in chunk c = b / chunk, for winogradConv convs: each chunk's images summed in
 * order into a zeroed dU first, as conv2dBackwardWeightRange, so the split does not matter.
 */
export function winogradBackwardWeightRange(cIn: i32, cOut: i32, outH: i32, outW: i32, x: usize, dy: usize, dw: usize,
                                            b0: i32, b1: i32, ws: usize, chunk: i32): void {
  const Hp = paddedH(outH), Wp = paddedW(outW), th = outH >> 1, tw = tileCols(outW), TN = tileCount(outH, outW);
  const c8 = roundUp(cIn, 8), W2 = 2 * tw;
  const xp = xpAt(ws), v = vAt(ws, cIn, outH, outW), vt = vtAt(ws, cIn, outH, outW), z = zAt(ws, cIn, outH, outW);
  const dyp = dypAt(ws, cIn, cOut, outH, outW), du = duAt(ws, cIn, cOut, outH, outW);
  const part = <usize>(cOut * cIn * 9) << 2, duBytes = <usize>(16 * cOut * c8) << 2;
  let cur = b0 / chunk;
  memory.fill(du, 0, duBytes);
  for (let b = b0; b < b1; b++) {
    if (b / chunk != cur) {
      flushGrad(du, cOut, cIn, c8, dw + <usize>cur * part);
      memory.fill(du, 0, duBytes);
      cur = b / chunk;
    }
    padPlanes(f(x, b * cIn * outH * outW), cIn, outH, outW, 1, 1, Hp, Wp, xp);
    transformInput(xp, cIn, Hp, Wp, th, tw, TN, v);
    transposeV(v, cIn, TN, c8, vt);
    padDy(f(dy, b * cOut * outH * outW), cOut, outH, outW, W2, dyp);
    transformDy(dyp, cOut, outH, W2, th, tw, TN, z);
    tileGradGemms(z, vt, cOut, c8, TN, th * tw, du);
  }
  if (b1 > b0) flushGrad(du, cOut, cIn, c8, dw + <usize>cur * part);
}
