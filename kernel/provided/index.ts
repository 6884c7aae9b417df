// Modules the kernel provides under a package's name, so notebooks written for another kernel
// run unchanged: `import * as tslab from "tslab"` is tslab.ts. The importer (and its loader
// hooks, for modules that cells import) loads `url`; the cell compiler checks against `types`.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface ProvidedModule {
  /** file: URL of the module's JavaScript. */
  url: string;
  /** Path of its declarations (the .ts source when running unbuilt, under vitest). */
  types: string;
}

const NAMES = { tslab: "tslab" } as const;

export function providedModules(): Record<string, ProvidedModule> {
  const out: Record<string, ProvidedModule> = {};
  for (const [specifier, file] of Object.entries(NAMES)) {
    const dts = fileURLToPath(new URL(`./${file}.d.ts`, import.meta.url));
    const js = new URL(`./${file}.js`, import.meta.url);
    const built = existsSync(dts);
    out[specifier] = { url: built ? js.href : new URL(`./${file}.ts`, import.meta.url).href, types: built ? dts : fileURLToPath(new URL(`./${file}.ts`, import.meta.url)) };
  }
  return out;
}
