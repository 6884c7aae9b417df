import { describe, expect, it } from "vitest";
import { Worker } from "node:worker_threads";
import { createInputBuffers, deliverInput, interruptInput, waitForInput } from "../../kernel/io/input-channel.js";
import { StreamCoalescer } from "../../kernel/io/stream-coalescer.js";

describe("StreamCoalescer", () => {
  it("joins text of one stream and parent, flushing on a change of either", () => {
    const out: [string, string, unknown][] = [];
    const c = new StreamCoalescer((name, text, parent) => out.push([name, text, parent.msg_id]));
    c.add("stdout", "a", { msg_id: "1" });
    c.add("stdout", "b", { msg_id: "1" });
    c.add("stderr", "c", { msg_id: "1" });
    c.add("stderr", "d", { msg_id: "2" });
    c.flush();
    expect(out).toEqual([["stdout", "ab", "1"], ["stderr", "c", "1"], ["stderr", "d", "2"]]);
  });
  it("flushes by itself after a short delay", async () => {
    const out: string[] = [];
    const c = new StreamCoalescer((_n, text) => out.push(text));
    c.add("stdout", "x", {});
    await new Promise((r) => setTimeout(r, 60));
    expect(out).toEqual(["x"]);
  });
});

describe("input channel", () => {
  it("blocks until another thread delivers the reply (UTF-8 intact)", () => {
    const { state, data } = createInputBuffers();
    const src = `const { workerData } = require("node:worker_threads");
      setTimeout(() => {
        const s = new Int32Array(workerData.state);
        const b = Buffer.from("héllo ✓", "utf8");
        new Uint8Array(workerData.data).set(b);
        Atomics.store(s, 1, b.length); Atomics.store(s, 0, 1); Atomics.notify(s, 0);
      }, 100);`;
    let requested = false;
    const value = waitForInput(state, data, () => {
      requested = true;
      new Worker(src, { eval: true, workerData: { state, data } }).unref();
    });
    expect(requested).toBe(true);
    expect(value).toBe("héllo ✓");
  });
  it("delivers in-thread and reports an interrupt as an Interrupted error", () => {
    const { state, data } = createInputBuffers();
    expect(waitForInput(state, data, () => deliverInput(state, data, "42"))).toBe("42");
    expect(() => waitForInput(state, data, () => interruptInput(state))).toThrow(expect.objectContaining({ name: "Interrupted" }));
  });
});
