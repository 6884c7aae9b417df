// Vega-Lite → SVG in Node, headless (vega's "none" renderer needs no canvas). vega and
// vega-lite are large, so they load on the first plot, not when the prelude loads.
import type * as VegaModule from "vega";
import type * as VegaLiteModule from "vega-lite";

export type VegaLiteSpec = Record<string, unknown>;

export const VEGALITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

let libs: Promise<{ vega: typeof VegaModule; vl: typeof VegaLiteModule }> | null = null;

function loadVega() {
  libs ??= Promise.all([import("vega"), import("vega-lite")]).then(([vega, vl]) => ({ vega, vl }));
  return libs;
}

/** Compiles a Vega-Lite spec to a Vega spec (throws on an invalid spec). */
export async function compileVegaLite(spec: VegaLiteSpec): Promise<VegaModule.Spec> {
  const { vl } = await loadVega();
  return vl.compile(spec as never).spec;
}

/** Renders a Vega-Lite spec to a standalone SVG string. */
export async function renderVegaLite(spec: VegaLiteSpec): Promise<string> {
  const { vega } = await loadVega();
  const view = new vega.View(vega.parse(await compileVegaLite(spec)), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
