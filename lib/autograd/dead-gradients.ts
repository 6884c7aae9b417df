// Which gradients of one backward pass are dead once their node has run, so their storage can
// go back to the backend's pool (backend/storage-pool.ts) for the next allocations of that
// size. A buffer qualifies only if the library's own backward code allocated it during this
// pass (never user code: hooks and custom Functions run with births not recorded), no hook,
// custom Function or `.grad` ever saw it, and no gradient still waiting in the pass shares it.

import { releaseStorage } from "../backend/storage-pool.js";
import type { Storage, Tensor } from "../tensor.js";

export class DeadGradients {
  /** Buffers allocated by the pass's own code (filled by backend/storage-pool.ts's recordBirths). */
  readonly births = new WeakSet<ArrayBufferLike>();
  /** Gradients waiting in the pass per buffer (views of one buffer count separately). */
  private readonly pending = new Map<ArrayBufferLike, number>();
  /** Buffers user code saw: never released. */
  private readonly kept = new WeakSet<ArrayBufferLike>();
  private readonly released = new WeakSet<ArrayBufferLike>();

  /** `owned`: storages handed out as a `.grad` or owned by the caller. */
  constructor(private readonly owned: Set<Storage>) {}

  hold(t: Tensor): void {
    const b = t.storage.data.buffer;
    this.pending.set(b, (this.pending.get(b) ?? 0) + 1);
  }

  drop(t: Tensor): void {
    const b = t.storage.data.buffer;
    const n = this.pending.get(b);
    if (n === undefined) return;
    if (n > 1) this.pending.set(b, n - 1);
    else this.pending.delete(b);
  }

  /** `t` reached user code (a hook, a custom Function's backward, a retained `.grad`). */
  keep(t: Tensor): void {
    this.kept.add(t.storage.data.buffer);
  }

  /** Gives `t`'s storage back if nothing can reach it any more. */
  release(t: Tensor): void {
    const data = t.storage.data, b = data.buffer;
    if (this.pending.has(b) || this.kept.has(b) || this.released.has(b) || !this.births.has(b) || this.owned.has(t.storage)) return;
    this.released.add(b);
    releaseStorage(t.dtype, data);
  }
}
