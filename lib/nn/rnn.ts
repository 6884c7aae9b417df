// Recurrent layers with PyTorch's equations, gate order, shapes and parameter names
// (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, "_reverse" for the backward direction).
//
//   RNN:  h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)                      (or relu)
//   LSTM: i, f, g, o = split(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)             (that order)
//         c' = σ(f)·c + σ(i)·tanh(g);  h' = σ(o)·tanh(c')
//   GRU:  r = σ(x_r + h_r), z = σ(x_z + h_z) with x_* = x W_i*ᵀ + b_i*, h_* = h W_h*ᵀ + b_h*
//         n = tanh(x_n + r·h_n);  h' = (1 − z)·n + z·h
//
// The input projection of a whole sequence is one matmul; only the recurrent part loops, and
// for LSTM (without projSize) that loop is one op, lstmSequence (lib/ops/nn/rnn.ts).

import { Tensor } from "../tensor.js";
import type { DType } from "../dtype.js";
import { fmtShape } from "../shape.js";
import * as F from "../functional.js";
import { stack, cat } from "../ops/join.js";
import { gruCell, lstmCell, lstmSequence, lstmSequenceParts } from "../ops/nn/rnn.js";
import { Module } from "./module.js";
import { emptyParameter } from "./parameter.js";
import * as init from "./init.js";

type Mode = "RNN_TANH" | "RNN_RELU" | "LSTM" | "GRU";

const GATES: Record<Mode, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

export interface RNNOptions {
  numLayers?: number;
  /** LSTM only: project each hidden state to this size with weight_hr (Sak et al., 2014). */
  projSize?: number;
  /** Input and output as [batch, seq, feature] instead of [seq, batch, feature]. */
  batchFirst?: boolean;
  bias?: boolean;
  /** Dropout on the outputs of every layer but the last (training only). */
  dropout?: number;
  bidirectional?: boolean;
  dtype?: DType;
}

/**
 * One time step. `h` [N, H] (or [N, P] with an LSTM projection `whr`), `c` [N, H]; `xw` is the
 * precomputed x W_ihᵀ + b_ih for this step (+ b_hh too when `bhh` is null and the mode
 * allows it: see `foldsHiddenBias`).
 */
function cellStep(mode: Mode, xw: Tensor, h: Tensor, c: Tensor | null, whh: Tensor, bhh: Tensor | null, whr: Tensor | null = null): [Tensor, Tensor | null] {
  let hw = h.matmul(whh.t());
  if (bhh) hw = hw.add(bhh);
  switch (mode) {
    case "RNN_TANH":
      return [F.tanh(xw.add(hw)), null];
    case "RNN_RELU":
      return [F.relu(xw.add(hw)), null];
    case "LSTM": {
      // one op for the gates' pointwise math: [N, 2H] = h' then c' in each row
      const H = c!.shape[1];
      const hc = lstmCell(xw.add(hw), c!);
      const h2 = hc.narrow(1, 0, H), c2 = hc.narrow(1, H, H);
      return [whr ? h2.matmul(whr.t()) : h2, c2];
    }
    case "GRU":
      return [gruCell(xw, hw, h), null];
  }
}

/** Whether b_hh only ever appears added to x·W_ihᵀ + b_ih (not in GRU: n uses r·(h·W_hnᵀ + b_hn)). */
function foldsHiddenBias(mode: Mode): boolean {
  return mode !== "GRU";
}

abstract class RNNBase extends Module {
  readonly mode: Mode;
  readonly inputSize: number;
  readonly hiddenSize: number;
  /** Size of the hidden state h (projSize when the LSTM projects, else hiddenSize). */
  readonly outSize: number;
  readonly projSize: number;
  readonly numLayers: number;
  readonly batchFirst: boolean;
  readonly hasBias: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;

  constructor(mode: Mode, inputSize: number, hiddenSize: number, o: RNNOptions) {
    super();
    this.mode = mode;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = o.numLayers ?? 1;
    this.batchFirst = o.batchFirst ?? false;
    this.hasBias = o.bias ?? true;
    this.dropout = o.dropout ?? 0;
    this.bidirectional = o.bidirectional ?? false;
    this.projSize = o.projSize ?? 0;
    if (this.projSize !== 0) {
      if (mode !== "LSTM") throw new Error(`${this.name()}: projSize is only supported by LSTM`);
      if (!Number.isInteger(this.projSize) || this.projSize < 0 || this.projSize >= hiddenSize) {
        throw new Error(`LSTM: projSize (${this.projSize}) has to be a positive integer smaller than hiddenSize (${hiddenSize})`);
      }
    }
    this.outSize = this.projSize || hiddenSize;
    if (!Number.isInteger(this.numLayers) || this.numLayers < 1) throw new Error(`${this.name()}: numLayers must be a positive integer, got ${this.numLayers}`);
    if (!(this.dropout >= 0 && this.dropout <= 1)) throw new Error(`${this.name()}: dropout must be in [0, 1], got ${this.dropout}`);
    const g = GATES[mode] * hiddenSize;
    const dirs = this.bidirectional ? 2 : 1;
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let d = 0; d < dirs; d++) {
        const sfx = `_l${layer}${d === 1 ? "_reverse" : ""}`;
        const inSize = layer === 0 ? inputSize : this.outSize * dirs;
        this.registerParameter(`weight_ih${sfx}`, emptyParameter([g, inSize], o.dtype));
        this.registerParameter(`weight_hh${sfx}`, emptyParameter([g, this.outSize], o.dtype));
        if (this.hasBias) {
          this.registerParameter(`bias_ih${sfx}`, emptyParameter([g], o.dtype));
          this.registerParameter(`bias_hh${sfx}`, emptyParameter([g], o.dtype));
        }
        if (this.projSize) this.registerParameter(`weight_hr${sfx}`, emptyParameter([this.projSize, hiddenSize], o.dtype));
      }
    }
    this.resetParameters();
  }

  private name(): string {
    return this.constructor.name;
  }

  /** Every weight and bias U(−1/√hidden, 1/√hidden), as PyTorch. */
  resetParameters(): void {
    const k = this.hiddenSize > 0 ? 1 / Math.sqrt(this.hiddenSize) : 0;
    for (const p of this.parameters()) init.uniform(p, { a: -k, b: k });
  }

  protected param(kind: "weight_ih" | "weight_hh" | "bias_ih" | "bias_hh" | "weight_hr", layer: number, dir: number): Tensor | null {
    return ((this as any)[`${kind}_l${layer}${dir === 1 ? "_reverse" : ""}`] as Tensor | undefined) ?? null;
  }

  /**
   * Runs the stack. `x` as given by the user; `h0`/`c0` [D·layers, N, H] or null for zeros.
   * Returns the output in the user's layout and the final states.
   */
  protected run(x: Tensor, h0: Tensor | null, c0: Tensor | null): { output: Tensor; hN: Tensor; cN: Tensor | null } {
    const op = this.name();
    const batched = x.ndim === 3;
    if (x.ndim !== 2 && x.ndim !== 3) throw new Error(`${op}: expected input of rank 2 (unbatched) or 3, got shape ${fmtShape(x.shape)}`);
    if (x.shape[x.ndim - 1] !== this.inputSize) {
      throw new Error(`${op}: input of shape ${fmtShape(x.shape)} must end in input_size=${this.inputSize}`);
    }
    const dirs = this.bidirectional ? 2 : 1;
    // Internally [L, N, F]; a single fused LSTM layer reads and writes [N, L, F] itself.
    const ownLayout = batched && this.batchFirst && this.mode === "LSTM" && !this.projSize && this.numLayers === 1 && dirs === 1;
    let seq = batched ? (this.batchFirst && !ownLayout ? x.transpose(0, 1) : x) : x.unsqueeze(1);
    const [L, N] = ownLayout ? [seq.shape[1]!, seq.shape[0]!] : seq.shape;
    const prepState = (s: Tensor | null, what: string, size: number): Tensor | null => {
      if (s === null) return null;
      const stateShape = [this.numLayers * dirs, N, size];
      const t = batched ? s : s.unsqueeze(1);
      if (t.ndim !== 3 || t.shape.some((d, i) => d !== stateShape[i])) {
        throw new Error(`${op}: expected ${what} of shape ${fmtShape(batched ? stateShape : [stateShape[0], stateShape[2]])}, got ${fmtShape(s.shape)}`);
      }
      return t;
    };
    const h0s = prepState(h0, "hidden state", this.outSize);
    const c0s = prepState(c0, "cell state", this.hiddenSize);
    const zerosH = Tensor.empty([N, this.outSize], x.dtype);
    const zerosC = Tensor.empty([N, this.hiddenSize], x.dtype);
    const hFinal: Tensor[] = [];
    const cFinal: Tensor[] = [];
    for (let layer = 0; layer < this.numLayers; layer++) {
      const dirOutputs: Tensor[] = [];
      for (let d = 0; d < dirs; d++) {
        const wih = this.param("weight_ih", layer, d)!;
        const whh = this.param("weight_hh", layer, d)!;
        const bih = this.param("bias_ih", layer, d);
        const bhh = this.param("bias_hh", layer, d);
        // b_hh added once for the whole sequence instead of once per step: folded into the bias
        const fold = bhh !== null && foldsHiddenBias(this.mode);
        const bias = fold && bih ? bih.add(bhh!) : fold ? bhh : bih;
        const k = layer * dirs + d;
        const whr = this.param("weight_hr", layer, d);
        // the fused LSTM projects the input and adds the bias itself: xw never leaves the kernel
        const fused = this.mode === "LSTM" && !whr && L > 0;
        const xw = fused ? seq : F.linear(seq, wih, bias);
        let h = h0s ? h0s.select(0, k) : zerosH;
        let c: Tensor | null = this.mode === "LSTM" ? (c0s ? c0s.select(0, k) : zerosC) : null;
        if (fused) {
          // the whole recurrence as one op
          const opts = { reverse: d === 1, batchFirst: ownLayout };
          const parts = lstmSequenceParts(lstmSequence(xw, h, c!, whh, { ...opts, bias, weightIh: wih }), L, N, this.hiddenSize, opts);
          dirOutputs.push(parts.h);
          hFinal.push(parts.hN);
          cFinal.push(parts.cN);
          continue;
        }
        const outs: Tensor[] = new Array(L);
        for (let s = 0; s < L; s++) {
          const t = d === 0 ? s : L - 1 - s;
          [h, c] = cellStep(this.mode, xw.select(0, t), h, c, whh, fold ? null : bhh, whr);
          outs[t] = h;
        }
        dirOutputs.push(stack(outs, 0));
        hFinal.push(h);
        if (c) cFinal.push(c);
      }
      seq = dirs === 1 ? dirOutputs[0] : cat(dirOutputs, -1);
      if (this.dropout > 0 && this.training && layer < this.numLayers - 1) seq = F.dropout(seq, { p: this.dropout, training: true });
    }
    let output = seq;
    let hN = stack(hFinal, 0);
    let cN = this.mode === "LSTM" ? stack(cFinal, 0) : null;
    if (!batched) {
      output = output.squeeze(1);
      hN = hN.squeeze(1);
      if (cN) cN = cN.squeeze(1);
    } else if (this.batchFirst && !ownLayout) output = output.transpose(0, 1);
    return { output, hN, cN };
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (this.projSize) s += `, proj_size=${this.projSize}`;
    if (!this.hasBias) s += ", bias=false";
    if (this.batchFirst) s += ", batch_first=true";
    if (this.dropout) s += `, dropout=${this.dropout}`;
    if (this.bidirectional) s += ", bidirectional=true";
    return s;
  }
}

/**
 * Elman RNN. `forward(x, h0?)` → `[output, hN]`; output [L, N, D·H] (batchFirst: [N, L, D·H]),
 * hN [D·numLayers, N, H].
 */
export class RNN extends RNNBase {
  readonly nonlinearity: "tanh" | "relu";
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions & { nonlinearity?: "tanh" | "relu" } = {}) {
    const nl = options.nonlinearity ?? "tanh";
    if (nl !== "tanh" && nl !== "relu") throw new Error(`RNN: unknown nonlinearity ${JSON.stringify(nl)} (use "tanh" or "relu")`);
    super(nl === "tanh" ? "RNN_TANH" : "RNN_RELU", inputSize, hiddenSize, options);
    this.nonlinearity = nl;
  }
  override forward(x: Tensor, h0: Tensor | null = null): [Tensor, Tensor] {
    const { output, hN } = this.run(x, h0, null);
    return [output, hN];
  }
}

/** Long short-term memory. `forward(x, [h0, c0]?)` → `[output, [hN, cN]]`. */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super("LSTM", inputSize, hiddenSize, options);
  }
  override forward(x: Tensor, state: [Tensor, Tensor] | null = null): [Tensor, [Tensor, Tensor]] {
    const { output, hN, cN } = this.run(x, state?.[0] ?? null, state?.[1] ?? null);
    return [output, [hN, cN!]];
  }
}

/** Gated recurrent unit. `forward(x, h0?)` → `[output, hN]`. */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super("GRU", inputSize, hiddenSize, options);
  }
  override forward(x: Tensor, h0: Tensor | null = null): [Tensor, Tensor] {
    const { output, hN } = this.run(x, h0, null);
    return [output, hN];
  }
}

/** Single-step cells (weight_ih, weight_hh, bias_ih, bias_hh) for hand-written loops. */
abstract class CellBase extends Module {
  declare weight_ih: Tensor;
  declare weight_hh: Tensor;
  declare bias_ih: Tensor | null;
  declare bias_hh: Tensor | null;
  constructor(
    protected readonly mode: Mode,
    readonly inputSize: number,
    readonly hiddenSize: number,
    o: { bias?: boolean; dtype?: DType },
  ) {
    super();
    const g = GATES[mode] * hiddenSize;
    this.registerParameter("weight_ih", emptyParameter([g, inputSize], o.dtype));
    this.registerParameter("weight_hh", emptyParameter([g, hiddenSize], o.dtype));
    this.registerParameter("bias_ih", o.bias === false ? null : emptyParameter([g], o.dtype));
    this.registerParameter("bias_hh", o.bias === false ? null : emptyParameter([g], o.dtype));
    const k = hiddenSize > 0 ? 1 / Math.sqrt(hiddenSize) : 0;
    for (const p of this.parameters()) init.uniform(p, { a: -k, b: k });
  }

  protected step(x: Tensor, h: Tensor | null, c: Tensor | null): [Tensor, Tensor | null] {
    const batched = x.ndim === 2;
    const xb = batched ? x : x.unsqueeze(0);
    if (xb.ndim !== 2 || xb.shape[1] !== this.inputSize) {
      throw new Error(`${this.constructor.name}: expected input [N, ${this.inputSize}] or [${this.inputSize}], got ${fmtShape(x.shape)}`);
    }
    const zeros = Tensor.empty([xb.shape[0], this.hiddenSize], x.dtype);
    const hb = h ? (batched ? h : h.unsqueeze(0)) : zeros;
    const cb = this.mode === "LSTM" ? (c ? (batched ? c : c.unsqueeze(0)) : zeros) : null;
    let xw = xb.matmul(this.weight_ih.t());
    if (this.bias_ih) xw = xw.add(this.bias_ih);
    const [h2, c2] = cellStep(this.mode, xw, hb, cb, this.weight_hh, this.bias_hh);
    return batched ? [h2, c2] : [h2.squeeze(0), c2 ? c2.squeeze(0) : null];
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.bias_ih ? "" : ", bias=false"}`;
  }
}

export class RNNCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, options: { bias?: boolean; nonlinearity?: "tanh" | "relu"; dtype?: DType } = {}) {
    super(options.nonlinearity === "relu" ? "RNN_RELU" : "RNN_TANH", inputSize, hiddenSize, options);
  }
  override forward(x: Tensor, h: Tensor | null = null): Tensor {
    return this.step(x, h, null)[0];
  }
}

export class LSTMCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, options: { bias?: boolean; dtype?: DType } = {}) {
    super("LSTM", inputSize, hiddenSize, options);
  }
  override forward(x: Tensor, state: [Tensor, Tensor] | null = null): [Tensor, Tensor] {
    const [h, c] = this.step(x, state?.[0] ?? null, state?.[1] ?? null);
    return [h, c!];
  }
}

export class GRUCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, options: { bias?: boolean; dtype?: DType } = {}) {
    super("GRU", inputSize, hiddenSize, options);
  }
  override forward(x: Tensor, h: Tensor | null = null): Tensor {
    return this.step(x, h, null)[0];
  }
}
