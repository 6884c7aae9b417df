// Helpers for tests that run Debian's Jupyter servers and chromium: a free local port, stopping
// a server, jupyter-server serving a vite-built test page, and chromium launched headless.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { chromium, type Browser } from "playwright-core";
import { build } from "vite";

export const CHROMIUM = "/usr/bin/chromium";
export const haveJupyterServer = existsSync("/usr/lib/python3/dist-packages/jupyter_server/__init__.py");

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** SIGTERM, then SIGKILL if it has not exited within 5 s; resolves when it is gone. */
export async function stopServer(server: ChildProcess | undefined): Promise<void> {
  if (server === undefined || server.exitCode !== null) return;
  server.kill("SIGTERM");
  await new Promise((r) => {
    const t = setTimeout(() => (server.kill("SIGKILL"), r(null)), 5000);
    server.once("exit", () => (clearTimeout(t), r(null)));
  });
}

/** Bundles a test page folder (index.html + its modules) into outDir with vite. */
export async function buildPage(pageDir: string, outDir: string): Promise<void> {
  await build({ root: pageDir, base: "./", logLevel: "error", build: { outDir, emptyOutDir: true, minify: false, chunkSizeWarningLimit: 100_000 } });
}

export interface JupyterServer { process: ChildProcess; base: string; token: string; log: () => string }

/**
 * Debian's jupyter-server on 127.0.0.1, rooted at dir, with the built page as one of its static
 * files (/static/index.html): the page is same-origin with the server's API. env should point
 * JUPYTER_PATH at the kernelspec the page starts.
 */
export async function startJupyterServer(dir: string, page: string, token: string, env: NodeJS.ProcessEnv): Promise<JupyterServer> {
  // A port free a moment ago can be taken by another process before the server binds it: retry.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnFreePort(dir, page, token, env);
    } catch (e) {
      if (attempt === 3 || !/port \d+ is not available/.test(String(e))) throw e;
    }
  }
}

async function startOnFreePort(dir: string, page: string, token: string, env: NodeJS.ProcessEnv): Promise<JupyterServer> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let log = "";
  const server = spawn("/usr/bin/python3", ["-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1", `--port=${port}`, `--ServerApp.token=${token}`, `--ServerApp.root_dir=${dir}`, "--ServerApp.port_retries=0", `--ServerApp.extra_static_paths=${JSON.stringify([page])}`, "--allow-root"], { env, stdio: ["ignore", "pipe", "pipe"] });
  server.stdout!.on("data", (d) => (log += d));
  server.stderr!.on("data", (d) => (log += d));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await fetch(`${base}/api/status?token=${token}`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline || server.exitCode !== null) {
      await stopServer(server);
      throw new Error(`jupyter-server did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { process: server, base, token, log: () => log };
}

/** Debian's chromium, headless, with nothing that reaches the network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
}
