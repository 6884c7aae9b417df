// A notebook folder for the interop suites (files written under a temp dir, removed after the
// suite) and the built kernel running in it over ZeroMQ.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import type { LaunchedKernel } from "../../kernel/client/launch.js";
import type { Message } from "../../kernel/client/kernel-client.js";
import { byType, result, startBuiltKernel } from "../kernel/kernel-harness.js";
import { removeTempDirs, tempDir } from "../temp-dirs.js";

export function notebookFolder(files: Record<string, string>): string {
  const dir = tempDir("gradlab-interop-");
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

export const packageJson = (fields: Record<string, unknown>): string => JSON.stringify(fields);

export interface Ran {
  outputs: Message[];
  content: { status: string; ename?: string; evalue?: string };
  /** text/plain of the execute_result. */
  result: unknown;
  stderr: string;
}

export interface Session {
  run(code: string): Promise<Ran>;
  /** Runs a cell that must succeed (the failure message shows the reply). */
  ok(code: string): Promise<Ran>;
}

/** The built kernel in a notebook folder holding `files`, for the enclosing suite. */
export function kernelSession(files: Record<string, string>): Session {
  let k: LaunchedKernel | undefined;
  beforeAll(async () => {
    k = await startBuiltKernel({ cwd: notebookFolder(files) });
  });
  afterAll(async () => {
    await k?.shutdown();
    removeTempDirs();
  });
  const run = async (code: string): Promise<Ran> => {
    const r = await k!.client.execute(code);
    const stderr = byType(r.outputs, "stream").filter((m) => (m.content as { name: string }).name === "stderr").map((m) => (m.content as { text: string }).text).join("");
    return { outputs: r.outputs, content: r.reply.content as Ran["content"], result: result(r.outputs), stderr };
  };
  return {
    run,
    ok: async (code) => {
      const r = await run(code);
      expect(r.content.status, JSON.stringify(r.content)).toBe("ok");
      return r;
    },
  };
}
