// A TypeScript LanguageService over an in-memory overlay: the kernel's generated files (the
// current cell, the declarations of committed cells, prelude aliases) live in memory under
// the notebook directory; everything else (node_modules, the prelude's .d.ts, local .ts
// files, TypeScript's lib) is read from disk once and cached.
import { statSync } from "node:fs";
import path from "node:path";
import type TS from "typescript";
import { docsAwareRegistry, type DocsAwareRegistry } from "./docs-registry.js";
import { typescript } from "./typescript-loader.js";

interface VirtualFile { text: string; version: number; snapshot?: TS.IScriptSnapshot }
interface DiskFile { text: string | undefined; mtime: number; checkedAt: number; immutable: boolean; snapshot?: TS.IScriptSnapshot }

/** Files under node_modules or TypeScript's own lib are treated as immutable for the session. */
const IMMUTABLE = /[\\/]node_modules[\\/]/;
/** Other disk files (a local module being edited next to the notebook) are re-stat'ed at most this often. */
const RESTAT_MS = 500;

/**
 * Library files — declaration files on disk (TypeScript's lib, @types, packages, the
 * prelude's .d.ts) and the bundled lib — are parsed without JSDoc until the kernel is idle
 * (see docs-registry.ts). The generated declarations of earlier cells keep theirs: inspect
 * shows a cell's own documentation right away.
 */
function isLibrary(f: string): boolean {
  return /\.d\.[cm]?ts$/.test(f) && (!path.basename(f).startsWith("__gradlab_") || f.endsWith("__gradlab_lib__.d.ts"));
}

export class LanguageHost {
  readonly ls: TS.LanguageService;
  private readonly virtual = new Map<string, VirtualFile>();
  private readonly disk = new Map<string, DiskFile>();
  private roots: string[] = [];
  private rootsDirty = true;
  private projectVersion = 0;
  private readonly rootOrder: string[] = [];
  private readonly resolutionCache: TS.ModuleResolutionCache;
  private readonly docs: DocsAwareRegistry;
  private readonly resolutions = new Map<string, TS.ResolvedModuleWithFailedLookupLocations>();

  constructor(readonly cwd: string, readonly options: TS.CompilerOptions) {
    const ts = typescript();
    this.docs = docsAwareRegistry(isLibrary, cwd);
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
    this.ls = ts.createLanguageService(host, this.docs.registry);
  }

  /**
   * When set and true for an import, the import is left unresolved (its types are `any`):
   * used for the packages behind the prelude's declarations (see CellCompiler).
   */
  isOpaque: ((specifier: string, containingFile: string) => boolean) | undefined;

  /**
   * Module resolution with a session-long cache of successful resolutions: a program rebuild
   * (one per cell) would otherwise walk node_modules again for every import of @types/node.
   * Failures are not cached, so a package or local file added later is found.
   */
  private resolveModule(name: string, containingFile: string, mode: TS.ResolutionMode, redirected: TS.ResolvedProjectReference | undefined,
    opts: TS.CompilerOptions, host: TS.ModuleResolutionHost): TS.ResolvedModuleWithFailedLookupLocations {
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
    } else {
      this.virtual.set(file, { text, version: 1 });
      this.rootOrder.push(file);
      this.rootsDirty = true;
    }
    this.projectVersion++;
  }

  get(file: string): string | undefined { return this.virtual.get(file)?.text; }

  remove(file: string): void {
    if (!this.virtual.delete(file)) return;
    this.rootOrder.splice(this.rootOrder.indexOf(file), 1);
    this.rootsDirty = true;
    this.projectVersion++;
  }

  /** Forces disk files that may have changed to be re-checked on the next query. */
  touch(): void { this.projectVersion++; }

  program(): TS.Program {
    const p = this.ls.getProgram();
    if (!p) throw new Error("compiler: the TypeScript language service has no program");
    return p;
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
    if (!this.docs.hasBareDocuments()) return;
    this.docs.upgrade();
    this.projectVersion++;
  }

  /** Whether some library file is parsed without its JSDoc (see upgradeDocs). */
  get docsPending(): boolean { return this.docs.hasBareDocuments(); }

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
    return this.docs.isUpgraded(f) ? base + "+docs" : base;
  }

  private snapshot(f: string): TS.IScriptSnapshot | undefined {
    const ts = typescript();
    const v = this.virtual.get(f);
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
