import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { cachedDataVersionTag, setFlagsFromString } from "node:v8";
import { afterAll, describe, expect, it } from "vitest";
import { removeTempDirs, tempDir } from "../temp-dirs.js";
import { useCodeCache } from "../../kernel/startup/code-cache.js";
import { KERNEL_V8_FLAGS } from "../../kernel/startup/start-options.js";
import { LAZY_V8_FLAGS } from "../../lib/backend/wasm/collected.js";
import { built, startBuiltKernel } from "./kernel-harness.js";

afterAll(removeTempDirs);

/** A CommonJS module with `source` in a fresh directory, a `require` beside it and where its cache goes. */
function moduleFixture(source: string): { dir: string; file: string; req: NodeJS.Require; cacheDir: string } {
  const dir = tempDir("gradlab-cc-");
  const file = join(dir, "mod.cjs");
  writeFileSync(file, source);
  return { dir, file, req: createRequire(join(dir, "x.js")), cacheDir: join(dir, "cache") };
}

describe("TypeScript code cache", () => {
  it("compiles the module itself, stores a cache after the first load and hits it on the next", async () => {
    const { dir, file, req, cacheDir } = moduleFixture("exports.square = (x) => x * x;\nexports.dir = __dirname;\nexports.self = typeof require('node:path').join;\n");

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
    const { file, req, cacheDir } = moduleFixture("exports.one = () => 1;\n");
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

  it("is not saved once V8's flags changed after the load: V8 would reject it under the load-time flags", async () => {
    const { file, req, cacheDir } = moduleFixture("exports.two = () => 2;\n");
    const c = useCodeCache(file, cacheDir);
    expect(req(file).two()).toBe(2);
    // A flag that only changes when feedback vectors are allocated (either way, the tag moves).
    const before = cachedDataVersionTag();
    setFlagsFromString("--no-lazy-feedback-allocation");
    if (cachedDataVersionTag() === before) setFlagsFromString("--lazy-feedback-allocation");
    expect(cachedDataVersionTag()).not.toBe(before);
    c.save();
    expect(existsSync(cacheDir) ? readdirSync(cacheDir) : []).toEqual([]);
  });

  it("the kernel sets at start every flag the backend sets when it first needs it", () => {
    // Set mid-cell, they changed V8's flag hash after TypeScript loaded, and every start missed.
    const kernelFlags = KERNEL_V8_FLAGS.split(/\s+/);
    for (const flag of Object.values(LAZY_V8_FLAGS)) expect(kernelFlags).toContain(flag);
  });
});

describe.skipIf(!built)("the kernel's TypeScript code cache", () => {
  const warmedUp = async (stderr: () => string): Promise<string> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const m = /warmed up \(TypeScript code cache: (\w+)\)/.exec(stderr());
      if (m) return m[1]!;
      if (Date.now() > deadline) throw new Error(`no warm-up line in the kernel's stderr:\n${stderr()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it("a second start hits the cache the first start saved, after a cell that used the backend", async () => {
    const env = { GRADLAB_TRACE: "1", XDG_CACHE_HOME: tempDir("gradlab-xdg-") };
    const first = await startBuiltKernel({ env });
    try {
      const r = await first.client.execute("const a = randn([64, 64]);\na.matmul(a).sum().item() !== 0");
      expect((r.reply.content as { status: string }).status).toBe("ok");
      expect(await warmedUp(first.stderr)).toBe("miss");
    } finally {
      await first.shutdown();
    }
    const second = await startBuiltKernel({ env });
    try {
      expect(await warmedUp(second.stderr)).toBe("hit");
    } finally {
      await second.shutdown();
    }
  });
});
