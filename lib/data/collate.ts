import { Tensor } from "../tensor.js";
import { fmtShape } from "../shape.js";
import { stack } from "../ops/join.js";

/**
 * Turns a list of items into a batch (PyTorch's `default_collate`): tensors are stacked
 * along a new first dim, numbers become a 1-D tensor (int32 when all are integers, else
 * float32), arrays and plain objects are collated position by position / key by key.
 */
export function defaultCollate(items: readonly unknown[]): any {
  if (items.length === 0) throw new Error("defaultCollate: cannot collate an empty batch");
  const first = items[0];
  if (first instanceof Tensor) {
    const tensors = items as Tensor[];
    for (const t of tensors) {
      if (!(t instanceof Tensor) || t.shape.length !== first.shape.length || t.shape.some((d, i) => d !== first.shape[i])) {
        throw new Error(
          `defaultCollate: items must have equal shapes to be stacked, got ${fmtShape(first.shape)} and ${t instanceof Tensor ? fmtShape(t.shape) : typeof t}`,
        );
      }
    }
    return stack(tensors, 0);
  }
  if (typeof first === "number" || typeof first === "boolean") {
    const nums = items.map(Number);
    const ints = nums.every(Number.isInteger);
    return Tensor.fromArray(ints ? Int32Array.from(nums) : Float32Array.from(nums), [nums.length], ints ? "int32" : "float32");
  }
  if (Array.isArray(first)) {
    for (const it of items) {
      if (!Array.isArray(it) || it.length !== first.length) throw new Error("defaultCollate: items in a batch must have the same length");
    }
    return first.map((_, k) => defaultCollate(items.map((it) => (it as unknown[])[k])));
  }
  if (typeof first === "string") return [...items];
  if (first !== null && typeof first === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) out[key] = defaultCollate(items.map((it) => (it as Record<string, unknown>)[key]));
    return out;
  }
  throw new Error(`defaultCollate: don't know how to batch items of type ${first === null ? "null" : typeof first}`);
}
