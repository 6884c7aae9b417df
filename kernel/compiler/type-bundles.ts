// Type bundles built once at build time (build-type-bundles.ts) so the kernel's first program
// parses few, comment-free files: the ES library as one file, and the prelude's
// declaration files (one per module) as ONE script of ambient modules. Each bundle has a variant with every
// comment removed (a type check needs none; the kernel switches to the full text when idle so
// inspect shows JSDoc).
//
// How the prelude is bundled: every declaration file reached from the prelude through
// relative imports becomes `declare module "gradlab:<path from the common root, no
// extension>" { … }` with its relative specifiers (imports, re-exports, `import("…")` types,
// module augmentations) rewritten to those ids and its now-illegal `declare` modifiers
// dropped; triple-slash references are hoisted to the top. The bundle must stay a script (no
// top-level import/export): an augmentation nested in an ambient module is only one there.
// Package specifiers (vega, node:…) are left alone. The package's own entry points
// ("gradlab", "gradlab/visualizers") become aliases of their bundled modules, so a cell that
// imports them sees the very declarations the prelude's names come from (TypeScript prefers an
// ambient module over a resolved file).
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type TS from "typescript";
import { isGlobalName } from "./declarations-context.js";
import { bundledLib } from "./host-types.js";
import { typescript } from "./typescript-loader.js";

export const MODULE_PREFIX = "gradlab:";
const MANIFEST = "manifest.json";
const MANIFEST_VERSION = 2;

/** dist/types beside the compiled kernel (this module lives in dist/kernel/compiler/). */
export function defaultTypesDir(): string {
  return fileURLToPath(new URL("../../types/", import.meta.url));
}

// ---------------------------------------------------------------------------------------------
// Comments

/**
 * The text without any comment (JSDoc, line, block, triple-slash). Guided by the parse tree:
 * comments live only in the trivia before a token, so each token's leading trivia is
 * rewritten; a line break in removed trivia is kept (ASI may depend on it), other whitespace
 * shrinks to one space, blank lines go.
 */
export function stripComments(text: string, fileName = "file.d.ts"): string {
  const ts = typescript();
  const sf = ts.createSourceFile(fileName, text, { languageVersion: ts.ScriptTarget.ES2022, jsDocParsingMode: ts.JSDocParsingMode.ParseNone }, false, ts.ScriptKind.TS);
  const out: string[] = [];
  let last = 0;
  const leaf = (node: TS.Node) => {
    if (node.pos === node.end) return; // zero-width: an empty list or a missing node
    const start = node.getStart(sf);
    if (start === node.pos) return;
    out.push(text.slice(last, node.pos));
    const trivia = text.slice(node.pos, start);
    if (node.kind === ts.SyntaxKind.EndOfFileToken) out.push("\n");
    else if (/[\n\r\u2028\u2029]/.test(trivia)) {
      // Keep the token's indentation when it starts its own line.
      const lineStart = Math.max(text.lastIndexOf("\n", start - 1) + 1, node.pos);
      const indent = text.slice(lineStart, start);
      out.push(last === 0 && out.every((s) => s === "") ? "" : "\n", /^[ \t]*$/.test(indent) ? indent : "");
    } else out.push(last === 0 && node.pos === 0 ? "" : " ");
    last = start;
  };
  const walk = (node: TS.Node) => {
    const children = node.getChildren(sf);
    if (children.length === 0) leaf(node);
    else for (const c of children) walk(c);
  };
  walk(sf);
  out.push(text.slice(last));
  return out.join("");
}

// ---------------------------------------------------------------------------------------------
// The prelude bundle

export interface PreludeBundle {
  /** The bundle's text (a script of ambient modules). */
  text: string;
  /** The module name of the prelude itself: cells' globals come from `export * from "<entry>"`. */
  entry: string;
  /** Module name → the declaration file it holds. */
  modules: Map<string, string>;
  /** Package specifier → module name ("gradlab" → "gradlab:lib/index"). */
  aliases: Map<string, string>;
  /** Module name → the bundle's modules it refers to (imports, re-exports, import types, augmentations). */
  deps: Map<string, string[]>;
  /** The hoisted triple-slash references the bundle starts with ("" when none). */
  header: string;
}

interface Edit { start: number; end: number; text: string }

/**
 * Bundles a prelude's declaration file with every declaration file it reaches through
 * relative specifiers. `outDir` is where the bundle will be written (hoisted
 * `/// <reference path>`s are made relative to it). Throws, naming the file, on what cannot be
 * expressed inside an ambient module (`export as namespace`) or a relative specifier that does
 * not resolve to a declaration file.
 */
export function buildPreludeBundle(preludeTypes: string, outDir: string, options: { comments?: boolean } = {}): PreludeBundle {
  const ts = typescript();
  const entryFile = path.resolve(preludeTypes);
  if (!isDeclarationFile(entryFile)) throw new Error(`type bundle: the prelude ${entryFile} is not a declaration file (.d.ts)`);
  const compilerOptions: TS.CompilerOptions = { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, allowImportingTsExtensions: true, noEmit: true };
  const cache = ts.createModuleResolutionCache(path.dirname(entryFile), (f) => f, compilerOptions);

  // Discover the files first: module names depend on their common root.
  const files = new Map<string, { sf: TS.SourceFile; specifiers: Map<TS.StringLiteralLike, string> }>();
  const queue = [entryFile];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (files.has(file)) continue;
    const text = readFileSync(file, "utf8");
    const sf = ts.createSourceFile(file, text, { languageVersion: ts.ScriptTarget.ES2022, jsDocParsingMode: ts.JSDocParsingMode.ParseNone }, true, ts.ScriptKind.TS);
    if (!ts.isExternalModule(sf)) throw new Error(`type bundle: ${file} is not a module (it has no import or export), so it cannot be imported`);
    const specifiers = new Map<TS.StringLiteralLike, string>();
    for (const lit of relativeSpecifiers(sf)) {
      const resolved = ts.resolveModuleName(lit.text, file, compilerOptions, ts.sys, cache).resolvedModule?.resolvedFileName;
      if (!resolved || !isDeclarationFile(resolved)) {
        throw new Error(`type bundle: "${lit.text}" in ${file} does not resolve to a declaration file${resolved ? ` (it resolves to ${resolved})` : ""}`);
      }
      const target = path.resolve(resolved);
      specifiers.set(lit, target);
      queue.push(target);
    }
    files.set(file, { sf, specifiers });
  }

  const root = commonDir([...files.keys()]);
  const idOf = (file: string) => MODULE_PREFIX + path.relative(root, file).split(path.sep).join("/").replace(/\.d\.([cm]?)ts$/, "");
  const references: string[] = [];
  const addReference = (line: string) => { if (!references.includes(line)) references.push(line); };
  const modules = new Map<string, string>();
  const deps = new Map<string, string[]>();
  const parts: string[] = [];
  for (const [file, { sf, specifiers }] of files) {
    const edits: Edit[] = [];
    const text = sf.text;
    // Triple-slash directives: hoisted (they are only comments inside a module body).
    for (const c of ts.getLeadingCommentRanges(text, 0) ?? []) {
      const comment = text.slice(c.pos, c.end);
      if (c.kind !== ts.SyntaxKind.SingleLineCommentTrivia || !/^\/\/\/\s*<(reference|amd-module|amd-dependency)\b/.test(comment)) continue;
      edits.push({ start: c.pos, end: c.end, text: "" });
    }
    for (const ref of sf.typeReferenceDirectives) {
      addReference(`/// <reference types=${JSON.stringify(ref.fileName)}${ref.resolutionMode === undefined ? "" : ` resolution-mode="${ref.resolutionMode === ts.ModuleKind.ESNext ? "import" : "require"}"`} />`);
    }
    for (const ref of sf.libReferenceDirectives) addReference(`/// <reference lib=${JSON.stringify(ref.fileName)} />`);
    for (const ref of sf.referencedFiles) {
      const target = path.resolve(path.dirname(file), ref.fileName);
      let rel = path.relative(outDir, target).split(path.sep).join("/");
      if (!rel.startsWith(".")) rel = `./${rel}`;
      addReference(`/// <reference path=${JSON.stringify(rel)} />`);
    }
    for (const [lit, target] of specifiers) edits.push({ start: lit.getStart(sf), end: lit.end, text: JSON.stringify(idOf(target)) });
    for (const statement of sf.statements) {
      if (ts.isNamespaceExportDeclaration(statement)) throw new Error(`type bundle: ${file} has \`export as namespace\`, which an ambient module cannot hold`);
      for (const m of ts.canHaveModifiers(statement) ? ts.getModifiers(statement) ?? [] : []) {
        if (m.kind !== ts.SyntaxKind.DeclareKeyword) continue;
        // "A 'declare' modifier cannot be used in an already ambient context."
        const start = m.getStart(sf);
        let end = m.end;
        while (text[end] === " " || text[end] === "\t") end++;
        edits.push({ start, end, text: "" });
      }
    }
    const id = idOf(file);
    if (modules.has(id)) throw new Error(`type bundle: ${file} and ${modules.get(id)} would both be module ${id}`);
    modules.set(id, file);
    deps.set(id, [...new Set([...specifiers.values()].map(idOf))].filter((d) => d !== id));
    parts.push(`declare module ${JSON.stringify(id)} {\n${applyEdits(text, edits).trim()}\n}\n`);
  }

  const entry = idOf(entryFile);
  const aliases = packageAliases(entryFile, files, idOf);
  for (const [specifier, id] of aliases) {
    const hasDefault = [...files.get(modules.get(id)!)!.sf.statements].some(exportsDefault);
    parts.push(`declare module ${JSON.stringify(specifier)} {\nexport * from ${JSON.stringify(id)};\n${hasDefault ? `export { default } from ${JSON.stringify(id)};\n` : ""}}\n`);
    deps.set(specifier, [id]);
  }
  let body = parts.join("");
  if (options.comments === false) body = stripComments(body, "prelude.bundle.d.ts");
  const header = references.length > 0 ? `${references.join("\n")}\n` : "";
  return { text: header + body, entry, modules, aliases, deps, header };
}

// ---------------------------------------------------------------------------------------------
// The lazy index: loading the prelude's modules as cells need them (lazy-prelude.ts)

/** Where a module's declaration sits in each bundle text: [start, end) offsets. */
export interface LazyModule { deps: string[]; bare: [number, number]; full: [number, number] }

/** How a global name is declared: an export of a module (`member`), or the module's namespace (`member` null). */
export interface LazyName { from: string; member: string | null; /** Other modules holding declarations of the same (merged) symbol. */ also?: string[] }

export interface LazyPreludeIndex {
  /** The bundles' shared header (hoisted triple-slash references), loaded with the first module. */
  header: string;
  modules: Record<string, LazyModule>;
  /** Modules loaded from the start whatever a cell mentions: they augment globals or other modules. */
  always: string[];
  /** The prelude's exports that become cell globals (see isGlobalName), by name. */
  names: Record<string, LazyName>;
}

/**
 * The index a kernel needs to load a prelude bundle module by module: where each module's
 * declaration is in both texts, what it depends on, and, for every exported name, the module
 * that declares it — so a cell that uses `tensor` loads the 4 modules `tensor` needs, not
 * every module of the prelude, and the rest loads in the background.
 */
export function lazyPreludeIndex(bundle: PreludeBundle, fullText: string, bareText: string): LazyPreludeIndex {
  const ts = typescript();
  const blocks = (text: string): Map<string, [number, number]> => {
    const sf = ts.createSourceFile("bundle.d.ts", text, { languageVersion: ts.ScriptTarget.ES2022, jsDocParsingMode: ts.JSDocParsingMode.ParseNone }, true, ts.ScriptKind.TS);
    const out = new Map<string, [number, number]>();
    for (const st of sf.statements) {
      if (!ts.isModuleDeclaration(st) || !ts.isStringLiteral(st.name)) throw new Error(`type bundle: unexpected top-level statement in the bundle: ${st.getText(sf).slice(0, 60)}`);
      out.set(st.name.text, [st.getStart(sf), st.end]);
    }
    return out;
  };
  const full = blocks(fullText), bare = blocks(bareText);
  const modules: Record<string, LazyModule> = {};
  const always: string[] = [];
  for (const [id, deps] of bundle.deps) {
    const f = full.get(id), b = bare.get(id);
    if (!f || !b) throw new Error(`type bundle: module ${id} is missing from a bundle text`);
    modules[id] = { deps, full: f, bare: b };
    // An augmentation (of globals or of another module) changes types wherever it is loaded.
    if (/^\s*(declare\s+)?(global\b|module\s+["'])/m.test(bareText.slice(bareText.indexOf("{", b[0]) + 1, b[1]))) always.push(id);
  }
  return { header: bundle.header, modules, always, names: globalNames(bareText, bundle.entry) };
}

/** The prelude's exports as global names, each traced to the module that declares it. */
function globalNames(bareText: string, entry: string): Record<string, LazyName> {
  const ts = typescript();
  const file = "/__gradlab_bundle__.d.ts";
  const sf = ts.createSourceFile(file, bareText, ts.ScriptTarget.ES2022, true);
  const host: TS.CompilerHost = {
    getSourceFile: (f) => (f === file ? sf : undefined), getDefaultLibFileName: () => "/lib.d.ts", writeFile: () => undefined,
    getCurrentDirectory: () => "/", getCanonicalFileName: (f) => f, useCaseSensitiveFileNames: () => true, getNewLine: () => "\n",
    fileExists: (f) => f === file, readFile: () => undefined,
  };
  const checker = ts.createProgram({ rootNames: [file], options: { noLib: true, types: [], noResolve: true }, host }).getTypeChecker();
  const modules = new Map(checker.getAmbientModules().map((m) => [JSON.parse(m.name) as string, m]));
  const moduleOf = (decl: TS.Node): string | undefined => {
    for (let n: TS.Node | undefined = decl; n; n = n.parent) if (ts.isModuleDeclaration(n) && ts.isStringLiteral(n.name) && ts.isSourceFile(n.parent)) return n.name.text;
    return undefined;
  };
  const resolve = (s: TS.Symbol) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
  // A symbol merged with an augmentation is a different object from its module's own export.
  const same = (a: TS.Symbol, b: TS.Symbol) => a === b || (a.declarations ?? []).some((d) => b.declarations?.includes(d));
  const entrySymbol = modules.get(entry);
  if (!entrySymbol) throw new Error(`type bundle: the entry module ${entry} is not in the bundle`);
  const out: Record<string, LazyName> = {};
  for (const e of checker.getExportsOfModule(entrySymbol)) {
    const name = e.name;
    if (!isGlobalName(name)) continue;
    const target = resolve(e);
    const declaring = [...new Set((target.declarations ?? []).map(moduleOf).filter((m): m is string => m !== undefined))];
    let found: LazyName | undefined;
    // The module namespace itself (`export * as nn from …`).
    const ownModule = [...modules].find(([, m]) => m === target)?.[0];
    if (ownModule !== undefined) found = { from: ownModule, member: null };
    else {
      for (const id of declaring) {
        const exports = checker.getExportsOfModule(modules.get(id)!).filter((x) => same(resolve(x), target));
        const pick = exports.find((x) => x.name === name) ?? exports[0];
        if (pick) { found = { from: id, member: pick.name }; break; }
      }
    }
    // Not traceable (a re-export of an outside package, say): through the entry, which needs every module.
    found ??= { from: entry, member: name };
    const also = declaring.filter((m) => m !== found!.from);
    out[name] = also.length > 0 ? { ...found, also } : found;
  }
  return out;
}

function isDeclarationFile(f: string): boolean { return /\.d\.[cm]?ts$/.test(f); }

/** String literals that name a module by a relative path: imports, re-exports, import types, augmentations. */
function relativeSpecifiers(sf: TS.SourceFile): TS.StringLiteralLike[] {
  const ts = typescript();
  const out: TS.StringLiteralLike[] = [];
  const add = (e: TS.Node | undefined) => { if (e && ts.isStringLiteralLike(e) && /^\.\.?(\/|$)/.test(e.text)) out.push(e); };
  const walk = (node: TS.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    else if (ts.isExternalModuleReference(node)) add(node.expression);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal);
    else if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) add(node.name);
    ts.forEachChild(node, walk);
  };
  walk(sf);
  return out;
}

function exportsDefault(s: TS.Statement): boolean {
  const ts = typescript();
  if (ts.isExportAssignment(s)) return !s.isExportEquals;
  if (ts.isExportDeclaration(s)) return !!s.exportClause && ts.isNamedExports(s.exportClause) && s.exportClause.elements.some((e) => e.name.text === "default");
  const mods = ts.canHaveModifiers(s) ? ts.getModifiers(s) ?? [] : [];
  return mods.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) && mods.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
}

function applyEdits(text: string, edits: Edit[]): string {
  edits.sort((a, b) => a.start - b.start);
  let out = "";
  let at = 0;
  for (const e of edits) {
    if (e.start < at) throw new Error("type bundle: overlapping edits");
    out += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + text.slice(at);
}

function commonDir(files: string[]): string {
  let dir = path.dirname(files[0]!);
  while (!files.every((f) => f.startsWith(dir + path.sep))) {
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return dir;
}

/**
 * The package's own entry points (from the nearest package.json's `name` and `exports` /
 * `types`) whose declaration file is in the bundle, by the specifier a cell would import.
 */
function packageAliases(entryFile: string, files: Map<string, unknown>, idOf: (file: string) => string): Map<string, string> {
  const out = new Map<string, string>();
  let dir = path.dirname(entryFile);
  for (; !existsSync(path.join(dir, "package.json")); dir = path.dirname(dir)) if (path.dirname(dir) === dir) return out;
  let pkg: { name?: string; types?: string; typings?: string; exports?: unknown };
  try { pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as typeof pkg; } catch { return out; }
  if (!pkg.name) return out;
  const add = (subpath: string, target: unknown) => {
    const types = typesTarget(target);
    if (types === undefined || subpath.includes("*")) return;
    const file = path.resolve(dir, types);
    if (files.has(file)) out.set(subpath === "." ? pkg.name! : `${pkg.name}/${subpath.replace(/^\.\//, "")}`, idOf(file));
  };
  if (pkg.exports && typeof pkg.exports === "object" && !Array.isArray(pkg.exports) && Object.keys(pkg.exports).every((k) => k.startsWith("."))) {
    for (const [subpath, target] of Object.entries(pkg.exports as Record<string, unknown>)) add(subpath, target);
  } else if (pkg.exports !== undefined) add(".", pkg.exports);
  else add(".", pkg.types ?? pkg.typings);
  return out;
}

/** The declaration file an `exports` target names: its "types" condition, else a .d.ts string. */
function typesTarget(target: unknown): string | undefined {
  if (typeof target === "string") return isDeclarationFile(target) ? target : undefined;
  if (target && typeof target === "object" && !Array.isArray(target)) {
    const t = target as Record<string, unknown>;
    if (typeof t.types === "string") return t.types;
    for (const v of Object.values(t)) {
      const found = typesTarget(v);
      if (found) return found;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Writing (build time) and finding (kernel start)

interface ManifestInput { file: string; size: number; mtimeMs: number; sha1: string }
interface Manifest {
  version: number;
  typescript: string | undefined;
  lib: { full: string; nocomments: string };
  prelude?: { source: string; entry: string; aliases: string[]; full: string; nocomments: string; inputs: ManifestInput[]; lazy?: LazyPreludeIndex };
}

export interface WrittenBundles {
  dir: string;
  lib: { full: string; nocomments: string };
  prelude?: { full: string; nocomments: string; entry: string; modules: number };
  /** Why the prelude bundle was not written (then none is in `dir`). */
  preludeError?: string;
}

/**
 * Writes lib.d.ts, lib.nocomments.d.ts and — when a prelude is given and can be bundled —
 * prelude.d.ts, prelude.nocomments.d.ts, plus manifest.json (what they were built from) into
 * `dir`. A prelude that cannot be bundled leaves no prelude bundle (the kernel then reads the
 * prelude's files as before) and is reported in `preludeError`.
 */
export function writeTypeBundles(dir: string, preludeTypes?: string): WrittenBundles {
  mkdirSync(dir, { recursive: true });
  const lib = bundledLib();
  const written: WrittenBundles = { dir, lib: { full: path.join(dir, "lib.d.ts"), nocomments: path.join(dir, "lib.nocomments.d.ts") } };
  const manifest: Manifest = { version: MANIFEST_VERSION, typescript: typescriptVersion(), lib: { full: "lib.d.ts", nocomments: "lib.nocomments.d.ts" } };
  // The manifest goes first (without a prelude) so a crash midway never leaves a stale one.
  writeAtomic(path.join(dir, MANIFEST), JSON.stringify(manifest, null, 1));
  writeAtomic(written.lib.full, lib);
  writeAtomic(written.lib.nocomments, stripComments(lib, "lib.d.ts"));
  rmSync(path.join(dir, "prelude.d.ts"), { force: true });
  rmSync(path.join(dir, "prelude.nocomments.d.ts"), { force: true });
  if (preludeTypes !== undefined) {
    try {
      const full = buildPreludeBundle(preludeTypes, dir);
      const bare = buildPreludeBundle(preludeTypes, dir, { comments: false });
      const fullPath = path.join(dir, "prelude.d.ts"), barePath = path.join(dir, "prelude.nocomments.d.ts");
      writeAtomic(fullPath, full.text);
      writeAtomic(barePath, bare.text);
      manifest.prelude = {
        source: relativeTo(dir, path.resolve(preludeTypes)),
        entry: full.entry,
        aliases: [...full.aliases.keys()],
        full: "prelude.d.ts",
        nocomments: "prelude.nocomments.d.ts",
        inputs: [...full.modules.values()].map((file) => {
          const st = statSync(file);
          return { file: relativeTo(dir, file), size: st.size, mtimeMs: st.mtimeMs, sha1: sha1(readFileSync(file)) };
        }),
      };
      try {
        manifest.prelude.lazy = lazyPreludeIndex(full, full.text, bare.text);
      } catch (e) {
        // Without the index the kernel loads the whole bundle at start, as before.
        written.preludeError = `no lazy index: ${(e as Error).message}`;
      }
      written.prelude = { full: fullPath, nocomments: barePath, entry: full.entry, modules: full.modules.size };
    } catch (e) {
      written.preludeError = (e as Error).message;
    }
  }
  writeAtomic(path.join(dir, MANIFEST), JSON.stringify(manifest, null, 1));
  return written;
}

export interface LibBundle {
  /** The bundled ES library with its JSDoc (what bundledLib() returns). */
  full: string;
  /** The same declarations without comments: parses in less than half the time. */
  nocomments: string;
}

/**
 * The prebuilt ES library bundle in `dir`, or undefined when it is missing or was built with
 * another TypeScript version (then use bundledLib()).
 */
export function findLibBundle(dir = defaultTypesDir()): LibBundle | undefined {
  const manifest = readManifest(dir);
  const version = typescriptVersion();
  if (!manifest || version === undefined || manifest.typescript !== version) return undefined;
  const full = path.join(dir, manifest.lib.full), nocomments = path.join(dir, manifest.lib.nocomments);
  return existsSync(full) && existsSync(nocomments) ? { full, nocomments } : undefined;
}

export interface PreludeBundleFiles {
  /** The bundle with JSDoc. Put it in the program under THIS path whichever text it holds. */
  full: string;
  /** The same modules without comments (the text for the first program). */
  nocomments: string;
  /** The prelude's module name: the prelude file is `export * from "<entry>"`. */
  entry: string;
  /**
   * Package specifiers the bundle declares as aliases of its modules ("gradlab",
   * "gradlab/visualizers"). Leaving them unresolved (LanguageHost.isOpaque) spares a cell that
   * imports them every file resolution would add: the checker uses the ambient module anyway.
   */
  aliases: string[];
  /** The declaration files the bundle stands for (absolute paths). */
  sources: string[];
  /** How to load it module by module (lazy-prelude.ts); absent in a bundle built without one. */
  lazy?: LazyPreludeIndex;
}

/**
 * The prebuilt bundle of `preludeTypes` (its .d.ts path), or undefined when there is none for
 * this prelude (a custom GRADLAB_PRELUDE), it is missing, or any file it was built from has
 * changed since (size or mtime differ AND the content's hash differs: a plain `tsc` rewrites
 * unchanged files). Costs one stat per bundled file when fresh.
 */
export function findPreludeBundle(preludeTypes: string, dir = defaultTypesDir()): PreludeBundleFiles | undefined {
  const manifest = readManifest(dir);
  const p = manifest?.prelude;
  if (!p || path.resolve(dir, p.source) !== path.resolve(preludeTypes)) return undefined;
  const full = path.join(dir, p.full), nocomments = path.join(dir, p.nocomments);
  if (!existsSync(full) || !existsSync(nocomments)) return undefined;
  const sources: string[] = [];
  for (const input of p.inputs) {
    const file = path.resolve(dir, input.file);
    sources.push(file);
    let st;
    try { st = statSync(file); } catch { return undefined; }
    if (st.size === input.size && st.mtimeMs === input.mtimeMs) continue;
    if (st.size !== input.size || sha1(readFileSync(file)) !== input.sha1) return undefined;
  }
  return { full, nocomments, entry: p.entry, aliases: p.aliases, sources, lazy: p.lazy };
}

function readManifest(dir: string): Manifest | undefined {
  try {
    const m = JSON.parse(readFileSync(path.join(dir, MANIFEST), "utf8")) as Manifest;
    return m.version === MANIFEST_VERSION ? m : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The module symbol of a bundle's entry (for `checker.getExportsOfModule`), found among the
 * program's ambient modules. Undefined when the bundle is not in the program.
 */
export function bundleEntrySymbol(checker: TS.TypeChecker, entry: string): TS.Symbol | undefined {
  const quoted = JSON.stringify(entry);
  return checker.getAmbientModules().find((m) => m.name === quoted);
}

/** The installed TypeScript's version, without loading TypeScript (slow): the lib may be read first. */
function typescriptVersion(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    return (JSON.parse(readFileSync(require.resolve("typescript/package.json"), "utf8")) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

function relativeTo(dir: string, file: string): string { return path.relative(dir, file).split(path.sep).join("/"); }
function sha1(data: Buffer): string { return createHash("sha1").update(data).digest("hex"); }

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}
