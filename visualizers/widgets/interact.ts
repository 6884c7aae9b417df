// interact(fn, controls): builds a control per argument, shows them above an Output, and
// re-runs fn into the Output whenever one changes (ipywidgets' interact). A spec is a widget
// with a `value`, `[min, max, step?]` (integers → IntSlider, else FloatSlider), a list of
// options (Dropdown), a boolean (Checkbox), a string (Text) or a number (a slider around it).
import { inspect } from "node:util";
import { Output, VBox } from "./containers.js";
import { Checkbox, Dropdown, FloatSlider, IntSlider, Text } from "./controls.js";
import { Widget } from "./widget.js";

type Valued<V> = Widget & { value: V };
export type ControlSpec = Valued<unknown> | readonly [number, number] | readonly [number, number, number] | readonly unknown[] | boolean | string | number;

/** The value a control spec gives fn. */
export type SpecValue<S> = S extends { value: infer V } ? V : S extends readonly [number, number] | readonly [number, number, number] ? number : S extends readonly (infer E)[] ? E : S extends boolean ? boolean : S extends string ? string : S extends number ? number : never;

export interface Interactive<S> {
  readonly controls: { [K in keyof S]: Valued<SpecValue<S[K]>> };
  readonly output: Output;
  readonly box: VBox;
  /** What fn returned last (a promise when fn is async). */
  readonly result: unknown;
  /** Runs fn again with the current values. */
  update(): void;
}

const isNumberPair = (s: unknown): s is readonly number[] => Array.isArray(s) && (s.length === 2 || s.length === 3) && s.every((x) => typeof x === "number");

function control(name: string, spec: unknown): Valued<unknown> {
  if (spec instanceof Widget) {
    if (!("value" in spec)) throw new TypeError(`interact: control ${name} (${spec.constructor.name}) has no value`);
    return spec as Valued<unknown>;
  }
  if (isNumberPair(spec)) {
    const [min, max, step] = spec as number[];
    if (min! > max!) throw new RangeError(`interact: control ${name}: min (${min}) is greater than max (${max})`);
    const ints = spec.every(Number.isInteger);
    const o = { min, max, step: step ?? (ints ? 1 : (max! - min!) / 100), value: ints ? Math.round((min! + max!) / 2) : (min! + max!) / 2, description: name };
    return ints ? new IntSlider(o) : new FloatSlider(o);
  }
  if (Array.isArray(spec)) return new Dropdown({ options: spec, description: name });
  if (typeof spec === "boolean") return new Checkbox({ value: spec, description: name });
  if (typeof spec === "string") return new Text({ value: spec, description: name });
  if (typeof spec === "number") {
    const ints = Number.isInteger(spec);
    const [min, max] = spec > 0 ? [-spec, 3 * spec] : spec < 0 ? [3 * spec, -spec] : [-1, 1];
    return ints ? new IntSlider({ value: spec, min, max, description: name }) : new FloatSlider({ value: spec, min, max, step: (max - min) / 100, description: name });
  }
  throw new TypeError(`interact: cannot make a control for ${name} from ${inspect(spec, { depth: 0 })} (expected a widget, [min, max, step?], a list of options, a boolean, a string or a number)`);
}

/**
 * `interact(({ lr, steps }) => lossSurface(...), { lr: new widgets.FloatLogSlider(...), steps: [10, 200] })`:
 * shows the controls and fn's output (what it prints, displays or returns), re-run on each change.
 */
export function interact<S extends Record<string, ControlSpec>>(fn: (values: { [K in keyof S]: SpecValue<S[K]> }) => unknown, controls: S): Interactive<S> {
  if (typeof fn !== "function") throw new TypeError(`interact: expected a function, got ${inspect(fn, { depth: 0 })}`);
  if (typeof controls !== "object" || controls === null) throw new TypeError(`interact: expected an object of controls, got ${inspect(controls, { depth: 0 })}`);
  const made = Object.fromEntries(Object.entries(controls).map(([k, s]) => [k, control(k, s)]));
  const output = new Output();
  const box = new VBox([...Object.values(made), output]);
  const show = (globalThis as Record<symbol, unknown>)[Symbol.for("gradlab.display")] as ((v: unknown) => unknown) | undefined;
  let runs = 0;
  const state = {
    controls: made,
    output,
    box,
    result: undefined as unknown,
    update(): void {
      const values = Object.fromEntries(Object.entries(made).map(([k, w]) => [k, w.value])) as { [K in keyof S]: SpecValue<S[K]> };
      // (Not before the first run: with no widget frontend the clear would reach the cell's own output.)
      if (runs++ > 0) output.clear({ wait: true });
      // What fn prints goes into the Output; what it returns is displayed there (a plot when it is ready).
      const r = output.capture(() => fn(values));
      state.result = r;
      if (r instanceof Promise) void r.then((v) => v !== undefined && output.display(v));
      else if (r !== undefined) output.display(r);
    },
  };
  // Shown now, as ipywidgets does; the returned object is not shown again as a cell's last expression.
  Object.defineProperty(state, Symbol.for("gradlab.displayHandle"), { value: true });
  if (show !== undefined) show(box);
  for (const w of Object.values(made)) w.observe(() => state.update(), "value" as never);
  state.update();
  return state as unknown as Interactive<S>;
}
