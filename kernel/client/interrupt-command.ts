// `gradlab interrupt [CONNECTION_FILE]`: sends interrupt_request on a running kernel's control
// channel. For frontends whose Ctrl-C never reaches the kernel — Debian's `jupyter console`
// (jupyter/jupyter_console#296) — run it from another terminal. Without a file it picks the
// newest gradlab kernel's connection file in Jupyter's runtime directory.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { readConnectionFile } from "../transport/connection.js";
import { userDataDir } from "../install.js";
import { KernelClient } from "./kernel-client.js";

export function runtimeDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.JUPYTER_RUNTIME_DIR ?? join(userDataDir(env), "runtime");
}

/** Newest kernel-*.json naming kernel "gradlab" (or naming no kernel), or null. */
export function newestGradlabConnection(dir: string): string | null {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => /^kernel-.*\.json$/.test(f));
  } catch {
    return null;
  }
  const candidates = names.flatMap((f) => {
    const path = join(dir, f);
    try {
      const name = (JSON.parse(readFileSync(path, "utf8")) as { kernel_name?: unknown }).kernel_name;
      return name === undefined || name === "" || String(name).startsWith("gradlab") ? [{ path, at: statSync(path).mtimeMs }] : [];
    } catch {
      return [];
    }
  });
  candidates.sort((a, b) => b.at - a.at);
  return candidates[0]?.path ?? null;
}

export async function interruptCommand(args: string[]): Promise<number> {
  const file = args[0] ?? newestGradlabConnection(runtimeDir());
  if (file === null) throw new Error(`no gradlab kernel's connection file in ${runtimeDir()}; pass one: gradlab interrupt kernel-….json`);
  const client = new KernelClient(readConnectionFile(file));
  try {
    await client.request("control", "interrupt_request", {}, { waitForIdle: false, timeoutMs: 5000 });
    console.log(`Interrupted the kernel of ${file}`);
    return 0;
  } catch (e) {
    throw new Error(`no interrupt_reply from the kernel of ${file} within 5 s (${(e as Error).message})`);
  } finally {
    client.close();
  }
}
