// Renders every kind of display in Debian's chromium (the page as a notebook would show it,
// and the same bundles through `jupyter nbconvert --to html`), checks that every SVG and
// image has a non-zero rendered size, and leaves screenshots in artifacts/visualizers/.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MimeBundle } from "../../visualizers/bundle.js";
import { galleryBundles, galleryHtml, galleryNotebook, libGalleryBundles } from "./gallery.js";

const CHROMIUM = "/usr/bin/chromium";
const OUT = join(process.cwd(), "artifacts", "visualizers");

describe.skipIf(!existsSync(CHROMIUM))("browser rendering", () => {
  let browser: Awaited<ReturnType<typeof chromium.launch>>;
  let items: [string, MimeBundle][];
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    items = [...(await galleryBundles()), ...(await libGalleryBundles())];
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("every display renders with a non-zero size", async () => {
    const html = galleryHtml(items);
    writeFileSync(join(OUT, "page.html"), html);
    const page = await browser.newPage({ viewport: { width: 1150, height: 900 } });
    await page.setContent(html, { waitUntil: "load" });
    const sizes = await page.$$eval("section", (secs) =>
      secs.map((s) => {
        // outermost pictures, and tables (the module summary is one)
        const els = [...s.querySelectorAll(".out svg, .out img, .out table")].filter((e) => !e.parentElement?.closest("svg, table"));
        return { title: s.querySelector("h3")!.textContent, boxes: els.map((e) => { const r = e.getBoundingClientRect(); return [r.width, r.height]; }) };
      }),
    );
    for (const s of sizes) {
      expect(s.boxes.length, `${s.title}: nothing graphical rendered`).toBeGreaterThan(0);
      for (const [w, h] of s.boxes) expect(w * h, `${s.title}: zero-size element`).toBeGreaterThan(0);
    }
    for (let i = 0; i < items.length; i++) {
      await page.locator(`#item${i}`).screenshot({ path: join(OUT, `${String(i).padStart(2, "0")}-${items[i]![0].replace(/[^a-z0-9]+/gi, "-")}.png`) });
    }
    await page.screenshot({ path: join(OUT, "gallery.png"), fullPage: true });
    await page.close();
  });

  it("nbconvert --to html shows them too (static fallbacks, no JavaScript needed)", async () => {
    const nb = join(OUT, "gallery.ipynb");
    writeFileSync(nb, JSON.stringify(galleryNotebook(items), null, 1));
    // nbconvert writes gallery.html next to the notebook: keep the direct page under another name

    execFileSync("/usr/bin/jupyter", ["nbconvert", "--to", "html", "--output-dir", OUT, nb], { stdio: "pipe", timeout: 60_000 });
    const page = await browser.newPage({ viewport: { width: 1150, height: 900 } });
    await page.route("**/*", (route) => (route.request().url().startsWith("file:") ? route.continue() : route.abort()));
    await page.goto(`file://${nb.replace(/\.ipynb$/, ".html")}`);
    const outputs = await page.$$eval(".jp-OutputArea-output, .output_area", (els) =>
      els.map((e) => {
        const g = e.querySelector("svg, img, table");
        const r = g?.getBoundingClientRect();
        return r ? r.width * r.height : 0;
      }),
    );
    expect(outputs.length).toBe(items.length);
    outputs.forEach((a, i) => expect(a, `nbconvert output ${i} (${items[i]![0]})`).toBeGreaterThan(0));
    await page.screenshot({ path: join(OUT, "nbconvert.png"), fullPage: true });
    await page.close();
  });
});
