// Which gradients of one backward pass are dead once their node has run, so their storage can
// go back to the backend's pool (backend/storage-pool.ts) for the next allocations of that
// size. A buffer qualifies only if the library's own backward code allocated it during this
// pass (never user code: hooks and custom Functions run with births not recorded), no hook,
// custom Function or `.grad` ever saw it, and no gradient still waiting in the pass shares it.

import { noteFreedDead, residentScope } from "../backend/index.js";
import { releaseStorage } from "../backend/storage-pool.js";
import type { Storage, Tensor } from "../tensor.js";

let poison = false;

/**
 * @internal tests: with true, a released gradient's values are overwritten with NaN first, so
 * that any read after its release shows in the results instead of passing by luck.
 */
export function setPoisonDeadGradients(on: boolean): void {
  poison = on;
}

export class DeadGradients {
  /** Storage keys (`Storage.key`: the buffer, or a resident region) allocated by the pass's own code (filled by backend/storage-pool.ts's recordBirths). */
  readonly births = new WeakSet<object>();
  /** Gradients waiting in the pass per storage key (views of one buffer count separately). */
  private readonly pending = new Map<object, number>();
  /** Storage keys user code saw: never released. */
  private readonly kept = new WeakSet<object>();
  private readonly released = new WeakSet<object>();

  /** `owned`: storages handed out as a `.grad` or owned by the caller. */
  constructor(private readonly owned: Set<Storage>) {}

  hold(t: Tensor): void {
    const b = t.storage.key;
    this.pending.set(b, (this.pending.get(b) ?? 0) + 1);
  }

  drop(t: Tensor): void {
    const b = t.storage.key;
    const n = this.pending.get(b);
    if (n === undefined) return;
    if (n > 1) this.pending.set(b, n - 1);
    else this.pending.delete(b);
  }

  /** `t` reached user code (a hook, a custom Function's backward, a retained `.grad`). */
  keep(t: Tensor): void {
    this.kept.add(t.storage.key);
  }

  /** Gives `t`'s storage back if nothing can reach it any more. */
  release(t: Tensor): void {
    const b = t.storage.key;
    if (this.pending.has(b) || this.kept.has(b) || this.released.has(b) || !this.births.has(b) || this.owned.has(t.storage)) return;
    this.released.add(b);
    if (poison) residentScope(() => t.storage.values.fill(NaN));
    if (t.storage.releaseResident()) noteFreedDead(t.storage.length * 4);
    else releaseStorage(t.dtype, t.storage.data);
  }
}
