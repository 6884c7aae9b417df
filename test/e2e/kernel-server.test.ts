// End to end: Debian's jupyter-server on 127.0.0.1 runs the gradlab kernelspec; the test
// drives it with @jupyterlab/services, as JupyterLab would (REST + WebSocket).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { KernelManager, ServerConnection, SessionManager, type KernelMessage, type Session } from "@jupyterlab/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./servers.js";

const root = join(import.meta.dirname, "..", "..");
const install = join(root, "dist", "kernel", "install.js");
const haveServer = existsSync("/usr/lib/python3/dist-packages/jupyter_server/__init__.py");

interface Run {
  reply: KernelMessage.IExecuteReplyMsg;
  iopub: KernelMessage.IIOPubMessage[];
}

async function run(session: Session.ISessionConnection, code: string): Promise<Run> {
  const iopub: KernelMessage.IIOPubMessage[] = [];
  const future = session.kernel!.requestExecute({ code });
  future.onIOPub = (m) => void iopub.push(m);
  const reply = (await future.done) as KernelMessage.IExecuteReplyMsg;
  return { reply, iopub };
}

const ofType = (r: Run, t: string) => r.iopub.filter((m) => m.header.msg_type === t).map((m) => m.content as any);

describe.skipIf(!existsSync(install) || !haveServer)("gradlab under jupyter-server", () => {
  const dir = mkdtempSync(join(tmpdir(), "gradlab-e2e-"));
  const token = randomBytes(16).toString("hex");
  let server: ChildProcess;
  let serverLog = "";
  let settings: ServerConnection.ISettings;
  let sessions: SessionManager;
  let kernels: KernelManager;
  let session: Session.ISessionConnection;

  beforeAll(async () => {
    const { installKernelSpec } = (await import(install)) as typeof import("../../kernel/install.js");
    installKernelSpec({ scope: "prefix", prefix: dir, name: "gradlab" });
    // A small heap, for a cell that overruns it in one allocation.
    installKernelSpec({ scope: "prefix", prefix: dir, name: "gradlab-small-heap", maxHeap: "128M" });
    const port = await freePort();
    const env = { ...process.env, JUPYTER_PATH: join(dir, "share", "jupyter"), JUPYTER_DATA_DIR: join(dir, "data"), JUPYTER_RUNTIME_DIR: join(dir, "runtime"), JUPYTER_CONFIG_DIR: join(dir, "config"), PYDEVD_DISABLE_FILE_VALIDATION: "1" };
    server = spawn("/usr/bin/python3", ["-Xfrozen_modules=off", "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1", `--port=${port}`, `--ServerApp.token=${token}`, `--ServerApp.root_dir=${dir}`, "--ServerApp.port_retries=0", "--allow-root"], { env, stdio: ["ignore", "pipe", "pipe"] });
    server.stdout!.on("data", (d) => (serverLog += d));
    server.stderr!.on("data", (d) => (serverLog += d));
    const baseUrl = `http://127.0.0.1:${port}/`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ok = await fetch(`${baseUrl}api/status?token=${token}`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline || server.exitCode !== null) throw new Error(`jupyter-server did not start:\n${serverLog}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    settings = ServerConnection.makeSettings({ baseUrl, wsUrl: `ws://127.0.0.1:${port}/`, token, appendToken: true });
    kernels = new KernelManager({ serverSettings: settings });
    sessions = new SessionManager({ kernelManager: kernels, serverSettings: settings });
    await sessions.ready;
    session = await sessions.startNew({ path: "e2e.ipynb", type: "notebook", name: "e2e.ipynb", kernel: { name: "gradlab" } });
  }, 90_000);

  afterAll(async () => {
    await session?.shutdown().catch(() => undefined);
    sessions?.dispose();
    kernels?.dispose();
    server?.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    if (server && server.exitCode === null) server.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("reports kernel info through the server", async () => {
    const info = await session.kernel!.info;
    expect(info.language_info.name).toBe("typescript");
    expect(info.implementation).toBe("gradlab");
  });

  it("runs cells: stream, execute_result, display_data and update_display_data arrive", async () => {
    const r = await run(session, "const xs: number[] = [1, 2, 3];\nconsole.log('sum', xs.reduce((a, b) => a + b));\nconst d = display.markdown('**bold**');\nd.update({ [Symbol.for('Jupyter.display')]: () => ({ 'text/markdown': '_done_' }) });\nxs.length");
    expect(r.reply.content.status).toBe("ok");
    expect(ofType(r, "stream")[0].text).toBe("sum 6\n");
    expect(ofType(r, "display_data")[0].data["text/markdown"]).toBe("**bold**");
    expect(ofType(r, "update_display_data")[0].data["text/markdown"]).toBe("_done_");
    expect(ofType(r, "execute_result")[0].data["text/plain"]).toBe("3");
  });

  it("sends errors with the cell's line number", async () => {
    const r = await run(session, "const nothing: any = null;\n\nnothing.f();");
    expect(r.reply.content.status).toBe("error");
    expect(ofType(r, "error")[0].ename).toBe("TypeError");
    expect(ofType(r, "error")[0].traceback.join("\n")).toMatch(/:3:/);
  });

  it("prompt() reaches the frontend as input_request and gets the reply (stdin over the WebSocket)", async () => {
    const iopub: KernelMessage.IIOPubMessage[] = [];
    const future = session.kernel!.requestExecute({ code: "const who = prompt('name?');\n`hello ${who}`", allow_stdin: true });
    future.onIOPub = (m) => void iopub.push(m);
    let asked = "";
    future.onStdin = (msg) => {
      asked = (msg.content as KernelMessage.IInputRequestMsg["content"]).prompt;
      future.sendInputReply({ value: "Ada", status: "ok" }, msg.header as KernelMessage.IInputReplyMsg["parent_header"]);
    };
    await future.done;
    expect(asked).toBe("name?");
    const result = iopub.find((m) => m.header.msg_type === "execute_result")!.content as any;
    expect(result.data["text/plain"]).toBe("'hello Ada'");
  });

  it("interrupts a busy loop through the server (interrupt_mode message) keeping state", async () => {
    const future = session.kernel!.requestExecute({ code: "while (true) {}" });
    await new Promise((r) => setTimeout(r, 500));
    await session.kernel!.interrupt();
    const reply = (await future.done.catch((e) => e)) as KernelMessage.IExecuteReplyMsg;
    expect((reply.content as any).ename).toBe("Interrupted");
    const r = await run(session, "xs.join(',')");
    expect(ofType(r, "execute_result")[0].data["text/plain"]).toBe("'1,2,3'");
  });

  it("a cell that overruns the JS heap in one allocation gets MemoryError; the server's restarter brings the kernel back", async () => {
    const small = await sessions.startNew({ path: "oom.ipynb", type: "notebook", name: "oom.ipynb", kernel: { name: "gradlab-small-heap" } });
    try {
      const statuses: string[] = [];
      small.kernel!.statusChanged.connect((_, s) => void statuses.push(s));
      expect((await run(small, "const kept = 1;")).reply.content.status).toBe("ok");
      const r = await run(small, "const big = new Array(1e8).fill(0);");
      expect(r.reply.content.status).toBe("error");
      expect((r.reply.content as any).ename).toBe("MemoryError");
      expect(ofType(r, "error")[0].evalue).toMatch(/^the kernel ran out of JavaScript heap \(limit \d+ MB\) while running this cell; it will restart/);
      // jupyter-server's restarter notices the exit (it polls every 3 s) and starts the kernel again.
      const deadline = Date.now() + 60_000;
      while (!statuses.includes("autorestarting") && Date.now() < deadline) await new Promise((res) => setTimeout(res, 200));
      expect(statuses).toContain("autorestarting");
      expect(serverLog).toContain("JavaScript heap out of memory");
      const after = await run(small, "6 * 7");
      expect(ofType(after, "execute_result")[0].data["text/plain"]).toBe("42");
    } finally {
      await small.shutdown().catch(() => undefined);
    }
  }, 120_000);

  it("restarts: state is gone, the kernel works again", async () => {
    await session.kernel!.restart();
    const r = await run(session, "typeof (globalThis as any).xs");
    expect(ofType(r, "execute_result")[0].data["text/plain"]).toBe("'undefined'");
    const h = await run(session, "1 + 1");
    expect(ofType(h, "execute_result")[0].data["text/plain"]).toBe("2");
  });
});
