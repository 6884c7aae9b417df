// MIME bundles and the objects that carry them to a notebook. A visualizer returns a
// `Rich` (synchronous bundle) or a `Figure` (Vega-Lite spec rendered to SVG on demand);
// both display through the Deno/Jupyter convention `[Symbol.for("Jupyter.display")]()`.
import { renderVegaLite, type VegaLiteSpec } from "./vega.js";

export type MimeBundle = { "text/plain": string } & Record<string, unknown>;

export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display") as never;
const INSPECT = Symbol.for("nodejs.util.inspect.custom");

export const VEGALITE_MIME = "application/vnd.vegalite.v5+json";

/**
 * `interactive: false` (default) adds a `text/html` copy of every SVG picture, because some
 * renderers drop SVG outputs (nbconvert 6.5–7.6 strips all SVG elements through its HTML
 * sanitizer; fixed upstream in 7.7) while raw HTML always passes. JupyterLab ranks HTML
 * above Vega-Lite, so set `interactive: true` to get Vega-Lite's tooltips/zoom there instead.
 */
export const displayOptions = { interactive: false };

/** `<img>` with the SVG as a data URI: isolates vega's element ids from the page's. */
export function svgImgHtml(svg: string): string {
  return `<img alt="plot" src="data:image/svg+xml;base64,${Buffer.from(svg, "utf8").toString("base64")}"/>`;
}

/** Adds the HTML fallback described at `displayOptions` to a bundle holding an SVG. */
export function withHtmlFallback(b: MimeBundle, inline: boolean): MimeBundle {
  const svg = b["image/svg+xml"];
  if (typeof svg !== "string" || "text/html" in b) return b;
  if (displayOptions.interactive && VEGALITE_MIME in b) return b;
  return { ...b, "text/html": inline ? `<div class="gradlab-svg">${svg}</div>` : svgImgHtml(svg) };
}

/** A ready MIME bundle; shows richly as a cell's last expression, as text in plain Node. */
export class Rich {
  constructor(readonly bundle: MimeBundle) {}
  [JUPYTER_DISPLAY](): MimeBundle {
    return withHtmlFallback(this.bundle, true);
  }
  toString(): string {
    return this.bundle["text/plain"];
  }
  [INSPECT](): string {
    return this.bundle["text/plain"];
  }
}

/**
 * A Vega-Lite plot. The spec is built eagerly (cheap, synchronous); the static SVG is
 * rendered by vega on first display, so the display hook returns a Promise (the gradlab
 * kernel awaits it). `render()` gives the full bundle for use outside the kernel.
 */
export class Figure {
  private rendered: Promise<MimeBundle> | null = null;
  constructor(
    readonly spec: VegaLiteSpec,
    readonly text: string,
  ) {}
  render(): Promise<MimeBundle> {
    this.rendered ??= renderVegaLite(this.spec).then((svg) => ({
      [VEGALITE_MIME]: this.spec,
      "image/svg+xml": svg,
      "text/plain": this.text,
    }));
    return this.rendered.then((b) => withHtmlFallback(b, false));
  }
  [JUPYTER_DISPLAY](): Promise<MimeBundle> {
    return this.render();
  }
  toString(): string {
    return this.text;
  }
  [INSPECT](): string {
    return this.text;
  }
}
