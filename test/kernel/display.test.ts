import { describe, expect, it } from "vitest";
import { createDisplay, VEGA_LITE_MIME } from "../../kernel/display/display.js";
import { toBundle } from "../../kernel/display/mime-bundle.js";

function recorder() {
  const sent: { type: string; content: Record<string, any> }[] = [];
  const errors: unknown[] = [];
  const display = createDisplay({ publish: (type, content) => sent.push({ type, content }), reportError: (e) => errors.push(e) });
  return { sent, errors, display };
}

describe("display", () => {
  it("uses a value's Symbol.for('Jupyter.display') hook, adding text/plain", () => {
    const { sent, display } = recorder();
    const h = display({ [Symbol.for("Jupyter.display")]: () => ({ "text/html": "<i>x</i>" }) });
    expect(sent).toHaveLength(1);
    expect(sent[0].type).toBe("display_data");
    expect(sent[0].content.data["text/html"]).toBe("<i>x</i>");
    expect(typeof sent[0].content.data["text/plain"]).toBe("string");
    expect(sent[0].content.transient).toEqual({ display_id: h.id });
  });

  it("shows other values as util.inspect text without colours", () => {
    const { sent, display } = recorder();
    display({ a: [1, 2], s: "x" });
    expect(sent[0].content.data).toEqual({ "text/plain": "{ a: [ 1, 2 ], s: 'x' }" });
  });

  it("update sends update_display_data with the same display_id; close stops updates", () => {
    const { sent, display } = recorder();
    const h = display(1, { displayId: "progress" });
    expect(h.id).toBe("progress");
    h.update(2);
    display.update("progress", 3);
    h.close();
    h.update(4);
    expect(sent.map((m) => [m.type, m.content.data["text/plain"], m.content.transient.display_id])).toEqual([
      ["display_data", "1", "progress"],
      ["update_display_data", "2", "progress"],
      ["update_display_data", "3", "progress"],
    ]);
  });

  it("has typed helpers for html, markdown, svg, png, json, vegaLite and raw bundles", () => {
    const { sent, display } = recorder();
    display.html("<b>b</b>");
    display.markdown("# t");
    display.svg("<svg/>");
    display.png(new Uint8Array([137, 80, 78, 71]));
    display.json({ k: 1 });
    display.vegaLite({ mark: "bar" });
    display.bundle({ "text/latex": "$x$" }, { metadata: { m: 1 } });
    const data = sent.map((m) => m.content.data);
    expect(data[0]["text/html"]).toBe("<b>b</b>");
    expect(data[1]["text/markdown"]).toBe("# t");
    expect(data[2]["image/svg+xml"]).toBe("<svg/>");
    expect(data[3]["image/png"]).toBe(Buffer.from([137, 80, 78, 71]).toString("base64"));
    expect(data[4]["application/json"]).toEqual({ k: 1 });
    expect(data[5][VEGA_LITE_MIME]).toEqual({ mark: "bar" });
    expect(data[6]).toEqual({ "text/latex": "$x$" });
    expect(sent[6].content.metadata).toEqual({ m: 1 });
  });

  it("clear sends clear_output with wait", () => {
    const { sent, display } = recorder();
    display.clear();
    display.clear({ wait: true });
    expect(sent.map((m) => m.content)).toEqual([{ wait: false }, { wait: true }]);
  });

  it("rejects bad arguments with the call's name", () => {
    const { display } = recorder();
    expect(() => display.html(3 as never)).toThrow(/display.html: expected a string/);
    expect(() => display.png(3 as never)).toThrow(/display.png/);
    expect(() => display({ [Symbol.for("Jupyter.display")]: () => 5 })).toThrow(/not a MIME bundle/);
  });

  it("awaits a hook that returns a promise", async () => {
    const { sent, display } = recorder();
    display({ [Symbol.for("Jupyter.display")]: async () => ({ "text/plain": "later" }) });
    expect(sent).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 0));
    expect(sent[0].content.data["text/plain"]).toBe("later");
    expect(await toBundle({ [Symbol.for("Jupyter.display")]: async () => ({ "text/plain": "p" }) })).toEqual({ "text/plain": "p" });
  });
});
