// Renders executed notebooks with JupyterLab's own renderers (test/e2e/jupyterlab-page/, built by
// vite and served by jupyter-server) in Debian's chromium, and checks what a reader would see:
// no renderer error, every vega-lite chart drawn with no vega warning, every image decoded, no
// empty HTML output, no console error. Leaves a full-page screenshot per notebook in artifacts/jupyterlab-render/.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import type { Rendered } from "./jupyterlab-page/main.js";
import { buildPage, launchChromium, startJupyterServer, stopServer, type JupyterServer } from "./servers.js";

declare const window: any;
declare const document: any;

export interface OutputCheck extends Rendered { problem: string | null }
/** consoleErrors holds the page's errors and vega's warnings ("WARN …": a scale or data it could not draw). */
export interface RenderReport { outputs: OutputCheck[]; mimeCounts: Record<string, number>; consoleErrors: string[]; screenshot: string }

export interface RenderPage { render(notebookPath: string): Promise<RenderReport>; close(): Promise<void> }

/** Builds the page into dir/page, serves it, and opens chromium; close() ends both. */
export async function openRenderPage(dir: string, artifacts: string): Promise<RenderPage> {
  const page = join(dir, "page");
  await buildPage(join(import.meta.dirname, "jupyterlab-page"), page);
  const server: JupyterServer = await startJupyterServer(dir, page, randomBytes(16).toString("hex"), { ...process.env, JUPYTER_DATA_DIR: join(dir, "data"), JUPYTER_RUNTIME_DIR: join(dir, "runtime"), JUPYTER_CONFIG_DIR: join(dir, "config") });
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (e) {
    await stopServer(server.process);
    throw e;
  }
  mkdirSync(artifacts, { recursive: true });
  return {
    async render(notebookPath) {
      const tab = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const consoleErrors: string[] = [];
      tab.on("console", (m) => void ((m.type() === "error" || (m.type() === "warning" && m.text().startsWith("WARN "))) && consoleErrors.push(m.text())));
      tab.on("pageerror", (e) => consoleErrors.push(e.message));
      try {
        await tab.goto(`${server.base}/static/index.html?token=${server.token}`, { waitUntil: "load" });
        await tab.waitForFunction(() => window.gradlab?.ready === true, null, { timeout: 60_000 });
        const nb = JSON.parse(readFileSync(notebookPath, "utf8")) as unknown;
        const name = notebookPath.split("/").pop()!;
        const rendered = (await tab.evaluate(([n, t]) => window.gradlab.render(n, t), [nb, name] as const)) as Rendered[];
        const problems = (await tab.evaluate(inspectOutputs)) as (string | null)[];
        const outputs = rendered.map((r, i) => ({ ...r, problem: i < problems.length ? problems[i]! : "no host element" }));
        const mimeCounts: Record<string, number> = {};
        for (const o of outputs) {
          const key = `${o.mime ?? "none"}${o.alternate ? " (alternate)" : ""}`;
          mimeCounts[key] = (mimeCounts[key] ?? 0) + 1;
        }
        const screenshot = join(artifacts, name.replace(/\.ipynb$/, ".png"));
        await tab.screenshot({ path: screenshot, fullPage: true });
        return { outputs, mimeCounts, consoleErrors, screenshot };
      } finally {
        await tab.close();
      }
    },
    async close() {
      await browser.close();
      await stopServer(server.process);
    },
  };
}

/** In the page: what is wrong with each rendered output, or null. Runs in chromium. */
async function inspectOutputs(): Promise<(string | null)[]> {
  const hosts = [...document.querySelectorAll(".gradlab-output")] as any[];
  const out: (string | null)[] = [];
  for (const host of hosts) {
    const mime = host.dataset.mime as string;
    const imgs = [...host.querySelectorAll("img")] as any[];
    // Every image in the output decodes (an <img> for PNG/JPEG/GIF/SVG, and any inside HTML).
    const undecoded: string[] = [];
    for (const img of imgs) {
      await img.decode().catch(() => undefined);
      if (!(img.naturalWidth > 0)) undecoded.push(String(img.src).slice(0, 60));
    }
    if (mime === "") out.push("no renderer for any of its MIME types");
    else if (undecoded.length > 0) out.push(`image did not decode: ${undecoded.join(", ")}`);
    else if (mime.startsWith("image/") && imgs.length === 0) out.push("no <img> element");
    else if (mime.startsWith("application/vnd.vegalite")) {
      const svgMarks = host.querySelectorAll("svg .mark-group, svg path, svg rect, svg line, svg text").length;
      const canvas = host.querySelector("canvas");
      let inked = false;
      if (canvas && canvas.width > 0 && canvas.height > 0) {
        const px = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 3; i < px.length && !inked; i += 4) inked = px[i] > 0;
      }
      out.push(svgMarks > 0 || inked ? null : "vega-lite drew no SVG marks and no inked canvas");
    } else if (mime === "text/html") out.push((host.textContent.trim() !== "" || host.querySelector("img, svg, canvas") !== null) ? null : "empty HTML output");
    else if (mime === "application/vnd.jupyter.widget-view+json") out.push(host.querySelector(".jupyter-widgets") !== null ? null : "no widget view drawn");
    else out.push(host.textContent.trim() !== "" || host.querySelector("img, svg") !== null ? null : `empty ${mime} output`);
  }
  return out;
}
