// Widgets in a real browser, rendered by the npm packages JupyterLab is built from: a page
// (test/e2e/widgets-page/, bundled here by vite) with @jupyterlab/services and
// @jupyter-widgets/html-manager + controls, served by Debian's jupyter-server, which runs the
// gradlab kernelspec. In Debian's chromium (playwright-core), a person's gestures: drag a
// learning-rate slider and click Stop while a synchronous training loop runs; the loop sees
// both. A second tab on the same kernel then restores the widgets, as a reload does. Leaves
// artifacts/browser-widgets.png.
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPage, CHROMIUM, haveJupyterServer, launchChromium, startJupyterServer, stopServer } from "./servers.js";

declare const window: any;
declare const document: any;

const root = join(import.meta.dirname, "..", "..");
const install = join(root, "dist", "kernel", "install.js");
const enabled = existsSync(CHROMIUM) && haveJupyterServer && existsSync(install);

const logText = (page: Page): Promise<string> => page.evaluate(() => document.getElementById("log").textContent as string);

async function waitForLog(page: Page, text: string, timeoutMs: number): Promise<void> {
  await page.waitForFunction((t: string) => (document.getElementById("log").textContent as string).includes(t), text, { timeout: timeoutMs, polling: 50 }).catch(async (e: Error) => {
    throw new Error(`${e.message}\nlog so far:\n${await logText(page)}`);
  });
}

describe.skipIf(!enabled)("widgets in chromium through jupyter-server (html-manager + controls)", () => {
  const dir = mkdtempSync(join(tmpdir(), "gradlab-widgets-browser-"));
  const token = randomBytes(16).toString("hex");
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  let base = "";

  beforeAll(async () => {
    const page = join(dir, "page");
    await buildPage(join(import.meta.dirname, "widgets-page"), page);
    const { installKernelSpec } = (await import(install)) as typeof import("../../kernel/install.js");
    installKernelSpec({ scope: "prefix", prefix: dir, name: "gradlab" });
    const env = { ...process.env, JUPYTER_PATH: join(dir, "share", "jupyter"), JUPYTER_DATA_DIR: join(dir, "data"), JUPYTER_RUNTIME_DIR: join(dir, "runtime"), JUPYTER_CONFIG_DIR: join(dir, "config") };
    const started = await startJupyterServer(dir, page, token, env);
    server = started.process;
    base = started.base;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it("dragging the slider changes a running loop's learning rate; clicking Stop ends it", async () => {
    const page = await browser!.newPage({ viewport: { width: 900, height: 400 } });
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(`${base}/static/index.html?token=${token}`, { waitUntil: "load" });
    await page.waitForFunction(() => window.gradlab?.ready === true, null, { timeout: 60_000 }).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${await logText(page)}\n${pageErrors.join("\n")}`);
    });
    const setup = await page.evaluate(() =>
      window.gradlab.run('const lr = new widgets.FloatSlider({ value: 0.1, min: 0, max: 1, step: 0.01, description: "lr" });\nconst stop = new widgets.Button({ description: "Stop", buttonStyle: "danger" });\ndisplay(new widgets.HBox([lr, stop]));'),
    );
    expect(setup).toBe("ok");
    // The views, as the controls package draws them.
    await page.waitForSelector(".widget-hbox .widget-slider .noUi-handle", { timeout: 20_000 });
    await page.waitForSelector(".widget-hbox button.widget-button", { timeout: 20_000 });
    expect(await page.textContent(".widget-readout")).toBe("0.10");

    void page.evaluate(() =>
      window.gradlab.run(
        [
          "const model = new nn.Linear(2, 1); const opt = new optim.SGD(model.parameters(), { lr: lr.value });",
          "const x = randn([64, 2]), y = x.matmul(tensor([[2], [-1]]));",
          'let step = 0; const seen = new Set<number>(); console.log("training");',
          "const until = Date.now() + 60000;",
          "while (stop.clicks === 0 && Date.now() < until) {",
          "  for (const g of opt.paramGroups) g.lr = lr.value; seen.add(lr.value);",
          "  opt.zeroGrad(); F.mseLoss(model.call(x), y).backward(); opt.step(); step++;",
          "}",
          'console.log(`stopped; steps ${step > 0}; max lr seen ${Math.max(...seen)}; first ${[...seen][0]}; timed out ${Date.now() >= until}`);',
        ].join("\n"),
      ),
    );
    await waitForLog(page, "training", 30_000);
    // Drag the handle most of the way right, as a person would.
    const track = (await page.locator(".widget-slider .noUi-target").boundingBox())!;
    const handle = (await page.locator(".widget-slider .noUi-handle").boundingBox())!;
    await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
    await page.mouse.down();
    await page.mouse.move(track.x + track.width * 0.6, handle.y + handle.height / 2, { steps: 5 });
    await page.mouse.move(track.x + track.width * 0.8, handle.y + handle.height / 2, { steps: 5 });
    await page.mouse.up();
    const shown = Number(await page.textContent(".widget-readout"));
    expect(shown).toBeGreaterThan(0.5);
    await page.waitForTimeout(300);
    await page.click("button.widget-button");
    await waitForLog(page, "stopped;", 30_000);
    mkdirSync(join(root, "artifacts"), { recursive: true });
    await page.screenshot({ path: join(root, "artifacts", "browser-widgets.png"), fullPage: true });
    const log = await logText(page);
    const m = /max lr seen ([\d.]+); first ([\d.]+); timed out (\w+)/.exec(log);
    expect(m, log).not.toBeNull();
    expect(Number(m![2])).toBe(0.1);
    // The running loop saw the value the slider shows after the drag, and stopped at the click.
    expect(Number(m![1])).toBeCloseTo(shown, 5);
    expect(m![3]).toBe("false");
    expect(log).toContain("steps true");
    expect(pageErrors).toEqual([]);

    // A second tab on the same kernel (a reload) restores the widgets through the control comm.
    const kernelId = await page.evaluate(() => window.gradlab.kernelId);
    const again = await browser!.newPage();
    again.on("pageerror", (e) => pageErrors.push(e.message));
    await again.goto(`${base}/static/index.html?token=${token}&kernel=${kernelId}`, { waitUntil: "load" });
    await again.waitForFunction(() => window.gradlab?.ready === true, null, { timeout: 60_000 });
    const restored = (await again.evaluate(() => window.gradlab.restore())) as { model: string; value: unknown; description: unknown; fellBack: boolean }[];
    expect(restored[0]!.fellBack).toBe(false);
    expect(restored.find((m) => m.model === "FloatSliderModel")).toMatchObject({ value: shown, description: "lr" });
    expect(restored.map((m) => m.model)).toEqual(expect.arrayContaining(["ButtonModel", "HBoxModel", "LayoutModel", "SliderStyleModel"]));
    expect(pageErrors).toEqual([]);
    await again.close();
    await page.close();
  }, 180_000);
});
