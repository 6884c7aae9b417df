// Padding layers (PyTorch's ZeroPad2d, ConstantPad1d/2d, ReflectionPad1d/2d, ReplicationPad1d/2d,
// CircularPad1d/2d): F.pad with a fixed amount and mode. The amount is one number for every
// side, or PyTorch's tuple: (left, right) for 1-D, (left, right, top, bottom) for 2-D.

import type { Tensor } from "../tensor.js";
import { fmtShape } from "../shape.js";
import * as F from "../functional.js";
import type { PadMode } from "../functional.js";
import { Module } from "./module.js";

abstract class PadNd extends Module {
  /** F.pad's list: (left, right[, top, bottom]). */
  readonly padding: number[];
  constructor(
    private readonly opName: string,
    private readonly dims: 1 | 2,
    private readonly mode: PadMode,
    padding: number | readonly number[],
    readonly value = 0,
  ) {
    super();
    const list = typeof padding === "number" ? new Array<number>(2 * dims).fill(padding) : [...padding];
    if (list.length !== 2 * dims || !list.every(Number.isInteger)) {
      throw new Error(`${opName}: padding must be an integer or ${2 * dims} integers (${dims === 1 ? "left, right" : "left, right, top, bottom"}), got ${JSON.stringify(padding)}`);
    }
    this.padding = list;
  }
  override forward(x: Tensor): Tensor {
    if (x.ndim !== this.dims + 1 && x.ndim !== this.dims + 2) {
      const want = this.dims === 1 ? "[C, L] or [N, C, L]" : "[C, H, W] or [N, C, H, W]";
      throw new Error(`${this.opName}: expected input of shape ${want}, got ${fmtShape(x.shape)}`);
    }
    return F.pad(x, this.padding, { mode: this.mode, value: this.value });
  }
  override extraRepr(): string {
    // PyTorch prints ConstantPad's value; the other pads (ZeroPad included) show only the tuple.
    const tuple = `(${this.padding.join(", ")})`;
    return this.opName.startsWith("Constant") ? `padding=${tuple}, value=${this.value}` : tuple;
  }
}

/** Pads the last dim of [N, C, L] with zeros. */
export class ZeroPad1d extends PadNd {
  constructor(padding: number | readonly [number, number]) {
    super("ZeroPad1d", 1, "constant", padding);
  }
}

/** Pads the last two dims of [N, C, H, W] with zeros. */
export class ZeroPad2d extends PadNd {
  constructor(padding: number | readonly [number, number, number, number]) {
    super("ZeroPad2d", 2, "constant", padding);
  }
}

/** Pads the last dim of [N, C, L] with `value`. */
export class ConstantPad1d extends PadNd {
  constructor(padding: number | readonly [number, number], value: number) {
    super("ConstantPad1d", 1, "constant", padding, value);
  }
}

/** Pads the last two dims of [N, C, H, W] with `value`. */
export class ConstantPad2d extends PadNd {
  constructor(padding: number | readonly [number, number, number, number], value: number) {
    super("ConstantPad2d", 2, "constant", padding, value);
  }
}

/** Mirrors [N, C, L] at its ends, without repeating the edge value (padding < L). */
export class ReflectionPad1d extends PadNd {
  constructor(padding: number | readonly [number, number]) {
    super("ReflectionPad1d", 1, "reflect", padding);
  }
}

/** Mirrors [N, C, H, W] at its borders, without repeating the edge (padding < size). */
export class ReflectionPad2d extends PadNd {
  constructor(padding: number | readonly [number, number, number, number]) {
    super("ReflectionPad2d", 2, "reflect", padding);
  }
}

/** Repeats the edge values of [N, C, L]. */
export class ReplicationPad1d extends PadNd {
  constructor(padding: number | readonly [number, number]) {
    super("ReplicationPad1d", 1, "replicate", padding);
  }
}

/** Repeats the edge values of [N, C, H, W]. */
export class ReplicationPad2d extends PadNd {
  constructor(padding: number | readonly [number, number, number, number]) {
    super("ReplicationPad2d", 2, "replicate", padding);
  }
}

/** Wraps [N, C, L] around (periodic boundary). */
export class CircularPad1d extends PadNd {
  constructor(padding: number | readonly [number, number]) {
    super("CircularPad1d", 1, "circular", padding);
  }
}

/** Wraps [N, C, H, W] around in both dims (periodic boundary). */
export class CircularPad2d extends PadNd {
  constructor(padding: number | readonly [number, number, number, number]) {
    super("CircularPad2d", 2, "circular", padding);
  }
}
