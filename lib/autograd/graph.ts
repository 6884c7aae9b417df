// The recorded graph: one GradFn per op output, AccumulateGrad for leaves that require grad.
// Visualizers read `name`, `inputs`, `outputShape` and `saved`; the engine reads the rest.

import type { PointwiseGradOp } from "../backend/kernels/activation.js"; // not kernels.js: see tensor.ts on Region
import type { DType } from "../dtype.js";
import type { Tensor } from "../tensor.js";

/**
 * Computes the gradients of an op's inputs from the gradient of its output. `needs[i]` says
 * whether input i wants a gradient (skip the work otherwise and return null).
 * Runs with grad mode off.
 */
export type BackwardFn = (grad: Tensor, needs: readonly boolean[]) => readonly (Tensor | PartialGrad | null | undefined)[];

/**
 * A gradient that is zero outside a strided region of its input (what slicing views return).
 * The engine adds many of them into one buffer instead of summing full-size zero tensors,
 * so `for (t ...) x.select(0, t)` costs O(size of x) in backward, not O(T · size of x).
 */
export interface PartialGrad {
  readonly partial: true;
  readonly shape: readonly number[];
  /** Adds the region's values into `dense` (contiguous, this shape) in place. */
  addInto(dense: Tensor): void;
  /** A fresh dense gradient (zeros outside the region). */
  toDense(): Tensor;
}

export function isPartialGrad(g: unknown): g is PartialGrad {
  return typeof g === "object" && g !== null && (g as PartialGrad).partial === true;
}

export type Hook = (grad: Tensor) => Tensor | void | undefined;

/** An elementwise node's backward as data: its input's gradient is g·op'(saved). */
export interface PointwiseGrad { readonly op: PointwiseGradOp; readonly saved: Tensor }

/**
 * A backward that returns input 0's gradient already taken through the pointwise backward of
 * the node that produced input 0 (a linear after a GELU: one kernel call for both), or null
 * when it cannot for these operands.
 */
export type FusedBackwardFn = (grad: Tensor, needs: readonly boolean[], inputAct: PointwiseGrad) => readonly (Tensor | null | undefined)[] | null;

export interface RemovableHandle {
  remove(): void;
}

export class AccumulateGrad {
  readonly name = "AccumulateGrad";
  constructor(readonly variable: Tensor) {}
}

export type GraphNode = GradFn | AccumulateGrad;

export class GradFn {
  /** Hooks registered on the tensor this node produced (`t.registerHook` on a non-leaf). */
  hooks: Hook[] | null = null;
  /** The non-leaf tensor that asked for `.grad` via `retainGrad()`. */
  retained: Tensor | null = null;
  /** Set by elementwise ops whose backward the node below them may apply itself. */
  pointwiseGrad: PointwiseGrad | null = null;
  /** Set by ops that can apply input 0's pointwiseGrad inside their own backward (the engine decides when). */
  fusedBackward: FusedBackwardFn | null = null;
  private freed = false;

  constructor(
    readonly name: string,
    readonly inputs: readonly (GraphNode | null)[],
    readonly outputShape: readonly number[],
    /** Shape and dtype of each input: gradients are checked and cast against them. */
    readonly inputMeta: readonly { shape: readonly number[]; dtype: DType }[],
    private backwardFn: BackwardFn | null,
    /** Tensors the backward reads (for display and in-place modification checks). */
    public saved: readonly Tensor[],
    private savedVersions: readonly number[],
    /** Frees what the backward would have read outside `saved` (kernel memory), once. */
    private onRelease: (() => void) | null = null,
  ) {}

  get isFreed(): boolean {
    return this.freed;
  }

  get needsInputGrad(): boolean[] {
    return this.inputs.map((n) => n !== null);
  }

  apply(grad: Tensor): readonly (Tensor | PartialGrad | null | undefined)[] {
    this.checkSaved();
    return this.backwardFn!(grad, this.needsInputGrad);
  }

  /** `fusedBackward` with this node's checks, and those of `input` (input 0's node, whose backward it applies). */
  applyFused(grad: Tensor, input: GradFn): readonly (Tensor | null | undefined)[] | null {
    this.checkSaved();
    input.checkSaved();
    return this.fusedBackward!(grad, this.needsInputGrad, input.pointwiseGrad!);
  }

  /** Throws unless the backward can still run: not freed, saved tensors not modified in place. */
  checkSaved(): void {
    if (this.freed || this.backwardFn === null) {
      throw new Error(`backward: the graph was freed by an earlier backward() (${this.name} released its saved tensors); use backward(grad, { retainGraph: true }) the first time to backward through it again`);
    }
    for (let i = 0; i < this.saved.length; i++) {
      if (this.saved[i].version !== this.savedVersions[i]) {
        throw new Error(`backward: a tensor of shape [${this.saved[i].shape.join(", ")}] saved by ${this.name} was modified by an in-place operation after it was saved (version ${this.saved[i].version}, expected ${this.savedVersions[i]}); use an out-of-place op or clone() it first`);
      }
    }
  }

  /** Drops the closure and saved tensors so their memory can be reclaimed. */
  release(): void {
    this.freed = true;
    this.backwardFn = null;
    this.pointwiseGrad = null;
    this.fusedBackward = null;
    this.saved = [];
    this.savedVersions = [];
    const free = this.onRelease;
    this.onRelease = null;
    free?.();
  }
}
