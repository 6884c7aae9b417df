// Debian's `jupyter console` in a pseudo-terminal (test/e2e/fixtures/console-driver.py): with
// --simple-prompt Ctrl-C interrupts a busy cell; in the default prompt it does not
// (jupyter/jupyter_console#296) and `gradlab interrupt` from another terminal does, keeping
// the session's variables, as the README says.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const bin = join(root, "bin", "gradlab.js");
const haveConsole = existsSync("/usr/lib/python3/dist-packages/jupyter_console/__init__.py");
const dir = mkdtempSync(join(tmpdir(), "gradlab-console-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function drive(...args: string[]) {
  const env = { ...process.env, JUPYTER_PATH: join(dir, "share", "jupyter"), JUPYTER_RUNTIME_DIR: join(dir, "runtime"), JUPYTER_DATA_DIR: join(dir, "data"), JUPYTER_CONFIG_DIR: join(dir, "config"), GRADLAB_BIN: bin, TERM: "xterm" };
  const r = spawnSync("/usr/bin/python3", [join(import.meta.dirname, "fixtures", "console-driver.py"), ...args], { env, encoding: "utf8", timeout: 150_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { started: boolean; ctrl_c_stopped: boolean; interrupt_command?: [number, string]; kept: boolean; tail: string; after_ctrl_c: string };
}

describe.skipIf(!haveConsole || !existsSync(join(root, "dist", "kernel", "cli.js")))("jupyter console", () => {
  it("installs the kernelspec", () => {
    expect(spawnSync(process.execPath, [bin, "install", "--prefix", dir], { encoding: "utf8" }).status).toBe(0);
  });
  it("--simple-prompt: Ctrl-C stops a busy cell and the session's variables are kept", () => {
    const o = drive("--simple-prompt");
    expect(o.started).toBe(true);
    expect(o.ctrl_c_stopped, o.after_ctrl_c).toBe(true);
    expect(o.kept, o.tail).toBe(true);
  }, 160_000);
  it("default prompt: where Ctrl-C does not reach the kernel, gradlab interrupt does, and the variables are kept", () => {
    const o = drive();
    expect(o.started).toBe(true);
    if (!o.ctrl_c_stopped) {
      // the console's bug (6.4.4 to 6.6.3); once it is fixed, Ctrl-C alone suffices. What the
      // console prints then ("KeyboardInterrupt escaped interact()") arrives late on busy
      // machines, so only our side is asserted.
      expect(o.interrupt_command![0]).toBe(0);
      expect(o.interrupt_command![1]).toMatch(/^Interrupted the kernel of .*kernel-.*\.json$/);
    }
    expect(o.kept, o.tail).toBe(true);
  }, 160_000);
});
