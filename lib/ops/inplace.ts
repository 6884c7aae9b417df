// In-place updates (add_ sub_ mul_ div_ clamp_ zero_ fill_ copy_). Outside autograd they write
// straight into the storage (fast paths for contiguous operands: this is what parameter
// updates in noGrad use). Inside autograd they rebase the tensor onto a new graph node, as
// PyTorch does; every write bumps the storage version so stale saved tensors are detected.

import { getKernels } from "../backend/index.js";
import type { BinaryOp } from "../backend/kernels.js";
import { type Float, isFloatDType } from "../dtype.js";
import { isGradEnabled, noGrad } from "../autograd/grad_mode.js";
import { broadcastShapes, broadcastStrides, fmtShape, sameShape } from "../shape.js";
import { Tensor, type TensorOrScalar } from "../tensor.js";
import { cast } from "./copy.js";
import { map1 } from "./strided.js";

const FAST: Record<string, BinaryOp> = { add_: "add", sub_: "sub", mul_: "mul", div_: "div" };

/** Writes `src` (broadcast to dst's shape) into dst's storage, converting dtype. */
export function assign(dst: Tensor, src: TensorOrScalar): void {
  if (typeof src === "number") src = Tensor.fromArray(new Float64Array([src]), [], "float64");
  const expr = dst.dtype === "bool" && src.dtype !== "bool" ? "toBool" : "copy";
  map1(expr, src.storage.data, src.offset, broadcastStrides(src.shape, src.strides, dst.shape), dst.storage.data, dst.offset, dst.strides, dst.shape);
}

export function inplace<T extends Tensor>(self: T, name: string, fn: (x: Tensor) => Tensor, other?: TensorOrScalar): T {
  const grad = isGradEnabled();
  if (grad && self.requiresGrad && self.isLeaf) {
    throw new Error(`${name}: a leaf tensor that requires grad cannot be modified in place (wrap the update in noGrad(() => ...), or use an out-of-place op)`);
  }
  if (other instanceof Tensor) {
    const shape = broadcastShapes(name, self.shape, other.shape);
    if (!sameShape(shape, self.shape)) throw new Error(`${name}: a tensor of shape ${fmtShape(other.shape)} cannot be broadcast into the in-place target of shape ${fmtShape(self.shape)}`);
  }
  const otherGrad = other instanceof Tensor && other.requiresGrad;
  if (grad && (self.requiresGrad || otherGrad)) {
    if (self._isView) {
      throw new Error(`${name}: in-place ops on a view are not supported when gradients are tracked (shape ${fmtShape(self.shape)}); clone() the view first or use an out-of-place op`);
    }
    // Compute out of place from a copy of the old values, then adopt the result's graph node.
    const r = fn(self.requiresGrad ? self.clone() : self.detach());
    const rr = r.dtype === self.dtype ? r : cast(r, self.dtype);
    noGrad(() => assign(self, rr));
    self.storage.version++;
    if (rr.gradFn) self._setGradFn(rr.gradFn);
    return self;
  }
  noGrad(() => {
    const op = FAST[name];
    const sd = self.storage.data;
    if (op && isFloatDType(self.dtype) && self.isContiguous()) {
      const view = self.data as Float;
      if (typeof other === "number") {
        getKernels().binaryScalar(op, view, other, view, false);
        return;
      }
      if (other instanceof Tensor && other.dtype === self.dtype && other.isContiguous() && sameShape(other.shape, self.shape)) {
        getKernels().binary(op, view, other.data as Float, view);
        return;
      }
    }
    if (name === "fill_" || name === "zero_" || name === "copy_") {
      if (typeof other === "number" && self.isContiguous()) {
        const v = self.dtype === "bool" ? (other !== 0 ? 1 : 0) : other;
        sd.fill(v, self.offset, self.offset + self.numel);
      } else {
        assign(self, other ?? 0);
      }
      return;
    }
    const r = fn(self);
    if (!sameShape(r.shape, self.shape)) throw new Error(`${name}: result shape ${fmtShape(r.shape)} does not match the tensor's shape ${fmtShape(self.shape)}`);
    assign(self, r);
  });
  self.storage.version++;
  return self;
}
