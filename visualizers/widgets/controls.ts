// The controls of @jupyter-widgets/controls 2.0.0 (ipywidgets 8) as typed TypeScript classes:
// options and properties in camelCase, sent in the protocol's snake_case. Each DOM widget has
// its Layout and style models, as in ipywidgets. Which fields are live (shared memory, seen by
// a running loop at once) is said per class: numbers, booleans, selections, button clicks.
import { inspect } from "node:util";
import { defineTraits, stateOf, Widget, type LiveKind } from "./widget.js";

/** CSS properties of the widget's box: `{ width: "300px", margin: "0 8px" }` (snake_case or camelCase). */
export type LayoutOptions = Record<string, string | null>;
export type StyleOptions = Record<string, string | number | null>;

export class Layout extends Widget<LayoutOptions> {
  constructor(options: LayoutOptions = {}) {
    super({ model: "LayoutModel", view: "LayoutView", module: "base" }, stateOf(options));
  }
}

/** A style model (SliderStyleModel, ButtonStyleModel, …): description width, colours, font. */
export class Style extends Widget<StyleOptions> {
  constructor(model: string, options: StyleOptions = {}) {
    super({ model, view: "StyleView" }, stateOf(options));
  }
}

export interface DescriptionOptions {
  description?: string;
  descriptionAllowHtml?: boolean;
  disabled?: boolean;
  tooltip?: string | null;
  layout?: LayoutOptions;
  style?: StyleOptions;
}

export interface DescriptionProps {
  description: string;
  disabled: boolean;
  tooltip: string | null;
}

/** A widget with a view in the page: a Layout, and a style model when the control has one. */
export class DOMWidget<T extends object = object> extends Widget<T> {
  readonly layout: Layout;
  readonly style: Style | null;
  constructor(model: string, view: string, state: Record<string, unknown>, live: Record<string, LiveKind>, styleModel: string | null, options: { layout?: LayoutOptions; style?: StyleOptions }) {
    const layout = new Layout(options.layout);
    const style = styleModel === null ? null : new Style(styleModel, options.style);
    const { layout: _l, style: _s, ...rest } = state;
    super({ model, view, module: model === "OutputModel" ? "output" : "controls" }, { ...rest, layout, ...(style === null ? {} : { style }) }, live);
    this.layout = layout;
    this.style = style;
  }

  override close(): void {
    super.close();
    this.layout.close();
    this.style?.close();
  }
}

/** A control's state: its defaults, then the options given (camelCase → snake_case), less layout and style. */
function own(defaults: Record<string, unknown>, o: object): Record<string, unknown> {
  const { layout: _l, style: _s, ...rest } = o as { layout?: unknown; style?: unknown };
  return { ...defaults, ...stateOf(rest) };
}

const fail = (cls: string, what: string): never => {
  throw new RangeError(`${cls}: ${what}`);
};
const num = (cls: string, name: string, v: unknown): number => (typeof v === "number" && !Number.isNaN(v) ? v : fail(cls, `${name} must be a number, got ${inspect(v, { depth: 0 })}`));

// ---- sliders --------------------------------------------------------------------------------

export interface SliderOptions<V> extends DescriptionOptions {
  value?: V;
  min?: number;
  max?: number;
  step?: number;
  orientation?: "horizontal" | "vertical";
  readout?: boolean;
  readoutFormat?: string;
  continuousUpdate?: boolean;
  behavior?: "drag-tap" | "drag-snap" | "tap" | "drag" | "snap";
}

export interface SliderProps<V> extends DescriptionProps {
  value: V;
  min: number;
  max: number;
  step: number;
  orientation: "horizontal" | "vertical";
  readout: boolean;
  readoutFormat: string;
  continuousUpdate: boolean;
}

const SLIDER_TRAITS = ["value", "min", "max", "step", "orientation", "readout", "readoutFormat", "continuousUpdate", "description", "disabled", "tooltip"];

abstract class Bounded<V, T extends object> extends DOMWidget<T> {
  protected abstract clamp(v: unknown): V;
  protected override validate(key: string, value: unknown): unknown {
    if (key === "value") return this.clamp(value);
    if (key === "min" || key === "max" || key === "step") return num(this.constructor.name, key, value);
    return value;
  }
  override set(patch: Record<string, unknown>): void {
    const min = patch.min ?? this.get("min"), max = patch.max ?? this.get("max");
    if ((min as number) > (max as number)) fail(this.constructor.name, `min (${String(min)}) is greater than max (${String(max)})`);
    super.set(patch);
    // New bounds pull the value inside them, as ipywidgets does.
    if ("min" in patch || "max" in patch) {
      const v = this.clamp(this.get("value"));
      if (JSON.stringify(v) !== JSON.stringify(this.get("value"))) super.set({ value: v });
    }
  }
}

function sliderState(cls: string, o: SliderOptions<unknown>, d: { min: number; max: number; step: number; format: string }, value: unknown): Record<string, unknown> {
  const min = o.min ?? d.min, max = o.max ?? d.max;
  if (min > max) fail(cls, `min (${min}) is greater than max (${max})`);
  const { style: _s, layout: _l, ...rest } = o;
  return { description: "", description_allow_html: false, disabled: false, orientation: "horizontal", readout: true, continuous_update: true, behavior: "drag-tap", readout_format: d.format, ...stateOf(rest), min, max, step: o.step ?? d.step, value };
}

export interface IntSlider extends SliderProps<number> {}
/** A slider over integers: `new widgets.IntSlider({ value: 3, min: 0, max: 10, description: "k" })`. */
export class IntSlider extends Bounded<number, SliderProps<number>> {
  constructor(o: SliderOptions<number> = {}) {
    const min = o.min ?? 0, max = o.max ?? 100;
    super("IntSliderModel", "IntSliderView", sliderState("IntSlider", o, { min: 0, max: 100, step: 1, format: "d" }, Math.round(Math.min(max, Math.max(min, o.value ?? min)))), { value: "number" }, "SliderStyleModel", o);
  }
  protected clamp(v: unknown): number {
    return Math.round(Math.min(this.get("max") as number, Math.max(this.get("min") as number, num("IntSlider", "value", v))));
  }
}

export interface FloatSlider extends SliderProps<number> {}
/** A slider over numbers (default 0…10, step 0.1). */
export class FloatSlider extends Bounded<number, SliderProps<number>> {
  constructor(o: SliderOptions<number> = {}) {
    const min = o.min ?? 0, max = o.max ?? 10;
    super("FloatSliderModel", "FloatSliderView", sliderState("FloatSlider", o, { min: 0, max: 10, step: 0.1, format: ".2f" }, Math.min(max, Math.max(min, o.value ?? min))), { value: "number" }, "SliderStyleModel", o);
  }
  protected clamp(v: unknown): number {
    return Math.min(this.get("max") as number, Math.max(this.get("min") as number, num("FloatSlider", "value", v)));
  }
}

export interface LogSliderOptions extends SliderOptions<number> {
  /** The exponent's base (default 10); min, max and step are exponents. */
  base?: number;
}
export interface FloatLogSlider extends SliderProps<number> {
  base: number;
}
/** A slider on a log scale: `new widgets.FloatLogSlider({ value: 1e-3, min: -5, max: 0 })` (min/max are exponents of base). */
export class FloatLogSlider extends Bounded<number, SliderProps<number> & { base: number }> {
  constructor(o: LogSliderOptions = {}) {
    const base = o.base ?? 10, min = o.min ?? 0, max = o.max ?? 4;
    const value = Math.min(base ** max, Math.max(base ** min, o.value ?? 1));
    super("FloatLogSliderModel", "FloatLogSliderView", { ...sliderState("FloatLogSlider", o, { min: 0, max: 4, step: 0.1, format: ".3g" }, value), base }, { value: "number" }, "SliderStyleModel", o);
  }
  protected clamp(v: unknown): number {
    const b = this.get("base") as number;
    return Math.min(b ** (this.get("max") as number), Math.max(b ** (this.get("min") as number), num("FloatLogSlider", "value", v)));
  }
}
defineTraits(IntSlider, SLIDER_TRAITS);
defineTraits(FloatSlider, SLIDER_TRAITS);
defineTraits(FloatLogSlider, [...SLIDER_TRAITS, "base"]);

export interface IntRangeSlider extends SliderProps<[number, number]> {}
/** Two handles over integers: `value` is `[low, high]`. */
export class IntRangeSlider extends Bounded<[number, number], SliderProps<[number, number]>> {
  constructor(o: SliderOptions<[number, number]> = {}) {
    const min = o.min ?? 0, max = o.max ?? 100;
    const v = o.value ?? [Math.round(min + (max - min) * 0.25), Math.round(min + (max - min) * 0.75)];
    super("IntRangeSliderModel", "IntRangeSliderView", sliderState("IntRangeSlider", o, { min: 0, max: 100, step: 1, format: "d" }, [0, 0]), { value: "pair" }, "SliderStyleModel", o);
    this.set({ value: v });
  }
  protected clamp(v: unknown): [number, number] {
    if (!Array.isArray(v) || v.length !== 2) fail("IntRangeSlider", `value must be [low, high], got ${inspect(v, { depth: 0 })}`);
    const [a, b] = (v as unknown[]).map((x) => Math.round(Math.min(this.get("max") as number, Math.max(this.get("min") as number, num("IntRangeSlider", "value", x)))));
    if (a! > b!) fail("IntRangeSlider", `low (${a}) is greater than high (${b})`);
    return [a!, b!];
  }
}
defineTraits(IntRangeSlider, SLIDER_TRAITS);

// ---- selections -------------------------------------------------------------------------------

/** Options as values (`["sgd", "adam"]`, labels are their text) or as `[label, value]` pairs. */
export type SelectionOptions<T> = readonly T[] | readonly (readonly [string, T])[];

export interface SelectionConfig<T> extends DescriptionOptions {
  options: SelectionOptions<T>;
  /** (Not a candidate for T: the options decide it.) */
  value?: [T][T extends unknown ? 0 : never];
  index?: number;
}

function splitOptions<T>(cls: string, options: SelectionOptions<T>): { labels: string[]; values: T[] } {
  if (!Array.isArray(options)) fail(cls, `options must be an array, got ${inspect(options, { depth: 0 })}`);
  const list = options as readonly unknown[];
  const pairs = list.length > 0 && list.every((o) => Array.isArray(o) && o.length === 2 && typeof o[0] === "string");
  return pairs
    ? { labels: options.map((o) => (o as readonly [string, T])[0]), values: options.map((o) => (o as readonly [string, T])[1]) }
    : { labels: options.map((o) => (typeof o === "string" ? o : String(o))), values: [...(options as readonly T[])] };
}

/** The selected option is synced as `index` (protocol): `value` and `label` follow it. */
abstract class Selection<T, P extends object> extends DOMWidget<P> {
  protected readonly optionValues: T[];
  constructor(cls: string, model: string, view: string, styleModel: string, o: SelectionConfig<T>, extra: Record<string, unknown>) {
    const { labels, values } = splitOptions(cls, o.options);
    let index = o.index ?? (values.length > 0 ? 0 : null);
    if (o.value !== undefined) {
      index = values.indexOf(o.value);
      if (index < 0) fail(cls, `value ${inspect(o.value, { depth: 0 })} is not one of the options ${inspect(values, { depth: 0 })}`);
    }
    const { options: _o, value: _v, index: _i, layout: _l, style: _s, ...rest } = o;
    super(model, view, { description: "", description_allow_html: false, disabled: false, ...extra, ...stateOf(rest), _options_labels: labels, index }, { index: "index" }, styleModel, o);
    this.optionValues = values;
  }
  protected override validate(key: string, v: unknown): unknown {
    if (key === "index" && v !== null && (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= this.optionValues.length)) fail(this.constructor.name, `index ${inspect(v)} is out of range for ${this.optionValues.length} options`);
    return v;
  }
  get options(): readonly T[] {
    return this.optionValues;
  }
  get index(): number | null {
    return this.get("index") as number | null;
  }
  set index(i: number | null) {
    this.set({ index: i });
  }
  /** The selected option (undefined when nothing is selected). */
  get value(): T {
    const i = this.index;
    return (i === null ? undefined : this.optionValues[i]) as T;
  }
  set value(v: T) {
    const i = this.optionValues.indexOf(v);
    if (i < 0) fail(this.constructor.name, `value ${inspect(v, { depth: 0 })} is not one of the options ${inspect(this.optionValues, { depth: 0 })}`);
    this.set({ index: i });
  }
  get label(): string | null {
    const i = this.index;
    return i === null ? null : (this.get("_options_labels") as string[])[i]!;
  }
  override toString(): string {
    return `${this.constructor.name}(value=${inspect(this.value, { depth: 0 })}, options=${inspect(this.optionValues, { depth: 0, breakLength: Infinity })})`;
  }
}

/** Selection properties; `value`, `index` and `label` are accessors. */
export interface SelectionProps<T> extends DescriptionProps {
  value: T;
  index: number | null;
}

export interface Dropdown<T> extends DescriptionProps {}
/** A drop-down list: `new widgets.Dropdown({ options: ["sgd", "adam"] as const, value: "adam" })`; `.value` is typed T. */
export class Dropdown<const T = string> extends Selection<T, SelectionProps<T>> {
  constructor(o: SelectionConfig<T>) {
    super("Dropdown", "DropdownModel", "DropdownView", "DescriptionStyleModel", o, {});
  }
}

export interface ToggleButtonsConfig<T> extends SelectionConfig<T> {
  buttonStyle?: "primary" | "success" | "info" | "warning" | "danger" | "";
  tooltips?: string[];
  icons?: string[];
}
export interface ToggleButtons<T> extends DescriptionProps {}
/** A row of buttons, one selected: like Dropdown. */
export class ToggleButtons<const T = string> extends Selection<T, SelectionProps<T>> {
  constructor(o: ToggleButtonsConfig<T>) {
    super("ToggleButtons", "ToggleButtonsModel", "ToggleButtonsView", "ToggleButtonsStyleModel", o, { button_style: "", tooltips: [], icons: [] });
  }
}
defineTraits(Dropdown, ["description", "disabled", "tooltip"]);
defineTraits(ToggleButtons, ["description", "disabled", "tooltip", "buttonStyle"]);

// ---- booleans and buttons --------------------------------------------------------------------

export interface CheckboxOptions extends DescriptionOptions {
  value?: boolean;
  indent?: boolean;
}
export interface Checkbox extends DescriptionProps {
  value: boolean;
  indent: boolean;
}
export class Checkbox extends DOMWidget<DescriptionProps & { value: boolean; indent: boolean }> {
  constructor(o: CheckboxOptions = {}) {
    super("CheckboxModel", "CheckboxView", own({ description: "", description_allow_html: false, disabled: false, indent: true, value: false }, o), { value: "boolean" }, "CheckboxStyleModel", o);
  }
  protected override validate(key: string, v: unknown): unknown {
    if (key === "value" && typeof v !== "boolean") fail("Checkbox", `value must be a boolean, got ${inspect(v, { depth: 0 })}`);
    return v;
  }
}
defineTraits(Checkbox, ["value", "indent", "description", "disabled", "tooltip"]);

export type ButtonStyle = "primary" | "success" | "info" | "warning" | "danger" | "";

export interface ToggleButtonOptions extends DescriptionOptions {
  value?: boolean;
  buttonStyle?: ButtonStyle;
  icon?: string;
}
export interface ToggleButton extends DescriptionProps {
  value: boolean;
  buttonStyle: ButtonStyle;
  icon: string;
}
/** A button that stays pressed: `value` is true while it is down (a Stop switch for a loop). */
export class ToggleButton extends DOMWidget<DescriptionProps & { value: boolean }> {
  constructor(o: ToggleButtonOptions = {}) {
    super("ToggleButtonModel", "ToggleButtonView", own({ description: "", description_allow_html: false, disabled: false, button_style: "", icon: "", value: false }, o), { value: "boolean" }, "ToggleButtonStyleModel", o);
  }
}
defineTraits(ToggleButton, ["value", "buttonStyle", "icon", "description", "disabled", "tooltip"]);

export interface ButtonOptions extends DescriptionOptions {
  buttonStyle?: ButtonStyle;
  icon?: string;
}
export interface Button extends DescriptionProps {
  buttonStyle: ButtonStyle;
  icon: string;
}
/**
 * A push button. `onClick(fn)` runs fn for each click (at the cell's next await, or after it);
 * `clicks` counts them at once, even inside a running loop: `if (stop.clicks > 0) break`.
 */
export class Button extends DOMWidget<DescriptionProps & { buttonStyle: ButtonStyle }> {
  private localClicks = 0;
  private readonly clickHandlers = new Set<(b: Button) => void>();
  constructor(o: ButtonOptions = {}) {
    super("ButtonModel", "ButtonView", own({ description: "", disabled: false, button_style: "", icon: "" }, o), { clicks: "clicks" }, "ButtonStyleModel", o);
    this.onCustom((content) => {
      if ((content as { event?: unknown } | null)?.event !== "click") return;
      if (!this.isLive("clicks")) this.localClicks++;
      this.runClick();
    });
  }
  /** How many times it was clicked (a shared-memory read in the kernel: current inside a running loop). */
  get clicks(): number {
    return this.isLive("clicks") ? (this.get("clicks") as number) : this.localClicks;
  }
  onClick(fn: (button: Button) => void): void {
    this.clickHandlers.add(fn);
  }
  /** Clicks it from code: counts and runs the handlers. */
  click(): void {
    if (this.isLive("clicks")) this.bump();
    else this.localClicks++;
    this.runClick();
  }
  private bump(): void {
    this.writeLive("clicks", this.clicks + 1);
  }
  private runClick(): void {
    for (const fn of this.clickHandlers) {
      try {
        fn(this);
      } catch (e) {
        process.stderr.write(`Error in a click handler: ${e instanceof Error ? (e.stack ?? e.message) : inspect(e)}\n`);
      }
    }
  }
}
defineTraits(Button, ["buttonStyle", "icon", "description", "disabled", "tooltip"]);

// ---- text -----------------------------------------------------------------------------------

export interface TextOptions extends DescriptionOptions {
  value?: string;
  placeholder?: string;
  continuousUpdate?: boolean;
}
export interface Text extends DescriptionProps {
  value: string;
  placeholder: string;
  continuousUpdate: boolean;
}
/** A line of text. Its value reaches a running cell at its next await (text is not in shared memory). */
const TEXT = { description: "", description_allow_html: false, disabled: false, placeholder: "\u200b", continuous_update: true, value: "" };
export class Text extends DOMWidget<DescriptionProps & { value: string }> {
  constructor(o: TextOptions = {}) {
    super("TextModel", "TextView", own(TEXT, o), {}, "TextStyleModel", o);
  }
}
export interface Textarea extends Text {
  rows: number | null;
}
export class Textarea extends DOMWidget<DescriptionProps & { value: string }> {
  constructor(o: TextOptions & { rows?: number } = {}) {
    super("TextareaModel", "TextareaView", own({ ...TEXT, rows: null }, o), {}, "TextStyleModel", o);
  }
}
defineTraits(Text, ["value", "placeholder", "continuousUpdate", "description", "disabled", "tooltip"]);
defineTraits(Textarea, ["value", "placeholder", "continuousUpdate", "rows", "description", "disabled", "tooltip"]);

export interface HTMLOptions extends DescriptionOptions {
  value?: string;
  placeholder?: string;
}
export interface HTML extends DescriptionProps {
  value: string;
}
/** Text shown by a view (HTML, Label): `new widgets.HTML("<b>hi</b>")` or `{ value, description }`. */
abstract class Shown extends DOMWidget<DescriptionProps & { value: string }> {
  constructor(model: string, view: string, styleModel: string, o: HTMLOptions | string) {
    const opts = typeof o === "string" ? { value: o } : o;
    super(model, view, own({ description: "", description_allow_html: false, placeholder: "\u200b", value: "" }, opts), {}, styleModel, opts);
  }
}
/** HTML content, updated in place when value is set. */
export class HTML extends Shown {
  constructor(o: HTMLOptions | string = {}) {
    super("HTMLModel", "HTMLView", "HTMLStyleModel", o);
  }
}
export interface Label extends DescriptionProps {
  value: string;
}
/** A line of plain text. */
export class Label extends Shown {
  constructor(o: HTMLOptions | string = {}) {
    super("LabelModel", "LabelView", "LabelStyleModel", o);
  }
}
defineTraits(HTML, ["value", "description"]);
defineTraits(Label, ["value", "description"]);

// ---- play, progress, image --------------------------------------------------------------------

export interface PlayOptions extends DescriptionOptions {
  value?: number;
  min?: number;
  max?: number;
  step?: number;
  /** Milliseconds between steps. */
  interval?: number;
  playing?: boolean;
  repeat?: boolean;
  showRepeat?: boolean;
}
export interface Play extends DescriptionProps {
  value: number;
  min: number;
  max: number;
  step: number;
  interval: number;
  playing: boolean;
  repeat: boolean;
}
/** A play button that steps `value` from min to max in the browser (link it to a slider with jslink). */
export class Play extends DOMWidget<DescriptionProps & { value: number; playing: boolean }> {
  constructor(o: PlayOptions = {}) {
    super("PlayModel", "PlayView", own({ description: "", description_allow_html: false, disabled: false, interval: 100, min: 0, max: 100, step: 1, playing: false, repeat: false, show_repeat: true, value: 0 }, o), { value: "number", playing: "boolean" }, "DescriptionStyleModel", o);
  }
}
defineTraits(Play, ["value", "min", "max", "step", "interval", "playing", "repeat", "description", "disabled"]);

export type BarStyle = "success" | "info" | "warning" | "danger" | "";
export interface ProgressOptions extends DescriptionOptions {
  value?: number;
  min?: number;
  max?: number;
  barStyle?: BarStyle;
  orientation?: "horizontal" | "vertical";
}
export interface IntProgress extends DescriptionProps {
  value: number;
  min: number;
  max: number;
  barStyle: BarStyle;
}
abstract class Progress extends DOMWidget<DescriptionProps & { value: number }> {
  constructor(model: string, o: ProgressOptions) {
    super(model, "ProgressView", own({ description: "", description_allow_html: false, bar_style: "", orientation: "horizontal", min: 0, max: 100, value: 0 }, o), {}, "ProgressStyleModel", o);
  }
}
export class IntProgress extends Progress {
  constructor(o: ProgressOptions = {}) {
    super("IntProgressModel", o);
  }
}
export interface FloatProgress extends IntProgress {}
export class FloatProgress extends Progress {
  constructor(o: ProgressOptions = {}) {
    super("FloatProgressModel", o);
  }
}
defineTraits(IntProgress, ["value", "min", "max", "barStyle", "description"]);
defineTraits(FloatProgress, ["value", "min", "max", "barStyle", "description"]);

export interface ImageOptions {
  /** The encoded image (PNG, JPEG, …), sent as a binary buffer. */
  value?: Uint8Array;
  format?: string;
  width?: string;
  height?: string;
  layout?: LayoutOptions;
}
export interface Image {
  value: Uint8Array;
  format: string;
  width: string;
  height: string;
}
export class Image extends DOMWidget<{ value: Uint8Array }> {
  constructor(o: ImageOptions = {}) {
    super("ImageModel", "ImageView", own({ format: "png", width: "", height: "", value: new Uint8Array(0) }, o), {}, null, o);
  }
  protected override validate(key: string, v: unknown): unknown {
    if (key === "value" && !(v instanceof Uint8Array)) fail("Image", `value must be the image's bytes (Uint8Array), got ${inspect(v, { depth: 0 })}`);
    return v;
  }
}
defineTraits(Image, ["value", "format", "width", "height"]);
