// The `display` global every cell sees (contract in DESIGN.md "Displays").
import { randomUUID } from "node:crypto";
import { inspect } from "node:util";
import { toBundle, type MimeBundle } from "./mime-bundle.js";

/** Where display messages go: the kernel publishes them on iopub under the current parent. */
export interface DisplaySink {
  publish(msgType: "display_data" | "update_display_data" | "clear_output", content: Record<string, unknown>): void;
  /** Reports a failure that happened after display() returned (an async display hook). */
  reportError(e: unknown): void;
  /** A display whose render (an async display hook) is still pending: settles when it was sent or failed. */
  pending?(render: Promise<void>): void;
  /** Runs fn later as the request current now (an async render's output belongs to the request that displayed it). */
  bound?(): (fn: () => void) => void;
}

export interface DisplayOptions {
  displayId?: string;
  metadata?: Record<string, unknown>;
  /**
   * Runs the send of this output, now or when an asynchronous display hook has rendered: an
   * Output widget opens its capture around just that send.
   */
  within?: (send: () => void) => void;
}

export interface DisplayHandle {
  readonly id: string;
  update(value: unknown): void;
  close(): void;
}

export interface DisplayFunction {
  (value: unknown, options?: DisplayOptions): DisplayHandle;
  update(id: string, value: unknown, options?: { metadata?: Record<string, unknown> }): void;
  clear(options?: { wait?: boolean }): void;
  bundle(bundle: MimeBundle, options?: DisplayOptions): DisplayHandle;
  html(html: string, options?: DisplayOptions): DisplayHandle;
  markdown(markdown: string, options?: DisplayOptions): DisplayHandle;
  svg(svg: string, options?: DisplayOptions): DisplayHandle;
  png(png: Uint8Array | string, options?: DisplayOptions): DisplayHandle;
  json(value: unknown, options?: DisplayOptions): DisplayHandle;
  vegaLite(spec: object, options?: DisplayOptions): DisplayHandle;
}

/** Marks display handles: a cell ending in `display(x)` shows x once, not also its handle. */
const HANDLE = Symbol.for("gradlab.displayHandle");

export function isDisplayHandle(value: unknown): boolean {
  return typeof value === "object" && value !== null && HANDLE in value;
}

export const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";

const raw = Symbol("raw bundle");
interface RawBundle {
  [raw]: MimeBundle;
}
const isRaw = (v: unknown): v is RawBundle => typeof v === "object" && v !== null && raw in v;

function requireString(fn: string, v: unknown): string {
  if (typeof v !== "string") throw new TypeError(`display.${fn}: expected a string, got ${inspect(v, { depth: 0 })}`);
  return v;
}

export function createDisplay(sink: DisplaySink): DisplayFunction {
  const closed = new Set<string>();

  function emit(msgType: "display_data" | "update_display_data", value: unknown, id: string, metadata: Record<string, unknown> = {}, within?: (send: () => void) => void): void {
    const send = (data: MimeBundle): void => {
      const publish = (): void => sink.publish(msgType, { data, metadata, transient: { display_id: id } });
      if (within === undefined) publish();
      else within(publish);
    };
    const b = isRaw(value) ? value[raw] : toBundle(value);
    if (b instanceof Promise) {
      const asParent = sink.bound?.() ?? ((fn: () => void) => fn());
      const render = b.then((data) => asParent(() => send(data))).catch((e: unknown) => sink.reportError(e));
      sink.pending?.(render);
    } else send(b);
  }

  function show(value: unknown, options: DisplayOptions = {}): DisplayHandle {
    const id = options.displayId ?? randomUUID();
    closed.delete(id);
    emit("display_data", value, id, options.metadata, options.within);
    const handle: DisplayHandle = {
      id,
      update: (v: unknown) => update(id, v),
      close: () => void closed.add(id),
    };
    Object.defineProperty(handle, HANDLE, { value: true });
    return handle;
  }

  function update(id: string, value: unknown, options: { metadata?: Record<string, unknown> } = {}): void {
    if (typeof id !== "string") throw new TypeError(`display.update: the display id must be a string, got ${inspect(id, { depth: 0 })}`);
    if (closed.has(id)) return;
    emit("update_display_data", value, id, options.metadata);
  }

  const wrap = (bundle: MimeBundle): RawBundle => ({ [raw]: bundle });
  const display = show as DisplayFunction;
  display.update = update;
  display.clear = (options = {}) => sink.publish("clear_output", { wait: options.wait === true });
  display.bundle = (bundle, options) => {
    if (typeof bundle !== "object" || bundle === null) throw new TypeError(`display.bundle: expected a MIME bundle object, got ${inspect(bundle, { depth: 0 })}`);
    return show(wrap(bundle), options);
  };
  display.html = (html, options) => show(wrap({ "text/html": requireString("html", html), "text/plain": "[HTML]" }), options);
  display.markdown = (md, options) => show(wrap({ "text/markdown": requireString("markdown", md), "text/plain": md }), options);
  display.svg = (svg, options) => show(wrap({ "image/svg+xml": requireString("svg", svg), "text/plain": "[SVG image]" }), options);
  display.png = (png, options) => {
    let b64: string;
    if (typeof png === "string") b64 = png;
    else if (png instanceof Uint8Array) b64 = Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString("base64");
    else throw new TypeError(`display.png: expected PNG bytes (Uint8Array) or a base64 string, got ${inspect(png, { depth: 0 })}`);
    return show(wrap({ "image/png": b64, "text/plain": "[PNG image]" }), options);
  };
  display.json = (value, options) => show(wrap({ "application/json": value, "text/plain": inspect(value, { colors: false, depth: 4 }) }), options);
  display.vegaLite = (spec, options) => {
    if (typeof spec !== "object" || spec === null) throw new TypeError(`display.vegaLite: expected a Vega-Lite spec object, got ${inspect(spec, { depth: 0 })}`);
    return show(wrap({ [VEGA_LITE_MIME]: spec, "text/plain": "[Vega-Lite chart]" }), options);
  };
  return display;
}
