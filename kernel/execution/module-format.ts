// Whether Node loads a file as CommonJS: `.cjs`, or `.js` whose nearest package.json does not
// say `"type": "module"` (the importer and the loader hooks both need to know).
import { existsSync, readFileSync } from "node:fs";
import { dirname, extname, join } from "node:path";

export function isCommonJs(file: string): boolean {
  const ext = extname(file);
  if (ext === ".cjs") return true;
  if (ext !== ".js") return false;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        return (JSON.parse(readFileSync(pkg, "utf8")) as { type?: string }).type !== "module";
      } catch {
        return true;
      }
    }
    if (dirname(dir) === dir) return true;
  }
}
