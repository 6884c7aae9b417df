// A V8 code cache for TypeScript's compiler (typescript.js, one large CommonJS file): compiling
// its functions is a large share of the first type check. Node 20 has no
// module.enableCompileCache, so the kernel compiles that one CommonJS file itself with
// vm.Script's cachedData, and after warm-up stores the cache — including the functions the
// warm-up compiled lazily — for the next start. Any mismatch (another Node/V8, another file)
// just means V8 rejects the cache and compiles normally.
import { isAscii } from "node:buffer";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cachedDataVersionTag } from "node:v8";
import vm from "node:vm";
import { threadId } from "node:worker_threads";

interface CompilableModule {
  exports: unknown;
}

function kernelBuild(): string {
  try {
    return String(statSync(fileURLToPath(import.meta.url)).mtimeMs);
  } catch {
    return "";
  }
}

/** Caches kept per directory: every build of the kernel (and TypeScript, and Node) makes a new one. */
const KEEP_CACHES = 4;

/** Deletes all but the `keep` most recently written caches in `dir`. */
function pruneOldCaches(dir: string, keep: number): void {
  try {
    const files = readdirSync(dir).filter((f) => f.endsWith(".bin")).map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }));
    files.sort((a, b) => b.t - a.t);
    for (const { f } of files.slice(keep)) rmSync(join(dir, f), { force: true });
  } catch {
    /* another kernel pruned meanwhile */
  }
}

export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "gradlab", "v8");
}

export interface CodeCache {
  /** Whether V8 accepted a stored cache for the file (false before it was loaded). */
  readonly hit: boolean;
  /** Writes the cache if none was accepted and V8's flags are still those it was loaded under; call after warm-up. */
  save(): void;
}

/**
 * Compiles `filename` (when something requires it) with a persistent V8 code cache. `salt`
 * names what else the cache depends on: the cache holds the functions the warm-up compiled,
 * and a kernel whose own code changed runs other ones (an accepted cache is never rewritten).
 * By default, this build of the kernel (tsc rewrites every output, this module's included).
 */
export function useCodeCache(filename: string, dir = codeCacheDir(), salt = kernelBuild()): CodeCache {
  let script: vm.Script | null = null;
  let hit = false;
  let cachePath = "";
  // V8 stamps a cache with its flags' hash (in this tag) and rejects it under other flags. A
  // flag set after the load (the library sets some when it first needs them) would stamp the
  // saved cache with a hash the next start, loading before that flag, never has.
  let loadTag = 0;
  // The loader's handler for .js files is replaced for this one file: it reads the file as
  // bytes (typescript.js is ASCII, so Latin-1 decoding gives the same string as UTF-8, much
  // faster) and compiles it with the cache.
  const extensions = (Module as unknown as { _extensions: Record<string, (module: CompilableModule, file: string) => void> })._extensions;
  const original = extensions[".js"]!;
  extensions[".js"] = function (this: unknown, module: CompilableModule, file: string): void {
    if (file !== filename) return original.call(this, module, file);
    extensions[".js"] = original;
    const bytes = readFileSync(file);
    const content = bytes.toString(isAscii(bytes) ? "latin1" : "utf8");
    const s = statSync(file);
    loadTag = cachedDataVersionTag();
    cachePath = join(dir, `${createHash("sha1").update(`${file}|${s.size}|${s.mtimeMs}|${process.version}|${loadTag}|${salt}`).digest("base64url")}.bin`);
    let cachedData: Buffer | undefined;
    try {
      cachedData = readFileSync(cachePath);
    } catch {
      /* first start */
    }
    const wrapper = `(function (exports, require, module, __filename, __dirname) { ${content}\n})`;
    script = new vm.Script(wrapper, { filename: file, cachedData });
    hit = cachedData !== undefined && !script.cachedDataRejected;
    const fn = script.runInThisContext() as (...a: unknown[]) => void;
    fn.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  };
  return {
    get hit() {
      return hit;
    },
    save() {
      if (script === null || hit || cachedDataVersionTag() !== loadTag) return;
      try {
        // Synchronously, and atomically (a temporary file renamed): a kernel shut down right
        // after its warm-up must still leave a whole cache for the next start.
        mkdirSync(dir, { recursive: true });
        const tmp = `${cachePath}.${process.pid}.${threadId}.tmp`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cachePath);
        pruneOldCaches(dir, KEEP_CACHES);
      } catch {
        /* an unwritable cache directory only costs speed */
      }
    },
  };
}
