// Starting a kernel process with a fresh connection file, as a frontend would.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConnectionInfo } from "../transport/connection.js";
import { gradlabPackage } from "../package-root.js";
import type { KernelClient } from "./kernel-client.js";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function newConnectionInfo(key = randomBytes(32).toString("hex")): Promise<ConnectionInfo> {
  const ports: number[] = [];
  while (ports.length < 5) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  const [shell_port, control_port, iopub_port, stdin_port, hb_port] = ports;
  return { transport: "tcp", ip: "127.0.0.1", shell_port, control_port, iopub_port, stdin_port, hb_port, key, signature_scheme: "hmac-sha256", kernel_name: "gradlab" };
}

export interface LaunchOptions {
  /** Command to start; {connection_file} is replaced. Default: this checkout's `gradlab kernel`. */
  argv?: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Forward the kernel's stderr to ours (default: collected in `stderr`). */
  inheritStderr?: boolean;
  readyTimeoutMs?: number;
  /** Start the kernel in a process group of its own, which `signal` and a forced shutdown signal whole (as jupyter_client does). */
  processGroup?: boolean;
}

export interface LaunchedKernel {
  client: KernelClient;
  process: ChildProcess;
  info: ConnectionInfo;
  connectionFile: string;
  /** performance.now() when the process was spawned. */
  startedAt: number;
  /** Milliseconds from spawn to the first kernel_info_reply (before iopub is known to be subscribed). */
  readyMs: number;
  stderr: () => string;
  /** Sends a signal to the kernel's process group (with `processGroup`), else to its process. */
  signal(signal: NodeJS.Signals): void;
  /** Asks for a clean shutdown, then kills if needed; removes the connection file. */
  shutdown(): Promise<void>;
}

export async function launchKernel(options: LaunchOptions = {}): Promise<LaunchedKernel> {
  const info = await newConnectionInfo();
  const dir = mkdtempSync(join(tmpdir(), "gradlab-kernel-"));
  const connectionFile = join(dir, "connection.json");
  writeFileSync(connectionFile, JSON.stringify(info));
  const argv = (options.argv ?? [process.execPath, join(gradlabPackage().root, "bin", "gradlab.js"), "kernel", "--connection-file", "{connection_file}"]).map((a) => a.replace("{connection_file}", connectionFile));
  const t0 = performance.now();
  const child = spawn(argv[0], argv.slice(1), { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", options.inheritStderr ? "inherit" : "pipe"], detached: options.processGroup === true });
  const signal = (sig: NodeJS.Signals): void => {
    try {
      if (options.processGroup === true) process.kill(-child.pid!, sig);
      else child.kill(sig);
    } catch {
      /* gone already */
    }
  };
  // The client (ZeroMQ's native binding) loads while the kernel process boots, not before.
  const clientLoaded = import("./kernel-client.js");
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout?.on("data", () => undefined);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let client: KernelClient;
  try {
    client = new (await clientLoaded).KernelClient(info);
  } catch (e) {
    signal("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const exitedEarly = exited.then(() => {
    throw new Error(`kernel exited during start-up (code ${child.exitCode}):\n${stderr}`);
  });
  exitedEarly.catch(() => undefined);
  let readyMs = 0;
  try {
    await Promise.race([client.waitForReady(options.readyTimeoutMs ?? 30_000), exitedEarly]);
    readyMs = performance.now() - t0;
    await Promise.race([client.waitForIopub(options.readyTimeoutMs ?? 30_000), exitedEarly]);
  } catch (e) {
    client.close();
    signal("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    client,
    process: child,
    info,
    connectionFile,
    readyMs,
    startedAt: t0,
    stderr: () => stderr,
    signal,
    async shutdown() {
      if (child.exitCode === null && child.signalCode === null) {
        await client.request("control", "shutdown_request", { restart: false }, { timeoutMs: 3000, waitForIdle: false }).catch(() => undefined);
        const timer = setTimeout(() => signal("SIGKILL"), 3000);
        await exited;
        clearTimeout(timer);
      }
      client.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
