// The pointwise parts of one LSTM / GRU step as single ops (the matmuls around them stay
// matmuls): lib/nn/rnn.ts calls them once per time step. Kernels: lib/backend/reference/rnn.ts.

import { getKernels } from "../../backend/index.js";
import { fmtShape } from "../../shape.js";
import { Tensor } from "../../tensor.js";
import { record } from "../op.js";
import { checkSameDType, emptyFloat, floatData } from "./util.js";

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
