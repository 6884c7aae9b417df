// A widget frontend built from Debian's jupyter_client (test/kernel/widgets/frontend.py) drives
// the built kernel, installed as a kernelspec in a temporary JUPYTER_PATH: it drags a slider and
// clicks Stop while a synchronous training loop runs, and checks what a widget manager checks.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const dist = join(root, "dist", "kernel", "install.js");
const haveClient = existsSync("/usr/lib/python3/dist-packages/jupyter_client/__init__.py");
const nbconvert = join(root, "test", "nbclient_wakeup.py");

describe.skipIf(!existsSync(dist) || !haveClient)("widgets driven by jupyter_client", () => {
  const dir = mkdtempSync(join(tmpdir(), "gradlab-widgets-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const env = { ...process.env, JUPYTER_PATH: join(dir, "share", "jupyter"), JUPYTER_DATA_DIR: join(dir, "data"), JUPYTER_RUNTIME_DIR: join(dir, "runtime"), JUPYTER_CONFIG_DIR: join(dir, "config") };
  const install = async (): Promise<void> => {
    const { installKernelSpec } = (await import(dist)) as typeof import("../../kernel/install.js");
    installKernelSpec({ scope: "prefix", prefix: dir, name: "gradlab" });
  };

  it("a slider drag and a Stop click reach a running loop; echo_update answers the drag", async () => {
    await install();
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
    // One idle for the loop, at its end (a busy follows each widget message's own idle).
    expect(r.loop_states[0]).toBe("busy");
    expect(r.loop_states.filter((x: string) => x === "idle")).toHaveLength(1);
    expect(r.loop_states.at(-1)).toBe("idle");
    expect(r.update_idle_during_loop).toBe(true);
    expect(r.echo).toEqual({ method: "echo_update", state: { value: 0.01 }, buffer_paths: [] });
    expect(r.echo_parent_is_update).toBe(true);
    expect(r.after_stdout).toBe("1x2 1 0.01\n");
  }, 180_000);

  // nbclient (under nbconvert --execute) keeps widget state and routes outputs captured by an
  // Output widget (its msg_id) into that widget, as a browser's widget manager does. It runs
  // with jupyter_client's lost wakeup fixed (test/nbclient_wakeup.py); the limits are the
  // notebooks suite's.
  it.skipIf(!existsSync("/usr/bin/jupyter"))("nbconvert --execute saves widget state, with interact's plot inside its Output widget", async () => {
    await install();
    const nb = {
      nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: "gradlab", display_name: "gradlab", language: "typescript" } },
      cells: [{ cell_type: "code", id: "c1", metadata: {}, outputs: [], execution_count: null, source: 'interact(({ a }) => plot.line([0, 1, 2], { y: [0, a, 2 * a] }), { a: new widgets.FloatSlider({ value: 2, max: 5 }) });\nconsole.log("cell output");' }],
    };
    writeFileSync(join(dir, "w.ipynb"), JSON.stringify(nb));
    const code = await new Promise<number>((resolve) => {
      execFile("/usr/bin/python3", [nbconvert, "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=180", "--ExecutePreprocessor.kernel_name=gradlab", "--output", "w.out.ipynb", join(dir, "w.ipynb")], { env, cwd: dir, timeout: 300_000 }, (e, _o, stderr) => {
        if (e) console.error(stderr);
        resolve(e ? 1 : 0);
      });
    });
    expect(code).toBe(0);
    const out = JSON.parse(readFileSync(join(dir, "w.out.ipynb"), "utf8"));
    const state = out.metadata.widgets["application/vnd.jupyter.widget-state+json"];
    expect(state.version_major).toBe(2);
    const models = Object.values(state.state as Record<string, { model_name: string; state: Record<string, any> }>);
    const output = models.find((m) => m.model_name === "OutputModel")!;
    expect(output.state.outputs.map((o: any) => o.output_type)).toEqual(["display_data"]);
    expect(Object.keys(output.state.outputs[0].data)).toEqual(expect.arrayContaining(["application/vnd.vegalite.v5+json", "image/svg+xml"]));
    expect(models.find((m) => m.model_name === "FloatSliderModel")!.state.value).toBe(2);
    // The cell itself shows the widget (view + text) and its own print, not the plot.
    const cell = out.cells[0].outputs;
    expect(cell.map((o: any) => o.output_type)).toEqual(["display_data", "stream"]);
    expect(Object.keys(cell[0].data)).toEqual(["application/vnd.jupyter.widget-view+json", "text/plain"]);
  }, 320_000);

  // An Output widget that receives an output makes nbclient write to the shell socket while it
  // waits there for the cell's reply; without the fix that write hid the reply's arrival and the
  // cell ended only at its timeout (under load, several cells in ten). A stalled cell ends
  // within a moment after its timeout, a real slow one fails with a timeout error.
  it("nbclient sees each interact cell's reply when it comes, not at the cell timeout", async () => {
    await install();
    const { code, out, err } = await new Promise<{ code: number; out: string; err: string }>((resolve) => {
      execFile("/usr/bin/python3", [join(import.meta.dirname, "widgets", "interact_cells.py"), "8", "45"], { env, timeout: 300_000 }, (e, stdout, stderr) =>
        resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr }),
      );
    });
    if (code !== 0) console.error(err);
    expect(code).toBe(0);
    const r = JSON.parse(out.trim().split("\n").at(-1)!);
    expect(r.ran).toBe(8);
    expect(r.outputs).toBe(8);
    expect(r.at_timeout, `cells finished only at the timeout: ${r.seconds.join(", ")} s`).toBe(0);
  }, 320_000);
});
