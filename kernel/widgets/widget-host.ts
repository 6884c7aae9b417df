// What the kernel gives the widget library (visualizers/widgets/), at
// globalThis[Symbol.for("gradlab.widgets")]: the shared-memory values the io thread updates
// while a cell runs, and the message id outputs currently belong to (an Output widget's capture).
import type { LiveKind, LiveStateMain } from "./live-state.js";

export const WIDGET_HOST = Symbol.for("gradlab.widgets");

export interface WidgetHost {
  bind(commId: string, kinds: Record<string, LiveKind>, initial: Record<string, unknown>): Record<string, number> | null;
  unbind(commId: string, slots: Record<string, number>): void;
  /** The shared slots and their write counter: a read is `Atomics.load(writes, 0); values[slot]`. */
  readonly values: Float64Array;
  readonly writes: Int32Array;
  write(slot: number, v: number): void;
  /** msg_id of the request whose outputs are being sent now ("" when none). */
  parentMsgId(): string;
}

export function widgetHost(live: LiveStateMain, parentMsgId: () => string): WidgetHost {
  return {
    bind: (id, kinds, initial) => live.bind(id, kinds, initial),
    unbind: (id, slots) => live.unbind(id, slots),
    values: live.f64,
    writes: live.count,
    write: (slot, v) => live.write(slot, v),
    parentMsgId,
  };
}
