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
import { cast, clone, contiguous } from "./copy.js";
import { record } from "./op.js";

const FAST: Record<string, BinaryOp> = { add_: "add", sub_: "sub", mul_: "mul", div_: "div" };

/** Writes `src` (broadcast to dst's shape) into dst's storage, converting dtype. */
export function assign(dst: Tensor, src: TensorOrScalar): void {
  if (typeof src === "number") src = Tensor.fromArray(new Float64Array([src]), [], "float64");
  const expr = dst.dtype === "bool" && src.dtype !== "bool" ? "toBool" : "copy";
  getKernels().stridedUnary(expr, src.storage.data, src.offset, broadcastStrides(src.shape, src.strides, dst.shape), dst.storage.data, dst.offset, dst.strides, dst.shape);
}

/**
 * After writing `value` through `view` into `base`'s storage: the base becomes "its old value
 * with the view's region replaced by value" (PyTorch's CopySlices), and the view becomes a
 * view of that new base. Lets `buf.select(0, t).copy_(h)` take part in autograd.
 */
function rebaseView(view: Tensor, base: Tensor, value: Tensor): void {
  const rel = view.offset - base.offset;
  // The view's region inside a contiguous tensor shaped like base.
  const region = (t: Tensor) => new Tensor(t.storage, view.shape, view.strides, t.offset + rel, t.dtype);
  const newBase = new Tensor(base.storage, base.shape, base.strides, base.offset, base.dtype);
  record(newBase, "CopySlices", [base, value], (g, needs) => {
    const gc = contiguous(g, true);
    let gBase: Tensor | null = null;
    if (needs[0]) {
      gBase = clone(gc);
      region(gBase).fill_(0);
    }
    return [gBase, needs[1] ? contiguous(region(gc), true) : null];
  });
  if (!newBase.gradFn) return;
  base._setGradFn(newBase.gradFn);
  const viewOut = new Tensor(view.storage, view.shape, view.strides, view.offset, view.dtype);
  record(viewOut, "AsStridedBackward", [base], (g) => {
    const z = Tensor.empty(base.shape, g.dtype);
    assign(region(z), g);
    return [z];
  });
  view._setGradFn(viewOut.gradFn!);
}

export function inplace<T extends Tensor>(self: T, name: string, fn: (x: Tensor) => Tensor, other?: TensorOrScalar, alpha?: number): T {
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
    const base = self._isView ? self._base : null;
    if (base && base.requiresGrad && base.isLeaf) {
      throw new Error(`${name}: a view of a leaf tensor that requires grad cannot be modified in place (wrap the update in noGrad(() => ...))`);
    }
    if (self._isView && (!base || !base.isContiguous() || base.storage !== self.storage)) {
      throw new Error(`${name}: in-place ops on this view are not supported when gradients are tracked (shape ${fmtShape(self.shape)}); clone() the view first or use an out-of-place op`);
    }
    // Compute out of place from a copy of the old values, then adopt the result's graph node.
    const r = fn(self.requiresGrad ? self.clone() : self.detach());
    const rr = r.dtype === self.dtype ? r : cast(r, self.dtype);
    noGrad(() => assign(self, rr));
    self.storage.version++;
    if (base) rebaseView(self, base, rr);
    else if (rr.gradFn) self._setGradFn(rr.gradFn);
    return self;
  }
  noGrad(() => {
    const op = FAST[name];
    const sd = self.storage.data;
    if (op && isFloatDType(self.dtype) && self.isContiguous()) {
      const view = self.data as Float;
      const scaled = alpha !== undefined && alpha !== 1;
      if (typeof other === "number") {
        getKernels().binaryScalar(op, view, scaled ? other * alpha : other, view, false);
        return;
      }
      if (other instanceof Tensor && other.dtype === self.dtype && other.isContiguous() && sameShape(other.shape, self.shape)) {
        let od = other.data as Float;
        if (scaled) {
          const tmp = Tensor.empty(other.shape, other.dtype).storage.data as Float;
          getKernels().binaryScalar("mul", od, alpha, tmp, false);
          od = tmp;
        }
        getKernels().binary(op, view, od, view);
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
