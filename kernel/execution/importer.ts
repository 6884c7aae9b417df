// `import` in a cell compiles to `await __gradlab_import__(specifier)`. Specifiers resolve as
// if imported from a module in the notebook's directory: Node built-ins; packages from the
// notebook directory's node_modules (CommonJS or ESM-only); local files, including `.ts`
// files. Packages the notebook directory lacks fall back to the kernel's own. `gradlab` and
// `gradlab/…` are always the kernel's own package, and `tslab` its shim (provided/), for cells
// and — through the loader hooks (import-hooks.ts), registered before the first local file, or
// package that lists gradlab or tslab among its dependencies, loads — for the modules they import.
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire, isBuiltin, register } from "node:module";
import { dirname, isAbsolute, join, resolve as resolvePath, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { gradlabPackage } from "../package-root.js";
import { providedModules } from "../provided/index.js";
import type { ImportHooksData } from "./import-hooks.js";
import { isCommonJs } from "./module-format.js";

export class Importer {
  private readonly require: NodeJS.Require;
  private hooksRegistered = false;
  private readonly provided = providedModules();

  constructor(private readonly cwd: string) {
    this.require = createRequire(join(cwd, "__gradlab_notebook__.js"));
  }

  readonly import = async (specifier: string): Promise<unknown> => {
    if (typeof specifier !== "string") throw new TypeError(`import: module specifier must be a string, got ${typeof specifier}`);
    if (isBuiltin(specifier)) return import(specifier.startsWith("node:") ? specifier : `node:${specifier}`);
    const provided = this.provided[specifier];
    if (provided !== undefined) return import(provided.url);
    // (A self-reference: this module is inside the kernel's package.)
    if (specifier === "gradlab" || specifier.startsWith("gradlab/")) return import(specifier);
    if (specifier.startsWith(".") || isAbsolute(specifier) || specifier.startsWith("file:")) {
      this.registerHooks();
      return this.importLocal(specifier);
    }
    const resolved = this.resolvePackage(specifier);
    if (resolved !== null) {
      // Starting the loader hooks' thread costs tens of milliseconds: only for a package that
      // depends on what they resolve.
      const name = splitSpecifier(specifier).name;
      if (dependsOnKernelModules(resolved, name, Object.keys(this.provided))) this.registerHooks();
      const ns = await import(pathToFileURL(resolved).href).catch((e: NodeJS.ErrnoException) => {
        const missing = /Cannot find package '([^']+)'/.exec(e.message)?.[1];
        if (e.code === "ERR_MODULE_NOT_FOUND" && !this.hooksRegistered && missing !== undefined && (missing === "gradlab" || missing in this.provided)) {
          throw new Error(`import "${specifier}": it imports "${missing}" without listing it in its package.json; add "${missing}" to its peerDependencies so the kernel gives it its own`);
        }
        throw e;
      });
      return withCommonJsNames(ns, resolved);
    }
    return import(specifier).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ERR_MODULE_NOT_FOUND") throw new Error(`import: cannot find package "${specifier}" in ${join(this.cwd, "node_modules")} (install it there with npm)`);
      throw e;
    });
  };

  private async importLocal(specifier: string): Promise<unknown> {
    const base = specifier.startsWith("file:") ? new URL(specifier).pathname : resolvePath(this.cwd, specifier);
    const file = findLocalFile(base);
    if (file === null) throw new Error(`import: cannot find "${specifier}" (looked for ${base} with .ts/.js extensions)`);
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

  private registerHooks(): void {
    if (this.hooksRegistered) return;
    this.hooksRegistered = true;
    const hooks = new URL("./import-hooks.js", import.meta.url);
    // Unbuilt (vitest runs the .ts sources) there are no hooks for Node's loader thread to run.
    if (!existsSync(hooks)) return;
    const provided = Object.fromEntries(Object.entries(this.provided).map(([name, m]) => [name, m.url]));
    const data: ImportHooksData = { gradlabPackageJson: pathToFileURL(join(gradlabPackage().root, "package.json")).href, provided };
    register(hooks, { data });
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

/** Whether the package `name` that `file` belongs to lists gradlab or a provided module among its dependencies. */
function dependsOnKernelModules(file: string, name: string, provided: string[]): boolean {
  const marker = `${sep}node_modules${sep}${name}${sep}`;
  const at = file.lastIndexOf(marker);
  if (at < 0) return false;
  try {
    const pkg = JSON.parse(readFileSync(join(file.slice(0, at + marker.length), "package.json"), "utf8")) as Record<string, Record<string, string> | undefined>;
    const deps = [pkg.dependencies, pkg.peerDependencies, pkg.optionalDependencies].flatMap((d) => Object.keys(d ?? {}));
    return deps.includes("gradlab") || provided.some((p) => deps.includes(p));
  } catch {
    return false;
  }
}

/**
 * A CommonJS module's namespace with the properties of its `module.exports` as named exports.
 * Node finds named exports by reading the source (cjs-module-lexer), which misses most
 * (`module.exports = { chunk: (a, n) => … }`, anything computed); TypeScript's view of such a
 * package, like a bundler's, has them all.
 */
function withCommonJsNames(ns: unknown, file: string): unknown {
  const exports = (ns as { default?: unknown }).default;
  if ((typeof exports !== "object" && typeof exports !== "function") || exports === null || !isCommonJs(file)) return ns;
  const missing = Object.keys(exports).filter((k) => !(k in (ns as object)));
  if (missing.length === 0) return ns;
  const out: Record<string | symbol, unknown> = Object.create(null);
  for (const k of missing) out[k] = (exports as Record<string, unknown>)[k];
  Object.assign(out, ns);
  Object.defineProperty(out, Symbol.toStringTag, { value: "Module" });
  return Object.freeze(out);
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
