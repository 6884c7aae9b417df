// A widget frontend built from Debian's jupyter_client (test/kernel/widgets/frontend.py) drives
// the built kernel, installed as a kernelspec in a temporary JUPYTER_PATH: it drags a slider and
// clicks Stop while a synchronous training loop runs, and checks what a widget manager checks.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const dist = join(root, "dist", "kernel", "install.js");
const haveClient = existsSync("/usr/lib/python3/dist-packages/jupyter_client/__init__.py");

describe.skipIf(!existsSync(dist) || !haveClient)("widgets driven by jupyter_client", () => {
  const dir = mkdtempSync(join(tmpdir(), "gradlab-widgets-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a slider drag and a Stop click reach a running loop; echo_update answers the drag", async () => {
    const { installKernelSpec } = (await import(dist)) as typeof import("../../kernel/install.js");
    installKernelSpec({ scope: "prefix", prefix: dir, name: "gradlab" });
    const env = { ...process.env, JUPYTER_PATH: join(dir, "share", "jupyter"), JUPYTER_DATA_DIR: join(dir, "data"), JUPYTER_RUNTIME_DIR: join(dir, "runtime") };
    const { code, out, err } = await new Promise<{ code: number; out: string; err: string }>((resolve) => {
      execFile("/usr/bin/python3", [join(import.meta.dirname, "widgets", "frontend.py")], { env, timeout: 150_000 }, (e, stdout, stderr) =>
        resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr }),
      );
    });
    if (code !== 0) console.error(err);
    expect(code).toBe(0);
    const r = JSON.parse(out);
    expect(r.open_targets).toEqual(["jupyter.widget"]);
    expect(r.open_versions).toEqual(["2.1.0"]);
    expect(r.models).toEqual(expect.arrayContaining(["FloatLogSliderModel", "ButtonModel", "HBoxModel", "LayoutModel", "SliderStyleModel", "ButtonStyleModel"]));
    expect(r.display_mimes).toEqual(["application/vnd.jupyter.widget-view+json", "text/plain"]);
    expect(r.display_model_is_box).toBe(true);
    expect(r.loop_status).toBe("ok");
    expect(r.loop_stdout).toContain("stopped after some steps, lrs 0.1 0.01, timed out false");
    expect(r.loop_states).toEqual(["busy", "idle"]);
    expect(r.echo).toEqual({ method: "echo_update", state: { value: 0.01 }, buffer_paths: [] });
    expect(r.echo_parent_is_update).toBe(true);
    expect(r.after_stdout).toBe("1x2 1 0.01\n");
  }, 180_000);
});
