// Fault injection against the real kernel process over real ZeroMQ: each fault a learner
// meets (an interrupt mid-way, a bad number, a runaway cell, a hostile client) is tried
// many times, and after each the next cell must work with the session's state kept.
// Counts are logged as "tried / survived / state kept" (README, "Reliability").
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LaunchedKernel } from "../../kernel/client/launch.js";
import { built, result, startBuiltKernel, stdout } from "./kernel-harness.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const status = (r: { reply: { content: unknown } }): string => (r.reply.content as { status: string }).status;
const ename = (r: { reply: { content: unknown } }): string | undefined => (r.reply.content as { ename?: string }).ename;
const evalue = (r: { reply: { content: unknown } }): string => String((r.reply.content as { evalue?: string }).evalue);

function report(what: string, tried: number, survived: number, kept: number): void {
  console.log(`[reliability] ${what}: ${tried} tried / ${survived} survived / ${kept} state kept`);
}

/** A kernel for one describe block's tests: started (and `setup` run) before them, shut down after. */
function kernelForBlock(setup?: string): () => LaunchedKernel {
  let k: LaunchedKernel;
  beforeAll(async () => {
    k = await startBuiltKernel();
    if (setup !== undefined) expect(status(await k.client.execute(setup))).toBe("ok");
  }, 60_000);
  afterAll(async () => {
    await k?.shutdown();
  });
  return () => k;
}

describe.skipIf(!built)("reliability: interrupted cells leave no library state half-changed", () => {
  const kernel = kernelForBlock(
    [
      "manualSeed(0);",
      "const model = new nn.Linear(8, 1);",
      "const opt = new optim.SGD(model.parameters(), { lr: 0.01 });",
      "const x = randn([16, 8]); const y = randn([16, 1]);",
      "const kept = 'kept';",
      // A training step that spends most of its time inside noGrad, as optimizers do.
      "function step(): number { const loss = F.mseLoss(model.forward(x), y); opt.zeroGrad(); loss.backward(); noGrad(() => { const t = Date.now(); while (Date.now() - t < 3) {} }); opt.step(); return loss.item(); }",
    ].join("\n"),
  );

  it("20/20 interrupted training loops (sync and with awaits) are followed by a training cell that works", async () => {
    const k = kernel();
    let survived = 0;
    let kept = 0;
    const tried = 20;
    for (let i = 0; i < tried; i++) {
      const code = i % 2 === 0 ? "for (;;) step();" : "for (;;) { await null; step(); }";
      const loop = k.client.execute(code, { timeoutMs: 10_000 });
      await sleep(150 + (i % 5) * 20);
      await k.client.request("control", "interrupt_request", {}, { waitForIdle: false, timeoutMs: 2000 });
      const r = await loop.catch((e: Error) => ({ reply: { content: { ename: e.message } }, outputs: [] }));
      expect(ename(r), `loop ${i}: ${evalue(r)}`).toBe("Interrupted");
      const after = await k.client.execute("isGradEnabled() + ' ' + Number.isFinite(step()) + ' ' + kept");
      if (status(after) === "ok") survived++;
      if (result(after.outputs) === "'true true kept'") kept++;
    }
    report("interrupted training loops", tried, survived, kept);
    expect(kept).toBe(tried);
  }, 120_000);

  it("an interrupted loop logging to a Live display leaves it showing its last values, marked stopped", async () => {
    const k = kernel();
    // A Live display logged after its last drawn update shows the values it was stopped at.
    const r2 = k.client.execute("const live = new Live({ every: 1e9 }); let n = 0; for (;;) { live.log({ loss: ++n }); }");
    await sleep(300);
    await k.client.request("control", "interrupt_request", {}, { waitForIdle: false, timeoutMs: 2000 });
    const done = await r2;
    expect(ename(done)).toBe("Interrupted");
    const drawn = done.outputs.filter((m) => m.header.msg_type === "update_display_data").map((m) => String((m.content as any).data["text/plain"]));
    expect(drawn.at(-1)).toMatch(/stopped/);
    expect(result((await k.client.execute("Number.isFinite(step())")).outputs)).toBe("true");
  }, 60_000);
});

describe.skipIf(!built)("reliability: non-finite numbers are caught where they start", () => {
  const kernel = kernelForBlock();

  it("backward of a loss with an Inf term gives PyTorch's gradients, not NaN everywhere", async () => {
    const k = kernel();
    const r = await k.client.execute("const a = tensor([1, -1, 0], { requiresGrad: true });\na.log().sum().backward();\na.grad!.toArray()");
    expect(result(r.outputs)).toBe("[ 1, -1, Infinity ]");
  });

  it("anomaly mode names the op, the input shapes and the cell line of the forward, in both directions", async () => {
    const k = kernel();
    const fwd = await k.client.execute("const w = tensor([[0, 4]], { requiresGrad: true });\n\ndetectAnomaly(() => w.log())");
    expect(ename(fwd)).toBe("AnomalyError");
    expect(evalue(fwd)).toMatch(/^log produced -Inf in its forward output from finite inputs \(\[1, 2\] float32\); forward called at cell-\d+\.ts:3:/);
    const bwd = await k.client.execute("setDetectAnomaly(true);\nconst s = w.sqrt().sum();");
    expect(status(bwd)).toBe("ok");
    const later = await k.client.execute("s.backward()");
    expect(ename(later)).toBe("AnomalyError");
    expect(evalue(later)).toMatch(/^SqrtBackward returned Inf in its gradient for input 0 \(inputs: \[1, 2\] float32\); the forward of sqrt was called at cell-\d+\.ts:2:/);
    // An interrupt inside detectAnomaly leaves the mode as it was before it.
    await k.client.execute("setDetectAnomaly(false)");
    const loop = k.client.execute("detectAnomaly(() => { for (;;) w.mul(2); })");
    await sleep(300);
    await k.client.request("control", "interrupt_request", {}, { waitForIdle: false, timeoutMs: 2000 });
    expect(ename(await loop)).toBe("Interrupted");
    expect(result((await k.client.execute("isAnomalyEnabled()")).outputs)).toBe("false");
  });

  it("a Live display warns when a logged metric becomes NaN; clipGradNorm says its norm is non-finite", async () => {
    const k = kernel();
    const r = await k.client.execute("const lv = new Live({ every: 1e9 });\nlv.log({ loss: 1 }); lv.log({ loss: NaN }); lv.log({ loss: 2 });");
    const shown = r.outputs.filter((m) => m.header.msg_type === "update_display_data" || m.header.msg_type === "display_data").map((m) => String((m.content as any).data["text/html"]));
    expect(shown.at(-1)).toMatch(/loss became NaN at step 2: training has diverged/);
    const c = await k.client.execute("const p = tensor([1, 2], { requiresGrad: true }); p.grad = tensor([NaN, 1]);\nclipGradNorm([p], 1, { errorIfNonfinite: true })");
    expect(evalue(c)).toMatch(/non-finite \(NaN\); parameter 0 \(shape \[2\]\) has a non-finite gradient/);
    const warned = await k.client.execute("clipGradNorm([p], 1)");
    expect(String((warned.outputs.find((m) => m.header.msg_type === "stream")?.content as any)?.text)).toMatch(/clipGradNorm: the total norm .* non-finite/);
  });
});

describe.skipIf(!built)("reliability: interrupt and shutdown right after start-up", () => {
  /** A kernel whose start-up reads a large history.jsonl on the main thread (the window is wide). */
  async function startWithHistory(lines = 10_000): Promise<{ k: LaunchedKernel; dir: string }> {
    const dir = mkdtempSync(join(tmpdir(), "gradlab-rel-"));
    mkdirSync(join(dir, "gradlab"));
    const line = JSON.stringify({ s: 1, l: 1, i: "x".repeat(2000), o: null });
    writeFileSync(join(dir, "gradlab", "history.jsonl"), `${line}\n`.repeat(lines));
    const k = await startBuiltKernel({ env: { JUPYTER_DATA_DIR: dir } });
    return { k, dir };
  }

  it("10/10 first cells that loop are interrupted by an interrupt sent right after kernel_info", async () => {
    const tried = 10;
    let survived = 0;
    let kept = 0;
    for (let i = 0; i < tried; i++) {
      const { k, dir } = await startWithHistory();
      try {
        const loop = k.client.execute("const early = 'kept'; while (true) {}", { timeoutMs: 8000 });
        await sleep(i * 10);
        await k.client.request("control", "interrupt_request", {}, { waitForIdle: false, timeoutMs: 5000 });
        const r = await loop.catch((e: Error) => ({ reply: { content: { ename: e.message } }, outputs: [] }));
        if (ename(r) === "Interrupted") survived++;
        else console.log(`[reliability] start-up interrupt ${i} not stopped (${ename(r)}): ${k.stderr().slice(-500)}`);
        const next = await k.client.execute("1 + 1", { timeoutMs: 10_000 }).catch(() => null);
        if (next !== null && result(next.outputs) === "2") kept++;
      } finally {
        await k.shutdown();
        rmSync(dir, { recursive: true, force: true });
      }
    }
    report("interrupts right after start-up", tried, survived, kept);
    expect(survived).toBe(tried);
    expect(kept).toBe(tried);
  }, 300_000);

  it("10/10 shutdowns exit within 2 s, whatever the main thread is doing", async () => {
    const tried = 10;
    let exited = 0;
    const times: number[] = [];
    for (let i = 0; i < tried; i++) {
      const { k, dir } = await startWithHistory(25_000);
      try {
        // Half with a first cell looping, half with one looping after an await.
        void k.client.execute(i % 2 === 0 ? "while (true) {}" : "await null; while (true) {}", { timeoutMs: 15_000 }).catch(() => undefined);
        await sleep(i * 5);
        const gone = new Promise<void>((r) => (k.process.exitCode !== null || k.process.signalCode !== null ? r() : k.process.once("exit", () => r())));
        const t0 = performance.now();
        k.client.send("control", "shutdown_request", { restart: false });
        const done = await Promise.race([gone.then(() => true), sleep(2000).then(() => false)]);
        times.push(performance.now() - t0);
        if (done) exited++;
      } finally {
        k.process.kill("SIGKILL");
        await k.shutdown();
        rmSync(dir, { recursive: true, force: true });
      }
    }
    report(`shutdowns exited within 2 s (slowest ${Math.round(Math.max(...times))} ms)`, tried, exited, exited);
    expect(exited).toBe(tried);
  }, 300_000);
});

describe.skipIf(!built)("reliability: binary routing identities", () => {
  const kernel = kernelForBlock();

  it("clients with random binary identities get every reply on every channel (shell, control, stdin)", async () => {
    const k = kernel();
    const zmq = await import("zeromq");
    const { endpoint } = await import("../../kernel/transport/connection.js");
    const { Signer } = await import("../../kernel/transport/signing.js");
    const { encode, decode } = await import("../../kernel/transport/wire.js");
    const { makeHeader } = await import("../../kernel/transport/message.js");
    const { randomBytes, randomUUID } = await import("node:crypto");
    const signer = new Signer(k.info.key);
    const tried = 20;
    let answered = 0;
    for (let i = 0; i < tried; i++) {
      // libzmq's own identities start with a zero byte; these are arbitrary bytes, mostly >= 0x80
      // (zeromq.js takes a Buffer as routingId although its types say string).
      const id = randomBytes(5 + (i % 12));
      const session = randomUUID();
      const shell = new zmq.Dealer({ routingId: id as unknown as string, linger: 0, receiveTimeout: 10_000 });
      const control = new zmq.Dealer({ routingId: id as unknown as string, linger: 0, receiveTimeout: 10_000 });
      const stdin = new zmq.Dealer({ routingId: id as unknown as string, linger: 0, receiveTimeout: 10_000 });
      shell.connect(endpoint(k.info, "shell"));
      control.connect(endpoint(k.info, "control"));
      stdin.connect(endpoint(k.info, "stdin"));
      const send = (sock: InstanceType<typeof zmq.Dealer>, type: string, content: unknown, parent = {}) => {
        const header = makeHeader(type, session);
        void sock.send(encode({ header, parent_header: parent, metadata: {}, content }, signer));
        return header;
      };
      // receiveTimeout: a reply that never comes rejects, then null (no receive left pending at close).
      const receive = async (sock: InstanceType<typeof zmq.Dealer>, type: string): Promise<any> => {
        for (;;) {
          const m = decode(await sock.receive(), signer);
          if (m.header.msg_type === type) return m;
        }
      };
      const within = <T>(p: Promise<T>): Promise<T | null> => p.catch(() => null);
      try {
        send(control, "kernel_info_request", {});
        const info = await within(receive(control, "kernel_info_reply"));
        send(shell, "execute_request", { code: `const answer${i} = prompt("name?"); answer${i}.length`, silent: false, store_history: true, user_expressions: {}, allow_stdin: true, stop_on_error: true });
        const ask = await within(receive(stdin, "input_request"));
        if (ask !== null) send(stdin, "input_reply", { value: "ada" }, ask.header);
        const reply = await within(receive(shell, "execute_reply"));
        send(control, "interrupt_request", {});
        const intr = await within(receive(control, "interrupt_reply"));
        if (info !== null && ask !== null && reply?.content.status === "ok" && intr !== null) answered++;
      } finally {
        for (const s of [shell, control, stdin]) s.close();
      }
    }
    report("clients with binary routing identities", tried, answered, answered);
    expect(answered).toBe(tried);
  }, 300_000);
});

describe.skipIf(!built)("reliability: smaller holes", () => {
  const kernel = kernelForBlock("const keep = 'kept';");

  it("setNumThreads above 4 per core is refused and changes nothing; process._kill is stopped", async () => {
    const k = kernel();
    const r = await k.client.execute("const before = JSON.stringify(getBackendInfo());\nlet refused = '';\ntry { setNumThreads(100000); } catch (e) { refused = String(e); }\n[refused.includes('per core'), JSON.stringify(getBackendInfo()) === before].join()");
    expect(result(r.outputs)).toBe("'true,true'");
    const kill = await k.client.execute("(process as any)._kill(process.pid, 9)");
    expect(ename(kill)).toBe("SystemExit");
    expect(result((await k.client.execute("keep")).outputs)).toBe("'kept'");
  });

  it("a request nested 5,000 deep is answered with an error, and the kernel carries on", async () => {
    const k = kernel();
    const { encode } = await import("../../kernel/transport/wire.js");
    const { makeHeader } = await import("../../kernel/transport/message.js");
    const deep = `${'{"d":'.repeat(5000)}{}${"}".repeat(5000)}`;
    const header = makeHeader("execute_request", k.client.session);
    const replied = new Promise<boolean>((resolve) => {
      const t0 = Date.now();
      const poll = setInterval(() => {
        // Replies to requests the client did not make go nowhere: watch iopub for its idle.
        const idle = k.client.iopubLog.some((m) => m.parent_header.msg_id === header.msg_id && (m.content as any).execution_state === "idle");
        if (idle || Date.now() - t0 > 10_000) {
          clearInterval(poll);
          resolve(idle);
        }
      }, 50);
    });
    await k.client.sendRaw("shell", encode({ header, parent_header: {}, metadata: {}, metadataJson: deep, content: { code: "1", silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: false } }, k.client.signer));
    expect(await replied, k.stderr()).toBe(true);
    expect(result((await k.client.execute("keep")).outputs)).toBe("'kept'");
  });

  it("output during and after a control-channel execute carries the parent of the cell that produced it", async () => {
    const k = kernel();
    const tried = 5;
    let right = 0;
    for (let i = 0; i < tried; i++) {
      // The shell cell prints while the control cell awaits, and after the control cell is done.
      const shell = k.client.execute("for (let i = 0; i < 12; i++) { console.log('shell-' + i); await new Promise((r) => setTimeout(r, 40)); }");
      await sleep(100);
      const control = await k.client.request("control", "execute_request", { code: "console.log('control-before');\nawait new Promise((r) => setTimeout(r, 200));\nconsole.log('control-after');\n7", silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: false });
      const r = await shell;
      const shellText = stdout(r.outputs);
      const ok =
        status(control) === "ok" &&
        stdout(control.outputs) === "control-before\ncontrol-after\n" &&
        result(control.outputs) === "7" &&
        shellText === Array.from({ length: 12 }, (_, j) => `shell-${j}\n`).join("");
      if (ok) right++;
      else console.log(`[reliability] control execute ${i}: shell got ${JSON.stringify(shellText)}, control got ${JSON.stringify(stdout(control.outputs))} ${result(control.outputs)}`);
    }
    report("control-channel executes beside a printing shell cell", tried, right, right);
    expect(right).toBe(tried);
    expect(result((await k.client.execute("keep")).outputs)).toBe("'kept'");
  }, 60_000);

  it("msg_types named like Object.prototype members are ignored, not called", async () => {
    const k = kernel();
    for (const t of ["constructor", "__defineSetter__", "toString", "hasOwnProperty"]) k.client.send("shell", t, {});
    await sleep(300);
    expect(result((await k.client.execute("keep")).outputs)).toBe("'kept'");
    expect(k.stderr()).toMatch(/ignoring unsupported shell message constructor/);
  });
});

describe.skipIf(!built)("reliability: displaying a huge result", () => {
  const kernel = kernelForBlock("const keep = 'kept';");

  it("an interrupt stops a display hook that never returns; 10/10 times the next cell works", async () => {
    const k = kernel();
    const tried = 10;
    let stopped = 0;
    let kept = 0;
    for (let i = 0; i < tried; i++) {
      const r = k.client.execute(`({ [Symbol.for("Jupyter.display")]() { for (;;) {} } })`, { timeoutMs: 10_000 });
      await sleep(300);
      await k.client.request("control", "interrupt_request", {}, { waitForIdle: false, timeoutMs: 2000 });
      const done = await r.catch((e: Error) => ({ reply: { content: { ename: e.message } }, outputs: [] }));
      if (ename(done) === "Interrupted") stopped++;
      if (result((await k.client.execute("keep")).outputs) === "'kept'") kept++;
    }
    report("interrupted displays", tried, stopped, kept);
    expect(stopped).toBe(tried);
  }, 120_000);

  it("zeros([1e8]) as the last expression shows its summary (stats in one pass)", async () => {
    const k = kernel();
    const t0 = performance.now();
    const r = await k.client.execute("zeros([1e8])", { timeoutMs: 60_000 });
    console.log(`[reliability] zeros([1e8]) displayed in ${Math.round(performance.now() - t0)} ms`);
    expect(String(result(r.outputs))).toMatch(/^tensor\[100000000\] f32 n=100,000,000 x∈\[0, 0\] μ=0 σ=0 zeros=100,000,000/);
    expect(result((await k.client.execute("keep")).outputs)).toBe("'kept'");
  }, 120_000);
});

describe.skipIf(!built)("reliability: the memory budget", () => {
  it("a cell growing past GRADLAB_MAX_MEMORY fails with a MemoryError; the kernel and earlier variables live", async () => {
    const k = await startBuiltKernel({ env: { GRADLAB_MAX_MEMORY: "1G" } });
    try {
      await k.client.execute("const early = 'kept';");
      const tried = 3;
      let survived = 0;
      let kept = 0;
      for (let i = 0; i < tried; i++) {
        const r = await k.client.execute("const hog: Float64Array[] = []; for (;;) hog.push(new Float64Array(1e7).fill(1));", { timeoutMs: 60_000 });
        if (ename(r) === "MemoryError" && /^cell used [\d.]+ GB of the kernel's 1\.0 GB budget/.test(evalue(r))) survived++;
        if (result((await k.client.execute("early")).outputs) === "'kept'") kept++;
      }
      report("cells past the memory budget", tried, survived, kept);
      expect(survived).toBe(tried);
      expect(kept).toBe(tried);
    } finally {
      await k.shutdown();
    }
  }, 180_000);
});

describe.skipIf(!built)("reliability: the JavaScript heap limit", () => {
  it("cells growing the JS heap without bound fail with a MemoryError before V8's limit; the kernel and earlier variables live", async () => {
    // A low limit for speed, set as `gradlab install --max-heap 256M` sets it (the spec's env).
    const { kernelSpec } = await import("../../kernel/install.js");
    const env = kernelSpec({ scope: "user", name: "gradlab", maxHeap: "256M" }).env as Record<string, string>;
    expect(env.NODE_OPTIONS).toBe("--max-old-space-size=256");
    const k = await startBuiltKernel({ env });
    try {
      await k.client.execute("const early = 'kept';");
      const cells = [
        "const objs: { x: number }[] = []; for (;;) objs.push({ x: Math.random() });",
        "const strs: string[] = []; for (;;) strs.push(Math.random().toString(36).repeat(40));",
        "const nest: number[][] = []; for (;;) { for (let i = 0; i < 1e4; i++) nest.push([i, i]); await null; }",
        "{ const objs: { y: number }[] = []; for (;;) objs.push({ y: 1 }); }",
      ];
      let survived = 0;
      let kept = 0;
      for (const code of cells) {
        const r = await k.client.execute(code, { timeoutMs: 60_000 }).catch((e: Error) => ({ reply: { content: { ename: e.message } }, outputs: [] }));
        const shown = r.outputs.find((m) => m.header.msg_type === "error")?.content as { ename?: string } | undefined;
        if (ename(r) === "MemoryError" && shown?.ename === "MemoryError" && /^JavaScript heap reached [\d.]+ GB of its [\d.]+ GB limit/.test(evalue(r))) survived++;
        else console.log(`[reliability] heap cell ${code.slice(0, 20)} not stopped cleanly (${ename(r)}: ${evalue(r)}): ${/FATAL ERROR[^\n]*/.exec(k.stderr())?.[0] ?? ""} ${k.stderr().slice(-800)}`);
        // The stopped cell's garbage is collectable: a cell needing a good part of the heap runs.
        const next = await k.client.execute("early + ' ' + Array.from({ length: 1e6 }, (_, i) => ({ i })).length", { timeoutMs: 30_000 }).catch(() => null);
        if (next !== null && result(next.outputs) === "'kept 1000000'") kept++;
        else console.log(`[reliability] the cell after a heap stop: ${next === null ? "no reply" : `${ename(next)}: ${evalue(next)}`}`);
      }
      report("cells growing the JS heap, limit 256 MB", cells.length, survived, kept);
      expect(survived).toBe(cells.length);
      expect(kept).toBe(cells.length);
    } finally {
      await k.shutdown();
    }
  }, 240_000);
});
