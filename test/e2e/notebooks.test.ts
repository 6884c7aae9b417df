// Every tutorial, executed twice — through `gradlab run` (no Python) and through Debian's
// `jupyter nbconvert --execute` (python3-nbclient) against the installed kernelspec — in
// parallel; both must succeed with no error output. Then nbconvert's executed notebooks (they
// keep the widget state) are rendered with JupyterLab's own renderers in chromium
// (jupyterlab-render.ts; screenshots in artifacts/jupyterlab-render/). Slow: `npm run test:notebooks`
// (vitest.notebooks.config.ts), never part of the default `npm test`. Uses dist/.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRenderPage, type RenderPage } from "./jupyterlab-render.js";
import { CHROMIUM, haveJupyterServer } from "./servers.js";

const root = join(import.meta.dirname, "..", "..");
const notebooksDir = join(root, "notebooks");
const notebooks = readdirSync(notebooksDir).filter((f) => /^\d\d-.*\.ipynb$/.test(f)).sort();
// nbconvert with jupyter_client's lost wakeup fixed: see test/nbclient_wakeup.py (an interact
// cell otherwise finished only at its 180 s timeout).
const NBCONVERT = ["/usr/bin/python3", join(root, "test", "nbclient_wakeup.py")] as const;
const enabled = process.env.GRADLAB_NOTEBOOK_SUITE === "1" && existsSync(join(root, "dist", "kernel", "cli.js"));

interface Run { code: number | null; stdout: string; stderr: string; seconds: number }

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Run> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, seconds: (performance.now() - t0) / 1000 });
    });
  });
}

/** Error outputs anywhere in an executed notebook, as "cell N: ename: evalue". */
function errorOutputs(path: string): string[] {
  const nb = JSON.parse(readFileSync(path, "utf8")) as { cells: { cell_type: string; outputs?: { output_type: string; ename?: string; evalue?: string; name?: string; text?: string | string[] }[] }[] };
  const found: string[] = [];
  nb.cells.forEach((c, i) => {
    for (const o of c.outputs ?? []) if (o.output_type === "error") found.push(`cell ${i + 1}: ${o.ename}: ${o.evalue}`);
  });
  return found;
}

function codeCellsWithOutputs(path: string): number {
  const nb = JSON.parse(readFileSync(path, "utf8")) as { cells: { cell_type: string; outputs?: unknown[] }[] };
  return nb.cells.filter((c) => c.cell_type === "code" && (c.outputs?.length ?? 0) > 0).length;
}

describe.skipIf(!enabled)("tutorial notebooks execute (gradlab run and nbconvert)", () => {
  let tmp = "";
  let env: NodeJS.ProcessEnv = {};
  const times: { notebook: string; gradlabRun: number; nbconvert: number }[] = [];
  const suiteStart = performance.now();

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "gradlab-notebooks-"));
    const install = await run(process.execPath, [join(root, "bin", "gradlab.js"), "install", "--prefix", join(tmp, "prefix")], process.env, 60_000);
    expect(install.code, install.stderr).toBe(0);
    env = { ...process.env, JUPYTER_PATH: join(tmp, "prefix", "share", "jupyter"), JUPYTER_DATA_DIR: join(tmp, "data"), JUPYTER_RUNTIME_DIR: join(tmp, "runtime"), JUPYTER_CONFIG_DIR: join(tmp, "config"), IPYTHONDIR: join(tmp, "ipython"), CI: "true" };
    mkdirSync(join(tmp, "gradlab"));
    mkdirSync(join(tmp, "nbconvert"));
  });

  let renderPage: RenderPage | undefined;

  afterAll(async () => {
    await renderPage?.close();
    if (times.length > 0) {
      const lines = times.map((t) => `${t.notebook.padEnd(48)} gradlab run ${t.gradlabRun.toFixed(1).padStart(5)} s   nbconvert ${t.nbconvert.toFixed(1).padStart(5)} s`);
      lines.push(`total suite time ${((performance.now() - suiteStart) / 1000).toFixed(1)} s`);
      console.log(lines.join("\n"));
      mkdirSync(join(root, "artifacts"), { recursive: true });
      writeFileSync(join(root, "artifacts", "notebook-times.txt"), lines.join("\n") + "\n");
    }
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it.each(notebooks)("%s", async (file) => {
    const src = join(notebooksDir, file);
    const gradlabOut = join(tmp, "gradlab", file);
    // The two executions of one notebook run side by side (2 cores); notebooks run one after another.
    const [g, n] = await Promise.all([
      run(process.execPath, [join(root, "bin", "gradlab.js"), "run", src, "--out", gradlabOut, "--timeout", "180"], env, 240_000),
      run(NBCONVERT[0], [NBCONVERT[1], "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=180", "--ExecutePreprocessor.kernel_name=gradlab", "--output-dir", join(tmp, "nbconvert"), src], env, 300_000),
    ]);
    times.push({ notebook: file, gradlabRun: g.seconds, nbconvert: n.seconds });
    expect(g.code, `gradlab run ${file} failed:\n${g.stdout}\n${g.stderr}`).toBe(0);
    expect(n.code, `nbconvert --execute ${file} failed:\n${n.stderr.slice(-4000)}`).toBe(0);
    const nbconvertOut = join(tmp, "nbconvert", file);
    for (const out of [gradlabOut, nbconvertOut]) {
      expect(errorOutputs(out), out).toEqual([]);
      expect(codeCellsWithOutputs(out), `${out} has no outputs at all`).toBeGreaterThan(0);
    }
    // The final cell's assertion ran: its success line is in both executions.
    for (const out of [gradlabOut, nbconvertOut]) expect(readFileSync(out, "utf8")).toContain("✓");
  });

  // What JupyterLab shows of each executed tutorial: every output through rendermime's default
  // renderers, the vega5 extension and the widget manager, with the MIME type JupyterLab picks.
  it.skipIf(!existsSync(CHROMIUM) || !haveJupyterServer).each(notebooks)("%s renders with JupyterLab's renderers", async (file) => {
    const executed = join(tmp, "nbconvert", file);
    expect(existsSync(executed), `${file} was not executed (see its execution test)`).toBe(true);
    renderPage ??= await openRenderPage(join(tmp, "render"), join(root, "artifacts", "jupyterlab-render"));
    const report = await renderPage.render(executed);
    const where = (o: { cell: number; output: number; mime: string | null }): string => `cell ${o.cell} output ${o.output} (${o.mime})`;
    expect(report.outputs.filter((o) => o.error !== null).map((o) => `${where(o)}: ${o.error}`), "renderer errors").toEqual([]);
    expect(report.outputs.filter((o) => o.problem !== null).map((o) => `${where(o)}: ${o.problem}`), "outputs that did not render").toEqual([]);
    expect(report.consoleErrors, "console errors").toEqual([]);
    expect(report.outputs.length, "rendered outputs").toBeGreaterThan(0);
    console.log(`${file}: ${JSON.stringify(report.mimeCounts)} → ${report.screenshot}`);
  });
});
