// The Jupyter debugger of the real kernel (dist/) over real ZeroMQ: the variables panel without
// breakpoints, then breakpoints in cells, stepping, frames and values while the main thread is
// really paused (and the io thread keeps answering).
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { LaunchedKernel } from "../../../kernel/client/launch.js";
import { murmur2 } from "../../../kernel/debugger/murmur2.js";
import { built, notebookDir, result, root, startBuiltKernel } from "../kernel-harness.js";
import { DapClient } from "./dap-client.js";

describe.skipIf(!built)("debugger over ZeroMQ", () => {
  let k: LaunchedKernel;
  let dap: DapClient;
  let dir: string;
  let info: any;
  beforeAll(async () => {
    dir = notebookDir();
    k = await startBuiltKernel({ cwd: dir });
    dap = new DapClient(k.client);
  }, 60_000);
  // A failed test must not leave the kernel stopped for the next one.
  afterEach(async () => {
    const state = await dap?.request("debugInfo");
    if (!state?.body?.isStarted) return;
    for (const b of state.body.breakpoints as { source: string }[]) await dap.request("setBreakpoints", { source: { path: b.source }, breakpoints: [] });
    if (state.body.stoppedThreads.length > 0) await dap.request("continue", { threadId: 1 });
  });
  afterAll(async () => {
    await k?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  const cellPath = (code: string): string => `${info.tmpFilePrefix}${murmur2(code, info.hashSeed)}${info.tmpFileSuffix}`;

  it("kernel_info says debugger: true; debugInfo before starting describes the cell files", async () => {
    const { reply } = await k.client.request("control", "kernel_info_request", {});
    expect((reply.content as any).debugger).toBe(true);
    info = await dap.ok("debugInfo");
    expect(info).toMatchObject({ isStarted: false, hashMethod: "Murmur2", tmpFileSuffix: ".ts", breakpoints: [], stoppedThreads: [] });
    expect(typeof info.hashSeed).toBe("number");
    expect(info.tmpFilePrefix).toMatch(/gradlab_\d+\/$/);
  });

  it("refuses requests that need a started debugger, by name", async () => {
    const r = await dap.request("stackTrace", { threadId: 1 });
    expect(r.success).toBe(false);
    expect(r.message).toMatch(/stackTrace: the debugger is not started/);
  });

  it("initialize, attach: started, an initialized event", async () => {
    const caps = await dap.ok("initialize", { clientID: "test", adapterID: "gradlab", pathFormat: "path", linesStartAt1: true, columnsStartAt1: true });
    expect(caps.supportsConfigurationDoneRequest).toBe(true);
    expect(caps.exceptionBreakpointFilters.map((f: any) => f.filter)).toEqual(["raised", "uncaught"]);
    await dap.ok("attach");
    await dap.waitForEvent("initialized", 1);
    expect((await dap.ok("debugInfo")).isStarted).toBe(true);
  });

  it("dumpCell writes the cell where its hash says", async () => {
    const code = "const a = 1;\n";
    const body = await dap.ok("dumpCell", { code });
    expect(body.sourcePath).toBe(cellPath(code));
    expect((await dap.ok("source", { source: { path: body.sourcePath } })).content).toBe(code);
  });

  it("inspectVariables lists the cells' names with type and a one-line value; tensors as their summary", async () => {
    const r = await k.client.execute("const x = randn([64, 784]);\nconst label = 'digits';\nconst model = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU());\nlet count = 3;");
    expect((r.reply.content as any).status).toBe("ok");
    const vars = (await dap.ok("inspectVariables")).variables as any[];
    const byName = new Map(vars.map((v) => [v.name, v]));
    expect([...byName.keys()]).toEqual(expect.arrayContaining(["x", "label", "model", "count"]));
    // Prelude names and the kernel's own globals are not the user's.
    expect(byName.has("randn")).toBe(false);
    expect(byName.has("display")).toBe(false);
    expect(byName.get("x")).toMatchObject({ type: "Tensor" });
    expect(byName.get("x").value).toMatch(/^tensor\[64, 784\] f32 n=50,176 x∈\[.*\] μ=.* σ=/);
    expect(byName.get("label")).toMatchObject({ type: "string", value: '"digits"', variablesReference: 0 });
    expect(byName.get("count")).toMatchObject({ type: "number", value: "3" });
    expect(byName.get("model")).toMatchObject({ type: "Sequential", value: "Sequential (2 parameter tensors, 15 values)" });
    // A tensor expands to shape/dtype/grad/requiresGrad; a module to its parameters.
    const xs = (await dap.ok("variables", { variablesReference: byName.get("x").variablesReference })).variables as any[];
    expect(xs.map((v) => v.name)).toEqual(["shape", "dtype", "requiresGrad", "grad", "gradFn", "isLeaf"]);
    expect(xs.find((v) => v.name === "dtype").value).toBe('"float32"');
    expect(xs.find((v) => v.name === "shape").value).toBe("[ 64, 784 ]");
    const ms = (await dap.ok("variables", { variablesReference: byName.get("model").variablesReference })).variables as any[];
    expect(ms.map((v) => v.name)).toEqual(["0.weight", "0.bias", "training"]);
    expect(ms[0].value).toMatch(/^tensor\[3, 4\] f32 .* requiresGrad/);
  });

  it("richInspectVariables gives the variable's MIME bundle (the tensor view, the module summary)", async () => {
    const t = await dap.ok("richInspectVariables", { variableName: "x" });
    expect(t.data["text/plain"]).toMatch(/^tensor\[64, 784\] f32/);
    expect(t.data["text/html"]).toMatch(/<svg|<div/);
    const m = await dap.ok("richInspectVariables", { variableName: "model" });
    expect(m.data["text/html"]).toMatch(/Linear/);
    expect((await dap.ok("richInspectVariables", { variableName: "not a name" })).data).toEqual({});
  });

  it("evaluate without a frame runs in the cells' context", async () => {
    const r = await dap.ok("evaluate", { expression: "count * 14", context: "repl" });
    expect(r).toMatchObject({ result: "42", type: "number" });
    const bad = await dap.request("evaluate", { expression: "nope.nope", context: "repl" });
    expect(bad.success).toBe(false);
    expect(bad.message).toMatch(/ReferenceError: nope is not defined/);
  });

  it("inspectVariables answers while a cell computes without yielding", async () => {
    let spinning!: () => void;
    const started = new Promise<void>((r) => (spinning = r));
    const run = k.client.execute("let spin = 0;\nconsole.log('spinning');\nconst until = Date.now() + 3000;\nwhile (Date.now() < until) spin++;\nspin", { timeoutMs: 60_000, onOutput: (m) => m.header.msg_type === "stream" && spinning() });
    await started;
    const variables = (await dap.ok("inspectVariables")).variables as any[];
    expect(variables.map((v) => v.name)).toEqual(expect.arrayContaining(["x", "model", "count", "spin"]));
    // Answered during the loop, not after it: the count it read was still growing.
    const seen = Number(variables.find((v) => v.name === "spin").value);
    expect(seen).toBeLessThan(Number(result((await run).outputs)));
  }, 60_000);

  it("a conditional breakpoint stops only where its condition holds", async () => {
    const code = "let hits = 0;\nfor (let j = 0; j < 10; j++) {\n  hits += j;\n}";
    const path = cellPath(code);
    await dap.ok("setBreakpoints", { source: { path }, breakpoints: [{ line: 3, condition: "j === 7" }] });
    const n = dap.events("stopped").length;
    const run = k.client.execute(code, { timeoutMs: 60_000 });
    await dap.waitForEvent("stopped", n + 1);
    const [frame] = (await dap.ok("stackTrace", { threadId: 1 })).stackFrames as any[];
    expect((await dap.ok("evaluate", { expression: "j", frameId: frame.id, context: "repl" })).result).toBe("7");
    await dap.ok("setBreakpoints", { source: { path }, breakpoints: [] });
    await dap.ok("continue", { threadId: 1 });
    expect((await run).reply.content).toMatchObject({ status: "ok" });
    expect(dap.events("stopped")).toHaveLength(n + 1);
  }, 60_000);

  it("answers malformed or misplaced debug requests with a failure that says why, and carries on", async () => {
    const send = async (content: unknown): Promise<any> => (await k.client.request("control", "debug_request", content)).reply.content;
    expect(await send({})).toMatchObject({ success: false, message: expect.stringMatching(/not a request/) });
    expect(await send({ type: "request", seq: 9, command: "__proto__", arguments: 5 })).toMatchObject({ success: false, request_seq: 9 });
    expect(await send({ type: "request", seq: 10, command: "setBreakpoints", arguments: { breakpoints: [{ line: 1 }] } })).toMatchObject({ success: false, message: "setBreakpoints: source.path is missing" });
    expect(await send({ type: "request", seq: 11, command: "scopes", arguments: { frameId: 1 } })).toMatchObject({ success: false, message: "scopes: the kernel is not stopped" });
    expect(await send({ type: "request", seq: 12, command: "variables", arguments: { variablesReference: 987654 } })).toMatchObject({ success: true, body: { variables: [] } });
    expect(await send({ type: "request", seq: 13, command: "source", arguments: { source: { path: "/no/such/file.ts" } } })).toMatchObject({ success: false, message: "source: /no/such/file.ts is not available" });
    expect(result((await k.client.execute("count + 1")).outputs)).toBe("4");
  });

  const loop = "let total = 0;\nfor (let i = 0; i < 3; i++) {\n  total += i;\n}\nconst w = randn([2, 3], { requiresGrad: true });\ntotal";

  it("stops at a breakpoint on the cell's own line while the io thread keeps serving", async () => {
    const path = cellPath(loop);
    const set = await dap.ok("setBreakpoints", { source: { path }, breakpoints: [{ line: 3 }], sourceModified: false });
    expect(set.breakpoints).toEqual([{ verified: true, line: 3, source: { path } }]);
    await dap.ok("configurationDone");
    expect((await dap.ok("debugInfo")).breakpoints).toEqual([{ source: path, breakpoints: [{ line: 3 }] }]);

    const stopsBefore = dap.events("stopped").length;
    const run = k.client.execute(loop, { timeoutMs: 60_000 });
    const stopped = await dap.waitForEvent("stopped", stopsBefore + 1);
    expect(stopped.body).toMatchObject({ reason: "breakpoint", threadId: 1, allThreadsStopped: true });
    // Paused for real: heartbeat, kernel_info and debug requests are still answered.
    expect(await k.client.ping(2000)).toBeGreaterThanOrEqual(0);
    // (No status messages around it: a busy main thread owns the execution state.)
    const { reply } = await k.client.request("control", "kernel_info_request", {}, { timeoutMs: 5000, waitForIdle: false });
    expect((reply.content as any).status).toBe("ok");
    expect((await dap.ok("debugInfo")).stoppedThreads).toEqual([1]);
    expect((await dap.ok("threads")).threads).toEqual([{ id: 1, name: "main (cells)" }]);

    const frames = (await dap.ok("stackTrace", { threadId: 1 })).stackFrames as any[];
    expect(frames[0]).toMatchObject({ name: "<cell>", line: 3, source: { path } });
    expect(frames).toHaveLength(1); // the kernel's own frames are not shown
    const scopes = (await dap.ok("scopes", { frameId: frames[0].id })).scopes as any[];
    expect(scopes.map((s) => s.name)).toContain("Globals");
    const block = scopes.find((s) => s.name === "Block");
    const locals = (await dap.ok("variables", { variablesReference: block.variablesReference })).variables as any[];
    expect(locals).toContainEqual(expect.objectContaining({ name: "i", value: "0", type: "number" }));
    expect((await dap.ok("evaluate", { expression: "total + 100", frameId: frames[0].id, context: "repl" })).result).toBe("100");

    // Continue: the loop hits the breakpoint again with i = 1.
    await dap.ok("continue", { threadId: 1 });
    await dap.waitForEvent("stopped", stopsBefore + 2);
    const f2 = (await dap.ok("stackTrace", { threadId: 1 })).stackFrames as any[];
    expect((await dap.ok("evaluate", { expression: "i", frameId: f2[0].id, context: "repl" })).result).toBe("1");

    // Clear the breakpoint and let the cell finish.
    await dap.ok("setBreakpoints", { source: { path }, breakpoints: [] });
    await dap.ok("continue", { threadId: 1 });
    const done = await run;
    expect((done.reply.content as any).status).toBe("ok");
    expect(result(done.outputs)).toBe("3");
    expect((await dap.ok("debugInfo")).stoppedThreads).toEqual([]);
  }, 90_000);

  it("shows, expands and renders the cell's own objects (the cell context's) while stopped", async () => {
    const code = "{\n  const point = { lr: 0.1, sizes: [4, 8] };\n  const t = tensor([[1, 2], [3, 4]]);\n  console.log(point, t.shape);\n}";
    const path = cellPath(code);
    await dap.ok("setBreakpoints", { source: { path }, breakpoints: [{ line: 4 }] });
    const n = dap.events("stopped").length;
    const run = k.client.execute(code, { timeoutMs: 60_000 });
    await dap.waitForEvent("stopped", n + 1);
    const [frame] = (await dap.ok("stackTrace", { threadId: 1 })).stackFrames as any[];
    const scopes = (await dap.ok("scopes", { frameId: frame.id })).scopes as any[];
    const block = (await dap.ok("variables", { variablesReference: scopes.find((x) => x.name === "Block").variablesReference })).variables as any[];
    const point = block.find((v) => v.name === "point");
    expect(point).toMatchObject({ type: "Object", value: "{ lr: 0.1, sizes: [ 4, 8 ] }" });
    const fields = (await dap.ok("variables", { variablesReference: point.variablesReference })).variables as any[];
    expect(fields.map((f) => [f.name, f.value])).toEqual([["lr", "0.1"], ["sizes", "[ 4, 8 ]"]]);
    const sizes = (await dap.ok("variables", { variablesReference: fields[1].variablesReference })).variables as any[];
    expect(sizes.map((f) => [f.name, f.value])).toEqual([["0", "4"], ["1", "8"], ["length", "2"]]);
    expect(block.find((v) => v.name === "t").value).toMatch(/^tensor\[2, 2\] f32 n=4 x∈\[1, 4\] μ=2\.5 σ=1\.29/);
    const rich = await dap.ok("richInspectVariables", { variableName: "t", frameId: frame.id });
    expect(rich.data["text/html"]).toBeDefined();
    expect((await dap.ok("evaluate", { expression: "point", frameId: frame.id, context: "hover" })).result).toBe("{ lr: 0.1, sizes: [ 4, 8 ] }");
    await dap.ok("setBreakpoints", { source: { path }, breakpoints: [] });
    await dap.ok("continue", { threadId: 1 });
    expect((await run).reply.content).toMatchObject({ status: "ok" });
  }, 90_000);

  it("steps over lines of the cell (next), into a function (stepIn) and out (stepOut)", async () => {
    const code = "function double(n: number): number {\n  const twice = n * 2;\n  return twice;\n}\nlet s = 1;\ns = double(s);\ns += 1;\ns";
    const path = cellPath(code);
    await dap.ok("setBreakpoints", { source: { path }, breakpoints: [{ line: 5 }] });
    const n = dap.events("stopped").length;
    const run = k.client.execute(code, { timeoutMs: 60_000 });
    await dap.waitForEvent("stopped", n + 1);
    const line = async (): Promise<number> => ((await dap.ok("stackTrace", { threadId: 1 })).stackFrames as any[])[0].line;
    expect(await line()).toBe(5);
    await dap.ok("next", { threadId: 1 });
    expect((await dap.waitForEvent("stopped", n + 2)).body.reason).toBe("step");
    expect(await line()).toBe(6);
    await dap.ok("stepIn", { threadId: 1 });
    await dap.waitForEvent("stopped", n + 3);
    const inner = (await dap.ok("stackTrace", { threadId: 1 })).stackFrames as any[];
    expect(inner.map((f) => [f.name, f.line])).toEqual([["double", 2], ["<cell>", 6]]);
    await dap.ok("next", { threadId: 1 });
    await dap.waitForEvent("stopped", n + 4);
    expect(((await dap.ok("stackTrace", { threadId: 1 })).stackFrames as any[]).map((f) => [f.name, f.line])).toEqual([["double", 3], ["<cell>", 6]]);
    // Out of double: the call's statement is done, so the next statement of the cell.
    await dap.ok("stepOut", { threadId: 1 });
    await dap.waitForEvent("stopped", n + 5);
    expect(await line()).toBe(7);
    await dap.ok("setBreakpoints", { source: { path }, breakpoints: [] });
    await dap.ok("continue", { threadId: 1 });
    expect(result((await run).outputs)).toBe("3");
  }, 90_000);

  it("stops in a local .ts module a cell imports, steps into the next one and into lib's TypeScript", async () => {
    const helper = join(dir, "helper.ts");
    await dap.ok("setBreakpoints", { source: { path: helper }, breakpoints: [{ line: 3 }] });
    const code = "import { triple } from './helper.js';\nconst t = tensor([1, 2]);\nconst y = triple(2);\nconst z = t.add(t);\ny";
    const n = dap.events("stopped").length;
    const run = k.client.execute(code, { timeoutMs: 60_000 });
    await dap.waitForEvent("stopped", n + 1);
    const where = async (): Promise<[string, number, string][]> => ((await dap.ok("stackTrace", { threadId: 1 })).stackFrames as any[]).map((f) => [f.name, f.line, f.source.path]);
    expect(await where()).toEqual([["triple", 3, helper], ["<cell>", 3, cellPath(code)]]);
    await dap.ok("stepIn", { threadId: 1 });
    await dap.waitForEvent("stopped", n + 2);
    expect((await where())[0]).toEqual(["scale", 1, join(dir, "scale.ts")]);
    await dap.ok("setBreakpoints", { source: { path: helper }, breakpoints: [] });
    await dap.ok("stepOut", { threadId: 1 });
    await dap.waitForEvent("stopped", n + 3);
    await dap.ok("stepOut", { threadId: 1 });
    await dap.waitForEvent("stopped", n + 4);
    expect(await where()).toEqual([["<cell>", 3, cellPath(code)]]);
    await dap.ok("next", { threadId: 1 });
    await dap.waitForEvent("stopped", n + 5);
    await dap.ok("stepIn", { threadId: 1 });
    await dap.waitForEvent("stopped", n + 6);
    const [lib] = ((await dap.ok("stackTrace", { threadId: 1 })).stackFrames as any[]);
    expect(lib.name).toBe("add");
    expect(lib.source.path).toBe(join(root, "lib", "tensor.ts"));
    const text = (await dap.ok("source", { source: lib.source })).content as string;
    expect(text.split("\n")[lib.line - 1]).toMatch(/add\(/);
    await dap.ok("continue", { threadId: 1 });
    expect(result((await run).outputs)).toBe("6");
  }, 90_000);

  it("pause stops a running loop; copyToGlobals makes a frame's variable a cell global", async () => {
    const code = "let n = 0;\nfor (;;) {\n  const local = n * 2;\n  n++;\n  if (n > 1e12) break;\n}";
    const before = dap.events("stopped").length;
    const run = k.client.execute(code, { timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 300));
    await dap.ok("pause", { threadId: 1 });
    expect((await dap.waitForEvent("stopped", before + 1)).body.reason).toBe("pause");
    const [top] = (await dap.ok("stackTrace", { threadId: 1 })).stackFrames as any[];
    expect(top.source.path).toBe(cellPath(code));
    // Step to the line after `local`'s declaration, so it is set.
    for (let i = 2; top.line !== 4 && i < 8; i++) {
      await dap.ok("next", { threadId: 1 });
      await dap.waitForEvent("stopped", before + i);
      top.line = ((await dap.ok("stackTrace", { threadId: 1 })).stackFrames as any[])[0].line;
    }
    const frames = (await dap.ok("stackTrace", { threadId: 1 })).stackFrames as any[];
    await dap.ok("copyToGlobals", { srcVariableName: "local", dstVariableName: "copied", srcFrameId: frames[0].id });
    await dap.ok("evaluate", { expression: "n = 2e12", frameId: frames[0].id, context: "repl" });
    await dap.ok("continue", { threadId: 1 });
    expect((await run).reply.content).toMatchObject({ status: "ok" });
    const copied = ((await dap.ok("inspectVariables")).variables as any[]).find((v) => v.name === "copied");
    expect(copied).toMatchObject({ type: "number" });
    expect(Number(copied.value) % 2).toBe(0);
  }, 90_000);

  it("stepping over a call stops at a breakpoint inside it, as a breakpoint", async () => {
    const code = "function inner(v: number): number {\n  return v + 1;\n}\nlet r = 0;\nr = inner(r);\nr";
    const path = cellPath(code);
    await dap.ok("setBreakpoints", { source: { path }, breakpoints: [{ line: 2 }, { line: 5 }] });
    const n = dap.events("stopped").length;
    const run = k.client.execute(code, { timeoutMs: 60_000 });
    await dap.waitForEvent("stopped", n + 1);
    await dap.ok("next", { threadId: 1 });
    expect((await dap.waitForEvent("stopped", n + 2)).body.reason).toBe("breakpoint");
    const frames = (await dap.ok("stackTrace", { threadId: 1 })).stackFrames as any[];
    expect(frames.map((f) => [f.name, f.line])).toEqual([["inner", 2], ["<cell>", 5]]);
    await dap.ok("setBreakpoints", { source: { path }, breakpoints: [] });
    await dap.ok("continue", { threadId: 1 });
    expect(result((await run).outputs)).toBe("1");
  }, 60_000);

  it("an interrupt resumes a paused cell, which ends as interrupted; the kernel keeps its state", async () => {
    const code = "let spins = 0;\nwhile (true) {\n  spins++;\n}";
    await dap.ok("setBreakpoints", { source: { path: cellPath(code) }, breakpoints: [{ line: 3 }] });
    const n = dap.events("stopped").length;
    const run = k.client.execute(code, { timeoutMs: 60_000 });
    await dap.waitForEvent("stopped", n + 1);
    await k.client.request("control", "interrupt_request", {}, { waitForIdle: false });
    const done = await run;
    expect((done.reply.content as any).ename).toBe("Interrupted");
    expect((await dap.ok("debugInfo")).stoppedThreads).toEqual([]);
    await dap.ok("setBreakpoints", { source: { path: cellPath(code) }, breakpoints: [] });
    expect(result((await k.client.execute("count")).outputs)).toBe("3");
  }, 90_000);

  it("stops where a cell raises when asked to (setExceptionBreakpoints), with the error's text", async () => {
    await dap.ok("setExceptionBreakpoints", { filters: ["raised"] });
    const code = "const m = randn([2, 3]);\nm.matmul(randn([4, 5]));";
    const n = dap.events("stopped").length;
    const run = k.client.execute(code, { timeoutMs: 60_000 });
    const stopped = await dap.waitForEvent("stopped", n + 1);
    expect(stopped.body.reason).toBe("exception");
    expect(stopped.body.text).toMatch(/matmul: shapes \[2, 3\] and \[4, 5\]/);
    const frames = (await dap.ok("stackTrace", { threadId: 1 })).stackFrames as any[];
    // The library's frame shows its TypeScript; the cell's frame its own line.
    expect(frames[0].source.path).toMatch(/\/lib\/.*\.ts$/);
    expect((await dap.ok("source", { source: frames[0].source })).content).toMatch(/cannot be multiplied/);
    expect(frames.at(-1)).toMatchObject({ name: "<cell>", line: 2, source: { path: cellPath(code) } });
    await dap.ok("setExceptionBreakpoints", { filters: [] });
    await dap.ok("continue", { threadId: 1 });
    expect((await run).reply.content).toMatchObject({ status: "error" });
  }, 90_000);

  it("uncaught exceptions: not one a try/catch in the cell catches, but the one that ends the cell", async () => {
    const code = "function parse(s: string): unknown {\n  try {\n    return JSON.parse(s);\n  } catch {\n    return null;\n  }\n}\nparse('{');\nconst bad = randn([3]).reshape([2, 2]);";
    // "raised" stops at both: first where JSON.parse throws inside the try.
    await dap.ok("setExceptionBreakpoints", { filters: ["raised"] });
    const before = dap.events("stopped").length;
    const raised = k.client.execute(code, { timeoutMs: 60_000 });
    expect((await dap.waitForEvent("stopped", before + 1)).body.text).toMatch(/SyntaxError.*JSON/);
    await dap.ok("continue", { threadId: 1 });
    expect((await dap.waitForEvent("stopped", before + 2)).body.text).toMatch(/reshape/);
    await dap.ok("continue", { threadId: 1 });
    await raised;
    await dap.ok("setExceptionBreakpoints", { filters: ["uncaught"] });
    const n = dap.events("stopped").length;
    const run = k.client.execute(code, { timeoutMs: 60_000 });
    const stopped = await dap.waitForEvent("stopped", n + 1);
    expect(stopped.body.reason).toBe("exception");
    expect(stopped.body.text).toMatch(/reshape/);
    const frames = (await dap.ok("stackTrace", { threadId: 1 })).stackFrames as any[];
    expect(frames.at(-1)).toMatchObject({ name: "<cell>", line: 9 });
    await dap.ok("setExceptionBreakpoints", { filters: [] });
    await dap.ok("continue", { threadId: 1 });
    expect((await run).reply.content).toMatchObject({ status: "error" });
    expect(dap.events("stopped")).toHaveLength(n + 1);
  }, 60_000);

  it("disconnect resumes a paused cell and stops debugging", async () => {
    const code = "let after = 0;\nafter = 41;\nafter + 1";
    await dap.ok("setBreakpoints", { source: { path: cellPath(code) }, breakpoints: [{ line: 2 }] });
    const n = dap.events("stopped").length;
    const run = k.client.execute(code, { timeoutMs: 60_000 });
    await dap.waitForEvent("stopped", n + 1);
    await dap.ok("disconnect", { restart: false, terminateDebuggee: false });
    expect(result((await run).outputs)).toBe("42");
    expect(await dap.ok("debugInfo")).toMatchObject({ isStarted: false, breakpoints: [], stoppedThreads: [] });
    // Not attached: the same cell runs through.
    expect(result((await k.client.execute(code)).outputs)).toBe("42");
  }, 90_000);
});

describe.skipIf(!built)("debugger attached late, and shutdown", () => {
  it("stops in a function a cell defined before the debugger was attached; a stopped kernel shuts down", async () => {
    const k = await startBuiltKernel();
    const dap = new DapClient(k.client);
    const early = "function area(w: number, h: number): number {\n  const a = w * h;\n  return a;\n}";
    const defined = (await k.client.execute(early)).reply.content;
    expect(defined, JSON.stringify(defined)).toMatchObject({ status: "ok" });
    const info = await dap.ok("debugInfo");
    await dap.ok("initialize");
    await dap.ok("attach");
    const earlyPath = `${info.tmpFilePrefix}${murmur2(early, info.hashSeed)}.ts`;
    await dap.ok("setBreakpoints", { source: { path: earlyPath }, breakpoints: [{ line: 3 }] });
    const call = k.client.execute("area(6, 7)");
    await dap.waitForEvent("stopped", 1);
    const frames = (await dap.ok("stackTrace", { threadId: 1 })).stackFrames as any[];
    expect(frames[0]).toMatchObject({ name: "area", line: 3, source: { path: earlyPath } });
    expect((await dap.ok("evaluate", { expression: "a", frameId: frames[0].id, context: "repl" })).result).toBe("42");
    await dap.ok("setBreakpoints", { source: { path: earlyPath }, breakpoints: [] });
    await dap.ok("continue", { threadId: 1 });
    expect(result((await call).outputs)).toBe("42");

    const code = "let stuck = 1;\nstuck = 2;";
    await dap.ok("setBreakpoints", { source: { path: `${info.tmpFilePrefix}${murmur2(code, info.hashSeed)}.ts` }, breakpoints: [{ line: 2 }] });
    void k.client.execute(code).catch(() => undefined);
    await dap.waitForEvent("stopped", 2);
    const exited = new Promise<number | null>((resolve) => k.process.once("exit", (c) => resolve(c)));
    const t0 = Date.now();
    await k.client.request("control", "shutdown_request", { restart: false }, { waitForIdle: false });
    expect(await exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(2500); // not the io thread's 3 s kill
    await k.shutdown().catch(() => undefined);
  }, 60_000);
});
