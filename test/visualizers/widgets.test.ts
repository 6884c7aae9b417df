// The widget classes against ipywidgets' own model specification (@jupyter-widgets/schema's
// jupyterwidgetmodels.latest.json, the models of @jupyter-widgets/controls 2.0.0 / base 2.0.0):
// every state a widget opens its comm with names a model, module, version and view of the spec,
// and every key it sends is an attribute of that model with a value of the attribute's type.
// Also: widgets without a kernel are plain objects (values, observers, clicks, text display).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CommRegistry } from "../../kernel/comms/registry.js";
import { interact, widgets } from "../../visualizers/prelude.js";
import { deserializeState, serializeState } from "../../visualizers/widgets/widget.js";

interface Attribute { name: string; type: string | string[]; allow_none?: boolean; enum?: unknown[] }
interface ModelSpec { model: { module: string; name: string; version: string }; view: { module: string; name: string | null; version: string }; attributes: Attribute[] }
const spec = JSON.parse(readFileSync(createRequire(import.meta.url).resolve("@jupyter-widgets/schema/jupyterwidgetmodels.latest.json"), "utf8")) as ModelSpec[];
const byName = new Map(spec.map((m) => [m.model.name, m]));

const COMMS = Symbol.for("gradlab.comms");
type Sent = { type: string; content: Record<string, any>; metadata?: Record<string, unknown>; buffers?: Uint8Array[] };

function typeOk(a: Attribute, v: unknown, bufferKeys: Set<string>): boolean {
  if (v === null) return a.allow_none === true;
  if (a.enum !== undefined && !a.enum.includes(v)) return false;
  const types = Array.isArray(a.type) ? a.type : [a.type];
  return types.some((t) => {
    switch (t) {
      case "int": return Number.isInteger(v);
      case "float": return typeof v === "number";
      case "string": return typeof v === "string";
      case "bool": return typeof v === "boolean";
      case "array": return Array.isArray(v);
      case "reference": return typeof v === "string" && v.startsWith("IPY_MODEL_");
      case "bytes": return bufferKeys.has(a.name);
      default: return false;
    }
  });
}

/** Every problem of one comm_open's state against the spec ([] when it conforms). */
function problems(open: Sent): string[] {
  const { state, buffer_paths } = open.content.data as { state: Record<string, unknown>; buffer_paths: string[][] };
  const m = byName.get(String(state._model_name));
  if (m === undefined) return [`unknown model ${String(state._model_name)}`];
  const out: string[] = [];
  const expect = { _model_module: m.model.module, _model_module_version: m.model.version, _view_module: m.view.module, _view_module_version: m.view.version, _view_name: m.view.name };
  for (const [k, v] of Object.entries(expect)) if (state[k] !== v) out.push(`${m.model.name}.${k} is ${String(state[k])}, the spec says ${String(v)}`);
  const attrs = new Map(m.attributes.map((a) => [a.name, a]));
  const bufferKeys = new Set(buffer_paths.map((p) => String(p[0])));
  for (const [k, v] of Object.entries(state)) {
    if (k in expect || k === "_model_name") continue;
    const a = attrs.get(k);
    if (a === undefined) out.push(`${m.model.name} has no attribute ${k}`);
    else if (!typeOk(a, v, bufferKeys)) out.push(`${m.model.name}.${k} = ${JSON.stringify(v)} is not of type ${JSON.stringify(a.type)}${a.enum ? ` in ${JSON.stringify(a.enum)}` : ""}`);
  }
  for (const k of bufferKeys) if (attrs.get(k)?.type !== "bytes") out.push(`${m.model.name}.${k} is sent as a buffer but is not bytes`);
  return out;
}

describe("widgets against @jupyter-widgets/schema (controls 2.0.0, base 2.0.0, output 1.0.0)", () => {
  let sent: Sent[];
  beforeEach(() => {
    sent = [];
    const registry = new CommRegistry({ publish: (type, content, metadata, buffers) => sent.push({ type, content, metadata, buffers }), reportError: (e) => { throw e; } });
    (globalThis as Record<symbol, unknown>)[COMMS] = registry;
  });
  afterEach(() => {
    delete (globalThis as Record<symbol, unknown>)[COMMS];
  });

  it("every widget class opens comms whose states conform to the spec", () => {
    const s = new widgets.IntSlider({ value: 3, min: 0, max: 10, description: "k", continuousUpdate: false, layout: { width: "300px" }, style: { descriptionWidth: "80px" } });
    const made = [
      s,
      new widgets.FloatSlider({ value: 0.5, step: 0.01, readoutFormat: ".3f" }),
      new widgets.FloatLogSlider({ value: 1e-3, min: -5, max: 0 }),
      new widgets.IntRangeSlider({ value: [2, 8], min: 0, max: 10 }),
      new widgets.Dropdown({ options: [["SGD", 0.1], ["Adam", 0.001]] as const, description: "opt" }),
      new widgets.ToggleButtons({ options: ["a", "b"], buttonStyle: "info", tooltips: ["A", "B"] }),
      new widgets.ToggleButton({ description: "stop", buttonStyle: "danger" }),
      new widgets.Checkbox({ value: true, description: "momentum" }),
      new widgets.Button({ description: "Stop", buttonStyle: "danger", icon: "stop" }),
      new widgets.Text({ value: "x", placeholder: "name" }),
      new widgets.Textarea({ value: "x", rows: 3 }),
      new widgets.Play({ max: 50, interval: 200 }),
      new widgets.IntProgress({ value: 3, max: 10, barStyle: "success" }),
      new widgets.FloatProgress({ value: 0.3, max: 1 }),
      new widgets.HTML("<b>hi</b>"),
      new widgets.Label("plain"),
      new widgets.Image({ value: new Uint8Array([1, 2, 3]), width: "64" }),
      new widgets.Output(),
      new widgets.Tab({ children: [new widgets.VBox([s])], titles: ["one"] }),
      new widgets.HBox({ children: [s], boxStyle: "info" }),
      widgets.jslink([s, "value"], [new widgets.Play(), "value"]),
    ];
    const opens = sent.filter((m) => m.type === "comm_open");
    expect(opens.every((o) => o.content.target_name === "jupyter.widget" && o.metadata?.version === "2.1.0")).toBe(true);
    const models = new Set(opens.map((o) => o.content.data.state._model_name));
    for (const n of ["IntSliderModel", "FloatSliderModel", "FloatLogSliderModel", "IntRangeSliderModel", "DropdownModel", "ToggleButtonsModel", "ToggleButtonModel", "CheckboxModel", "ButtonModel", "TextModel", "TextareaModel", "PlayModel", "IntProgressModel", "FloatProgressModel", "HTMLModel", "LabelModel", "ImageModel", "OutputModel", "TabModel", "VBoxModel", "HBoxModel", "LinkModel", "LayoutModel", "SliderStyleModel", "ButtonStyleModel", "ProgressStyleModel", "DescriptionStyleModel"]) expect(models).toContain(n);
    expect(opens.flatMap(problems)).toEqual([]);
    // The check itself finds what is wrong.
    const bad = structuredClone(opens.find((o) => o.content.data.state._model_name === "IntSliderModel")!);
    Object.assign(bad.content.data.state, { value: 1.5, orientation: "diagonal", _view_module_version: "1.5.0", colour: "red" });
    expect(problems(bad)).toEqual([
      "IntSliderModel._view_module_version is 1.5.0, the spec says 2.0.0",
      'IntSliderModel.orientation = "diagonal" is not of type "string" in ["horizontal","vertical"]',
      "IntSliderModel.value = 1.5 is not of type \"int\"",
      "IntSliderModel has no attribute colour",
    ]);
    expect(made.length).toBe(21);
    // camelCase options arrive in snake_case
    const st = opens.find((o) => o.content.data.state._model_name === "SliderStyleModel")!.content.data.state;
    expect(st.description_width).toBe("80px");
  });

  it("updates sent by kernel-side writes conform too, and bad values are refused with the widget's name", () => {
    const d = new widgets.Dropdown({ options: ["sgd", "adam"] });
    const sl = new widgets.IntSlider({ max: 10 });
    sent.length = 0;
    d.value = "adam";
    sl.value = 4.6;
    expect(sl.value).toBe(5);
    sl.max = 3; // pulls value inside the new bounds
    expect(sl.value).toBe(3);
    const updates = sent.filter((m) => m.type === "comm_msg").map((m) => m.content.data);
    expect(updates).toEqual([
      { method: "update", state: { index: 1 }, buffer_paths: [] },
      { method: "update", state: { value: 5 }, buffer_paths: [] },
      { method: "update", state: { max: 3 }, buffer_paths: [] },
      { method: "update", state: { value: 3 }, buffer_paths: [] },
    ]);
    expect(() => new widgets.IntSlider({ min: 5, max: 1 })).toThrow("IntSlider: min (5) is greater than max (1)");
    expect(() => (d.value = "rmsprop" as "sgd")).toThrow(/Dropdown: value 'rmsprop' is not one of the options \[ 'sgd', 'adam' \]/);
    expect(() => new widgets.HBox([1 as never])).toThrow(/HBox: children must be an array of widgets/);
    expect(() => interact(() => 0, { x: {} as never })).toThrow(/interact: cannot make a control for x/);
  });
});

describe("widgets without a kernel", () => {
  it("are plain objects: values, observers, clicks, interact, and text display", () => {
    const s = new widgets.FloatSlider({ value: 2, max: 5 });
    const seen: string[] = [];
    s.observe((c) => seen.push(`${c.name}:${c.old}->${c.new}`), "value");
    s.value = 4;
    s.value = 4; // no change, no call
    expect(seen).toEqual(["value:2->4"]);
    const b = new widgets.Button({ description: "Stop" });
    let n = 0;
    b.onClick(() => n++);
    b.click();
    expect([b.clicks, n]).toEqual([1, 1]);
    const display = (s as unknown as Record<symbol, () => Record<string, unknown>>)[Symbol.for("Jupyter.display")]!();
    expect(Object.keys(display)).toEqual(["text/plain"]);
    expect(display["text/plain"]).toMatch(/^FloatSlider\(.*value=4/);
    const calls: number[] = [];
    const ia = interact(({ k }) => void calls.push(k), { k: [0, 10, 2] });
    ia.controls.k.value = 8;
    expect(calls).toEqual([5, 8]);
  });

  it("state with nested binary values round-trips through buffer paths", () => {
    const img = new Uint8Array([9, 8]);
    const s = serializeState({ a: img, b: [1, new Uint8Array([7])], c: { d: img } });
    expect(s.state).toEqual({ b: [1, null], c: {} });
    expect(s.buffer_paths).toEqual([["a"], ["b", 1], ["c", "d"]]);
    expect(deserializeState(s.state, s.buffer_paths, s.buffers)).toEqual({ a: img, b: [1, new Uint8Array([7])], c: { d: img } });
  });
});
