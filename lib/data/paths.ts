import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | null = null;

/**
 * The repository's data/ folder. Found by walking up from this file, so it works both from
 * the TypeScript sources (lib/data/) and from the compiled package (dist/lib/data/).
 */
export function dataRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "data");
    if (existsSync(join(candidate, "digits", "digits.csv.gz"))) return (cached = candidate);
    dir = dirname(dir);
  }
  throw new Error("dataRoot: cannot find the shipped data/ folder (expected data/digits/digits.csv.gz above lib/data)");
}
