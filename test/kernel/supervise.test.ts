// The kernel's supervisor (bin/gradlab-supervise.sh, kernel/supervise/): the real kernel
// process under the kernelspec's argv, over real ZeroMQ. A cell whose one allocation overruns
// V8's heap kills the process; its client must still get the error, an execute_reply and idle.
// A kernel the frontend stops, interrupts or restarts must behave as without the supervisor.
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import type { LaunchedKernel } from "../../kernel/client/launch.js";
import type { ExecuteResult, Message } from "../../kernel/client/kernel-client.js";
import { built, root, startBuiltKernel } from "./kernel-harness.js";

const OOM_CELL = "const big = new Array(1e8).fill(0);";
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const content = (m: { content: unknown }): Record<string, unknown> => m.content as Record<string, unknown>;

/** A kernel as `gradlab install --max-heap 128M` runs it: under the supervisor, its own process group. */
async function supervisedKernel(maxHeap = "128M"): Promise<LaunchedKernel> {
  const { kernelSpec } = await import("../../kernel/install.js");
  const spec = kernelSpec({ scope: "user", name: "gradlab", maxHeap }) as { argv: string[]; env: Record<string, string> };
  expect(spec.argv[1]).toBe(join(root, "bin", "gradlab-supervise.sh"));
  return startBuiltKernel({ argv: spec.argv, env: spec.env, processGroup: true });
}

function exited(k: LaunchedKernel, withinMs: number): Promise<number | string | null> {
  const p = k.process;
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve(p.exitCode ?? p.signalCode);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(null), withinMs);
    p.once("exit", (code, signal) => {
      clearTimeout(t);
      resolve(code ?? signal);
    });
  });
}

/** The kernel's own process (the supervising shell's child), as a cell sees it. */
async function kernelPid(k: LaunchedKernel): Promise<number> {
  const r = await k.client.execute("process.pid");
  const pid = Number((r.outputs.find((m) => m.header.msg_type === "execute_result")?.content as { data: Record<string, string> }).data["text/plain"]);
  expect(pid).toBeGreaterThan(1);
  expect(pid).not.toBe(k.process.pid);
  return pid;
}

/** Iopub messages parented to `msgId` (the client logs every one). */
const childrenOf = (k: LaunchedKernel, msgId: string): Message[] => k.client.iopubLog.filter((m) => (m.parent_header as { msg_id?: string }).msg_id === msgId);

/** The msg_id of the cell running now (the latest execute_input's parent). */
function runningCell(k: LaunchedKernel): string {
  const input = k.client.iopubLog.filter((m) => m.header.msg_type === "execute_input").at(-1);
  expect(input).toBeDefined();
  return (input!.parent_header as { msg_id: string }).msg_id;
}

/** What the kernel left beside its connection file (its hand-over folder must not outlive it). */
const leftovers = (k: LaunchedKernel): string[] => (existsSync(dirname(k.connectionFile)) ? readdirSync(dirname(k.connectionFile)).filter((f) => f !== basename(k.connectionFile)) : []);

describe.skipIf(!built || process.platform === "win32")("supervisor: a V8 heap OOM reaches the cell", () => {
  it("3/3 cells whose one allocation overruns a 128 MB heap get a MemoryError, execute_reply and idle; the cell queued behind is aborted", async () => {
    const tries = 3;
    let reached = 0;
    for (let i = 0; i < tries; i++) {
      const k = await supervisedKernel();
      try {
        expect(content((await k.client.execute("const kept = 41 + 1; kept")).reply).status).toBe("ok");
        const t0 = performance.now();
        const oom = k.client.execute(OOM_CELL, { timeoutMs: 90_000 });
        const queued = k.client.execute("kept + 1", { timeoutMs: 90_000 });
        const [r, q] = (await Promise.all([oom, queued])) as [ExecuteResult, ExecuteResult];
        const seconds = (performance.now() - t0) / 1000;
        const reply = content(r.reply);
        const shown = r.outputs.find((m) => m.header.msg_type === "error");
        // Not vacuous: V8 did abort the process for its heap, and the shell exits with that status.
        expect(await exited(k, 10_000)).toBe(134);
        expect(k.stderr()).toContain("JavaScript heap out of memory");
        expect(k.stderr()).toMatch(/\[gradlab supervisor\] answered the cell in \d+ ms \(MemoryError\)/);
        expect(reply.status).toBe("error");
        expect(reply.ename).toBe("MemoryError");
        expect(String(reply.evalue)).toMatch(/^the kernel ran out of JavaScript heap \(limit \d+ MB\) while running this cell; it will restart/);
        expect(reply.execution_count).toBe(2);
        expect(shown && content(shown).ename).toBe("MemoryError");
        const states = childrenOf(k, (r.reply.parent_header as { msg_id: string }).msg_id).map((m) => (m.header.msg_type === "status" ? content(m).execution_state : m.header.msg_type));
        expect(states.slice(-2)).toEqual(["error", "idle"]);
        expect(content(q.reply).status).toBe("aborted");
        expect(leftovers(k)).toEqual([]);
        console.log(`[supervise] OOM cell ${i + 1}: error on the cell ${seconds.toFixed(1)} s after the request`);
        reached++;
      } finally {
        await k.shutdown();
      }
    }
    console.log(`[reliability] one allocation past the heap limit (128 MB): ${tries} tried / ${reached} error reached the cell`);
    expect(reached).toBe(tries);
  }, 300_000);

  it("a kernel killed while a cell runs (SIGKILL to its process only, as the OOM killer does) reports KernelDied on the cell", async () => {
    const k = await supervisedKernel();
    try {
      const pid = await kernelPid(k);
      const running = k.client.execute("while (true) {}", { timeoutMs: 30_000 });
      await sleep(500);
      process.kill(pid, "SIGKILL");
      const r = await running;
      expect(content(r.reply)).toMatchObject({ status: "error", ename: "KernelDied" });
      expect(String(content(r.reply).evalue)).toMatch(/^the kernel process was killed by SIGKILL/);
      expect(await exited(k, 5000)).toBe(137);
    } finally {
      await k.shutdown();
    }
  }, 60_000);

  it("a kernel that dies while idle reports nothing and exits non-zero", async () => {
    const k = await supervisedKernel();
    try {
      const pid = await kernelPid(k);
      await sleep(200);
      const before = k.client.iopubLog.length;
      process.kill(pid, "SIGKILL");
      expect(await exited(k, 5000)).toBe(137);
      expect(k.stderr()).toContain("no cell was running");
      expect(k.client.iopubLog.length).toBe(before);
      expect(leftovers(k)).toEqual([]);
    } finally {
      await k.shutdown();
    }
  }, 60_000);
});

describe.skipIf(!built || process.platform === "win32")("supervisor: stopping, interrupting and restarting behave as without it", () => {
  it("SIGINT to the process group interrupts the cell; the shell lives and the next cell sees earlier variables", async () => {
    const k = await supervisedKernel();
    try {
      await k.client.execute("const kept = 'still here';");
      for (let i = 0; i < 3; i++) {
        const running = k.client.execute("while (true) {}", { timeoutMs: 30_000 });
        await sleep(400);
        k.signal("SIGINT");
        const r = await running;
        expect(content(r.reply).status).toBe("error");
        expect(content(r.reply).ename).not.toBe("KernelDied");
      }
      const after = await k.client.execute("kept");
      expect(after.outputs.some((m) => m.header.msg_type === "execute_result" && JSON.stringify(m.content).includes("still here"))).toBe(true);
      expect(k.process.exitCode).toBeNull();
    } finally {
      await k.shutdown();
    }
  }, 60_000);

  it("a shutdown while a cell loops ends the process within 2.5 s with no error on the cell", async () => {
    const { code, ms } = await stopWhileLooping((k) => k.client.request("control", "shutdown_request", { restart: true }, { timeoutMs: 3000, waitForIdle: false }).then(() => undefined));
    expect(code).not.toBeNull();
    expect(ms).toBeLessThan(2500);
  }, 60_000);

  it("SIGTERM to the process group (jupyter_client's terminate) while a cell runs is not reported", async () => {
    const { code, stderr } = await stopWhileLooping(async (k) => k.signal("SIGTERM"));
    expect(code).toBe(143);
    expect(stderr).not.toContain("[gradlab supervisor]");
  }, 60_000);
});

describe.skipIf(!built || process.platform === "win32")("supervisor: no orphans", () => {
  it("a frontend that dies without stopping the kernel: the kernel and its supervisor exit", async () => {
    const { newConnectionInfo } = await import("../../kernel/client/launch.js");
    const { KernelClient } = await import("../../kernel/client/kernel-client.js");
    const { kernelSpec } = await import("../../kernel/install.js");
    const dir = mkdtempSync(join(tmpdir(), "gradlab-orphan-"));
    const file = join(dir, "c.json");
    const info = await newConnectionInfo();
    writeFileSync(file, JSON.stringify(info));
    const argv = (kernelSpec({ scope: "user", name: "gradlab" }).argv as string[]).map((a) => `'${a.replace("{connection_file}", file)}'`).join(" ");
    // The "frontend" (a shell) starts the supervised kernel in the background; once the
    // kernel answers, the frontend is killed (alone).
    const frontend = spawn("/bin/sh", ["-c", `${argv} >/dev/null 2>&1 & echo $!; sleep 60`], { env: { ...process.env, GRADLAB_PRELUDE: "none" }, detached: true });
    let out = "";
    frontend.stdout.on("data", (d) => (out += d));
    const client = new KernelClient(info);
    try {
      await client.waitForReady(30_000);
    } finally {
      client.close();
    }
    frontend.kill("SIGKILL");
    const supervisor = Number(out.trim());
    expect(supervisor).toBeGreaterThan(0);
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 10_000;
    while (alive(supervisor) && Date.now() < deadline) await sleep(200);
    const stillAlive = alive(supervisor);
    if (stillAlive) process.kill(-frontend.pid!, "SIGKILL"); // the frontend's process group: the supervisor and the kernel
    const left = readdirSync(dir);
    rmSync(dir, { recursive: true, force: true });
    expect(stillAlive).toBe(false);
    expect(left).toEqual(["c.json"]);
  }, 30_000);
});

/** Stops a supervised kernel with `stop` while a cell loops: nothing may be reported on the cell, nothing left behind. */
async function stopWhileLooping(stop: (k: LaunchedKernel) => Promise<void>): Promise<{ code: number | string | null; ms: number; stderr: string }> {
  const k = await supervisedKernel();
  try {
    void k.client.execute("while (true) {}", { timeoutMs: 5000 }).catch(() => null);
    await sleep(500);
    const msgId = runningCell(k);
    const t0 = performance.now();
    await stop(k);
    const code = await exited(k, 5000);
    const ms = performance.now() - t0;
    await sleep(300);
    expect(childrenOf(k, msgId).some((m) => m.header.msg_type === "error")).toBe(false);
    expect(k.stderr()).not.toContain("reporting on cell");
    expect(leftovers(k)).toEqual([]);
    return { code, ms, stderr: k.stderr() };
  } finally {
    await k.shutdown();
  }
}

const haveClient = existsSync("/usr/lib/python3/dist-packages/jupyter_client/__init__.py");

describe.skipIf(!built || !haveClient || process.platform === "win32")("supervisor under jupyter_client's kernel manager and autorestarter", () => {
  it("the OOM cell gets MemoryError and execute_reply; the restarter brings back a kernel that runs cells", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gradlab-supervise-"));
    try {
      const { installKernelSpec } = await import("../../kernel/install.js");
      installKernelSpec({ scope: "prefix", prefix: dir, name: "gradlab", maxHeap: "128M" });
      const env = { ...process.env, JUPYTER_PATH: join(dir, "share", "jupyter"), JUPYTER_DATA_DIR: join(dir, "data"), JUPYTER_RUNTIME_DIR: join(dir, "runtime"), JUPYTER_CONFIG_DIR: join(dir, "config") };
      const { code, out, err } = await new Promise<{ code: number; out: string; err: string }>((resolve) => {
        execFile("/usr/bin/python3", [join(import.meta.dirname, "supervise", "oom_restart.py")], { env, timeout: 180_000 }, (e, stdout, stderr) =>
          resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr }),
        );
      });
      if (code !== 0) console.error(err);
      expect(code).toBe(0);
      expect(err).toContain("JavaScript heap out of memory");
      const r = JSON.parse(out);
      expect(r.first).toBe("ok");
      expect(r.oom_reply).toMatchObject({ status: "error", ename: "MemoryError", execution_count: 2 });
      expect(r.oom_reply.evalue).toMatch(/^the kernel ran out of JavaScript heap \(limit \d+ MB\)/);
      expect(r.oom_outputs).toEqual([["status", "busy"], ["execute_input", null], ["error", "MemoryError"], ["status", "idle"]]);
      expect(r.restarted).toBe(true);
      expect(r.after_restart).toBe("ok");
      expect(r.after_result).toBe("42");
      console.log(`[supervise] jupyter_client: error on the OOM cell ${r.oom_seconds.toFixed(1)} s after the request`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 200_000);
});
