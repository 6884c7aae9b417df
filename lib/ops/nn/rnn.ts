// The pointwise parts of one LSTM / GRU step as single ops (the matmuls around them stay
// matmuls), and a whole LSTM layer's recurrence as one op (lstmSequence), which nn.LSTM uses.
// Kernels: lib/backend/reference/rnn.ts (cells) and the matmul kernel.

import { getKernels } from "../../backend/index.js";
import { fmtShape } from "../../shape.js";
import { Tensor } from "../../tensor.js";
import { record } from "../op.js";
import { checkSameDType, emptyFloat, floatData, uninitFloat } from "./util.js";

/**
 * gates [N, 4H] (x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh, order i, f, g, o) and c [N, H] →
 * [N, 2H]: h' = σ(o)·tanh(c') in the first H columns, c' = σ(f)·c + σ(i)·tanh(g) in the last H.
 */
export function lstmCell(gates: Tensor, c: Tensor): Tensor {
  const op = "lstmCell";
  const N = gates.shape[0], H = gates.shape[1] / 4;
  if (gates.ndim !== 2 || !Number.isInteger(H) || c.ndim !== 2 || c.shape[0] !== N || c.shape[1] !== H) {
    throw new Error(`${op}: gates ${fmtShape(gates.shape)} must be [N, 4H] and the cell state ${fmtShape(c.shape)} [N, H]`);
  }
  checkSameDType(op, "gates", gates, "cell state", c);
  const dt = gates.dtype === "float64" ? "float64" : "float32";
  const gd = floatData(gates, dt), cd = floatData(c, dt);
  const [, acts] = emptyFloat([N * 4 * H], dt);
  const [hc, hcd] = emptyFloat([N, 2 * H], dt);
  getKernels().lstmCell(gd, cd, hcd, acts, N, H);
  return record(hc, "LstmCellBackward", [gates, c], (g) => {
    const [dg, dgd] = emptyFloat(gates.shape, dt), [dc, dcd] = emptyFloat(c.shape, dt);
    getKernels().lstmCellBackward(acts, cd, hcd, floatData(g, dt), dgd, dcd, N, H);
    return [dg, dc];
  }, [c, hc]);
}

/**
 * xg = x·W_ihᵀ + b_ih and hg = h·W_hhᵀ + b_hh [N, 3H] (order r, z, n), h [N, H] → h' [N, H]:
 * r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r·h_n), h' = (1 − z)·n + z·h.
 */
export function gruCell(xg: Tensor, hg: Tensor, h: Tensor): Tensor {
  const op = "gruCell";
  const N = xg.shape[0], H = xg.shape[1] / 3;
  if (xg.ndim !== 2 || !Number.isInteger(H) || hg.ndim !== 2 || hg.shape[0] !== N || hg.shape[1] !== 3 * H || h.ndim !== 2 || h.shape[0] !== N || h.shape[1] !== H) {
    throw new Error(`${op}: input gates ${fmtShape(xg.shape)} and hidden gates ${fmtShape(hg.shape)} must be [N, 3H] and the hidden state ${fmtShape(h.shape)} [N, H]`);
  }
  checkSameDType(op, "input gates", xg, "hidden gates", hg);
  checkSameDType(op, "input gates", xg, "hidden state", h);
  const dt = xg.dtype === "float64" ? "float64" : "float32";
  const hd = floatData(h, dt);
  const [, acts] = emptyFloat([N * 4 * H], dt);
  const [out, od] = emptyFloat([N, H], dt);
  getKernels().gruCell(floatData(xg, dt), floatData(hg, dt), hd, od, acts, N, H);
  return record(out, "GruCellBackward", [xg, hg, h], (g) => {
    const [dx, dxd] = emptyFloat(xg.shape, dt), [dhg, dhgd] = emptyFloat(hg.shape, dt), [dh, dhd] = emptyFloat(h.shape, dt);
    getKernels().gruCellBackward(acts, hd, floatData(g, dt), dxd, dhgd, dhd, N, H);
    return [dx, dhg, dh];
  }, [h]);
}

export interface LstmSequenceOptions {
  /** run t = L−1 … 0 */
  reverse?: boolean;
  /** [4H] (b_ih + b_hh), added to every step's gates; null when already in the input */
  bias?: Tensor | null;
  /** [4H, I]: the input is x [L, N, I] and the op computes x·W_ihᵀ itself */
  weightIh?: Tensor | null;
  /** the input is [N, L, ·] and so is the h part of the output */
  batchFirst?: boolean;
}

/**
 * A whole LSTM layer's recurrence: xw [L, N, 4H] (x·W_ihᵀ for every step; or x [L, N, I] with
 * `weightIh`; [N, L, ·] with `batchFirst`), h0 and c0 [N, H], whh [4H, H] → [L·N·H + N·H]:
 * h_t of every step ([L, N, H], or [N, L, H] with `batchFirst`) then the last step's c [N, H]
 * (see lstmSequenceParts). The backward stacks the gate gradients of all steps, so ∂W_hh,
 * ∂W_ih and ∂x are one matmul each over L·N rows and ∂bias is their column sums.
 */
export function lstmSequence(xw: Tensor, h0: Tensor, c0: Tensor, whh: Tensor, opts: LstmSequenceOptions = {}): Tensor {
  const op = "lstmSequence";
  const reverse = opts.reverse ?? false, bias = opts.bias ?? null, wih = opts.weightIh ?? null, batchFirst = opts.batchFirst ?? false;
  const [L, N] = batchFirst ? [xw.shape[1]!, xw.shape[0]!] : xw.shape, G = whh.shape[0]!, H = G / 4;
  const layout = batchFirst ? "[N, L" : "[L, N";
  const isNH = (t: Tensor) => t.ndim === 2 && t.shape[0] === N && t.shape[1] === H;
  if (wih && (wih.ndim !== 2 || wih.shape[0] !== G || xw.ndim !== 3 || wih.shape[1] !== xw.shape[2])) {
    throw new Error(`${op}: weight_ih ${fmtShape(wih.shape)} must be [4H, I] = [${G}, I] for input ${fmtShape(xw.shape)} ${layout}, I]`);
  }
  if (xw.ndim !== 3 || (!wih && xw.shape[2] !== G) || !Number.isInteger(H) || !isNH(h0) || !isNH(c0) || whh.ndim !== 2 || whh.shape[1] !== H) {
    throw new Error(`${op}: input gates ${fmtShape(xw.shape)} must be ${layout}, 4H], h0 ${fmtShape(h0.shape)} and c0 ${fmtShape(c0.shape)} [N, H], weight_hh ${fmtShape(whh.shape)} [4H, H]`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== G)) {
    throw new Error(`${op}: bias ${fmtShape(bias.shape)} must be [4H] = [${G}] for weight_hh ${fmtShape(whh.shape)}`);
  }
  if (bias) checkSameDType(op, "input", xw, "bias", bias);
  if (wih) checkSameDType(op, "input", xw, "weight_ih", wih);
  checkSameDType(op, "input", xw, "h0", h0);
  checkSameDType(op, "input", xw, "c0", c0);
  checkSameDType(op, "input", xw, "weight_hh", whh);
  const dt = xw.dtype === "float64" ? "float64" : "float32";
  const k = getKernels();
  const xd = floatData(xw, dt), wd = floatData(whh, dt);
  const I = wih ? xw.shape[2]! : 0, wihd = wih ? floatData(wih, dt) : null;
  const NH = N * H;
  const h0d = floatData(h0, dt), c0d = floatData(c0, dt);
  // what the backward reads (the kernels may keep it elsewhere until lstmSequenceFree)
  const [, saved] = emptyFloat([L * NH * 6], dt);
  const [out, od] = uninitFloat([L * NH + NH], dt);
  k.lstmSequence(wihd ? { x: xd, wih: wihd, I } : xd, bias ? floatData(bias, dt) : null, h0d, c0d, wd, od, saved, L, N, H, reverse, batchFirst);
  // the backward reads h0, c0 (and with the projection x, W_ih) as they are now
  const keep = wih ? [whh, h0, c0, xw, wih] : [whh, h0, c0];
  return record(out, "LstmSequenceBackward", [xw, h0, c0, whh, bias, wih], (g, needs) => {
    // every gradient is written in full
    const [dx, dxd] = needs[0] || !wihd ? uninitFloat(xw.shape, dt) : [null, null];
    const [dh, dhd] = uninitFloat([N, H], dt), [dc, dcd] = uninitFloat([N, H], dt);
    const [dw, dwd] = needs[3] ? uninitFloat([G, H], dt) : [null, null];
    const [db, dbd] = bias && needs[4] ? uninitFloat([G], dt) : [null, null];
    const [dwi, dwid] = wih && needs[5] ? uninitFloat([G, I], dt) : [null, null];
    const dgrad = wihd ? { x: xd, wih: wihd, I, dx: dxd, dwih: dwid } : dxd!;
    k.lstmSequenceBackward(saved, h0d, c0d, wd, floatData(g, dt), dgrad, dhd, dcd, dwd, dbd, L, N, H, reverse, batchFirst);
    return [dx, dh, dc, dw, db, dwi];
  }, keep, () => k.lstmSequenceFree(saved));
}

/**
 * lstmSequence's output as views: h of every step ([L, N, H], batch first [N, L, H]), the
 * last step's h and c [N, H].
 */
export function lstmSequenceParts(y: Tensor, L: number, N: number, H: number, opts: { reverse?: boolean; batchFirst?: boolean } = {}): { h: Tensor; hN: Tensor; cN: Tensor } {
  const bf = opts.batchFirst ?? false, last = opts.reverse ? 0 : L - 1;
  const h = y.narrow(0, 0, L * N * H).view(bf ? [N, L, H] : [L, N, H]);
  return { h, hN: h.select(bf ? 1 : 0, last), cN: y.narrow(0, L * N * H, N * H).view([N, H]) };
}
