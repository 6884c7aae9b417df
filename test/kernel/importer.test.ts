import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { removeTempDirs, tempDir } from "../temp-dirs.js";
import { Importer, resolveEsmExports } from "../../kernel/execution/importer.js";

afterAll(removeTempDirs);

function tree(files: Record<string, string>): string {
  const dir = tempDir("gradlab-imp-");
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

describe("package exports resolution (import condition)", () => {
  const dir = tree({
    "node_modules/esm/package.json": JSON.stringify({ name: "esm", exports: { ".": { import: "./main.mjs", require: "./main.cjs" }, "./sub/*": { import: "./lib/*.mjs" }, "./plain": "./plain.js" } }),
    "node_modules/@scope/pkg/package.json": JSON.stringify({ name: "@scope/pkg", exports: { import: "./x.js" } }),
    "node_modules/legacy/package.json": JSON.stringify({ name: "legacy", module: "./m.js", main: "./c.js" }),
    "nested/deeper/.keep": "",
  });
  it("picks the import condition, subpaths, patterns, scoped packages, module/main", () => {
    expect(resolveEsmExports(dir, "esm")).toBe(join(dir, "node_modules/esm/main.mjs"));
    expect(resolveEsmExports(dir, "esm/sub/a")).toBe(join(dir, "node_modules/esm/lib/a.mjs"));
    expect(resolveEsmExports(dir, "esm/plain")).toBe(join(dir, "node_modules/esm/plain.js"));
    expect(resolveEsmExports(dir, "esm/missing")).toBe(null);
    expect(resolveEsmExports(dir, "@scope/pkg")).toBe(join(dir, "node_modules/@scope/pkg/x.js"));
    expect(resolveEsmExports(dir, "legacy")).toBe(join(dir, "node_modules/legacy/m.js"));
  });
  it("walks up from nested directories and returns null for unknown packages", () => {
    expect(resolveEsmExports(join(dir, "nested/deeper"), "esm")).toBe(join(dir, "node_modules/esm/main.mjs"));
    expect(resolveEsmExports(dir, "no-such-package-xyz")).toBe(null);
  });
});

describe("Importer", () => {
  it("imports built-ins, ESM-only and CommonJS packages, and local JS files next to the notebook", async () => {
    const dir = tree({
      "node_modules/only-esm/package.json": JSON.stringify({ name: "only-esm", type: "module", exports: { import: "./i.js" } }),
      "node_modules/only-esm/i.js": "export const v = 'esm';",
      "node_modules/cjs/package.json": JSON.stringify({ name: "cjs", main: "c.js" }),
      "node_modules/cjs/c.js": "module.exports = { v: 'cjs' };",
      "local.mjs": "export const v = 'local';",
    });
    const imp = new Importer(dir);
    expect(typeof ((await imp.import("path")) as { join: unknown }).join).toBe("function");
    expect(((await imp.import("only-esm")) as { v: string }).v).toBe("esm");
    expect(((await imp.import("cjs")) as { default: { v: string } }).default.v).toBe("cjs");
    expect(((await imp.import("./local.mjs")) as { v: string }).v).toBe("local");
    await expect(imp.import("./nope")).rejects.toThrow(/cannot find "\.\/nope"/);
    // CommonJS exports Node's source scan misses are named exports too.
    const dir2 = tree({
      "node_modules/hidden/package.json": JSON.stringify({ name: "hidden", main: "h.js" }),
      "node_modules/hidden/h.js": "module.exports = { f: () => 'f', ['comp' + 'uted']: 1 };",
    });
    const imp2 = new Importer(dir2);
    const hidden = (await imp2.import("hidden")) as { f: () => string; computed: number; default: unknown };
    expect([hidden.f(), hidden.computed, typeof hidden.default]).toEqual(["f", 1, "object"]);
    await expect(imp.import("definitely-not-installed-pkg")).rejects.toThrow(/cannot find package "definitely-not-installed-pkg"/);
  });
});
