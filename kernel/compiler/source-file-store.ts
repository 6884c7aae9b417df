// One parsed SourceFile per file (its current version), shared by the two programs the
// compiler builds: the check program cells are checked and emitted with (built directly with
// ts.createProgram — see LanguageHost.checkProgram) and the language service's program behind
// completion and inspect (this store is its DocumentRegistry). Neither parses a file the other
// already parsed, and both bind it once (binding lives on the SourceFile).
//
// Library files (declaration files on disk: TypeScript's lib, @types, packages, the prelude's
// .d.ts, and the bundled lib) are first parsed WITHOUT JSDoc: parsing JSDoc is most of the cost
// of parsing a library, and type checking needs none of it. Once the kernel is idle they are
// re-parsed with it (upgrade()), so signature help and inspect show documentation from then on.
import type TS from "typescript";
import { typescript } from "./typescript-loader.js";

interface Entry { version: string; sf: TS.SourceFile }

type ParseOptions = TS.CreateSourceFileOptions | TS.ScriptTarget;

export class SourceFileStore {
  private readonly files = new Map<string, Entry>();
  private readonly upgraded = new Set<string>();
  /** Library files currently parsed without JSDoc. */
  private readonly bare = new Set<string>();
  /** The parse options the programs asked for, per file (they depend only on the compiler options). */
  private readonly optionsOf = new Map<string, ParseOptions>();
  /** Only for getKeyForCompilationSettings and reportStats, which the language service calls. */
  private readonly fallback: TS.DocumentRegistry;

  constructor(private readonly isLibrary: (fileName: string) => boolean, cwd: string) {
    const ts = typescript();
    this.fallback = ts.createDocumentRegistry(ts.sys.useCaseSensitiveFileNames, cwd);
  }

  /**
   * The SourceFile of `fileName` at `version`, parsed from `snapshot()` if the stored one is of
   * another version. `version` must change whenever the text or the JSDoc mode does (the
   * language host appends "+docs" to upgraded files' versions).
   */
  get(fileName: string, version: string, snapshot: () => TS.IScriptSnapshot | undefined, options: ParseOptions, kind?: TS.ScriptKind): TS.SourceFile | undefined {
    const hit = this.files.get(fileName);
    if (hit !== undefined && hit.version === version) return hit.sf;
    const snap = snapshot();
    if (snap === undefined) return undefined;
    return this.parse(fileName, version, snap, options, kind);
  }

  private parse(fileName: string, version: string, snapshot: TS.IScriptSnapshot, options: ParseOptions, kind?: TS.ScriptKind): TS.SourceFile {
    const bare = this.isLibrary(fileName) && !this.upgraded.has(fileName);
    this.optionsOf.set(fileName, options);
    const sf = createSourceFile(fileName, snapshot, options, bare, version, kind);
    this.files.set(fileName, { version, sf });
    if (bare) this.bare.add(fileName);
    else this.bare.delete(fileName);
    return sf;
  }

  /**
   * Parses a future text of a (generated, non-library) file exactly as a program would, without
   * storing it — undefined until some program has parsed the file. With `put`, the compiler
   * parses a cell once for two purposes (its names, then its checked text: see CellCompiler).
   */
  parseAhead(fileName: string, text: string): TS.SourceFile | undefined {
    const options = this.optionsOf.get(fileName);
    return options === undefined ? undefined : createSourceFile(fileName, typescript().ScriptSnapshot.fromString(text), options, false, "ahead");
  }

  /** Stores a SourceFile made by parseAhead (or updated from one) as `fileName` at `version`. */
  put(fileName: string, version: string, sf: TS.SourceFile): void {
    (sf as { version?: string }).version = version;
    this.files.set(fileName, { version, sf });
  }

  /** Drops a file that left the project (a removed generated file). */
  forget(fileName: string): void {
    this.files.delete(fileName);
    this.bare.delete(fileName);
    this.optionsOf.delete(fileName);
  }

  /** Marks every library file parsed without JSDoc for a re-parse with it; their versions must change. */
  upgrade(): void {
    for (const f of this.bare) this.upgraded.add(f);
    this.bare.clear();
  }

  isUpgraded(fileName: string): boolean { return this.upgraded.has(fileName); }

  /** A library file whose text already has its documentation: parsed with JSDoc from the first. */
  markUpgraded(fileName: string): void { this.upgraded.add(fileName); }

  /** Whether some library file is still parsed without JSDoc and not marked for upgrade. */
  hasBareDocuments(): boolean { return this.bare.size > 0; }

  /** This store as the language service's document registry. */
  registry(): TS.DocumentRegistry {
    const fb = this.fallback;
    const acquire = (fileName: string, _path: TS.Path, _settings: unknown, _key: unknown, snapshot: TS.IScriptSnapshot, version: string, kind?: TS.ScriptKind, options?: ParseOptions): TS.SourceFile =>
      this.get(fileName, version, () => snapshot, options ?? typescript().ScriptTarget.ES2022, kind)!;
    const acquireByName = (fileName: string, _settings: unknown, snapshot: TS.IScriptSnapshot, version: string, kind?: TS.ScriptKind, options?: ParseOptions): TS.SourceFile =>
      this.get(fileName, version, () => snapshot, options ?? typescript().ScriptTarget.ES2022, kind)!;
    return {
      acquireDocument: acquireByName,
      acquireDocumentWithKey: acquire,
      updateDocument: acquireByName,
      updateDocumentWithKey: acquire,
      getKeyForCompilationSettings: (settings) => fb.getKeyForCompilationSettings(settings),
      // Files live as long as they are current: a new version replaces the old one.
      releaseDocument: () => undefined,
      releaseDocumentWithKey: () => undefined,
      reportStats: () => JSON.stringify([...this.files.keys()]),
    } as TS.DocumentRegistry;
  }
}

/** A SourceFile as the language service makes them, with or without its JSDoc (`bare`). */
function createSourceFile(fileName: string, snapshot: TS.IScriptSnapshot, options: ParseOptions, bare: boolean, version: string, kind?: TS.ScriptKind): TS.SourceFile {
  const ts = typescript();
  const base: TS.CreateSourceFileOptions = typeof options === "object" ? options : { languageVersion: options };
  const jsDocParsingMode = bare ? ts.JSDocParsingMode.ParseNone : ts.JSDocParsingMode.ParseAll;
  return ts.createLanguageServiceSourceFile(fileName, snapshot, { ...base, jsDocParsingMode }, version, false, kind);
}
