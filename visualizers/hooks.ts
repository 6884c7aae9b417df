// Installs the display hook on lib's classes, so a Tensor or Module as a cell's last
// expression shows richly. lib stays free of display code; this runs when the prelude loads.
import { structureDiagram } from "./architecture.js";
import { JUPYTER_DISPLAY, type MimeBundle } from "./bundle.js";
import { renderDiagram } from "./diagram.js";
import { summaryData, summaryHtml } from "./module_summary.js";
import { tensorView } from "./tensor_view.js";
import type { ModuleLike, TensorLike } from "./types.js";

type Ctor = { prototype: object } | undefined | null;

export function tensorBundle(t: TensorLike): MimeBundle {
  return tensorView(t).bundle;
}

/**
 * Module: the summary table (tree + parameter counts) beside the structure diagram as HTML,
 * PyTorch's repr as text. Shapes need an input: `summary(m, x)`, `architecture(m, x)`.
 */
export function moduleBundle(m: ModuleLike): MimeBundle {
  const table = summaryHtml(summaryData(m));
  const diagram = renderDiagram(structureDiagram(m));
  const note = `<div style="color:#666;font:11px DejaVu Sans,Helvetica,Arial,sans-serif;margin-top:4px">shapes: summary(model, x) · data flow: architecture(model, x)</div>`;
  const html = `<div class="gradlab-module" style="display:flex;flex-wrap:wrap;align-items:flex-start;gap:16px">` +
    `<div>${table}${note}</div><div class="gradlab-svg">${diagram}</div></div>`;
  return { "text/plain": String(m), "text/html": html };
}

function define(proto: object, fn: (this: never) => MimeBundle): void {
  Object.defineProperty(proto, JUPYTER_DISPLAY, { value: fn, configurable: true, writable: true, enumerable: false });
}

/** Puts `[Symbol.for("Jupyter.display")]` on Tensor.prototype and Module.prototype (either may be absent). */
export function installHooks(classes: { Tensor?: Ctor; Module?: Ctor }): void {
  if (classes.Tensor) define(classes.Tensor.prototype, function (this: TensorLike) { return tensorBundle(this); } as never);
  if (classes.Module) define(classes.Module.prototype, function (this: ModuleLike) { return moduleBundle(this); } as never);
}

export function uninstallHooks(classes: { Tensor?: Ctor; Module?: Ctor }): void {
  for (const c of [classes.Tensor, classes.Module]) if (c) delete (c.prototype as Record<symbol, unknown>)[JUPYTER_DISPLAY];
}
