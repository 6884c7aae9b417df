// `npm run build` (bin/build.js) skips the steps whose inputs did not change and says so.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const build = () => spawnSync(process.execPath, [join(root, "bin", "build.js")], { cwd: root, encoding: "utf8", timeout: 300_000 });

describe.skipIf(!existsSync(join(root, "dist", ".build-inputs.json")))("incremental build", () => {
  it("a second build with nothing changed does no work and says why", () => {
    expect(build().status).toBe(0); // whatever was stale (usually nothing: npm test built first)
    const r = build();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("wasm: up to date (inputs unchanged)");
    expect(r.stdout).toContain("tsc: up to date (no source changed)");
    expect(r.stdout).toContain("type bundles: up to date (inputs unchanged)");
  }, 600_000);
});
