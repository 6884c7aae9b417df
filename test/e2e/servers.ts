// Helpers for tests that run Debian's Jupyter servers: a free local port, and stopping a server.
import type { ChildProcess } from "node:child_process";
import { createServer } from "node:net";

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
