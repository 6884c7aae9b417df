import type { Tensor } from "../tensor.js";
import * as F from "../functional.js";
import type { InterpolateMode } from "../functional.js";
import { Module } from "./module.js";

export interface UpsampleOptions {
  /** Output spatial size (one number for every spatial dim, or one per dim). */
  size?: number | readonly number[];
  /** Multiplier of the spatial size (output = floor(input · scaleFactor)). */
  scaleFactor?: number | readonly number[];
  /** "nearest" (default), "linear" for [N, C, L], "bilinear" for [N, C, H, W]. */
  mode?: InterpolateMode;
  alignCorners?: boolean;
}

const fmt = (v: number | readonly number[]) => (typeof v === "number" ? `${v}` : `(${v.join(", ")})`);

/** Resizes [N, C, L] or [N, C, H, W] to `size` or by `scaleFactor` (F.interpolate as a layer). */
export class Upsample extends Module {
  readonly size: number | readonly number[] | null;
  readonly scaleFactor: number | readonly number[] | null;
  readonly mode: InterpolateMode;
  readonly alignCorners: boolean | null;
  constructor(options: UpsampleOptions = {}) {
    super();
    if ((options.size === undefined) === (options.scaleFactor === undefined)) throw new Error("Upsample: give exactly one of size and scaleFactor");
    this.size = options.size ?? null;
    this.scaleFactor = options.scaleFactor ?? null;
    this.mode = options.mode ?? "nearest";
    this.alignCorners = options.alignCorners ?? null;
  }
  override forward(x: Tensor): Tensor {
    return F.interpolate(x, {
      ...(this.size !== null ? { size: this.size } : { scaleFactor: this.scaleFactor! }),
      mode: this.mode,
      ...(this.alignCorners !== null ? { alignCorners: this.alignCorners } : {}),
    });
  }
  override extraRepr(): string {
    const what = this.scaleFactor !== null ? `scale_factor=${fmt(this.scaleFactor)}` : `size=${fmt(this.size!)}`;
    return `${what}, mode='${this.mode}'`;
  }
}

/** Nearest-neighbour upsampling of [N, C, H, W] (PyTorch's older name for Upsample's default mode). */
export class UpsamplingNearest2d extends Upsample {
  constructor(options: { size?: number | readonly number[]; scaleFactor?: number | readonly number[] } = {}) {
    super({ ...options, mode: "nearest" });
  }
}

/** Bilinear upsampling of [N, C, H, W] with aligned corners (as PyTorch's UpsamplingBilinear2d). */
export class UpsamplingBilinear2d extends Upsample {
  constructor(options: { size?: number | readonly number[]; scaleFactor?: number | readonly number[] } = {}) {
    super({ ...options, mode: "bilinear", alignCorners: true });
  }
}

/** [N, C·r², H, W] → [N, C, H·r, W·r] (Shi et al.'s sub-pixel convolution). */
export class PixelShuffle extends Module {
  constructor(readonly upscaleFactor: number) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return F.pixelShuffle(x, this.upscaleFactor);
  }
  override extraRepr(): string {
    return `upscale_factor=${this.upscaleFactor}`;
  }
}

/** [N, C, H·r, W·r] → [N, C·r², H, W], the inverse of PixelShuffle. */
export class PixelUnshuffle extends Module {
  constructor(readonly downscaleFactor: number) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return F.pixelUnshuffle(x, this.downscaleFactor);
  }
  override extraRepr(): string {
    return `downscale_factor=${this.downscaleFactor}`;
  }
}
