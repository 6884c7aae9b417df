// Widget values the io thread writes while the main thread runs a cell. A frontend's
// comm_msg `update` waits on the main thread until the cell awaits or ends, but the io thread
// sees it at once: for the fields a widget registered (numbers, booleans, selection indices,
// ranges, button clicks) it stores the new value in shared memory, so `slider.value` read in a
// synchronous training loop is one shared-memory load and sees the change at the next read.
// Layout: Int32 [0] counts writes (an Atomics load of it before each read keeps the compiler
// from caching a value across reads); Float64 slots from byte 8 on, two per field.

/** How a field's value is stored in its two slots. */
export type LiveKind = "number" | "boolean" | "index" | "pair" | "clicks";

export interface LiveField {
  slot: number;
  kind: LiveKind;
}

/** Posted from the main thread to the io thread before a widget's comm_open / after its close. */
export type LiveRegistration =
  | { t: "widget-live"; commId: string; fields: Record<string, LiveField> }
  | { t: "widget-live-drop"; commId: string };

const SLOTS = 8192;

export function createLiveState(): SharedArrayBuffer {
  return new SharedArrayBuffer(8 + SLOTS * 8);
}

/** Encodes a value from the protocol into slots [slot, slot + 1]; false when it does not fit the kind. */
function store(f64: Float64Array, f: LiveField, v: unknown): boolean {
  switch (f.kind) {
    case "number":
      if (typeof v !== "number") return false;
      f64[f.slot] = v;
      return true;
    case "boolean":
      if (typeof v !== "boolean") return false;
      f64[f.slot] = v ? 1 : 0;
      return true;
    case "index":
      if (v !== null && typeof v !== "number") return false;
      f64[f.slot] = v === null ? -1 : v;
      return true;
    case "pair":
      if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== "number" || typeof v[1] !== "number") return false;
      f64[f.slot] = v[0];
      f64[f.slot + 1] = v[1];
      return true;
    case "clicks":
      return false;
  }
}

/** Main-thread half: allocates slots, reads and writes them, tells the io thread what to apply. */
export class LiveStateMain {
  /** [0] counts writes: an Atomics.load of it before reading a slot keeps a loop from caching the value. */
  readonly count: Int32Array;
  /** The slots, read directly by the widgets (visualizers/widgets/widget.ts). */
  readonly f64: Float64Array;
  private readonly free: number[] = [];
  private next = 0;

  constructor(
    buffer: SharedArrayBuffer,
    private readonly post: (m: LiveRegistration) => void,
  ) {
    this.count = new Int32Array(buffer, 0, 1);
    this.f64 = new Float64Array(buffer, 8);
  }

  /** Slots for a widget's live fields, registered with the io thread; null when shared memory is full (the fields then update on the main thread only). */
  bind(commId: string, kinds: Record<string, LiveKind>, initial: Record<string, unknown>): Record<string, number> | null {
    const names = Object.keys(kinds);
    if (names.length === 0) return {};
    if (this.free.length + (SLOTS - this.next) / 2 < names.length) return null;
    const fields: Record<string, LiveField> = {};
    const slots: Record<string, number> = {};
    for (const name of names) {
      const slot = this.free.pop() ?? (this.next += 2) - 2;
      fields[name] = { slot, kind: kinds[name]! };
      slots[name] = slot;
      this.f64[slot] = 0;
      this.f64[slot + 1] = 0;
      store(this.f64, fields[name], initial[name]);
    }
    this.post({ t: "widget-live", commId, fields });
    return slots;
  }

  unbind(commId: string, slots: Record<string, number>): void {
    this.post({ t: "widget-live-drop", commId });
    for (const s of Object.values(slots)) this.free.push(s);
  }

  write(slot: number, v: number): void {
    this.f64[slot] = v;
    Atomics.add(this.count, 0, 1);
  }
}

/** io-thread half: applies `update` and button clicks of registered widgets as they arrive. */
export class LiveStateIo {
  private readonly count: Int32Array;
  private readonly f64: Float64Array;
  private readonly widgets = new Map<string, Record<string, LiveField>>();

  constructor(buffer: SharedArrayBuffer) {
    this.count = new Int32Array(buffer, 0, 1);
    this.f64 = new Float64Array(buffer, 8);
  }

  register(m: LiveRegistration): void {
    if (m.t === "widget-live") this.widgets.set(m.commId, m.fields);
    else this.widgets.delete(m.commId);
  }

  /** A comm_msg's content from the frontend (still forwarded to the main thread afterwards); whether it was for a live widget. */
  apply(content: Record<string, unknown>): boolean {
    const fields = this.widgets.get(String(content.comm_id));
    const data = content.data as { method?: unknown; state?: unknown; content?: unknown } | undefined;
    if (fields === undefined || typeof data !== "object" || data === null) return false;
    if (data.method === "update" && typeof data.state === "object" && data.state !== null) {
      for (const [name, v] of Object.entries(data.state as Record<string, unknown>)) {
        const f = fields[name];
        if (f !== undefined && store(this.f64, f, v)) Atomics.add(this.count, 0, 1);
      }
    } else if (data.method === "custom" && (data.content as { event?: unknown } | null)?.event === "click") {
      const f = fields.clicks;
      if (f !== undefined) {
        this.f64[f.slot]! += 1;
        Atomics.add(this.count, 0, 1);
      }
    }
    return true;
  }
}
