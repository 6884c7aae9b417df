// Test helper: runs cells through the compiler and a real vm context, as the executor does.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import vm from "node:vm";
import { afterAll } from "vitest";
import { CellCompiler, transpileLocalModule, type CompileResult } from "../../../kernel/compiler/index.js";
import { removeTempDirs, tempDir as madeTempDir } from "../../temp-dirs.js";
import { bindingRegistry } from "../../../kernel/execution/bindings.js";

export interface CellOutcome { value: unknown; hasValue: boolean }

export class Notebook {
  readonly compiler: CellCompiler;
  readonly context: vm.Context;
  private count = 0;

  constructor(readonly cwd: string, options: { preludeTypes?: string; typeCheck?: boolean; globals?: Record<string, unknown> } = {}) {
    this.compiler = new CellCompiler({ cwd, preludeTypes: options.preludeTypes, typeCheck: options.typeCheck ?? true });
    this.context = vm.createContext({ console, setTimeout, ...options.globals });
    this.context.__gradlab_import__ = (spec: string) => importFrom(cwd, spec);
    this.context.__gradlab_binding__ = bindingRegistry(vm.runInContext("globalThis", this.context) as object);
  }

  compile(code: string): CompileResult & { count: number } {
    const count = ++this.count;
    return { ...this.compiler.compile(code, count), count };
  }

  /** Compiles and runs a cell; throws the compile error's evalue or the runtime error. */
  async run(code: string): Promise<CellOutcome> {
    const r = this.compile(code);
    if (!r.ok) throw new Error(`${r.ename}: ${r.evalue}`);
    const out = (await new vm.Script(r.js, { filename: r.filename }).runInContext(this.context)) as CellOutcome;
    this.compiler.commit(r.count);
    return out;
  }

  async value(code: string): Promise<unknown> { return (await this.run(code)).value; }
}

/** A minimal `__gradlab_import__`: Node built-ins, packages in cwd's node_modules, local .ts files. */
async function importFrom(cwd: string, spec: string): Promise<unknown> {
  if (spec.startsWith("node:")) return import(spec);
  if (spec.startsWith("./") || spec.startsWith("../")) {
    const file = path.resolve(cwd, spec);
    if (file.endsWith(".ts")) {
      const js = transpileLocalModule(readFileSync(file, "utf8"), file);
      const out = file.replace(/\.ts$/, ".__gradlab__.mjs");
      writeFileSync(out, js);
      return import(pathToFileURL(out).href);
    }
    return import(pathToFileURL(file).href);
  }
  // Packages: the "import" condition of "exports", else "main" (enough for the test packages).
  const dir = path.join(cwd, "node_modules", spec);
  const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { main?: string; exports?: { ".": { import: string } } };
  return import(pathToFileURL(path.join(dir, pkg.exports?.["."].import ?? pkg.main ?? "index.js")).href);
}

// Every test file that uses this helper removes its directories when it ends.
afterAll(removeTempDirs);

export function tempDir(): string { return madeTempDir("gradlab-compiler-"); }

export const fixturePrelude = path.join(path.dirname(new URL(import.meta.url).pathname), "fixtures", "prelude.d.ts");
