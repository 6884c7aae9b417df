// The gradlab checkout this code runs from (kernel/ under vitest, dist/kernel/ when built).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: { root: string; version: string } | null = null;

export function gradlabPackage(): { root: string; version: string } {
  if (cached !== null) return cached;
  for (let dir = dirname(fileURLToPath(import.meta.url)); dirname(dir) !== dir; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "gradlab") return (cached = { root: dir, version: pkg.version ?? "unknown" });
    } catch {
      /* keep looking */
    }
  }
  throw new Error("gradlab: cannot find the package root (package.json named gradlab) above " + fileURLToPath(import.meta.url));
}
