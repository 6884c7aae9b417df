// The handler table over a fake io link: messages in, messages out, no sockets.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PlainCompiler } from "../../kernel/execution/plain-compiler.js";
import { handlers } from "../../kernel/handlers/index.js";
import { formatDuration, timeitReport } from "../../kernel/handlers/magics.js";
import { HistoryStore } from "../../kernel/history/history-store.js";
import { createInterruptState, InterruptStateIo, InterruptStateMain } from "../../kernel/interrupt/shared-state.js";
import type { IoLink } from "../../kernel/io/io-link.js";
import type { IncomingRequest } from "../../kernel/io/protocol.js";
import { Kernel } from "../../kernel/kernel.js";

interface Sent {
  channel: string;
  msgType: string;
  content: any;
  parent: any;
}

function setup() {
  const sent: Sent[] = [];
  const waiters = new Map<string, () => void>();
  const pending: IncomingRequest[] = [];
  /** What each postMessage to the io thread would carry (msg_types), as IoLink.hold/flush batch them. */
  const posts: string[][] = [];
  let held: Sent[] | null = null;
  const deliver = (batch: Sent[]): void => {
    posts.push(batch.map((m) => m.msgType));
    for (const m of batch) {
      sent.push(m);
      if (m.msgType === "status" && m.content.execution_state === "idle") waiters.get(m.parent.msg_id)?.();
    }
  };
  const interruptBuffer = createInterruptState();
  const io = {
    send(channel: string, msgType: string, content: any, parent: any) {
      const m = { channel, msgType, content, parent };
      if (held !== null) held.push(m);
      else deliver([m]);
    },
    hold() {
      held ??= [];
    },
    flush() {
      const batch = held;
      held = null;
      if (batch !== null && batch.length > 0) deliver(batch);
    },
    drainPending: () => pending.splice(0),
    requestInput: (prompt: string) => `answer to ${prompt}`,
    onRequest: (_: IncomingRequest) => undefined,
    /** The interrupt state shared with the (absent) io thread, and the io thread's view of it. */
    interrupts: new InterruptStateMain(interruptBuffer),
    ioInterrupts: new InterruptStateIo(interruptBuffer),
  };
  const k = new Kernel(io as unknown as IoLink, process.cwd(), handlers, false);
  PlainCompiler.install(k.context.context, (n, v) => k.context.define(n, v));
  k.compiler = new PlainCompiler();
  k.history = new HistoryStore(null);
  k.listen();
  const req = (msgType: string, content: Record<string, unknown>): IncomingRequest => ({
    channel: "shell",
    identities: [new Uint8Array([1])],
    header: { msg_id: randomUUID(), msg_type: msgType, session: "s", username: "u", date: "", version: "5.3" },
    parent_header: {},
    metadata: {},
    content,
    buffers: [],
  });
  /** Sends a request and returns every message it caused. */
  const call = (msgType: string, content: Record<string, unknown>) => {
    const r = req(msgType, content);
    const done = new Promise<Sent[]>((resolve) => waiters.set(r.header.msg_id, () => resolve(sent.filter((m) => m.parent.msg_id === r.header.msg_id))));
    io.onRequest(r);
    return done;
  };
  const exec = (code: string, extra: Record<string, unknown> = {}) => call("execute_request", { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: true, stop_on_error: true, ...extra });
  return { k, sent, call, exec, req, io, pending, posts };
}

const types = (ms: Sent[]) => ms.map((m) => m.msgType);

describe("execute_request", () => {
  it("frames the cell with busy/idle, echoes the input and sends execute_result for the last expression", async () => {
    const { exec } = setup();
    const ms = await exec("let a = 20; a + 1");
    expect(types(ms)).toEqual(["status", "execute_input", "execute_result", "execute_reply", "status"]);
    expect(ms[1].content).toEqual({ code: "let a = 20; a + 1", execution_count: 1 });
    expect(ms[2].content.data).toEqual({ "text/plain": "21" });
    expect(ms[3].content).toMatchObject({ status: "ok", execution_count: 1 });
    expect(ms[3].channel).toBe("shell");
  });

  it("hands a cell's messages to the io thread in few posts, in protocol order: busy + execute_input before the compile, result + reply + idle together", async () => {
    const { exec, k, posts } = setup();
    const plain = k.compiler!;
    let postsAtCompile = -1;
    k.compiler = { ...plain, compile: (code: string, n: number) => ((postsAtCompile = posts.length), plain.compile(code, n)), commit: () => undefined } as never;
    await exec("console.log('hi'); 1 + 1");
    expect(posts).toEqual([["status", "execute_input"], ["stream"], ["execute_result", "execute_reply", "status"]]);
    expect(postsAtCompile).toBe(1);
    posts.length = 0;
    await exec("throw new Error('no')");
    expect(posts).toEqual([["status", "execute_input"], ["error", "execute_reply", "status"]]);
    posts.length = 0;
    await exec("prompt('name?')");
    expect(posts).toEqual([["status", "execute_input"], ["execute_result", "execute_reply", "status"]]);
    expect(k.history!.tail(3, true).map((r) => r[2])).toEqual([["console.log('hi'); 1 + 1", "2"], ["throw new Error('no')", null], ["prompt('name?')", "'answer to name?'"]]);
  });

  it("a cell's reply waits for its own async displays, not for one an earlier cell's timer is still rendering", async () => {
    const { k, exec, sent } = setup();
    // The timer's render resolves only when the test releases it, so the second cell's reply can
    // only arrive if it does not wait for that render (no clock decides it).
    const gated = `{ [Symbol.for('Jupyter.display')]: () => new Promise((r) => { globalThis.releaseRender = () => r({ 'text/plain': 'from the timer' }); }) }`;
    const first = await exec(`setTimeout(() => display(${gated}), 0); 'scheduled'`);
    const g = k.context.global as { releaseRender?: () => void };
    while (g.releaseRender === undefined) await new Promise((r) => setTimeout(r, 5)); // the timer has started its render
    const second = await exec(`display({ [Symbol.for('Jupyter.display')]: () => new Promise((r) => setTimeout(() => r({ 'text/plain': 'own' }), 50)) }); 1 + 1`);
    expect(types(second)).toEqual(["status", "execute_input", "display_data", "execute_result", "execute_reply", "status"]);
    expect(second[2].content.data["text/plain"]).toBe("own");
    const fromTimer = () => sent.filter((m) => m.msgType === "display_data" && m.content.data["text/plain"] === "from the timer");
    expect(fromTimer()).toHaveLength(0);
    g.releaseRender();
    while (fromTimer().length === 0) await new Promise((r) => setTimeout(r, 5));
    // It is still shown, after the second cell finished (to the current parent, like other late output).
    expect(fromTimer()).toHaveLength(1);
    expect(first.some((m) => m.msgType === "display_data")).toBe(false);
  });

  it("keeps state between cells and shows objects with util.inspect", async () => {
    const { exec } = setup();
    await exec("var o = { n: [1, 2, 3] }");
    const ms = await exec("o");
    expect(ms.find((m) => m.msgType === "execute_result")!.content.data["text/plain"]).toBe("{ n: [ 1, 2, 3 ] }");
  });

  it("shows a value through its display hook as execute_result", async () => {
    const { exec } = setup();
    const ms = await exec("({ [Symbol.for('Jupyter.display')]() { return { 'text/html': '<p>hi</p>' } } })");
    const r = ms.find((m) => m.msgType === "execute_result")!;
    expect(r.content.data["text/html"]).toBe("<p>hi</p>");
  });

  it("a cell ending in display(x) shows x once, without an execute_result for the handle", async () => {
    const { exec } = setup();
    const ms = await exec("display(5)");
    expect(types(ms)).toEqual(["status", "execute_input", "display_data", "execute_reply", "status"]);
  });

  it("routes console output to stream messages of the cell", async () => {
    const { exec } = setup();
    const ms = await exec("console.log('out', 1); console.error('bad')");
    expect(ms.filter((m) => m.msgType === "stream").map((m) => m.content)).toEqual([
      { name: "stdout", text: "out 1\n" },
      { name: "stderr", text: "bad\n" },
    ]);
  });

  it("reports a thrown error with name, message and traceback, and aborts queued cells", async () => {
    const { exec, req, pending, sent } = setup();
    const queued = req("execute_request", { code: "1", stop_on_error: true });
    pending.push(queued);
    const ms = await exec("throw new RangeError('too far')");
    const err = ms.find((m) => m.msgType === "error")!;
    expect(err.content.ename).toBe("RangeError");
    expect(err.content.evalue).toBe("too far");
    expect(err.content.traceback[0]).toBe("RangeError: too far");
    expect(ms.find((m) => m.msgType === "execute_reply")!.content.status).toBe("error");
    await new Promise((r) => setTimeout(r, 10));
    const aborted = sent.filter((m) => m.parent.msg_id === queued.header.msg_id && m.msgType === "execute_reply");
    expect(aborted.map((m) => m.content.status)).toEqual(["aborted"]);
  });

  it("does not abort later cells when stop_on_error is false", async () => {
    const { exec, req, pending, sent } = setup();
    const queued = req("execute_request", { code: "2" });
    pending.push(queued);
    await exec("throw new Error('x')", { stop_on_error: false });
    await new Promise((r) => setTimeout(r, 10));
    expect(sent.filter((m) => m.parent.msg_id === queued.header.msg_id && m.msgType === "execute_reply").map((m) => m.content.status)).toEqual(["ok"]);
  });

  it("silent runs publish nothing and do not count", async () => {
    const { exec } = setup();
    const ms = await exec("console.log; 5", { silent: true });
    expect(types(ms)).toEqual(["status", "execute_reply", "status"]);
    expect(ms[1].content.execution_count).toBe(0);
  });

  it("evaluates user_expressions", async () => {
    const { exec } = setup();
    const ms = await exec("var q = 6", { user_expressions: { double: "q * 2", bad: "nope" } });
    const ue = ms.find((m) => m.msgType === "execute_reply")!.content.user_expressions;
    expect(ue.double).toEqual({ status: "ok", data: { "text/plain": "12" }, metadata: {} });
    expect(ue.bad).toMatchObject({ status: "error", ename: "ReferenceError" });
  });

  it("prompt() asks the frontend through the io link", async () => {
    const { exec } = setup();
    const ms = await exec("prompt('name?')");
    expect(ms.find((m) => m.msgType === "execute_result")!.content.data["text/plain"]).toBe("'answer to name?'");
  });

  it("%typecheck magics and ?name pager payloads", async () => {
    const { exec, k } = setup();
    let ms = await exec("%typecheck off");
    expect(k.typeCheck).toBe(false);
    expect(ms.find((m) => m.msgType === "stream")!.content.text).toBe("type checking off\n");
    ms = await exec("%nosuch");
    expect(ms.find((m) => m.msgType === "error")!.content.ename).toBe("UsageError");
    const defined = await exec("var thing = [1, 2]");
    expect(defined.find((m) => m.msgType === "execute_reply")!.content.status).toBe("ok");
    ms = await exec("?thing");
    const payload = ms.find((m) => m.msgType === "execute_reply")!.content.payload;
    expect(payload[0].source).toBe("page");
    expect(payload[0].data["text/plain"]).toContain("[ 1, 2 ]");
  });

  it("%%time and %time report the cell's CPU and wall time after its output, as IPython does", async () => {
    const { exec } = setup();
    const timing = /^CPU times: user [\d.]+ (s|ms|µs|ns), sys [\d.]+ (s|ms|µs|ns), total [\d.]+ (s|ms|µs|ns)\nWall time: ([\d.]+) (s|ms|µs|ns)\n$/;
    let ms = await exec("%%time\nconsole.log('hi');\n21 * 2");
    const streams = ms.filter((m) => m.msgType === "stream").map((m) => m.content.text as string);
    expect(streams[0]).toBe("hi\n");
    expect(streams[1]).toMatch(timing);
    expect(ms.find((m) => m.msgType === "execute_result")!.content.data["text/plain"]).toBe("42");
    // The line form keeps its code where it was: a run-time error points at the same column.
    ms = await exec("%time 6 * 7");
    expect(ms.find((m) => m.msgType === "execute_result")!.content.data["text/plain"]).toBe("42");
    expect(ms.find((m) => m.msgType === "stream")!.content.text).toMatch(timing);
    ms = await exec("%time  notDefinedAnywhere.x");
    const error = ms.find((m) => m.msgType === "error")!.content;
    expect(error.ename).toBe("ReferenceError");
    expect((error.traceback as string[]).join("\n")).toMatch(/:1:8\b/);
    // Busy work until both this process's CPU time and the wall clock have moved 120 ms (a loop
    // on the wall clock alone gets less CPU than that on a loaded machine): both lines see it.
    ms = await exec("%%time\nconst cpu0 = process.cpuUsage(), wall0 = performance.now();\nconst cpuMs = () => { const c = process.cpuUsage(cpu0); return (c.user + c.system) / 1000; };\nwhile (cpuMs() < 120 || performance.now() - wall0 < 120) {}");
    const m = timing.exec(ms.find((m) => m.msgType === "stream")!.content.text as string)!;
    const inMs = (value: string, unit: string) => Number(value) * { s: 1000, ms: 1, "µs": 1e-3, ns: 1e-6 }[unit as "s"];
    expect(inMs(m[4]!, m[5]!)).toBeGreaterThanOrEqual(119);
    const total = /total ([\d.]+) (s|ms|µs|ns)/.exec(m[0])!;
    expect(inMs(total[1]!, total[2]!)).toBeGreaterThanOrEqual(119);
    ms = await exec("%%time now\n1");
    expect(ms.find((m) => m.msgType === "error")!.content.ename).toBe("UsageError");
  });

  it("%%timeit and %timeit run the cell in a loop as IPython does and print the time per loop", async () => {
    const { exec, k } = setup();
    const report = /^([\d.]+) (s|ms|µs|ns) ± ([\d.]+) (s|ms|µs|ns) per loop \(mean ± std\. dev\. of 7 runs, ([\d,]+) loops? each\)\n$/;
    let ms = await exec("%%timeit\nconst doubled = [1, 2, 3].map((v) => v * 2);\nglobalThis.timeitBodies = (globalThis.timeitBodies ?? 0) + 1;");
    expect(ms.find((m) => m.msgType === "execute_result")).toBeUndefined();
    const m = report.exec(ms.find((m) => m.msgType === "stream")!.content.text as string);
    expect(m).not.toBeNull();
    // Each run executes the body `loops` times: the autorange runs (1, 2, 5, … up to loops) and 6 more.
    const loops = Number(m![5]!.replace(/,/g, ""));
    const autorange = Array.from({ length: 10 }, (_, e) => [1, 2, 5].map((b) => b * 10 ** e)).flat();
    const ranged = autorange.slice(0, autorange.indexOf(loops) + 1).reduce((a, b) => a + b, 0);
    expect(k.context.evaluate("timeitBodies")).toBe(ranged + 6 * loops);
    // Nothing the timed cell declares outlives it.
    expect(k.context.evaluate("typeof doubled")).toBe("undefined");
    ms = await exec("%timeit 6 * 7");
    expect(ms.find((m) => m.msgType === "stream")!.content.text).toMatch(report);
    ms = await exec("%%timeit\n\nthrow new Error('boom')");
    const error = ms.find((m) => m.msgType === "error")!.content;
    expect(error.evalue).toBe("boom");
    expect((error.traceback as string[]).join("\n")).toMatch(/:3:7\b/);
    ms = await exec("%%time\n%%timeit\n1");
    expect(ms.find((m) => m.msgType === "error")!.content.ename).toBe("UsageError");
  });

  it("reports %timeit's mean and population standard deviation per loop", () => {
    expect(timeitReport([1e-3, 3e-3], 100)).toBe("2 ms ± 1 ms per loop (mean ± std. dev. of 2 runs, 100 loops each)\n");
    expect(timeitReport(Array(7).fill(2.5e-8), 10_000_000)).toBe("25 ns ± 0 ns per loop (mean ± std. dev. of 7 runs, 10,000,000 loops each)\n");
    expect(timeitReport([0.3], 1)).toBe("300 ms ± 0 ns per loop (mean ± std. dev. of 1 run, 1 loop each)\n");
  });

  it("formats durations as IPython's %time does", () => {
    expect([0, 5e-10, 1.234e-6, 0.001, 0.0015, 0.5, 0.999, 2, 59.5, 75, 3725].map(formatDuration))
      .toEqual(["0 ns", "0.5 ns", "1.23 µs", "1 ms", "1.5 ms", "500 ms", "999 ms", "2 s", "59.5 s", "1min 15s", "62min 5s"]);
  });

  it("an interrupt that arrives while the cell compiles stops it before it runs", async () => {
    const { exec, k } = setup();
    const plain = k.compiler!;
    k.compiler = { ...plain, compile: (code: string, n: number) => (k.interrupts.note(), plain.compile(code, n)), commit: () => undefined } as never;
    const ms = await exec("globalThis.ran = true");
    expect(ms.find((m) => m.msgType === "error")!.content.ename).toBe("Interrupted");
    expect(k.context.evaluate("typeof ran")).toBe("undefined");
    k.compiler = plain;
    const next = await exec("1 + 1");
    expect(next.find((m) => m.msgType === "execute_result")!.content.data["text/plain"]).toBe("2");
  });

  it("an interrupt_request the io thread counted during the compile stops the cell before it runs", async () => {
    const { exec, k, io } = setup();
    const plain = k.compiler!;
    for (let i = 0; i < 3; i++) io.ioInterrupts.target(0); // earlier interrupts do not concern the next cell
    k.compiler = { ...plain, compile: (code: string, n: number) => (io.ioInterrupts.target(0), plain.compile(code, n)), commit: () => undefined } as never;
    const ms = await exec("globalThis.ran2 = true");
    expect(ms.find((m) => m.msgType === "error")!.content.ename).toBe("Interrupted");
    expect(k.context.evaluate("typeof ran2")).toBe("undefined");
    k.compiler = plain;
    const next = await exec("2 + 2");
    expect(next.find((m) => m.msgType === "execute_result")!.content.data["text/plain"]).toBe("4");
  });

  it("an interrupt while awaiting abandons the cell's promise with Interrupted", async () => {
    const { k } = setup();
    const p = k.run("new Promise(() => {})", "pending.js");
    await new Promise((r) => setTimeout(r, 20));
    expect(k.interrupts.waiting).toBe(true);
    k.interrupts.note();
    await expect(p).rejects.toMatchObject({ name: "Interrupted" });
    expect(k.interrupts.waiting).toBe(false);
  });
});

describe("other requests", () => {
  it("history_request tail after executions", async () => {
    const { exec, call } = setup();
    await exec("1 + 1");
    await exec("2 + 2");
    const ms = await call("history_request", { hist_access_type: "tail", n: 2, output: true, raw: true });
    const reply = ms.find((m) => m.msgType === "history_reply")!;
    expect(reply.content.history.map((h: any) => h[2])).toEqual([["1 + 1", "2"], ["2 + 2", "4"]]);
  });

  it("comm_info and comm_open from the frontend to a registered target", async () => {
    const { call, k, exec } = setup();
    await exec("var got = []; comms.registerTarget('t', (comm, data) => { got.push(data); comm.onMsg((d) => comm.send({ back: d.v })) })");
    await call("comm_open", { comm_id: "c", target_name: "t", data: { hi: 1 } });
    const ms = await call("comm_msg", { comm_id: "c", data: { v: 9 } });
    const info = await call("comm_info_request", {});
    expect(info.find((m) => m.msgType === "comm_info_reply")!.content.comms).toEqual({ c: { target_name: "t" } });
    expect(k.context.evaluate("got")).toEqual([{ hi: 1 }]);
    void ms;
  });

  it("is_complete / complete / inspect answer with the compiler's results", async () => {
    const { call } = setup();
    const ic = await call("is_complete_request", { code: "function f() {" });
    expect(ic.find((m) => m.msgType === "is_complete_reply")!.content).toEqual({ status: "incomplete", indent: "" });
    const c = await call("complete_request", { code: "con", cursor_pos: 3 });
    expect(c.find((m) => m.msgType === "complete_reply")!.content).toMatchObject({ status: "ok", cursor_start: 0, cursor_end: 3 });
    const i = await call("inspect_request", { code: "x", cursor_pos: 1, detail_level: 0 });
    expect(i.find((m) => m.msgType === "inspect_reply")!.content).toMatchObject({ status: "ok", found: false });
  });

  it("a request that runs no user code hands its reply and idle over together; comm messages (user callbacks) do not hold theirs", async () => {
    const { call, posts } = setup();
    posts.length = 0;
    await call("complete_request", { code: "con", cursor_pos: 3 });
    expect(posts).toEqual([["status"], ["complete_reply", "status"]]);
    posts.length = 0;
    await call("comm_info_request", {});
    expect(posts).toEqual([["status"], ["comm_info_reply", "status"]]);
    posts.length = 0;
    await call("comm_msg", { comm_id: "none", data: {} });
    expect(posts).toEqual([["status"], ["status"]]);
  });
});
