// Runs Debian's jupyter_kernel_test suite (test/kernel/conformance/test_gradlab.py) against the
// built kernel, installed as a kernelspec in a temporary JUPYTER_PATH.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const dist = join(root, "dist", "kernel", "install.js");
const haveSuite = existsSync("/usr/lib/python3/dist-packages/jupyter_kernel_test/__init__.py");

describe.skipIf(!existsSync(dist))("jupyter_kernel_test conformance", () => {
  const dir = mkdtempSync(join(tmpdir(), "gradlab-conformance-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(!haveSuite)("passes every test, none skipped", async () => {
    const { installKernelSpec } = (await import(dist)) as typeof import("../../kernel/install.js");
    installKernelSpec({ scope: "prefix", prefix: dir, name: "gradlab" });
    const env = {
      ...process.env,
      JUPYTER_PATH: join(dir, "share", "jupyter"),
      JUPYTER_DATA_DIR: join(dir, "data"),
      JUPYTER_RUNTIME_DIR: join(dir, "runtime"),
      PYDEVD_DISABLE_FILE_VALIDATION: "1",
    };
    const { code, out } = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile("/usr/bin/python3", ["-Xfrozen_modules=off", "-m", "unittest", "-v", "test_gradlab"], { cwd: join(import.meta.dirname, "conformance"), env, timeout: 180_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
      );
    });
    if (code !== 0) console.error(out);
    expect(out).toMatch(/Ran 1[0-9] tests/);
    expect(out).not.toMatch(/skipped/);
    expect(out).toMatch(/\nOK\s*$/);
    expect(code).toBe(0);
  }, 200_000);
});
