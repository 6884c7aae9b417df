import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { removeTempDirs, tempDir } from "../temp-dirs.js";
import { useCodeCache } from "../../kernel/startup/code-cache.js";

afterAll(removeTempDirs);

describe("TypeScript code cache", () => {
  it("compiles the module itself, stores a cache after the first load and hits it on the next", async () => {
    const dir = tempDir("gradlab-cc-");
    const file = join(dir, "mod.cjs");
    writeFileSync(file, "exports.square = (x) => x * x;\nexports.dir = __dirname;\nexports.self = typeof require('node:path').join;\n");
    const req = createRequire(join(dir, "x.js"));
    const cacheDir = join(dir, "cache");

    const first = useCodeCache(file, cacheDir);
    const m1 = req(file);
    expect(m1.square(7)).toBe(49);
    expect(m1.dir).toBe(dir);
    expect(m1.self).toBe("function");
    expect(first.hit).toBe(false);
    first.save();
    await new Promise((r) => setTimeout(r, 100));
    expect(readdirSync(cacheDir)).toHaveLength(1);

    delete req.cache[file];
    const second = useCodeCache(file, cacheDir);
    expect(req(file).square(3)).toBe(9);
    expect(second.hit).toBe(true);
    expect(existsSync(cacheDir)).toBe(true);
  });

  it("a different salt (another build of the kernel) misses; only the newest caches are kept", async () => {
    const dir = tempDir("gradlab-cc-");
    const file = join(dir, "mod.cjs");
    writeFileSync(file, "exports.one = () => 1;\n");
    const req = createRequire(join(dir, "x.js"));
    const cacheDir = join(dir, "cache");
    for (let build = 0; build < 6; build++) {
      delete req.cache[file];
      const c = useCodeCache(file, cacheDir, `build ${build}`);
      expect(req(file).one()).toBe(1);
      expect(c.hit).toBe(false);
      c.save();
      await new Promise((r) => setTimeout(r, 60));
    }
    expect(readdirSync(cacheDir)).toHaveLength(4);
    delete req.cache[file];
    const again = useCodeCache(file, cacheDir, "build 5");
    req(file);
    expect(again.hit).toBe(true);
  });
});
