// A TypeScript LanguageService over an in-memory overlay: the kernel's generated files (the
// current cell, the declarations of committed cells, prelude aliases) live in memory under
// the notebook directory; everything else (node_modules, the prelude's .d.ts, local .ts
// files, TypeScript's lib) is read from disk once and cached.
import { statSync } from "node:fs";
import path from "node:path";
import type TS from "typescript";
import { typescript } from "./typescript-loader.js";

interface VirtualFile { text: string; version: number; snapshot?: TS.IScriptSnapshot }
interface DiskFile { text: string | undefined; mtime: number; checkedAt: number; snapshot?: TS.IScriptSnapshot }

/** Files under node_modules or TypeScript's own lib are treated as immutable for the session. */
const IMMUTABLE = /[\\/]node_modules[\\/]/;
/** Other disk files (a local module being edited next to the notebook) are re-stat'ed at most this often. */
const RESTAT_MS = 500;

let sharedRegistry: TS.DocumentRegistry | undefined;

export class LanguageHost {
  readonly ls: TS.LanguageService;
  private readonly virtual = new Map<string, VirtualFile>();
  private readonly disk = new Map<string, DiskFile>();
  private roots: string[] = [];
  private rootsDirty = true;
  private projectVersion = 0;
  private readonly rootOrder: string[] = [];

  constructor(readonly cwd: string, readonly options: TS.CompilerOptions, readonly extraRoots: readonly string[]) {
    const ts = typescript();
    sharedRegistry ??= ts.createDocumentRegistry(ts.sys.useCaseSensitiveFileNames, cwd);
    const host: TS.LanguageServiceHost = {
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
    };
    this.ls = ts.createLanguageService(host, sharedRegistry);
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
      this.roots = [...this.extraRoots, ...this.rootOrder];
      this.rootsDirty = false;
    }
    return this.roots;
  }

  private version(f: string): string {
    const v = this.virtual.get(f);
    if (v) return String(v.version);
    const d = this.disk.get(f);
    if (!d || IMMUTABLE.test(f)) return "0";
    const now = Date.now();
    if (now - d.checkedAt > RESTAT_MS) {
      d.checkedAt = now;
      const mtime = mtimeOf(f);
      if (mtime !== d.mtime) this.disk.delete(f);
      return String(mtime);
    }
    return String(d.mtime);
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
    this.disk.set(f, { text, mtime: text === undefined || IMMUTABLE.test(f) ? 0 : mtimeOf(f), checkedAt: Date.now() });
    return text;
  }
}

function mtimeOf(f: string): number {
  try { return statSync(f).mtimeMs; } catch { return -1; }
}
