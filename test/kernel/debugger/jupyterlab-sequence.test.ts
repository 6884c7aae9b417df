// JupyterLab 4's debugger sequence (jupyterlab_sequence.py) through Debian's jupyter_client,
// against the built kernel installed as a kernelspec in a temporary JUPYTER_PATH.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { root } from "../kernel-harness.js";

const install = join(root, "dist", "kernel", "install.js");
const haveClient = existsSync("/usr/lib/python3/dist-packages/jupyter_client/__init__.py");

describe.skipIf(!existsSync(install) || !haveClient)("JupyterLab's debugger sequence over jupyter_client", () => {
  const dir = mkdtempSync(join(tmpdir(), "gradlab-debug-lab-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("breakpoint in a cell, run, stop, stack, tensor variable, step, continue, finish", async () => {
    const { installKernelSpec } = (await import(install)) as typeof import("../../../kernel/install.js");
    installKernelSpec({ scope: "prefix", prefix: dir, name: "gradlab" });
    const env = { ...process.env, JUPYTER_PATH: join(dir, "share", "jupyter"), JUPYTER_DATA_DIR: join(dir, "data"), JUPYTER_RUNTIME_DIR: join(dir, "runtime") };
    const { code, out } = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile("/usr/bin/python3", [join(import.meta.dirname, "jupyterlab_sequence.py")], { cwd: dir, env, timeout: 150_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
      );
    });
    if (code !== 0) console.error(out);
    expect(out).toMatch(/^2[0-9] passed, 0 failed$/m);
    expect(code).toBe(0);
  }, 180_000);
});
