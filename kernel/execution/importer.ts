// `import` in a cell compiles to `await __gradlab_import__(specifier)`. Specifiers resolve as
// if imported from a module in the notebook's directory: Node built-ins; packages from the
// notebook directory's node_modules (CommonJS or ESM-only); local files, including `.ts`
// files, which a module loader hook (ts-import-hooks.ts) transpiles. Packages the notebook
// directory lacks fall back to the kernel's own (so `import … from "gradlab"` works anywhere).
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire, isBuiltin, register } from "node:module";
import { dirname, isAbsolute, join, resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";

const TS_EXT = /\.(ts|mts|cts|tsx)$/;

export class Importer {
  private readonly require: NodeJS.Require;
  private hooksRegistered = false;

  constructor(private readonly cwd: string) {
    this.require = createRequire(join(cwd, "__gradlab_notebook__.js"));
  }

  readonly import = async (specifier: string): Promise<unknown> => {
    if (typeof specifier !== "string") throw new TypeError(`import: module specifier must be a string, got ${typeof specifier}`);
    if (isBuiltin(specifier)) return import(specifier.startsWith("node:") ? specifier : `node:${specifier}`);
    if (specifier.startsWith(".") || isAbsolute(specifier) || specifier.startsWith("file:")) return this.importLocal(specifier);
    const resolved = this.resolvePackage(specifier);
    if (resolved !== null) return import(pathToFileURL(resolved).href);
    return import(specifier).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ERR_MODULE_NOT_FOUND") throw new Error(`import: cannot find package "${specifier}" in ${join(this.cwd, "node_modules")} (install it there with npm)`);
      throw e;
    });
  };

  private async importLocal(specifier: string): Promise<unknown> {
    const base = specifier.startsWith("file:") ? new URL(specifier).pathname : resolvePath(this.cwd, specifier);
    const file = findLocalFile(base);
    if (file === null) throw new Error(`import: cannot find "${specifier}" (looked for ${base} with .ts/.js extensions)`);
    if (TS_EXT.test(file)) this.registerTsHooks();
    // The query makes an edited file load afresh instead of from the ESM cache.
    const url = pathToFileURL(file);
    url.searchParams.set("mtime", String(statSync(file).mtimeMs));
    try {
      return await import(url.href);
    } catch (e) {
      // Node's SyntaxError for a broken module names neither the module nor the line (a
      // failed module is cached, so the same error object comes back: never mutate it).
      if (e instanceof SyntaxError) {
        const named = new SyntaxError(`import "${specifier}": ${e.message.includes(file) ? "" : `${file}: `}${e.message}`);
        named.stack = `${named.name}: ${named.message}`;
        throw named;
      }
      throw e;
    }
  }

  private registerTsHooks(): void {
    if (this.hooksRegistered) return;
    register(new URL("./ts-import-hooks.js", import.meta.url));
    this.hooksRegistered = true;
  }

  /** Resolves a bare specifier from the notebook directory; null when not installed there. */
  private resolvePackage(specifier: string): string | null {
    try {
      return this.require.resolve(specifier);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ERR_PACKAGE_PATH_NOT_EXPORTED" && code !== "MODULE_NOT_FOUND") throw e;
    }
    // ESM-only packages export only an "import" condition, which require.resolve ignores.
    return resolveEsmExports(this.cwd, specifier);
  }
}

function findLocalFile(base: string): string | null {
  const candidates = [base, base.replace(/\.js$/, ".ts"), base.replace(/\.mjs$/, ".mts"), `${base}.ts`, `${base}.mts`, `${base}.js`, `${base}.mjs`, join(base, "index.ts"), join(base, "index.js")];
  for (const c of candidates) if (existsSync(c) && statSync(c).isFile()) return c;
  return null;
}

function splitSpecifier(specifier: string): { name: string; subpath: string } {
  const parts = specifier.split("/");
  const n = specifier.startsWith("@") ? 2 : 1;
  const name = parts.slice(0, n).join("/");
  const rest = parts.slice(n).join("/");
  return { name, subpath: rest === "" ? "." : `./${rest}` };
}

const CONDITIONS = ["node", "import", "module", "default"];

function pickTarget(target: unknown): string | null {
  if (typeof target === "string") return target;
  if (Array.isArray(target)) {
    for (const t of target) {
      const r = pickTarget(t);
      if (r !== null) return r;
    }
    return null;
  }
  if (typeof target === "object" && target !== null) {
    for (const [k, v] of Object.entries(target)) if (CONDITIONS.includes(k)) {
      const r = pickTarget(v);
      if (r !== null) return r;
    }
  }
  return null;
}

/** A small package.json "exports" resolver for the "import" condition (exact subpaths and "*" patterns). */
export function resolveEsmExports(cwd: string, specifier: string): string | null {
  const { name, subpath } = splitSpecifier(specifier);
  for (let dir = cwd; ; dir = dirname(dir)) {
    const pkgDir = join(dir, "node_modules", name);
    const pkgJson = join(pkgDir, "package.json");
    if (existsSync(pkgJson)) {
      const pkg = JSON.parse(readFileSync(pkgJson, "utf8")) as { exports?: unknown; module?: string; main?: string };
      let target: string | null = null;
      const exp = pkg.exports;
      if (exp !== undefined) {
        const isMap = typeof exp === "object" && exp !== null && !Array.isArray(exp) && Object.keys(exp).some((k) => k.startsWith("."));
        const map = (isMap ? exp : { ".": exp }) as Record<string, unknown>;
        if (subpath in map) target = pickTarget(map[subpath]);
        else {
          for (const [key, v] of Object.entries(map)) {
            const star = key.indexOf("*");
            if (star < 0) continue;
            const pre = key.slice(0, star);
            const post = key.slice(star + 1);
            if (subpath.startsWith(pre) && subpath.endsWith(post)) {
              const t = pickTarget(v);
              if (t !== null) target = t.replace("*", subpath.slice(pre.length, subpath.length - post.length));
              break;
            }
          }
        }
      } else if (subpath === ".") target = pkg.module ?? pkg.main ?? "index.js";
      else target = subpath;
      return target === null ? null : join(pkgDir, target);
    }
    if (dirname(dir) === dir) return null;
  }
}
