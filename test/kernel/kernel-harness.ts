// Shared set-up for tests that start the built kernel (dist/) as a process.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { LaunchedKernel, LaunchOptions } from "../../kernel/client/launch.js";
import type { Message } from "../../kernel/client/kernel-client.js";

export const root = join(import.meta.dirname, "..", "..");
export const builtClient = join(root, "dist", "kernel", "client", "launch.js");
export const built = existsSync(builtClient);

/** Starts the built kernel with history in a temp dir (tests never write the user's history). */
export async function startBuiltKernel(options: LaunchOptions & { env?: NodeJS.ProcessEnv } = {}): Promise<LaunchedKernel> {
  const { launchKernel } = (await import(builtClient)) as typeof import("../../kernel/client/launch.js");
  const data = mkdtempSync(join(tmpdir(), "gradlab-data-"));
  const k = await launchKernel({ ...options, env: { ...process.env, JUPYTER_DATA_DIR: data, ...options.env } });
  const shutdown = k.shutdown.bind(k);
  k.shutdown = async () => {
    await shutdown();
    rmSync(data, { recursive: true, force: true });
  };
  return k;
}

/** A notebook directory with an ESM-only package, a CommonJS package and a local .ts module. */
export function notebookDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "gradlab-nb-"));
  const write = (rel: string, text: string): void => {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };
  write("node_modules/esm-only/package.json", JSON.stringify({ name: "esm-only", type: "module", exports: { ".": { types: "./index.d.ts", import: "./index.js" } } }));
  write("node_modules/esm-only/index.js", "export const greet = (n) => `hello ${n}`;\n");
  write("node_modules/esm-only/index.d.ts", "export declare const greet: (n: string) => string;\n");
  write("node_modules/cjs-pkg/package.json", JSON.stringify({ name: "cjs-pkg", main: "index.js", types: "index.d.ts" }));
  write("node_modules/cjs-pkg/index.js", "exports.add = (a, b) => a + b;\nexports.kind = 'cjs';\n");
  write("node_modules/cjs-pkg/index.d.ts", "export declare function add(a: number, b: number): number;\nexport declare const kind: string;\n");
  write("helper.ts", "import { scale } from './scale.js';\nexport function triple(x: number): number {\n  return scale(x, 3);\n}\n");
  write("scale.ts", "export const scale = (x: number, k: number): number => x * k;\n");
  return dir;
}

export const byType = (ms: Message[], t: string): Message[] => ms.filter((m) => m.header.msg_type === t);
export const result = (ms: Message[]): unknown => (byType(ms, "execute_result")[0]?.content as { data?: Record<string, unknown> } | undefined)?.data?.["text/plain"];
export const stdout = (ms: Message[]): string => byType(ms, "stream").filter((m) => (m.content as { name: string }).name === "stdout").map((m) => (m.content as { text: string }).text).join("");
