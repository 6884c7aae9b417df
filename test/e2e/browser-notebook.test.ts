// A tutorial in a real browser: Debian's classic Notebook server (jupyter-notebook 6) on
// 127.0.0.1 with the gradlab kernelspec, headless Debian chromium driven by playwright-core,
// Run All, wait for the kernel to go idle, then check that plots and diagrams are on the page
// with a non-zero size and no cell failed. Leaves a screenshot in artifacts/.
// Runs in `npm run test:notebooks` (vitest.notebooks.config.ts). Uses dist/.
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, stopServer } from "./servers.js";

// The page functions below run in the browser; the repo's type-check has no DOM lib, so
// declare just the two globals they touch (module-scoped, not global).
declare const window: any;
declare const document: any;

const root = join(import.meta.dirname, "..", "..");
const CHROMIUM = "/usr/bin/chromium";
const JUPYTER = "/usr/bin/jupyter";
const NOTEBOOK = "05-your-first-network-digit-recognition.ipynb";
const enabled = process.env.GRADLAB_NOTEBOOK_SUITE === "1" && existsSync(CHROMIUM) && existsSync(JUPYTER) && existsSync(join(root, "dist", "kernel", "cli.js"));

async function waitForHttp(url: string, timeoutMs: number, server: () => string, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited()) throw new Error(`jupyter notebook exited during start-up:\n${server()}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`jupyter notebook did not answer ${url} within ${timeoutMs} ms:\n${server()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(!enabled)("a tutorial in classic Jupyter Notebook, in chromium", () => {
  let tmp = "";
  let server: ChildProcess | undefined;
  let serverLog = "";
  let browser: Browser | undefined;
  let base = "";
  const token = randomBytes(16).toString("hex");

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "gradlab-browser-"));
    const prefix = join(tmp, "prefix");
    const install = spawn(process.execPath, [join(root, "bin", "gradlab.js"), "install", "--prefix", prefix], { stdio: "ignore" });
    await new Promise((r) => install.on("exit", r));
    const nbDir = join(tmp, "notebooks");
    cpSync(join(root, "notebooks"), nbDir, { recursive: true });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env = { ...process.env, JUPYTER_PATH: join(prefix, "share", "jupyter"), JUPYTER_DATA_DIR: join(tmp, "data"), JUPYTER_RUNTIME_DIR: join(tmp, "runtime"), JUPYTER_CONFIG_DIR: join(tmp, "config"), IPYTHONDIR: join(tmp, "ipython") };
    server = spawn(JUPYTER, ["notebook", "--no-browser", "--ip=127.0.0.1", `--port=${port}`, `--NotebookApp.token=${token}`, `--notebook-dir=${nbDir}`, "--NotebookApp.open_browser=False", ...(process.getuid?.() === 0 ? ["--allow-root"] : [])], { env, stdio: ["ignore", "pipe", "pipe"] });
    server.stdout!.on("data", (d: Buffer) => (serverLog += d.toString()));
    server.stderr!.on("data", (d: Buffer) => (serverLog += d.toString()));
    await waitForHttp(`${base}/api/status?token=${token}`, 60_000, () => serverLog, () => server!.exitCode !== null);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await stopServer(server);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it(`runs ${NOTEBOOK} and shows its plots and diagrams`, async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 1000 } });
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(`${base}/notebooks/${NOTEBOOK}?token=${token}`, { waitUntil: "load" });
    // The kernel named in the notebook's metadata (gradlab) starts; wait until it is connected and idle.
    await page.waitForFunction(() => {
      const J = (window as any).Jupyter;
      return J?.notebook?.kernel?.is_connected?.() === true && document.querySelector("#kernel_indicator_icon.kernel_idle_icon") !== null;
    }, null, { timeout: 60_000 });
    expect(await page.evaluate(() => (window as any).Jupyter.notebook.kernel.name)).toBe("gradlab");
    await page.evaluate(() => (window as any).Jupyter.notebook.execute_all_cells());
    // Done when every code cell has an execution count and the kernel is idle again.
    await page.waitForFunction(() => {
      const cells = (window as any).Jupyter.notebook.get_cells().filter((c: any) => c.cell_type === "code");
      return cells.every((c: any) => typeof c.input_prompt_number === "number") && document.querySelector("#kernel_indicator_icon.kernel_idle_icon") !== null;
    }, null, { timeout: 180_000, polling: 500 });

    const report = await page.evaluate(() => {
      const svgs = [...document.querySelectorAll(".output_area svg")].filter((s) => !s.parentElement?.closest("svg"));
      return {
        errors: [...document.querySelectorAll(".output_error, .output_stderr")].map((e) => e.textContent?.slice(0, 300)),
        svgBoxes: svgs.map((s) => { const r = s.getBoundingClientRect(); return [Math.round(r.width), Math.round(r.height)]; }),
        svgText: svgs.map((s) => s.textContent ?? "").join(" "),
        images: [...document.querySelectorAll(".output_area img")].map((i) => { const r = i.getBoundingClientRect(); return [Math.round(r.width), Math.round(r.height)]; }),
        tables: document.querySelectorAll(".output_area table").length,
        text: document.querySelector("#notebook")?.textContent ?? "",
      };
    });
    mkdirSync(join(root, "artifacts"), { recursive: true });
    // Notebook 6 scrolls inside #site, not the page: unclip it so the screenshot shows every cell.
    await page.evaluate(() => {
      const site = document.getElementById("site");
      if (site) Object.assign(site.style, { height: "auto", overflow: "visible" });
      document.body.style.overflow = "visible";
    });
    await page.screenshot({ path: join(root, "artifacts", "browser-notebook-05.png"), fullPage: true });
    await page.close();

    expect(report.errors).toEqual([]);
    // Architecture diagram (layer names), live loss/accuracy curves, confusion matrix: all SVG.
    expect(report.svgBoxes.length).toBeGreaterThanOrEqual(3);
    for (const [w, h] of report.svgBoxes) expect(w * h).toBeGreaterThan(0);
    expect(report.svgText).toContain("Linear");
    expect(report.svgText).toMatch(/loss/);
    // Digit image grids are PNGs; the summary is a table.
    expect(report.images.length).toBeGreaterThanOrEqual(2);
    for (const [w, h] of report.images) expect(w * h).toBeGreaterThan(0);
    expect(report.tables).toBeGreaterThanOrEqual(1);
    expect(report.text).toContain("✓ test accuracy");
    expect(pageErrors.filter((e) => !/vega|widget/i.test(e))).toEqual([]);
  });
});
