// The compiler's view of files: the kernel's generated files (the current cell, the
// declarations of committed cells, prelude aliases) live in memory under the notebook
// directory; everything else (node_modules, the prelude's .d.ts, local .ts files,
// TypeScript's lib) is read from disk once and cached. Two programs are built over it, sharing
// their SourceFiles (source-file-store.ts): the check program (checkProgram: cells are checked
// and emitted with it, built directly so a cell pays for no language-service bookkeeping) and
// the language service's (completion, inspect).
import { statSync } from "node:fs";
import path from "node:path";
import type TS from "typescript";
import { SourceFileStore } from "./source-file-store.js";
import { typescript } from "./typescript-loader.js";

interface VirtualFile {
  text: string;
  version: number;
  snapshot?: TS.IScriptSnapshot;
  /** The text with documentation, used once library docs are upgraded (see setWithDocs). */
  withDocs?: () => string;
}
interface DiskFile { text: string | undefined; mtime: number; checkedAt: number; immutable: boolean; snapshot?: TS.IScriptSnapshot }

/** Files under node_modules or TypeScript's own lib are treated as immutable for the session. */
const IMMUTABLE = /[\\/]node_modules[\\/]/;
/** Other disk files (a local module being edited next to the notebook) are re-stat'ed at most this often. */
const RESTAT_MS = 500;

/**
 * Library files — declaration files on disk (TypeScript's lib, @types, packages, the
 * prelude's .d.ts) and the bundled lib — are parsed without JSDoc until the kernel is idle
 * (see source-file-store.ts). The generated declarations of earlier cells keep theirs: inspect
 * shows a cell's own documentation right away.
 */
function isLibrary(f: string): boolean {
  return /\.d\.[cm]?ts$/.test(f) && (!path.basename(f).startsWith("__gradlab_") || f.endsWith("__gradlab_lib__.d.ts"));
}

export class LanguageHost {
  readonly ls: TS.LanguageService;
  private readonly virtual = new Map<string, VirtualFile>();
  /** Generated files whose text changed since the last check program (see parseChanged). */
  private readonly changed = new Set<string>();
  private readonly disk = new Map<string, DiskFile>();
  private roots: string[] = [];
  private rootsDirty = true;
  private projectVersion = 0;
  private readonly rootOrder: string[] = [];
  private readonly resolutionCache: TS.ModuleResolutionCache;
  private readonly store: SourceFileStore;
  private readonly compilerHost: TS.CompilerHost;
  private lastCheck: { program: TS.Program; projectVersion: number; mutable: Array<[string, string]> } | undefined;
  private readonly resolutions = new Map<string, TS.ResolvedModuleWithFailedLookupLocations>();

  constructor(readonly cwd: string, readonly options: TS.CompilerOptions) {
    const ts = typescript();
    this.store = new SourceFileStore(isLibrary, cwd);
    // Kept across program rebuilds for its package.json lookups (every file's module format
    // is derived from its nearest package.json on every rebuild).
    this.resolutionCache = ts.createModuleResolutionCache(cwd, (f) => (ts.sys.useCaseSensitiveFileNames ? f : f.toLowerCase()), options);
    // getModuleResolutionCache is read by the language service at run time though its public
    // host type omits it.
    const host: TS.LanguageServiceHost & { getModuleResolutionCache(): TS.ModuleResolutionCache } = {
      getProjectVersion: () => String(this.projectVersion),
      getScriptFileNames: () => this.rootFiles(),
      getScriptVersion: (f) => this.version(f),
      getScriptSnapshot: (f) => this.snapshot(f),
      getCurrentDirectory: () => cwd,
      getCompilationSettings: () => options,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: (f) => this.virtual.has(f) || this.readDisk(f) !== undefined,
      readFile: (f) => this.virtual.get(f)?.text ?? this.readDisk(f),
      directoryExists: (d) => d === cwd || ts.sys.directoryExists(d),
      getDirectories: (d) => ts.sys.getDirectories(d),
      realpath: ts.sys.realpath,
      useCaseSensitiveFileNames: () => ts.sys.useCaseSensitiveFileNames,
      getModuleResolutionCache: () => this.resolutionCache,
      resolveModuleNameLiterals: (literals, containingFile, redirected, opts, containingSourceFile) =>
        literals.map((lit) => this.resolveModule(lit.text, containingFile, ts.getModeForUsageLocation(containingSourceFile, lit, opts), redirected, opts, host)),
    };
    this.ls = ts.createLanguageService(host, this.store.registry());
    this.compilerHost = {
      getSourceFile: (f, options) => this.store.get(f, this.version(f), () => this.snapshot(f), options),
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      writeFile: () => undefined,
      getCurrentDirectory: () => cwd,
      getCanonicalFileName: (f) => (ts.sys.useCaseSensitiveFileNames ? f : f.toLowerCase()),
      useCaseSensitiveFileNames: () => ts.sys.useCaseSensitiveFileNames,
      getNewLine: () => "\n",
      fileExists: host.fileExists,
      readFile: host.readFile,
      directoryExists: host.directoryExists,
      getDirectories: host.getDirectories,
      realpath: host.realpath,
      getModuleResolutionCache: () => this.resolutionCache,
      resolveModuleNameLiterals: host.resolveModuleNameLiterals,
    };
  }

  /**
   * The program cells are checked and emitted with: `ts.createProgram` over the same files as
   * the language service, with the previous check program as the old program (unchanged files
   * are the same SourceFile objects, so its structure is reused). Rebuilt only when a file
   * changed. About half the cost of the language service's rebuild per cell, which also
   * re-validates every file's version and its host cache.
   */
  checkProgram(): TS.Program {
    const last = this.lastCheck;
    if (last !== undefined && last.projectVersion === this.projectVersion && last.mutable.every(([f, v]) => this.version(f) === v)) return last.program;
    const ts = typescript();
    const program = ts.createProgram({ rootNames: this.rootFiles(), options: this.options, host: this.compilerHost, oldProgram: last?.program });
    this.changed.clear();
    // Files that may change on disk (a local module next to the notebook) are re-checked on reuse.
    const mutable: Array<[string, string]> = [];
    for (const sf of program.getSourceFiles()) {
      if (this.virtual.has(sf.fileName)) continue;
      const d = this.disk.get(sf.fileName);
      if (d !== undefined && !d.immutable) mutable.push([sf.fileName, this.version(sf.fileName)]);
    }
    this.lastCheck = { program, projectVersion: this.projectVersion, mutable };
    return program;
  }

  /**
   * When set and true for an import, the import is left unresolved (its types are `any`):
   * used for the packages behind the prelude's declarations (see CellCompiler).
   */
  isOpaque: ((specifier: string, containingFile: string) => boolean) | undefined;

  /** Bare specifiers the kernel provides (kernel/provided/), to their declaration files: from anywhere. */
  provided: Record<string, string> = {};

  /**
   * Module resolution with a session-long cache of successful resolutions: a program rebuild
   * (one per cell) would otherwise walk node_modules again for every import of @types/node.
   * Failures are not cached, so a package or local file added later is found.
   */
  private resolveModule(name: string, containingFile: string, mode: TS.ResolutionMode, redirected: TS.ResolvedProjectReference | undefined,
    opts: TS.CompilerOptions, host: TS.ModuleResolutionHost): TS.ResolvedModuleWithFailedLookupLocations {
    const provided = this.provided[name];
    if (provided !== undefined) return { resolvedModule: { resolvedFileName: provided, extension: provided.endsWith(".d.ts") ? ".d.ts" : ".ts", isExternalLibraryImport: true } };
    const key = `${path.dirname(containingFile)}\0${name}\0${mode ?? ""}`;
    if (this.isOpaque?.(name, containingFile)) return { resolvedModule: undefined };
    const hit = this.resolutions.get(key);
    if (hit) return hit;
    const result = typescript().resolveModuleName(name, containingFile, opts, host, undefined, redirected, mode);
    if (result.resolvedModule) this.resolutions.set(key, result);
    return result;
  }

  path(name: string): string { return path.join(this.cwd, name); }

  /** Sets a generated file's text (adding it as a root file if new). */
  set(file: string, text: string): void {
    const cur = this.virtual.get(file);
    if (cur) {
      if (cur.text === text) return;
      cur.text = text;
      cur.version++;
      cur.snapshot = undefined;
      this.changed.add(file);
    } else {
      this.virtual.set(file, { text, version: 1 });
      this.rootOrder.push(file);
      this.rootsDirty = true;
    }
    this.projectVersion++;
  }

  /**
   * A library file whose first text is a comment-free variant (`bare`, quicker to parse: see
   * type-bundles.ts) and whose text becomes `withDocs()` when library docs are upgraded, so
   * inspect shows JSDoc then. Both must declare the same things.
   */
  setWithDocs(file: string, bare: string, withDocs: () => string): void {
    this.set(file, bare);
    this.virtual.get(file)!.withDocs = withDocs;
  }

  /** A library file set with its documentation from the start (parsed with JSDoc at once). */
  setDocumented(file: string, text: string): void {
    this.set(file, text);
    this.store.markUpgraded(file);
  }

  /**
   * Parses the generated files changed since the last check program (but `except`), so that
   * program's successor finds them parsed. Only files some program parsed before (their parse
   * options are known).
   */
  parseChanged(except: string): void {
    for (const file of this.changed) {
      if (file === except) continue;
      const v = this.virtual.get(file);
      const sf = v && this.store.parseAhead(file, v.text);
      if (sf) this.store.put(file, this.version(file), sf);
    }
    this.changed.clear();
  }

  /** See SourceFileStore.parseAhead. */
  parseAhead(file: string, text: string): TS.SourceFile | undefined {
    return this.store.parseAhead(file, text);
  }

  /**
   * Sets a generated file's text together with its parse (from parseAhead, possibly updated
   * incrementally), so the next program does not parse it again.
   */
  setParsed(file: string, text: string, sf: TS.SourceFile): void {
    this.set(file, text);
    this.store.put(file, this.version(file), sf);
  }

  get(file: string): string | undefined { return this.virtual.get(file)?.text; }

  remove(file: string): void {
    if (!this.virtual.delete(file)) return;
    this.store.forget(file);
    this.rootOrder.splice(this.rootOrder.indexOf(file), 1);
    this.rootsDirty = true;
    this.projectVersion++;
  }

  private rootFiles(): string[] {
    if (this.rootsDirty) {
      this.roots = [...this.rootOrder];
      this.rootsDirty = false;
    }
    return this.roots;
  }

  /** Library files get their JSDoc parsed from the next program on (a one-off re-parse). */
  upgradeDocs(): void {
    if (!this.store.hasBareDocuments()) return;
    this.store.upgrade();
    this.projectVersion++;
  }

  /** Whether some library file is parsed without its JSDoc (see upgradeDocs). */
  get docsPending(): boolean { return this.store.hasBareDocuments(); }

  /** Called for every file of the program at every cell, so it is kept to map lookups. */
  private version(f: string): string {
    const v = this.virtual.get(f);
    let base: string;
    if (v) base = String(v.version);
    else {
      const d = this.disk.get(f);
      if (!d || d.immutable) base = "0";
      else {
        const now = Date.now();
        if (now - d.checkedAt > RESTAT_MS) {
          d.checkedAt = now;
          const mtime = mtimeOf(f);
          if (mtime !== d.mtime) this.disk.delete(f); // re-read on the next snapshot
          d.mtime = mtime;
        }
        base = String(d.mtime);
      }
    }
    return this.store.isUpgraded(f) ? base + "+docs" : base;
  }

  private snapshot(f: string): TS.IScriptSnapshot | undefined {
    const ts = typescript();
    const v = this.virtual.get(f);
    if (v?.withDocs && this.store.isUpgraded(f)) {
      // One-off: from now on the file is its documented text.
      v.text = v.withDocs();
      v.withDocs = undefined;
      v.snapshot = undefined;
    }
    if (v) return (v.snapshot ??= ts.ScriptSnapshot.fromString(v.text));
    const text = this.readDisk(f);
    if (text === undefined) return undefined;
    const d = this.disk.get(f)!;
    return (d.snapshot ??= ts.ScriptSnapshot.fromString(text));
  }

  private readDisk(f: string): string | undefined {
    const cached = this.disk.get(f);
    if (cached) return cached.text;
    const ts = typescript();
    const text = ts.sys.readFile(f);
    // A missing local file may be created later; only node_modules misses are remembered.
    if (text === undefined && !IMMUTABLE.test(f)) return undefined;
    const immutable = IMMUTABLE.test(f);
    this.disk.set(f, { text, mtime: text === undefined || immutable ? 0 : mtimeOf(f), checkedAt: Date.now(), immutable });
    return text;
  }
}

function mtimeOf(f: string): number {
  try { return statSync(f).mtimeMs; } catch { return -1; }
}
