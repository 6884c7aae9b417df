// The kernel side of a Jupyter widget (ipywidgets' messaging protocol 2.1.0, packages/schema/
// messages.md): a model whose state is synced with the frontend over a comm of target
// `jupyter.widget`. State keys are the protocol's snake_case names; the TypeScript accessors
// are camelCase (see defineTraits). Fields a widget marks live are also kept in the kernel's
// shared memory, which its io thread updates while a cell runs (kernel/widgets/live-state.ts).
// Without a kernel (plain Node) a widget is a local object: values, observers and clicks
// still work, it displays as text.
import { randomUUID } from "node:crypto";
import { inspect } from "node:util";

export const WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json";
export const PROTOCOL_VERSION = "2.1.0";
const CONTROLS = { module: "@jupyter-widgets/controls", version: "2.0.0" };
const BASE = { module: "@jupyter-widgets/base", version: "2.0.0" };
const OUTPUT = { module: "@jupyter-widgets/output", version: "1.0.0" };

export type LiveKind = "number" | "boolean" | "index" | "pair" | "clicks";

/** The kernel's part (kernel/widgets/widget-host.ts), found at globalThis[Symbol.for("gradlab.widgets")]. */
interface WidgetHost {
  bind(commId: string, kinds: Record<string, LiveKind>, initial: Record<string, unknown>): Record<string, number> | null;
  unbind(commId: string, slots: Record<string, number>): void;
  readonly values: Float64Array;
  readonly writes: Int32Array;
  write(slot: number, v: number): void;
  parentMsgId(): string;
}
interface CommMessage {
  data: Record<string, unknown>;
  buffers: Uint8Array[];
}
interface CommLike {
  readonly id: string;
  send(data?: Record<string, unknown>, metadata?: Record<string, unknown>, buffers?: Uint8Array[]): void;
  close(data?: Record<string, unknown>): void;
  onMsg(handler: (data: Record<string, unknown>, msg: CommMessage) => void): void;
  onClose(handler: (data: Record<string, unknown>, msg: CommMessage) => void): void;
}
interface CommsLike {
  open(target: string, data?: Record<string, unknown>, metadata?: Record<string, unknown>, buffers?: Uint8Array[], id?: string): CommLike;
  registerTarget(name: string, handler: (comm: CommLike, data: Record<string, unknown>, msg: CommMessage) => void): void;
}

function kernelComms(): CommsLike | null {
  const c = (globalThis as Record<symbol, unknown>)[Symbol.for("gradlab.comms")];
  return typeof c === "object" && c !== null ? (c as CommsLike) : null;
}
export function widgetHost(): WidgetHost | null {
  const h = (globalThis as Record<symbol, unknown>)[Symbol.for("gradlab.widgets")];
  return typeof h === "object" && h !== null ? (h as WidgetHost) : null;
}

/** What `observe` handlers receive. */
export interface Change<T> {
  name: string;
  old: T;
  new: T;
  owner: Widget;
  type: "change";
}

export interface ModelSpec {
  model: string;
  view: string | null;
  module?: "controls" | "base" | "output";
}

/** Every widget ever opened and not closed, by model id: references and request_states resolve here. */
const open = new Map<string, Widget>();
let controlTarget = false;

/** `continuousUpdate` → `continuous_update`. */
export const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Options in camelCase → state in snake_case, leaving out undefined. */
export function stateOf(options: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) if (v !== undefined) out[snake(k)] = v;
  return out;
}

const isBinary = (v: unknown): v is Uint8Array | ArrayBuffer | DataView => v instanceof Uint8Array || v instanceof ArrayBuffer || v instanceof DataView;
const bytes = (v: Uint8Array | ArrayBuffer | DataView): Uint8Array => (v instanceof Uint8Array ? v : v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength));

/**
 * A state object as JSON plus binary buffers: widgets become "IPY_MODEL_<id>", binary values
 * are taken out (left out of objects, null in arrays) and their paths listed (protocol 2).
 */
export function serializeState(state: Record<string, unknown>): { state: Record<string, unknown>; buffer_paths: (string | number)[][]; buffers: Uint8Array[] } {
  const buffers: Uint8Array[] = [];
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]): unknown => {
    if (v instanceof Widget) return `IPY_MODEL_${v.modelId}`;
    if (isBinary(v)) {
      buffers.push(bytes(v));
      paths.push(path);
      return undefined;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]) ?? null);
    if (typeof v === "object" && v !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const s = walk(x, [...path, k]);
        if (s !== undefined || !isBinary(x)) out[k] = s;
      }
      return out;
    }
    return v;
  };
  return { state: walk(state, []) as Record<string, unknown>, buffer_paths: paths, buffers };
}

/** The inverse: buffers put back at their paths, "IPY_MODEL_<id>" strings resolved to open widgets. */
export function deserializeState(state: Record<string, unknown>, paths: unknown, buffers: Uint8Array[]): Record<string, unknown> {
  const out = structuredClone(state);
  if (Array.isArray(paths)) {
    paths.forEach((path, i) => {
      if (!Array.isArray(path) || path.length === 0 || buffers[i] === undefined) return;
      let obj = out as Record<string | number, unknown>;
      for (const key of path.slice(0, -1)) obj = obj[key] as Record<string | number, unknown>;
      obj[path[path.length - 1] as string] = buffers[i];
    });
  }
  const refs = (v: unknown): unknown => {
    if (typeof v === "string" && v.startsWith("IPY_MODEL_")) return open.get(v.slice(10)) ?? v;
    if (Array.isArray(v)) return v.map(refs);
    if (typeof v === "object" && v !== null && !isBinary(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, refs(x)]));
    return v;
  };
  return refs(out) as Record<string, unknown>;
}

const same = (a: unknown, b: unknown): boolean => a === b || (Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i]));

type Observer = (change: Change<never>) => void;

/**
 * A widget model. `T` lists its camelCase properties, for typed `observe`. Subclasses give the
 * model and view names, the initial state and which fields are live (read through shared
 * memory while a cell runs).
 */
export class Widget<T extends object = object> {
  readonly modelId: string;
  private readonly spec: ModelSpec;
  private readonly values: Record<string, unknown>;
  private readonly comm: CommLike | null;
  private readonly host: WidgetHost | null;
  private slots: Record<string, number> | null = null;
  private readonly kinds: Record<string, LiveKind>;
  private readonly observers = new Map<string, Set<Observer>>();
  private readonly customHandlers = new Set<(content: unknown, buffers: Uint8Array[]) => void>();
  closed = false;

  constructor(spec: ModelSpec, state: Record<string, unknown>, live: Record<string, LiveKind> = {}) {
    this.spec = spec;
    this.values = { ...state };
    this.kinds = live;
    const comms = kernelComms();
    this.host = comms === null ? null : widgetHost();
    this.modelId = randomUUID().replace(/-/g, "");
    open.set(this.modelId, this);
    if (comms === null) {
      this.comm = null;
      return;
    }
    registerControlTarget(comms);
    // Registered before comm_open goes out, so no frontend update can come before the io thread knows the fields.
    if (this.host !== null) this.slots = this.host.bind(this.modelId, live, this.values);
    const s = serializeState(this.fullState());
    this.comm = comms.open("jupyter.widget", { state: s.state, buffer_paths: s.buffer_paths }, { version: PROTOCOL_VERSION }, s.buffers, this.modelId);
    this.comm.onMsg((data, msg) => this.handleMsg(data, msg));
    this.comm.onClose(() => this.forget());
  }

  /** The full state as the frontend sees it (protocol keys, widgets as objects, binary values as bytes). */
  fullState(): Record<string, unknown> {
    const m = this.spec.module === "base" ? BASE : this.spec.module === "output" ? OUTPUT : CONTROLS;
    const viewModule = this.spec.model.endsWith("StyleModel") ? BASE : m;
    const out: Record<string, unknown> = {
      _model_module: m.module,
      _model_module_version: m.version,
      _model_name: this.spec.model,
      _view_module: viewModule.module,
      _view_module_version: viewModule.version,
      _view_name: this.spec.view,
    };
    for (const k of Object.keys(this.values)) out[k] = this.get(k);
    return out;
  }

  /** A state value by protocol name; a live field is read from shared memory (the io thread may have just written it). */
  get(key: string): unknown {
    const slot = this.slots?.[key];
    if (slot === undefined || this.host === null) return this.values[key];
    const { values, writes } = this.host;
    Atomics.load(writes, 0);
    const v = values[slot]!;
    switch (this.kinds[key]) {
      case "boolean":
        return v !== 0;
      case "index":
        return v < 0 ? null : v;
      case "pair":
        return [v, values[slot + 1]!];
      default:
        return v;
    }
  }

  /** Subclasses check and normalise a value before it is set from the kernel side. */
  protected validate(_key: string, value: unknown): unknown {
    return value;
  }

  /** Sets state values (protocol names): views update, observers run. */
  set(patch: Record<string, unknown>): void {
    if (this.closed) throw new Error(`${this.constructor.name}: the widget was closed`);
    const checked: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(patch)) checked[k] = this.validate(k, v);
    const changes: [string, unknown, unknown][] = [];
    for (const [k, v] of Object.entries(checked)) {
      const old = this.get(k);
      this.store(k, v);
      if (!same(old, v)) changes.push([k, old, v]);
    }
    if (this.comm !== null && changes.length > 0) {
      const s = serializeState(Object.fromEntries(changes.map(([k, , v]) => [k, v])));
      this.comm.send({ method: "update", state: s.state, buffer_paths: s.buffer_paths }, {}, s.buffers);
    }
    for (const [k, old, v] of changes) this.notify(k, old, v);
  }

  private store(key: string, v: unknown): void {
    this.values[key] = v;
    const slot = this.slots?.[key];
    if (slot === undefined || this.host === null) return;
    if (typeof v === "number") this.host.write(slot, v);
    else if (typeof v === "boolean") this.host.write(slot, v ? 1 : 0);
    else if (v === null) this.host.write(slot, -1);
    else if (Array.isArray(v)) {
      this.host.write(slot, Number(v[0]));
      this.host.write(slot + 1, Number(v[1]));
    }
  }

  /**
   * Calls fn with `{ name, old, new }` when one of these properties changes (all when names is
   * left out), from the kernel or from a view. A change a view makes while a cell runs reaches
   * observers at the cell's next `await` or when it ends.
   */
  observe<K extends keyof T & string>(fn: (change: Change<T[K]>) => void, names?: K | K[]): void {
    for (const n of names === undefined ? ["*"] : Array.isArray(names) ? names : [names]) {
      let set = this.observers.get(snake(n));
      if (set === undefined) this.observers.set(snake(n), (set = new Set()));
      set.add(fn as Observer);
    }
  }

  unobserve<K extends keyof T & string>(fn: (change: Change<T[K]>) => void, names?: K | K[]): void {
    if (names === undefined) for (const set of this.observers.values()) set.delete(fn as Observer);
    else for (const n of Array.isArray(names) ? names : [names]) this.observers.get(snake(n))?.delete(fn as Observer);
  }

  private notify(key: string, old: unknown, value: unknown): void {
    const name = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    const change = { name, old, new: value, owner: this, type: "change" } as unknown as Change<never>;
    for (const set of [this.observers.get(key), this.observers.get("*")]) {
      for (const fn of set ?? []) {
        try {
          fn(change);
        } catch (e) {
          // An observer is user code run from a message: its error is shown, the others still run.
          process.stderr.write(`Error in an observer of ${this.constructor.name}.${name}: ${e instanceof Error ? (e.stack ?? e.message) : inspect(e)}\n`);
        }
      }
    }
  }

  /** A `custom` message to the frontend model. */
  send(content: unknown, buffers: Uint8Array[] = []): void {
    this.comm?.send({ method: "custom", content }, {}, buffers);
  }

  /** Runs fn for each `custom` message from the frontend. */
  onCustom(fn: (content: unknown, buffers: Uint8Array[]) => void): void {
    this.customHandlers.add(fn);
  }

  /** Closes the comm: views show the widget as closed, the kernel forgets it. */
  close(): void {
    if (this.closed) return;
    this.comm?.close();
    this.forget();
  }

  private forget(): void {
    this.closed = true;
    open.delete(this.modelId);
    if (this.slots !== null && this.host !== null) this.host.unbind(this.modelId, this.slots);
    this.slots = null;
  }

  private handleMsg(data: Record<string, unknown>, msg: CommMessage): void {
    if (data.method === "update" && typeof data.state === "object" && data.state !== null) {
      const raw = data.state as Record<string, unknown>;
      // Echoed to every frontend (protocol 2.1.0), before the kernel's own reactions to it.
      this.comm!.send({ method: "echo_update", state: raw, buffer_paths: data.buffer_paths ?? [] }, {}, msg.buffers);
      const state = deserializeState(raw, data.buffer_paths, msg.buffers);
      for (const [k, v] of Object.entries(state)) {
        const old = this.values[k];
        this.store(k, v);
        if (!same(old, v)) this.notify(k, old, v);
      }
    } else if (data.method === "request_state") {
      const s = serializeState(this.fullState());
      this.comm!.send({ method: "update", state: s.state, buffer_paths: s.buffer_paths }, {}, s.buffers);
    } else if (data.method === "custom") {
      for (const fn of this.customHandlers) {
        try {
          fn(data.content, msg.buffers);
        } catch (e) {
          process.stderr.write(`Error in a message handler of ${this.constructor.name}: ${e instanceof Error ? (e.stack ?? e.message) : inspect(e)}\n`);
        }
      }
    }
  }

  /** Whether the kernel keeps this field in shared memory (Button's clicks). */
  protected isLive(key: string): boolean {
    return this.slots?.[key] !== undefined;
  }

  /** Writes a live field that is not protocol state (a Button's click count). */
  protected writeLive(key: string, v: number): void {
    const slot = this.slots?.[key];
    if (slot !== undefined && this.host !== null) this.host.write(slot, v);
  }

  /** `IntSlider(description='k', value=3, min=0, max=10)`: the fields a reader looks for. */
  toString(): string {
    const shown = ["description", "value", "min", "max", "step"]
      .filter((k) => k in this.values && !(k === "description" && this.values[k] === "") && !isBinary(this.values[k]))
      .map((k) => `${k}=${inspect(this.get(k), { depth: 1, breakLength: Infinity })}`);
    return `${this.constructor.name}(${shown.join(", ")})`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** Displays as the widget's view (JupyterLab, Notebook 7, VS Code, Voilà), text elsewhere. */
  [Symbol.for("Jupyter.display")](): Record<string, unknown> {
    const text = this.toString();
    if (this.comm === null || this.spec.view === null) return { "text/plain": text };
    return { [WIDGET_VIEW_MIME]: { model_id: this.modelId, version_major: 2, version_minor: 1 }, "text/plain": text };
  }
}

/** `jupyter.widget.control` (ipywidgets 7.7+): a frontend that reconnects fetches every widget's state in one message. */
function registerControlTarget(comms: CommsLike): void {
  if (controlTarget) return;
  controlTarget = true;
  comms.registerTarget("jupyter.widget.control", (comm) => {
    comm.onMsg((data) => {
      if (data.method !== "request_states") return;
      // Each entry as a widget manager creates a model from it (ipywidgets' control comm).
      const states: Record<string, unknown> = {};
      for (const [id, w] of open) {
        const state = w.fullState();
        states[id] = { model_name: state._model_name, model_module: state._model_module, model_module_version: state._model_module_version, state };
      }
      const s = serializeState(states);
      comm.send({ method: "update_states", states: s.state, buffer_paths: s.buffer_paths }, {}, s.buffers);
    });
  });
}

/**
 * Defines camelCase accessors on a widget class for state keys: `value` reads and writes
 * `value`, `continuousUpdate` reads and writes `continuous_update`.
 */
export function defineTraits(cls: { prototype: object }, names: string[]): void {
  for (const name of names) {
    const key = snake(name);
    Object.defineProperty(cls.prototype, name, {
      get(this: Widget) {
        return this.get(key);
      },
      set(this: Widget, v: unknown) {
        this.set({ [key]: v });
      },
      configurable: true,
      enumerable: false,
    });
  }
}
