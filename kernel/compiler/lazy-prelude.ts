// The prelude's declarations, loaded module by module as cells need them.
//
// Why: the prelude bundle is about a hundred modules of declarations. Parsing and binding all
// of it before the first cell can be checked was a large part of the kernel's start, yet a
// first cell such as `tensor([1, 2, 3])` needs a handful of those modules. So the
// kernel starts with the ES library and the few modules that augment others (index.always),
// and:
//   - before a cell is checked, every prelude name it mentions is declared as a global, with
//     the modules that name needs (needFor): the cell sees exactly the types it would with the
//     whole prelude loaded;
//   - a cell that imports a package or a local file (which may reach the prelude by other
//     paths), and completion and inspect (which list every global), load everything first;
//   - the rest loads in the background while the compiler is quiet (loadSome), a few modules
//     at a time, so a cell that arrives meanwhile waits for at most one small step.
//
// How a name is declared: `__gradlab_prelude__.d.ts` re-exports each declared name from the
// module that declares it (`export { tensor } from "gradlab:lib/ops/creation"`, `export * as
// nn from …`) and is the UMD namespace __gradlab_prelude__; the context's "prelude" owner
// aliases each name to it (`import tensor = __gradlab_prelude__.tensor;`). A name a cell has
// already declared keeps the cell's meaning (the latest declaration wins, and the prelude is
// the earliest).
import { readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import path from "node:path";
import type { DeclarationsContext, GlobalStatement } from "./declarations-context.js";
import type { LanguageHost } from "./language-host.js";
import type { LazyName, LazyPreludeIndex, PreludeBundleFiles } from "./type-bundles.js";

export const PRELUDE_NAMESPACE = "__gradlab_prelude__";

export class LazyPrelude {
  private readonly index: LazyPreludeIndex;
  private readonly names: Map<string, LazyName>;
  /** Module name → its file in the program (in the bundle's directory, so it is a library file). */
  private readonly files = new Map<string, string>();
  /** Every module after the modules it refers to: the order loadSome loads them in. */
  private readonly order: string[] = [];
  private readonly loaded = new Set<string>();
  private readonly declared = new Set<string>();
  private readonly reexports: string[] = [];
  private readonly bare: string;
  private readonly full: string;
  /** Whether the module files have been replaced by the whole bundle (consolidate). */
  consolidated = false;

  constructor(private readonly host: LanguageHost, private readonly ctx: DeclarationsContext, private readonly bundle: PreludeBundleFiles & { lazy: LazyPreludeIndex }) {
    this.index = bundle.lazy;
    this.names = new Map(Object.entries(this.index.names));
    // Both texts now (cheap to read): the index's offsets are for this
    // build's files, and a rebuild while the kernel runs must not mix two builds' texts.
    this.bare = readFileSync(bundle.nocomments, "utf8");
    this.full = readFileSync(bundle.full, "utf8");
    const dir = path.join(path.dirname(bundle.full), "prelude");
    Object.keys(this.index.modules).forEach((id, i) => this.files.set(id, path.join(dir, `${i}.${id.replace(/[^\w.-]+/g, "_")}.d.ts`)));
    const seen = new Set<string>();
    const visit = (id: string): void => {
      if (seen.has(id) || !this.files.has(id)) return;
      seen.add(id); // before its deps: a cycle ends here (the order within one does not matter)
      for (const dep of this.index.modules[id]!.deps) visit(dep);
      this.order.push(id);
    };
    for (const id of this.files.keys()) visit(id);
    if (this.index.header !== "") host.set(path.join(dir, "header.d.ts"), this.index.header);
    for (const id of this.index.always) this.load(id);
  }

  /** Whether every module is loaded and every name declared. */
  get complete(): boolean { return this.loaded.size === this.files.size && this.declared.size === this.names.size; }

  /** The modules in the program so far (for tests and tracing). */
  get loadedModules(): string[] { return [...this.loaded]; }

  /**
   * Declares every prelude name `code` mentions (any identifier-like word: a superset is
   * harmless), or everything when the cell could reach the prelude's modules another way.
   */
  needFor(code: string): void {
    if (this.complete) return;
    if (reachesModules(code, (spec) => isBuiltin(spec) || spec in this.host.provided)) return this.loadAll();
    const wanted: string[] = [];
    // Words after a single dot are property names (`console.log` needs no prelude `log`);
    // after a spread's three dots they are not.
    for (const [word] of code.matchAll(/(?<![\w$]|(?<!\.)\.)[A-Za-z_$][\w$]*/g)) if (this.names.has(word) && !this.declared.has(word)) wanted.push(word);
    if (wanted.length > 0) this.declare(wanted);
  }

  /** Loads every module and declares every name. */
  loadAll(): void {
    for (const id of this.files.keys()) this.load(id);
    this.declare([...this.names.keys()]);
  }

  /**
   * Loads modules not loaded yet, each after the modules it refers to, up to about `budget`
   * characters of declarations; once all are, declares every name. Returns whether work remains.
   */
  loadSome(budget: number): boolean {
    let spent = 0;
    for (const id of this.order) {
      if (spent >= budget) return true;
      if (this.loaded.has(id)) continue;
      spent += this.load(id);
    }
    this.declare([...this.names.keys()]);
    return false;
  }

  /**
   * Once everything is loaded: replaces the module files with the one bundle file they were
   * cut from (the same declarations, so nothing a cell sees changes; the program just has
   * one file in place of one per module).
   */
  consolidate(): void {
    if (this.consolidated || !this.complete) return;
    this.consolidated = true;
    for (const file of this.files.values()) this.host.remove(file);
    // Consolidated when the documentation is wanted anyway (CellCompiler's idle-time upgrade):
    // the bundle is read with its JSDoc at once. The header stays a file of its own.
    this.host.setDocumented(this.bundle.full, this.full.slice(this.index.header.length));
  }

  /** Puts a module (and what it refers to) into the program; returns the characters added. */
  private load(id: string): number {
    if (this.loaded.has(id)) return 0;
    const m = this.index.modules[id];
    const file = this.files.get(id);
    if (!m || !file) return 0;
    this.loaded.add(id);
    let added = 0;
    for (const dep of m.deps) added += this.load(dep);
    this.host.setWithDocs(file, this.bare.slice(m.bare[0], m.bare[1]), () => this.full.slice(m.full[0], m.full[1]));
    return added + m.bare[1] - m.bare[0];
  }

  private declare(names: Iterable<string>): void {
    const statements: GlobalStatement[] = [];
    for (const name of names) {
      const how = this.names.get(name);
      if (!how || this.declared.has(name)) continue;
      this.declared.add(name);
      this.load(how.from);
      for (const other of how.also ?? []) this.load(other);
      const from = JSON.stringify(how.from);
      this.reexports.push(how.member === null ? `export * as ${name} from ${from};`
        : how.member === name ? `export { ${name} } from ${from};` : `export { ${how.member} as ${name} } from ${from};`);
      statements.push({ name, text: `import ${name} = ${PRELUDE_NAMESPACE}.${name};` });
    }
    if (statements.length === 0) return;
    this.host.set(this.host.path(`${PRELUDE_NAMESPACE}.d.ts`), `${this.reexports.join("\n")}\nexport as namespace ${PRELUDE_NAMESPACE};\n`);
    // The kernel's own globals give way to the prelude's (as when the prelude is loaded whole);
    // a cell's never do.
    this.ctx.add("prelude", statements, (owner) => owner === "kernel");
  }
}

/**
 * Whether a cell may reach the prelude's modules other than through global names: it imports
 * or requires something that is not a Node built-in (a package or local file could import
 * "gradlab"), or has a triple-slash reference.
 */
/** Whether the cell imports a module that is not `selfContained` (Node's, the kernel's tslab: they never reach the prelude). */
function reachesModules(code: string, selfContained: (specifier: string) => boolean): boolean {
  if (/\/\/\/\s*<reference/.test(code)) return true;
  if (!/\b(?:import|require)\b/.test(code)) return false;
  for (const m of code.matchAll(/\b(?:from|import|require)\s*\(?\s*(["'`])([^"'`\n]*)\1/g)) if (!selfContained(m[2]!)) return true;
  return false;
}
