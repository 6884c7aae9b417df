// Build step (after tsc): writes the type bundles the kernel's compiler starts from
// (type-bundles.ts) into dist/types/.
//   node dist/kernel/compiler/build-type-bundles.js [--prelude FILE.d.ts] [--out DIR]
// Default prelude: dist/visualizers/prelude.d.ts; default out: dist/types. A prelude that
// cannot be bundled is a warning, not a failure: the kernel then reads its files one by one.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { defaultTypesDir, writeTypeBundles } from "./type-bundles.js";

const { values } = parseArgs({ options: { prelude: { type: "string" }, out: { type: "string" } } });
const defaultPrelude = fileURLToPath(new URL("../../visualizers/prelude.d.ts", import.meta.url));
const prelude = values.prelude ?? (existsSync(defaultPrelude) ? defaultPrelude : undefined);
const out = path.resolve(values.out ?? defaultTypesDir());
const t0 = performance.now();
const written = writeTypeBundles(out, prelude);
const what = written.prelude ? `lib + prelude (${written.prelude.modules} modules, entry ${written.prelude.entry})` : "lib";
console.log(`type bundles: ${what} → ${path.relative(process.cwd(), out) || "."} in ${Math.round(performance.now() - t0)} ms`);
if (prelude === undefined) console.warn("type bundles: warning: no prelude declarations found (build the tree first); only the ES library was bundled");
if (written.preludeError) console.warn(`type bundles: warning: the prelude was not bundled: ${written.preludeError}`);
