// Jupyter widgets through the real kernel (dist/) over real ZeroMQ: the messages a widget
// frontend sees and sends (ipywidgets protocol 2.1.0), and updates reaching a running cell.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "../../kernel/client/kernel-client.js";
import type { LaunchedKernel } from "../../kernel/client/launch.js";
import { built, byType, startBuiltKernel, stdout } from "./kernel-harness.js";

const WIDGET_VIEW = "application/vnd.jupyter.widget-view+json";
type Open = { comm_id: string; target_name: string; data: { state: Record<string, any>; buffer_paths: unknown[] } };
const opens = (ms: Message[]): Open[] => byType(ms, "comm_open").map((m) => m.content as Open);
const model = (ms: Message[], name: string): Open => {
  const o = opens(ms).find((x) => x.data.state._model_name === name);
  if (o === undefined) throw new Error(`no comm_open for ${name}`);
  return o;
};

/** Resolves with the first iopub message (from now on) that matches. */
function nextIopub(k: LaunchedKernel, match: (m: Message) => boolean, timeoutMs = 20_000): Promise<Message> {
  const start = k.client.iopubLog.length;
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const poll = (): void => {
      const m = k.client.iopubLog.slice(start).find(match);
      if (m !== undefined) return resolve(m);
      if (Date.now() > deadline) return reject(new Error("no matching iopub message"));
      setTimeout(poll, 5);
    };
    poll();
  });
}
const printed = (text: string) => (m: Message) => m.header.msg_type === "stream" && (m.content as { text: string }).text.includes(text);

describe.skipIf(!built)("widgets over ZeroMQ", () => {
  let k: LaunchedKernel;
  beforeAll(async () => {
    k = await startBuiltKernel();
  });
  afterAll(async () => {
    await k?.shutdown();
  });

  it("a slider opens jupyter.widget comms (2.1.0) with its layout and style, and displays as a widget view", async () => {
    const r = await k.client.execute('const s = new widgets.IntSlider({ value: 3, min: 0, max: 10, description: "k" });\ns');
    expect((r.reply.content as any).status).toBe("ok");
    const all = byType(r.outputs, "comm_open");
    expect(all.every((m) => (m.content as Open).target_name === "jupyter.widget" && (m.metadata as any).version === "2.1.0")).toBe(true);
    const slider = model(r.outputs, "IntSliderModel");
    expect(slider.data.state).toMatchObject({ _model_module: "@jupyter-widgets/controls", _model_module_version: "2.0.0", _view_name: "IntSliderView", value: 3, min: 0, max: 10, description: "k" });
    const layout = model(r.outputs, "LayoutModel");
    const style = model(r.outputs, "SliderStyleModel");
    expect(layout.data.state).toMatchObject({ _model_module: "@jupyter-widgets/base", _view_name: "LayoutView" });
    expect(style.data.state._view_module).toBe("@jupyter-widgets/base");
    expect(slider.data.state.layout).toBe(`IPY_MODEL_${layout.comm_id}`);
    expect(slider.data.state.style).toBe(`IPY_MODEL_${style.comm_id}`);
    // Children are opened before the widget that refers to them.
    expect(all.indexOf(all.find((m) => (m.content as Open).comm_id === slider.comm_id)!)).toBeGreaterThan(all.indexOf(all.find((m) => (m.content as Open).comm_id === layout.comm_id)!));
    const data = (byType(r.outputs, "execute_result")[0]!.content as any).data;
    expect(data[WIDGET_VIEW]).toEqual({ model_id: slider.comm_id, version_major: 2, version_minor: 1 });
    expect(data["text/plain"]).toMatch(/^IntSlider\(.*value=3/);
    const info = await k.client.request("shell", "comm_info_request", { target_name: "jupyter.widget" });
    expect(Object.keys((info.reply.content as any).comms)).toEqual(expect.arrayContaining([slider.comm_id, layout.comm_id, style.comm_id]));
  });

  it("a frontend update is echoed (echo_update, parent = the update), applied and observed; request_state gets the full state", async () => {
    const r0 = await k.client.execute('const t = new widgets.FloatSlider({ value: 1 }); const seen: string[] = []; t.observe((c) => seen.push(`${c.name} ${c.old}->${c.new}`), "value"); t');
    const id = model(r0.outputs, "FloatSliderModel").comm_id;
    const echo = nextIopub(k, (m) => m.header.msg_type === "comm_msg" && (m.content as any).data.method === "echo_update");
    const sent = k.client.send("shell", "comm_msg", { comm_id: id, data: { method: "update", state: { value: 2.5 }, buffer_paths: [] } });
    const e = await echo;
    expect((e.parent_header as any).msg_id).toBe(sent.msg_id);
    expect((e.content as any)).toEqual({ comm_id: id, data: { method: "echo_update", state: { value: 2.5 }, buffer_paths: [] } });
    const r = await k.client.execute("console.log(t.value, seen.join(','))");
    expect(stdout(r.outputs)).toBe("2.5 value 1->2.5\n");
    // A kernel-side write sends an update.
    const w = await k.client.execute("t.value = 20");
    const upd = byType(w.outputs, "comm_msg").map((m) => (m.content as any).data);
    expect(upd).toContainEqual({ method: "update", state: { value: 10 }, buffer_paths: [] }); // clamped to max
    const full = nextIopub(k, (m) => m.header.msg_type === "comm_msg" && (m.content as any).data.method === "update" && "min" in (m.content as any).data.state);
    k.client.send("shell", "comm_msg", { comm_id: id, data: { method: "request_state" } });
    expect(((await full).content as any).data.state).toMatchObject({ _model_name: "FloatSliderModel", value: 10, min: 0, max: 10 });
  });

  it("a running synchronous loop sees a slider change and a Stop click at once, and keeps its state", async () => {
    const setup = await k.client.execute('const lr = new widgets.FloatLogSlider({ value: 1e-3, min: -5, max: 0 }); const stop = new widgets.Button({ description: "Stop" }); display(lr); display(stop);');
    const lrId = model(setup.outputs, "FloatLogSliderModel").comm_id;
    const stopId = model(setup.outputs, "ButtonModel").comm_id;
    const started = nextIopub(k, printed("started"));
    const run = k.client.execute(
      [
        "let steps = 0; let lrSeen = 0;",
        'console.log("started");',
        "const until = Date.now() + 20000;",
        // A synchronous loop: no await, the main thread never returns to its event loop.
        "while (stop.clicks === 0 && Date.now() < until) { steps++; lrSeen = lr.value; }",
        'console.log(`stopped clicks=${stop.clicks} lr=${lrSeen} steps>0=${steps > 0} timedOut=${Date.now() >= until}`);',
      ].join("\n"),
    );
    await started;
    k.client.send("shell", "comm_msg", { comm_id: lrId, data: { method: "update", state: { value: 0.01 }, buffer_paths: [] } });
    await new Promise((r) => setTimeout(r, 200));
    k.client.send("shell", "comm_msg", { comm_id: stopId, data: { method: "custom", content: { event: "click" } } });
    const r = await run;
    expect(stdout(r.outputs)).toContain("stopped clicks=1 lr=0.01 steps>0=true timedOut=false");
    const after = await k.client.execute("console.log(lr.value, steps > 0)");
    expect(stdout(after.outputs)).toBe("0.01 true\n");
  }, 60_000);

  it("observers and click handlers run at the cell's next await; the cell stays busy while it runs", async () => {
    const setup = await k.client.execute('const b = new widgets.Button({ description: "go" }); let got = 0; b.onClick(() => { got++; console.log("clicked"); }); b');
    const id = model(setup.outputs, "ButtonModel").comm_id;
    const statuses: string[] = [];
    const started = nextIopub(k, printed("waiting"));
    const run = k.client.execute('console.log("waiting"); const t0 = Date.now(); while (got === 0 && Date.now() - t0 < 20000) await new Promise((r) => setTimeout(r, 5)); console.log("got", got);', {
      onOutput: (m) => m.header.msg_type === "status" && statuses.push((m.content as any).execution_state),
    });
    await started;
    const mark = k.client.iopubLog.length;
    const clickMsg = k.client.send("shell", "comm_msg", { comm_id: id, data: { method: "custom", content: { event: "click" } } });
    const r = await run;
    expect(stdout(r.outputs)).toContain("got 1");
    const during = k.client.iopubLog.slice(mark);
    const clicked = during.findIndex(printed("clicked"));
    expect(clicked).toBeGreaterThanOrEqual(0);
    // The cell stays busy until it ends: the click's own idle (the widget manager's throttle
    // waits for it) is followed at once by busy again for the cell.
    const states = during.filter((m) => m.header.msg_type === "status").map((m) => `${(m.content as any).execution_state}:${(m.parent_header as any).msg_id === clickMsg.msg_id ? "click" : "cell"}`);
    expect(states.slice(0, 2)).toEqual(["idle:click", "busy:cell"]);
    expect(statuses.filter((x) => x === "idle")).toEqual([]);
  }, 60_000);

  it("selections sync an index; boxes, tabs and links refer to their children; images travel as buffers", async () => {
    const r = await k.client.execute(
      [
        'const opt = new widgets.Dropdown({ options: ["sgd", "momentum", "adam"] as const, value: "adam" });',
        "const which: \"sgd\" | \"momentum\" | \"adam\" = opt.value;",
        "const a = new widgets.IntSlider(); const p = new widgets.Play({ max: 100 });",
        'const link = widgets.jslink([p, "value"], [a, "value"]);',
        'const tab = new widgets.Tab({ children: [new widgets.HBox([p, a]), opt], titles: ["play", "optimizer"] });',
        "const img = new widgets.Image({ value: new Uint8Array([137, 80, 78, 71]) });",
        "tab",
      ].join("\n"),
    );
    expect((r.reply.content as any).status).toBe("ok");
    const dd = model(r.outputs, "DropdownModel");
    expect(dd.data.state).toMatchObject({ _options_labels: ["sgd", "momentum", "adam"], index: 2 });
    const link = model(r.outputs, "LinkModel");
    const play = model(r.outputs, "PlayModel"), slider = model(r.outputs, "IntSliderModel");
    expect(link.data.state).toMatchObject({ source: [`IPY_MODEL_${play.comm_id}`, "value"], target: [`IPY_MODEL_${slider.comm_id}`, "value"], _view_name: null });
    const tab = model(r.outputs, "TabModel");
    expect(tab.data.state.children).toHaveLength(2);
    expect(tab.data.state.titles).toEqual(["play", "optimizer"]);
    const imgMsg = byType(r.outputs, "comm_open").find((m) => (m.content as Open).data.state._model_name === "ImageModel")!;
    expect((imgMsg.content as Open).data.buffer_paths).toEqual([["value"]]);
    expect((imgMsg.content as Open).data.state).not.toHaveProperty("value");
    expect([...imgMsg.buffers[0]!]).toEqual([137, 80, 78, 71]);
    // The frontend picks another option: the kernel sees its value.
    k.client.send("shell", "comm_msg", { comm_id: dd.comm_id, data: { method: "update", state: { index: 0 }, buffer_paths: [] } });
    await nextIopub(k, (m) => m.header.msg_type === "comm_msg" && (m.content as any).comm_id === dd.comm_id);
    const v = await k.client.execute("console.log(opt.value, opt.index, opt.label)");
    expect(stdout(v.outputs)).toBe("sgd 0 sgd\n");
    const bad = await k.client.execute('opt.value = "rmsprop" as any');
    expect((bad.reply.content as any).evalue).toMatch(/Dropdown: value 'rmsprop' is not one of the options/);
  });

  it("jupyter.widget.control answers request_states with every widget's state", async () => {
    k.client.send("shell", "comm_open", { comm_id: "control-1", target_name: "jupyter.widget.control", data: {} });
    const reply = nextIopub(k, (m) => m.header.msg_type === "comm_msg" && (m.content as any).comm_id === "control-1");
    k.client.send("shell", "comm_msg", { comm_id: "control-1", data: { method: "request_states" } });
    const states = ((await reply).content as any).data;
    expect(states.method).toBe("update_states");
    const entries = Object.values(states.states as Record<string, any>);
    expect(entries.map((s) => s.model_name)).toEqual(expect.arrayContaining(["IntSliderModel", "FloatLogSliderModel", "ButtonModel", "LayoutModel", "TabModel"]));
    const tab = entries.find((s) => s.model_name === "TabModel");
    expect(tab).toMatchObject({ model_module: "@jupyter-widgets/controls", model_module_version: "2.0.0", state: { _model_name: "TabModel", titles: ["play", "optimizer"] } });
    // The image's bytes travel as a buffer, its path led by the widget's id (base-manager's _loadFromKernel).
    const imageId = Object.entries(states.states as Record<string, any>).find(([, s]) => s.model_name === "ImageModel")![0];
    expect(states.buffer_paths).toContainEqual([imageId, "state", "value"]);
  });

  it("Output.capture sends its outputs under the Output's msg_id; interact re-runs into it on a change", async () => {
    const r = await k.client.execute('const out = new widgets.Output(); out.capture(() => console.log("inside")); out');
    const o = model(r.outputs, "OutputModel");
    const updates = byType(r.outputs, "comm_msg").filter((m) => (m.content as any).comm_id === o.comm_id).map((m) => (m.content as any).data.state.msg_id);
    expect(updates).toEqual([(r.reply.parent_header as any).msg_id, ""]);
    const i = await k.client.execute('const ia = interact(({ n, name }) => console.log(`n=${n} name=${name}`), { n: [0, 10], name: ["a", "b"] });');
    expect(stdout(i.outputs)).toBe("n=5 name=a\n");
    const n = byType(i.outputs, "comm_open").map((m) => m.content as Open).find((x) => x.data.state._model_name === "IntSliderModel" && x.data.state.description === "n")!;
    const rerun = nextIopub(k, printed("n=7"));
    k.client.send("shell", "comm_msg", { comm_id: n.comm_id, data: { method: "update", state: { value: 7 }, buffer_paths: [] } });
    expect(((await rerun).content as any).text).toBe("n=7 name=a\n");
  });

  it("Live({ stopButton: true }) shows a Stop widget above its bar; a click ends a running loop through live.stopped and progress()", async () => {
    const started = nextIopub(k, printed("looping"));
    const run = k.client.execute(
      [
        "const live = new Live({ stopButton: true, every: 50 });",
        'let i = 0; console.log("looping"); const until = Date.now() + 20000;',
        "while (!live.stopped && Date.now() < until) live.log({ loss: 1 / ++i });",
        "live.done();",
        "console.log(`stopped=${live.stopped} timedOut=${Date.now() >= until}`);",
      ].join("\n"),
    );
    await started;
    const button = k.client.iopubLog.map((m) => m.content as any).filter((c) => c.data?.state?._model_name === "ButtonModel" && c.data.state.description === "Stop").at(-1)!;
    k.client.send("shell", "comm_msg", { comm_id: button.comm_id, data: { method: "custom", content: { event: "click" } } });
    const r = await run;
    expect(stdout(r.outputs)).toContain("stopped=true timedOut=false");
    // The bar is still the plain display_data / update_display_data form, its last text "stopped".
    const bars = [...byType(r.outputs, "display_data"), ...byType(r.outputs, "update_display_data")].map((m) => (m.content as any).data["text/plain"]).filter((t) => typeof t === "string" && t.includes("it/s"));
    expect(bars.at(-1)).toMatch(/stopped$/);
    const closing = byType(r.outputs, "comm_msg").map((m) => (m.content as any)).filter((c) => c.comm_id === button.comm_id).map((c) => c.data.state);
    expect(closing).toContainEqual({ disabled: true, description: "Stopped" });

    // progress()'s own Stop button: wait for its comm_open, then click it.
    const opened = nextIopub(k, (m) => m.header.msg_type === "comm_open" && (m.content as any).data?.state?._model_name === "ButtonModel" && (m.content as any).data.state.description === "Stop");
    const prog = k.client.execute('let seen = 0; for (const _ of progress(Array.from({ length: 200000 }), { stopButton: true })) { seen++; const t = Date.now(); while (Date.now() - t < 1); } console.log(`seen<200000 ${seen < 200000}`);');
    const b2 = (await opened).content as any;
    await new Promise((r) => setTimeout(r, 100));
    k.client.send("shell", "comm_msg", { comm_id: b2.comm_id, data: { method: "custom", content: { event: "click" } } });
    expect(stdout((await prog).outputs)).toContain("seen<200000 true");
  }, 60_000);

  it("the classes are real types: a Dropdown's value is the union of its options, an observer's change is typed", async () => {
    const ok = await k.client.execute(
      [
        'const pick = new widgets.Dropdown({ options: ["relu", "tanh"] });',
        'const act: "relu" | "tanh" = pick.value;',
        "const slider: widgets.IntSlider = new widgets.IntSlider({ max: 5 });",
        'slider.observe((c) => console.log(c.new.toFixed(1)), "value");',
        "const range = new widgets.IntRangeSlider(); const [lo, hi]: [number, number] = range.value;",
        "slider.value = 4; act",
      ].join("\n"),
    );
    expect((ok.reply.content as any).status).toBe("ok");
    expect(stdout(ok.outputs)).toBe("4.0\n");
    const bad = await k.client.execute('const s2 = new widgets.FloatSlider(); const t: string = s2.value; pick.value = "gelu";');
    expect((bad.reply.content as any).ename).toBe("TSError");
    expect((bad.reply.content as any).evalue).toMatch(/Type 'number' is not assignable to type 'string'/);
  });
});
