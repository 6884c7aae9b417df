// The real kernel (dist/) over real ZeroMQ sockets.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LaunchedKernel } from "../../kernel/client/launch.js";
import { built, builtClient, byType, notebookDir, result, root, startBuiltKernel, stdout } from "./kernel-harness.js";

describe.skipIf(!built)("kernel over ZeroMQ", () => {
  let k: LaunchedKernel;
  let dir: string;
  beforeAll(async () => {
    dir = notebookDir();
    k = await startBuiltKernel({ cwd: dir });
  });
  afterAll(async () => {
    await k?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it("kernel_info_reply describes a TypeScript kernel on protocol 5.3", async () => {
    const { reply } = await k.client.request("shell", "kernel_info_request", {});
    const c = reply.content as any;
    expect(c.status).toBe("ok");
    expect(c.protocol_version).toBe("5.3");
    expect(c.implementation).toBe("gradlab");
    expect(c.language_info).toMatchObject({ name: "typescript", mimetype: "text/typescript", file_extension: ".ts", pygments_lexer: "typescript", codemirror_mode: "typescript" });
    expect(c.language_info.version).toMatch(/^5\./);
    expect(reply.header.version).toBe("5.3");
  });

  it("sends execute_result for a last expression and stream for console output", async () => {
    const r = await k.client.execute("const base: number = 40;\nconsole.log('printing');\nbase + 2");
    expect((r.reply.content as any).status).toBe("ok");
    expect(stdout(r.outputs)).toBe("printing\n");
    expect(result(r.outputs)).toBe("42");
    expect(byType(r.outputs, "execute_input")).toHaveLength(1);
    // A statement has no result.
    const s = await k.client.execute("const unused = 1;");
    expect(byType(s.outputs, "execute_result")).toHaveLength(0);
  });

  it("keeps declarations across cells, lets a re-run cell redefine a name with a new type", async () => {
    await k.client.execute("let redefined = 1");
    const again = await k.client.execute("let redefined = 'now a string'; redefined.toUpperCase()");
    expect(result(again.outputs)).toBe("'NOW A STRING'");
  });

  it("reports a runtime error with the cell's own line numbers", async () => {
    const r = await k.client.execute("const ok = 1;\n\nfunction fail(): never {\n  throw new RangeError('out of range');\n}\nfail();");
    const c = r.reply.content as any;
    expect(c.status).toBe("error");
    expect(c.ename).toBe("RangeError");
    expect(c.evalue).toBe("out of range");
    const tb = (byType(r.outputs, "error")[0].content as any).traceback.join("\n");
    expect(tb).toMatch(/:4:/); // the throw is on line 4 of the cell
  });

  it("a library error's frames point at lib's TypeScript sources, and the cell's frame stays", async () => {
    const r = await k.client.execute("const a = tensor([[1, 2]]);\n\nconst b = a.matmul(a);");
    const c = r.reply.content as any;
    expect(c.evalue).toMatch(/^matmul: shapes \[1, 2\] and \[1, 2\] cannot be multiplied/);
    const tb = (byType(r.outputs, "error")[0].content as any).traceback.join("\n");
    expect(tb).toMatch(new RegExp(`${root}/lib/[\\w/.-]+\\.ts:\\d+:\\d+`));
    expect(tb).not.toContain(join(root, "dist", "lib"));
    expect(tb).toMatch(/:3:/); // the cell's line
  });

  it("reports a type error with the cell's line and column and does not run the cell", async () => {
    const r = await k.client.execute("let sideEffect = 0;\nsideEffect = 1;\nconst n: number = 'text';");
    const c = r.reply.content as any;
    expect(c.status).toBe("error");
    expect(c.evalue).toMatch(/3:7|\(3:7\)/);
    expect(result((await k.client.execute("typeof (globalThis as any).sideEffect")).outputs)).toBe("'undefined'");
  });

  it("turns type checking off with %typecheck off", async () => {
    await k.client.execute("%typecheck off");
    const r = await k.client.execute("const loose: number = 'text' as any as number; 1");
    expect((r.reply.content as any).status).toBe("ok");
    await k.client.execute("%typecheck on");
  });

  it("// @ts-nocheck at the top of a cell turns type checking off for it", async () => {
    const r = await k.client.execute("// @ts-nocheck\nconst unchecked: number = 'text';\nunchecked");
    expect((r.reply.content as any).status, JSON.stringify(r.reply.content)).toBe("ok");
    expect(result(r.outputs)).toBe("'text'");
  });

  it("%%time times what the cell awaits, and a type error keeps its own line and column under %time", async () => {
    const r = await k.client.execute("%%time\nconst slept = await new Promise<number>((res) => setTimeout(() => res(5), 120));\nslept + 1");
    expect(result(r.outputs)).toBe("6");
    const text = r.outputs.filter((m) => m.header.msg_type === "stream").map((m) => (m.content as { text: string }).text).join("");
    const wall = /Wall time: ([\d.]+) (s|ms)\n/.exec(text);
    expect(wall, text).not.toBeNull();
    expect(Number(wall![1]) * (wall![2] === "s" ? 1000 : 1)).toBeGreaterThanOrEqual(119);
    const bad = await k.client.execute("%time  const n: number = 'text';");
    expect((bad.reply.content as any).evalue).toMatch(/\(1:14\)/);
  });

  it("%%timeit times a type-checked cell per loop; a type error under %timeit keeps its line and column", async () => {
    const r = await k.client.execute("%%timeit\nconst sq = tensor([1, 2, 3]).mul(2).sum().item();");
    expect((r.reply.content as any).status, JSON.stringify(r.reply.content)).toBe("ok");
    const text = r.outputs.filter((m) => m.header.msg_type === "stream").map((m) => (m.content as { text: string }).text).join("");
    expect(text).toMatch(/^[\d.]+ (s|ms|µs|ns) ± [\d.]+ (s|ms|µs|ns) per loop \(mean ± std\. dev\. of 7 runs, [\d,]+ loops? each\)\n$/);
    const bad = await k.client.execute("%timeit  const n: number = 'text';");
    expect((bad.reply.content as any).evalue).toMatch(/\(1:16\)/);
  });

  it("supports top-level await", async () => {
    const r = await k.client.execute("const v = await new Promise<number>((res) => setTimeout(() => res(7), 10));\nv * 6");
    expect(result(r.outputs)).toBe("42");
  });

  it("display_data with transient display_id, update_display_data and clear_output", async () => {
    const r = await k.client.execute("const h = display.html('<b>1</b>', { displayId: 'd1' });\nh.update({ [Symbol.for('Jupyter.display')]: () => ({ 'text/html': '<b>2</b>' }) });\ndisplay.clear({ wait: true });");
    const [d] = byType(r.outputs, "display_data");
    expect((d.content as any).data["text/html"]).toBe("<b>1</b>");
    expect((d.content as any).transient).toEqual({ display_id: "d1" });
    const [u] = byType(r.outputs, "update_display_data");
    expect((u.content as any).data["text/html"]).toBe("<b>2</b>");
    expect((u.content as any).transient).toEqual({ display_id: "d1" });
    expect((byType(r.outputs, "clear_output")[0].content as any).wait).toBe(true);
  });

  it("a fresh cell sees the prelude (the lib API) as globals, and a Tensor shows its repr", async () => {
    await k.client.execute("%typecheck off");
    try {
      const r = await k.client.execute("const t = tensor([[1, 2], [3, 4]]);\nt.sum()");
      expect((r.reply.content as any).status, JSON.stringify(r.reply.content)).toBe("ok");
      expect(result(r.outputs)).toMatch(/tensor\(10\.\)/);
      expect(result((await k.client.execute("[typeof nn, typeof optim, typeof data]")).outputs)).toBe("[ 'object', 'object', 'object' ]");
    } finally {
      await k.client.execute("%typecheck on");
    }
  });

  // Fails while kernel/compiler declares every prelude export as `import <name> = …;`: the lib
  // exports `var` (torch.var), a reserved word, which makes that declarations file a syntax
  // error and hides every prelude name from the type checker.
  it("the prelude's names type-check in a fresh cell", async () => {
    const r = await k.client.execute("const typed = tensor([1, 2, 3]);\ntyped.shape");
    expect((r.reply.content as any).status, JSON.stringify(r.reply.content)).toBe("ok");
    expect(result(r.outputs)).toBe("[ 3 ]");
  });

  it("coalesces rapid display updates: the frontend gets few, the last one, in order with other output", async () => {
    const r = await k.client.execute("const live = display(0);\nfor (let i = 1; i <= 20000; i++) live.update(i);\nconsole.log('after');");
    const types = r.outputs.map((m) => m.header.msg_type).filter((t) => t !== "execute_input");
    const updates = byType(r.outputs, "update_display_data");
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.length).toBeLessThan(1000);
    expect((updates.at(-1)!.content as any).data["text/plain"]).toBe("20000");
    expect(types.at(-1)).toBe("stream");
    expect(types[0]).toBe("display_data");
  });

  it("shows a last expression with a display hook through it", async () => {
    const r = await k.client.execute("({ [Symbol.for('Jupyter.display')]() { return { 'image/svg+xml': '<svg/>' }; } })");
    expect((byType(r.outputs, "execute_result")[0].content as any).data["image/svg+xml"]).toBe("<svg/>");
  });

  it("a display whose hook settles after the cell's code finished arrives before the cell's idle", async () => {
    const r = await k.client.execute('display({ [Symbol.for("Jupyter.display")]: () => new Promise(r => setTimeout(() => r({ "text/plain": "late" }), 300)) })');
    expect((r.reply.content as any).status, JSON.stringify(r.reply.content)).toBe("ok");
    const shown = byType(r.outputs, "display_data");
    expect(shown).toHaveLength(1);
    expect((shown[0].content as any).data["text/plain"]).toBe("late");
  });

  it("comms: frontend opens a comm to a registered target, messages go both ways, comm_info lists it", async () => {
    const reg = await k.client.execute("comms.registerTarget('echo', (comm, data) => { comm.onMsg((d) => comm.send({ echoed: d.value, opened: data.hello })); });");
    expect((reg.reply.content as any).status, JSON.stringify(reg.reply.content)).toBe("ok");
    const open = await k.client.request("shell", "comm_open", { comm_id: "comm-1", target_name: "echo", data: { hello: "there" } }, { waitForIdle: false, timeoutMs: 200 }).catch(() => null);
    expect(open).toBe(null); // comm_open has no reply
    const replies: any[] = [];
    const waitMsg = new Promise<void>((resolve) => {
      const t = setInterval(() => {
        const got = k.client.iopubLog.filter((m) => m.header.msg_type === "comm_msg");
        if (got.length > 0) {
          replies.push(...got.map((m) => m.content));
          clearInterval(t);
          resolve();
        }
      }, 10);
    });
    k.client.send("shell", "comm_msg", { comm_id: "comm-1", data: { value: 5 } });
    await waitMsg;
    expect(replies[0]).toEqual({ comm_id: "comm-1", data: { echoed: 5, opened: "there" } });
    const info = await k.client.request("shell", "comm_info_request", { target_name: "echo" });
    expect((info.reply.content as any).comms).toEqual({ "comm-1": { target_name: "echo" } });
    k.client.send("shell", "comm_close", { comm_id: "comm-1", data: {} });
    const after = await k.client.request("shell", "comm_info_request", {});
    expect((after.reply.content as any).comms).toEqual({});
  });

  it("a kernel-opened comm sends comm_open on iopub; the registry is also at Symbol.for('gradlab.comms')", async () => {
    const same = await k.client.execute("(globalThis as any)[Symbol.for('gradlab.comms')] === comms");
    expect(result(same.outputs)).toBe("true");
    const r = await k.client.execute("const c = comms.open('gradlab.test', { n: 1 }); c.send({ n: 2 }); c.close();");
    expect(r.outputs.map((m) => m.header.msg_type)).toEqual(expect.arrayContaining(["comm_open", "comm_msg", "comm_close"]));
    expect((byType(r.outputs, "comm_open")[0].content as any).target_name).toBe("gradlab.test");
  });

  it("input_request: prompt() blocks until the frontend replies on stdin", async () => {
    k.client.onInput = (p) => `answer to ${p}`;
    const r = await k.client.execute("const name = prompt('who?');\nname");
    expect(result(r.outputs)).toBe("'answer to who?'");
    const refused = await k.client.execute("input('x')", { allowStdin: false });
    expect((refused.reply.content as any).evalue).toMatch(/allow_stdin is false/);
  });

  it("imports Node built-ins, ESM-only and CommonJS packages from the notebook's node_modules, and local .ts files", async () => {
    const r = await k.client.execute(
      "import { join } from 'node:path';\nimport { greet } from 'esm-only';\nimport { add, kind } from 'cjs-pkg';\nimport { triple } from './helper.js';\n[join('a', 'b'), greet('x'), add(1, 2), kind, triple(5)]",
    );
    expect((r.reply.content as any).status, JSON.stringify(r.reply.content)).toBe("ok");
    expect(result(r.outputs)).toBe("[ 'a/b', 'hello x', 3, 'cjs', 15 ]");
  });

  it("a type error inside an imported local .ts file is the cell's TSError and the cell does not run", async () => {
    writeFileSync(join(dir, "typeerr.ts"), "export const fine = 1;\nexport const bad: number = \"str\";\n");
    const r = await k.client.execute("import { fine } from './typeerr.ts';\nconsole.log('ran', fine);");
    const c = r.reply.content as any;
    expect(c.status).toBe("error");
    expect(c.ename).toBe("TSError");
    expect(c.evalue).toContain("typeerr.ts:2:14");
    expect(stdout(r.outputs)).toBe("");
  });

  it("complete, inspect, is_complete and history answer", async () => {
    const c = await k.client.request("shell", "complete_request", { code: "Math.fl", cursor_pos: 7 });
    expect((c.reply.content as any).matches).toContain("floor");
    const i = await k.client.request("shell", "inspect_request", { code: "Math.floor", cursor_pos: 10, detail_level: 0 });
    expect((i.reply.content as any).found).toBe(true);
    expect((i.reply.content as any).data["text/plain"]).toMatch(/floor/);
    // Documentation of the ES library and of the prelude (the kernel starts from the
    // comment-free type bundles: inspect switches them to their documented text).
    expect((i.reply.content as any).data["text/plain"]).toContain("Returns the greatest integer less than or equal to its numeric argument.");
    const t = await k.client.request("shell", "inspect_request", { code: "tensor([1])", cursor_pos: 3, detail_level: 0 });
    expect((t.reply.content as any).data["text/plain"]).toMatch(/^tensor\(data: /);
    expect((t.reply.content as any).data["text/plain"]).toContain("A tensor holding a copy of `data`");
    const ic = await k.client.request("shell", "is_complete_request", { code: "for (;;) {" });
    expect((ic.reply.content as any).status).toBe("incomplete");
    await k.client.execute("const searchable = 'history';");
    const h = await k.client.request("shell", "history_request", { hist_access_type: "search", pattern: "const searchabl?*", output: false, raw: true });
    expect((h.reply.content as any).history.map((r: any) => r[2])).toEqual(["const searchable = 'history';"]);
  });

  it("stop_on_error aborts execute_requests queued behind a failing cell", async () => {
    const first = k.client.execute("await new Promise((r) => setTimeout(r, 200)); throw new Error('stop here')");
    const second = k.client.execute("console.log('must not run')");
    const third = k.client.execute("1");
    const [a, b, c] = await Promise.all([first, second, third]);
    expect((a.reply.content as any).status).toBe("error");
    expect((b.reply.content as any).status).toBe("aborted");
    expect((c.reply.content as any).status).toBe("aborted");
    expect(stdout(b.outputs)).toBe("");
    const later = await k.client.execute("2");
    expect(result(later.outputs)).toBe("2");
  });

  it("cells queued behind a running one (run all) are checked against its declarations while it runs", async () => {
    // Each cell uses what the one before it declares, and one has a type error only the
    // declarations before it reveal: a check against a stale context would answer otherwise.
    const cells = [
      "const q1: number = 20; await new Promise((r) => setTimeout(r, 150));",
      "const q2 = q1 * 2; await new Promise((r) => setTimeout(r, 50));",
      "const q3: string = `${q2 + 2}`;",
      "q3.length + q2",
      "const q5: number = q3;",
    ];
    const replies = await Promise.all(cells.map((c) => k.client.execute(c, { stopOnError: false })));
    expect(replies.slice(0, 4).map((r) => (r.reply.content as any).status)).toEqual(["ok", "ok", "ok", "ok"]);
    expect(result(replies[3]!.outputs)).toBe("42");
    const bad = replies[4]!.reply.content as any;
    expect(bad.status).toBe("error");
    expect(bad.evalue).toContain("Type 'string' is not assignable to type 'number'");
  });

  it("an execute_request naming the request it runs after runs only if that one succeeded", async () => {
    const failing = k.client.request("shell", "execute_request", { code: "throw new Error('first fails')", silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: false }, { msgId: "gradlab-test-first" });
    const after = k.client.execute("console.log('must not run')", { metadata: { gradlab: { after: "gradlab-test-first" } }, msgId: "gradlab-test-second" });
    const chained = k.client.execute("console.log('nor this')", { metadata: { gradlab: { after: "gradlab-test-second" } } });
    const [a, b, c] = await Promise.all([failing, after, chained]);
    expect((a.reply.content as any).status).toBe("error");
    expect((b.reply.content as any).status).toBe("aborted");
    expect((c.reply.content as any).status).toBe("aborted");
    expect(stdout(b.outputs) + stdout(c.outputs)).toBe("");
    const ok = k.client.execute("const afterOk = 1;", { msgId: "gradlab-test-third" });
    const runs = k.client.execute("afterOk + 1", { metadata: { gradlab: { after: "gradlab-test-third" } } });
    expect(result((await runs).outputs)).toBe("2");
    expect(((await ok).reply.content as any).status).toBe("ok");
    // a request it does not come right after (here: none of this session's) is not run either
    const stray = await k.client.execute("console.log('stray')", { metadata: { gradlab: { after: "gradlab-test-first" } } });
    expect((stray.reply.content as any).status).toBe("aborted");
  });

  it("a busy synchronous loop streams console.log and display updates while it runs, heartbeat answers, interrupt (message) stops it within 1 s with state intact", async () => {
    await k.client.execute("const before = 'kept';");
    const arrivals: string[] = [];
    const running = k.client.execute(
      "let last = 0; const h = display('start');\nwhile (true) { const now = Date.now(); if (now - last > 100) { last = now; console.log('tick'); h.update(now); } }",
      { onOutput: (m) => arrivals.push(m.header.msg_type) },
    );
    // The loop never ends by itself: whatever arrives before the interrupt below was sent while
    // it ran. Waiting for it (not for a fixed time) keeps this true on a loaded machine.
    const ticks = () => arrivals.filter((t) => t === "stream").length;
    for (const end = performance.now() + 30_000; (ticks() < 3 || !arrivals.includes("update_display_data")) && performance.now() < end; ) await new Promise((r) => setTimeout(r, 20));
    expect(ticks()).toBeGreaterThanOrEqual(3);
    expect(arrivals).toContain("update_display_data");
    expect(await k.client.ping(10_000)).toBeLessThan(10_000);
    // kernel_info is answered by the io thread even while the cell blocks the main thread.
    const info = await k.client.request("shell", "kernel_info_request", {}, { waitForIdle: false, timeoutMs: 10_000 });
    expect((info.reply.content as any).implementation).toBe("gradlab");
    const ti = performance.now();
    await k.client.request("control", "interrupt_request", {}, { waitForIdle: false, timeoutMs: 1000 });
    const r = await running;
    expect(performance.now() - ti).toBeLessThan(1000);
    expect((r.reply.content as any).ename).toBe("Interrupted");
    expect(result((await k.client.execute("before")).outputs)).toBe("'kept'");
  });

  it("interrupt (message) stops a synchronous loop that runs after an await, keeping state", async () => {
    const loop = k.client.execute("await new Promise((r) => setTimeout(r, 10));\nlet spins = 0;\nwhile (true) { spins++; }");
    await new Promise((r) => setTimeout(r, 400));
    const t = performance.now();
    await k.client.request("control", "interrupt_request", {}, { waitForIdle: false, timeoutMs: 1000 });
    expect(((await loop).reply.content as any).ename).toBe("Interrupted");
    expect(performance.now() - t).toBeLessThan(1000);
    expect(result((await k.client.execute("before.length")).outputs)).toBe("4");
    expect(result((await k.client.execute("await new Promise((r) => setTimeout(() => r('timers work'), 5))")).outputs)).toBe("'timers work'");
  });

  it("interrupt_mode signal: SIGINT stops a synchronous loop and an await within 1 s", async () => {
    const loop = k.client.execute("while (true) {}");
    await new Promise((r) => setTimeout(r, 300));
    let t = performance.now();
    k.process.kill("SIGINT");
    expect(((await loop).reply.content as any).ename).toBe("Interrupted");
    expect(performance.now() - t).toBeLessThan(1000);
    const wait = k.client.execute("await new Promise(() => {})");
    await new Promise((r) => setTimeout(r, 300));
    t = performance.now();
    k.process.kill("SIGINT");
    expect(((await wait).reply.content as any).ename).toBe("Interrupted");
    expect(performance.now() - t).toBeLessThan(1000);
    expect(result((await k.client.execute("before + '!'")).outputs)).toBe("'kept!'");
  });
});

describe.skipIf(!built)("kernel shutdown", () => {
  it("shutdown_request (restart) replies, goes idle and exits; a new kernel starts", async () => {
    const k = await startBuiltKernel({ env: { GRADLAB_PRELUDE: "none" } });
    try {
      await k.client.execute("1");
      const exited = new Promise<number | null>((r) => k.process.once("exit", (code) => r(code)));
      const r = await k.client.request("control", "shutdown_request", { restart: true }, { waitForIdle: false });
      expect(r.reply.content).toEqual({ status: "ok", restart: true });
      expect(await exited).toBe(0);
    } finally {
      await k.shutdown();
    }
    const k2 = await startBuiltKernel({ env: { GRADLAB_PRELUDE: "none" } });
    try {
      expect(result((await k2.client.execute("1 + 1")).outputs)).toBe("2");
    } finally {
      await k2.shutdown();
    }
  });

  it("history persists across restarts in $JUPYTER_DATA_DIR, one session per start", async () => {
    const data = mkdtempSync(join(tmpdir(), "gradlab-history-"));
    const env = { GRADLAB_PRELUDE: "none", JUPYTER_DATA_DIR: data };
    const a = await startBuiltKernel({ env });
    await a.client.execute("'from the first run'");
    await a.shutdown();
    const b = await startBuiltKernel({ env });
    try {
      await b.client.execute("'from the second run'");
      const h = await b.client.request("shell", "history_request", { hist_access_type: "tail", n: 2, output: true, raw: true });
      const rows = (h.reply.content as any).history;
      expect(rows.map((r: any) => r[2][0])).toEqual(["'from the first run'", "'from the second run'"]);
      expect(rows[1][0]).toBe(rows[0][0] + 1);
      expect(rows[0][2][1]).toBe("'from the first run'");
      const range = await b.client.request("shell", "history_request", { hist_access_type: "range", session: -1, start: 1, stop: null, output: false, raw: true });
      expect((range.reply.content as any).history.map((r: any) => r[2])).toEqual(["'from the first run'"]);
    } finally {
      await b.shutdown();
      rmSync(data, { recursive: true, force: true });
    }
  });

  it("exits when the process that started it dies (no orphaned kernels)", async () => {
    const { spawn } = await import("node:child_process");
    // A parent shell starts the kernel in the background and dies; the kernel is re-parented.
    const { newConnectionInfo } = (await import(builtClient)) as typeof import("../../kernel/client/launch.js");
    const info = await newConnectionInfo();
    const dir = mkdtempSync(join(tmpdir(), "gradlab-orphan-"));
    const file = join(dir, "c.json");
    (await import("node:fs")).writeFileSync(file, JSON.stringify(info));
    const bin = join(root, "bin", "gradlab.js");
    const sh = spawn("/bin/sh", ["-c", `"${process.execPath}" "${bin}" kernel --connection-file "${file}" >/dev/null 2>&1 & echo $!; sleep 1`], { env: { ...process.env, GRADLAB_PRELUDE: "none" } });
    let out = "";
    sh.stdout.on("data", (d) => (out += d));
    await new Promise((r) => sh.once("exit", r));
    const pid = Number(out.trim());
    expect(pid).toBeGreaterThan(0);
    const alive = (): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 10_000;
    while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const stillAlive = alive();
    if (stillAlive) process.kill(pid, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    expect(stillAlive).toBe(false);
  });

  it("shutdown works while a cell is stuck in a synchronous loop", async () => {
    const k = await startBuiltKernel({ env: { GRADLAB_PRELUDE: "none" } });
    try {
      await k.client.execute("1"); // start-up finished: the loop below really runs
      void k.client.execute("while (true) {}").catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
      const exited = new Promise<void>((r) => k.process.once("exit", () => r()));
      const t = performance.now();
      await k.client.request("control", "shutdown_request", { restart: false }, { waitForIdle: false });
      await exited;
      expect(performance.now() - t).toBeLessThan(2000);
    } finally {
      await k.shutdown();
    }
  });
});
