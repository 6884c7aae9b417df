// Boxes, tabs, the Output widget and jslink.
import { inspect } from "node:util";
import { DOMWidget, type LayoutOptions } from "./controls.js";
import { snake, Widget, widgetHost } from "./widget.js";

export interface BoxOptions {
  children?: Widget[];
  boxStyle?: "success" | "info" | "warning" | "danger" | "";
  layout?: LayoutOptions;
}

function checkChildren(cls: string, children: unknown): Widget[] {
  if (!Array.isArray(children) || !children.every((c) => c instanceof Widget)) throw new TypeError(`${cls}: children must be an array of widgets, got ${inspect(children, { depth: 1 })}`);
  return children;
}

abstract class Box extends DOMWidget<{ children: Widget[] }> {
  constructor(cls: string, model: string, view: string, children: Widget[] | BoxOptions, extra: Record<string, unknown> = {}) {
    const o: BoxOptions = Array.isArray(children) ? { children } : children;
    super(model, view, { box_style: o.boxStyle ?? "", children: checkChildren(cls, o.children ?? []), ...extra }, {}, null, o);
  }
  get children(): Widget[] {
    return this.get("children") as Widget[];
  }
  set children(c: Widget[]) {
    this.set({ children: checkChildren(this.constructor.name, c) });
  }
  protected override validate(key: string, v: unknown): unknown {
    return key === "children" ? checkChildren(this.constructor.name, v) : v;
  }
  override toString(): string {
    return `${this.constructor.name}([${this.children.map(String).join(", ")}])`;
  }
}

/** Widgets side by side: `new widgets.HBox([slider, button])`. */
export class HBox extends Box {
  constructor(children: Widget[] | BoxOptions = []) {
    super("HBox", "HBoxModel", "HBoxView", children);
  }
}

/** Widgets one above the other. */
export class VBox extends Box {
  constructor(children: Widget[] | BoxOptions = []) {
    super("VBox", "VBoxModel", "VBoxView", children);
  }
}

export interface TabOptions extends BoxOptions {
  titles?: string[];
  selectedIndex?: number | null;
}

/** Tabs, one child per tab: `new widgets.Tab({ children: [a, b], titles: ["train", "test"] })`. */
export class Tab extends Box {
  constructor(o: TabOptions = {}) {
    const n = o.children?.length ?? 0;
    super("Tab", "TabModel", "TabView", o, { titles: o.titles ?? [], selected_index: o.selectedIndex === undefined ? (n > 0 ? 0 : null) : o.selectedIndex });
  }
  get titles(): string[] {
    return this.get("titles") as string[];
  }
  set titles(t: string[]) {
    this.set({ titles: t });
  }
  get selectedIndex(): number | null {
    return this.get("selected_index") as number | null;
  }
  set selectedIndex(i: number | null) {
    this.set({ selected_index: i });
  }
}

/**
 * An output area: what `capture(fn)` prints or displays goes into it instead of the cell's
 * output (the frontend routes outputs by the message they belong to, as for ipywidgets'
 * `with out:`). Outside a frontend the outputs stay in the cell.
 */
export class Output extends DOMWidget<{ msgId: string }> {
  private readonly active: { id: string }[] = [];
  constructor(o: { layout?: LayoutOptions } = {}) {
    super("OutputModel", "OutputView", { msg_id: "", outputs: [] }, {}, null, o);
  }

  /** Runs fn with its output (console.log, display) sent into this widget; awaits fn when it returns a promise. */
  capture<R>(fn: () => R): R {
    // Captures may overlap (a plot still rendering when the next starts): msg_id is the latest one still open.
    const token = { id: widgetHost()?.parentMsgId() ?? "" };
    this.active.push(token);
    this.set({ msg_id: token.id });
    const end = (): void => {
      this.active.splice(this.active.indexOf(token), 1);
      if (!this.closed) this.set({ msg_id: this.active.at(-1)?.id ?? "" });
    };
    let result: R;
    try {
      result = fn();
    } catch (e) {
      end();
      throw e;
    }
    if (result instanceof Promise) return result.finally(end) as R;
    end();
    return result;
  }

  /** Clears the widget's outputs (with `wait`, when the next output arrives). */
  clear(options: { wait?: boolean } = {}): void {
    this.capture(() => displayFn()?.clear?.(options));
  }

  /**
   * Displays values in the widget. A value whose display hook is asynchronous (a plot) is sent
   * when it has rendered, captured just for that send.
   */
  display(...values: unknown[]): void {
    const d = displayFn();
    if (d === null) return void values.forEach((v) => console.log(v));
    for (const v of values) d(v, { within: (send: () => void) => this.capture(send) });
  }
}

type Display = ((v: unknown, options?: { within?: (send: () => void) => void }) => unknown) & { clear?(o: { wait?: boolean }): void };
function displayFn(): Display | null {
  const d = (globalThis as Record<symbol, unknown>)[Symbol.for("gradlab.display")];
  return typeof d === "function" ? (d as Display) : null;
}

/** A link kept in the browser (no kernel round trip): made by jslink. */
export class Link extends Widget {
  constructor(source: [Widget, string], target: [Widget, string]) {
    for (const [w, name] of [source, target]) {
      if (!(w instanceof Widget) || typeof name !== "string") throw new TypeError(`jslink: expected [widget, "property"] pairs, got ${inspect([w, name], { depth: 0 })}`);
      if (!(snake(name) in w.fullState())) throw new TypeError(`jslink: ${w.constructor.name} has no property ${name}`);
    }
    super({ model: "LinkModel", view: null }, { source: [source[0], snake(source[1])], target: [target[0], snake(target[1])] });
  }
  /** Removes the link. */
  unlink(): void {
    this.close();
  }
}

/** Keeps two widgets' properties equal in the browser: `jslink([play, "value"], [slider, "value"])`. */
export function jslink(source: [Widget, string], target: [Widget, string]): Link {
  return new Link(source, target);
}
