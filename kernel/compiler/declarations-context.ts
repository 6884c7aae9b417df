// What later cells know about earlier ones. Every committed cell contributes ambient global
// declarations (from TypeScript's declaration emit of the checked cell); for every name only
// the LATEST declaration survives, so a cell may redefine a name with a new type.
//
// Files (all generated, under the notebook directory so relative specifiers resolve alike):
//   __gradlab_ctx_<owner>__.d.ts   global script: `declare const x: T;`, `interface I {}`, …
//   __gradlab_module_<k>__.d.ts    `import * as ns from "m"; export = ns; export as namespace
//                                  __gradlab_module_<k>__;` so a script can alias an import:
//                                  `import b = __gradlab_module_<k>__.a;`
// (Import aliases inside `declare global {}` are ignored by the checker; the UMD-namespace
// indirection gives an alias with all meanings — value, type and namespace — in one line.)
import type TS from "typescript";
import type { CellImport } from "./cell-names.js";
import type { LanguageHost } from "./language-host.js";
import { typescript } from "./typescript-loader.js";

export interface GlobalStatement { name: string; text: string }

const RESERVED = new Set(("break case catch class const continue debugger default delete do else enum export extends false " +
  "finally for function if import in instanceof new null return super switch this throw true try typeof var void while " +
  "with yield let static implements interface package private protected public await").split(" "));

/**
 * Whether a global script can declare `name`: an identifier and not a reserved word (the
 * prelude may export `var`; one such declaration would even turn the file into a module and
 * hide every other name).
 */
export function isGlobalName(name: string): boolean {
  return /^[A-Za-z_$][\w$]*$/.test(name) && !RESERVED.has(name);
}

const CELLS_PER_FILE = 16;

export class DeclarationsContext {
  /** name → owner whose declaration of it is the latest. */
  private readonly owner = new Map<string, string>();
  private readonly statements = new Map<string, GlobalStatement[]>();
  /** file → the owners whose declarations it holds, oldest first (a commit renders one file, not all owners). */
  private readonly owners = new Map<string, string[]>();
  private readonly files = new Map<string, string>();
  private readonly moduleAliases = new Map<string, string>();

  constructor(private readonly host: LanguageHost) {}

  /**
   * The file holding an owner's declarations. Cells share a file per block of CELLS_PER_FILE
   * commits, so committing a cell mostly changes one small file's text, not the set of files
   * (the language service then reuses the previous program's structure instead of rebuilding
   * it) — and a long notebook does not re-parse all its declarations at every cell.
   */
  private fileOf(owner: string): string {
    let file = this.files.get(owner);
    if (file === undefined) {
      const cell = /^cell(\d+)$/.exec(owner);
      file = this.host.path(cell ? `__gradlab_ctx_cells_${Math.floor(Number(cell[1]) / CELLS_PER_FILE)}__.d.ts` : `__gradlab_ctx_${owner}__.d.ts`);
      this.files.set(owner, file);
    }
    return file;
  }

  /** Replaces `owner`'s declarations; earlier owners lose the names it declares. */
  define(owner: string, statements: GlobalStatement[]): void {
    const dirty = new Set<string>([this.fileOf(owner)]);
    for (const st of statements) {
      const prev = this.owner.get(st.name);
      if (prev !== undefined && prev !== owner) dirty.add(this.fileOf(prev));
      this.owner.set(st.name, owner);
    }
    const old = this.statements.get(owner);
    if (old) for (const st of old) if (!statements.some((s) => s.name === st.name) && this.owner.get(st.name) === owner) this.owner.delete(st.name);
    if (!this.statements.has(owner)) {
      const file = this.fileOf(owner);
      const list = this.owners.get(file);
      if (list) list.push(owner);
      else this.owners.set(file, [owner]);
    }
    this.statements.set(owner, statements);
    for (const file of dirty) this.render(file);
  }

  /**
   * Adds declarations to `owner`'s, each only if no other owner declares its name or
   * `mayTake` allows taking it from that owner (the lazily loaded prelude never takes a name
   * from a cell: see lazy-prelude.ts).
   */
  add(owner: string, statements: GlobalStatement[], mayTake: (current: string) => boolean): void {
    const taken = statements.filter((st) => {
      const current = this.owner.get(st.name);
      return current === undefined || current === owner || mayTake(current);
    });
    if (taken.length === 0) return;
    const names = new Set(taken.map((st) => st.name));
    const kept = (this.statements.get(owner) ?? []).filter((st) => !names.has(st.name) && this.owner.get(st.name) === owner);
    this.define(owner, [...kept, ...taken]);
  }

  private render(file: string): void {
    const parts: string[] = [];
    const owners = this.owners.get(file) ?? [];
    for (const owner of [...owners]) {
      const live = this.statements.get(owner)!.filter((s) => this.owner.get(s.name) === owner);
      if (live.length === 0) {
        this.statements.delete(owner);
        owners.splice(owners.indexOf(owner), 1);
      } else {
        this.statements.set(owner, live);
        for (const s of live) parts.push(s.text);
      }
    }
    this.host.set(file, parts.join("\n") + "\n");
  }

  /** Global aliases for a cell's imports (`import { a as b } from "m"` → `import b = <ns of m>.a;`). */
  importAliases(imports: readonly CellImport[]): GlobalStatement[] {
    const out: GlobalStatement[] = [];
    for (const imp of imports) {
      for (const b of imp.bindings) {
        const target = b.imported === "default" ? `${this.moduleNamespace(imp.specifier, "default")}.value`
          : b.imported === "*" ? this.moduleNamespace(imp.specifier, "namespace")
          : `${this.moduleNamespace(imp.specifier, "namespace")}.${b.imported}`;
        out.push({ name: b.local, text: `import ${b.local} = ${target};` });
      }
    }
    return out;
  }

  /**
   * A UMD-style global namespace for a module: its namespace object (`export =` of a
   * namespace import), or its default export under `value` (a default import is a value,
   * which `export =` cannot turn into a namespace; `default` is a keyword in entity names).
   */
  private moduleNamespace(specifier: string, kind: "default" | "namespace"): string {
    const key = `${kind}:${specifier}`;
    let ns = this.moduleAliases.get(key);
    if (!ns) {
      ns = `__gradlab_module_${this.moduleAliases.size}__`;
      this.moduleAliases.set(key, ns);
      const spec = JSON.stringify(specifier);
      const body = kind === "default"
        ? `import __default from ${spec};\nexport { __default as value };\n`
        : `import * as __namespace from ${spec};\nexport = __namespace;\n`;
      this.host.set(this.host.path(`${ns}.d.ts`), `${body}export as namespace ${ns};\n`);
    }
    return ns;
  }
}

/**
 * Turns the declaration emit of a checked cell (a module that re-exports all its names) into
 * global ambient statements, one per declared name (a statement declaring several names,
 * `declare const a: A, b: B`, is split). Imports and export lists are dropped: imports are
 * re-created as aliases by `importAliases`.
 */
export function globalStatementsFromDts(dts: string): GlobalStatement[] {
  const ts = typescript();
  const sf = ts.createSourceFile("cell.d.ts", dts, ts.ScriptTarget.ES2022, true);
  const out: GlobalStatement[] = [];
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) || ts.isExportDeclaration(st) || ts.isExportAssignment(st) || ts.isImportEqualsDeclaration(st)) continue;
    if (ts.isVariableStatement(st)) {
      const kind = st.declarationList.flags & ts.NodeFlags.Const ? "const" : st.declarationList.flags & ts.NodeFlags.Let ? "let" : "var";
      const decls = st.declarationList.declarations;
      const doc = decls.length === 1 ? leadingComments(sf, st) : "";
      for (const d of decls) {
        if (ts.isIdentifier(d.name)) out.push({ name: d.name.text, text: `${doc}declare ${kind} ${d.getText(sf)};` });
      }
      continue;
    }
    const name = (st as TS.DeclarationStatement).name;
    if (!name || !ts.isIdentifier(name)) continue;
    out.push({ name: name.text, text: leadingComments(sf, st) + withoutExport(sf, st) });
  }
  return out;
}

function leadingComments(sf: TS.SourceFile, st: TS.Statement): string {
  const full = st.getFullText(sf);
  const lead = full.slice(0, st.getStart(sf) - st.getFullStart());
  return lead.trim() ? lead.replace(/^\s*\n/, "") : "";
}

function withoutExport(sf: TS.SourceFile, st: TS.Statement): string {
  const ts = typescript();
  let text = st.getText(sf);
  const start = st.getStart(sf);
  const mods = ts.canHaveModifiers(st) ? ts.getModifiers(st) ?? [] : [];
  // Remove from the back so earlier offsets stay valid.
  for (const m of [...mods].reverse()) {
    if (m.kind !== ts.SyntaxKind.ExportKeyword && m.kind !== ts.SyntaxKind.DefaultKeyword) continue;
    const a = m.getStart(sf) - start;
    const b = m.getEnd() - start;
    text = text.slice(0, a) + text.slice(b).replace(/^\s+/, "");
  }
  // A const enum from an earlier cell is a real object at run time (cells are compiled as
  // isolated modules, which keep const enums); an ambient `const enum` could not be used there.
  if (ts.isEnumDeclaration(st)) text = text.replace(/^((?:declare\s+)?)const\s+enum\b/, "$1enum");
  const isTypeOnly = ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st);
  if (!isTypeOnly && !mods.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)) text = `declare ${text}`;
  return text;
}
