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

/** Collects vega-lite's warnings instead of printing them into the user's cell output. */
function quietLogger(warnings: string[]) {
  let lvl = 2;
  const logger = {
    level(l?: number) {
      if (l === undefined) return lvl as never;
      lvl = l;
      return logger as never;
    },
    error: (...a: unknown[]) => (warnings.push(a.map(String).join(" ")), logger) as never,
    warn: (...a: unknown[]) => (warnings.push(a.map(String).join(" ")), logger) as never,
    info: () => logger as never,
    debug: () => logger as never,
  };
  return logger;
}

/** Compiles a Vega-Lite spec to a Vega spec (throws on an invalid spec; warnings are collected). */
export async function compileVegaLite(spec: VegaLiteSpec, warnings: string[] = []): Promise<VegaModule.Spec> {
  const { vl } = await loadVega();
  return vl.compile(spec as never, { logger: quietLogger(warnings) as never }).spec;
}

/** Renders a Vega-Lite spec to a standalone SVG string. */
export async function renderVegaLite(spec: VegaLiteSpec): Promise<string> {
  const { vega } = await loadVega();
  const view = new vega.View(vega.parse(await compileVegaLite(spec)), { renderer: "none", logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
