// The cell compiler: type-checks a cell against the declarations of earlier cells and the
// prelude (one incremental LanguageService), and turns it into the script the executor runs.
//
// How a cell is checked: it is the module __gradlab_cell__.ts (its own declarations shadow
// globals, so re-declaring a name is never a redeclaration), followed by an appended
// `export { <its names> }` so that TypeScript's declaration emit describes every name it
// declares. When the cell has run (commit), that emit becomes ambient global declarations
// for later cells (declarations-context.ts: the latest declaration of a name wins). The
// prelude's exports and the kernel's globals are global aliases/declarations the same way.
// How a cell runs: runtime-transform.ts.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type TS from "typescript";
import { collectCellNames, type CellNames } from "./cell-names.js";
import { completeAt, inspectAt, type Completion, type Inspection } from "./completion.js";
import { DeclarationsContext, globalStatementsFromDts, isGlobalName, type GlobalStatement } from "./declarations-context.js";
import { compileError, isUntypedModule, toCellDiagnostics, untypedModuleNote, type Diagnostic } from "./diagnostics.js";
import { isComplete, type IsCompleteResult } from "./is-complete.js";
import { KERNEL_GLOBALS, MINIMAL_HOST_GLOBALS } from "./kernel-globals.js";
import { bundledLib, needsNodeTypes, nodeTypes } from "./host-types.js";
import { LanguageHost } from "./language-host.js";
import { providedModules } from "../provided/index.js";
import { LazyPrelude, PRELUDE_NAMESPACE } from "./lazy-prelude.js";
import { bundleEntrySymbol, defaultTypesDir, findLibBundle, findPreludeBundle, MODULE_PREFIX } from "./type-bundles.js";
import { emitCheckedCell, transpileCell, type TranspiledCell } from "./runtime-transform.js";
import { fastEmitCell } from "./fast-emit.js";
import { SourceMapper, mapStackTrace, shiftFirstLine } from "./source-map.js";
import { typescript } from "./typescript-loader.js";
import { IdleWork, PRELUDE_QUIET_MS, WARM_QUIET_MS } from "./idle-work.js";

export type { Diagnostic } from "./diagnostics.js";

export interface CompilerConfig {
  cwd: string;
  /** Path of the prelude's .d.ts (or .ts) whose exports every cell sees as globals. */
  preludeTypes?: string;
  typeCheck: boolean;
  /** Where the build's type bundles are (default: dist/types beside the compiled kernel). */
  typesDir?: string;
}

export type CompileResult =
  | { ok: true; js: string; filename: string; diagnostics: Diagnostic[]; mapStack(stack: string): string; /** The source map's mappings of `js` (to rebuild mapStack in another thread). */ mappings: string }
  | { ok: false; diagnostics: Diagnostic[]; ename: string; evalue: string; traceback: string[] };

/** `checkText`/`names` are filled in when the cell was type-checked, else on integration. */
interface CompiledCell {
  code: string;
  checkText?: string;
  names?: CellNames;
  /** The global declarations its declaration emit gives, once computed (see prepareCommit). */
  declarations?: GlobalStatement[];
}

/** A cell checked and emitted, before it is named and kept (see CellCompiler.prepare). */
type Prepared =
  | { kind: "ok"; out: TranspiledCell; literal: boolean; checked: CheckOutcome | undefined; code: string }
  | { kind: "failed"; result: Extract<CompileResult, { ok: false }> };

type CheckOutcome =
  | { kind: "ok"; checkText: string; names: CellNames; warnings: Diagnostic[] }
  | { kind: "failed"; result: Extract<CompileResult, { ok: false }> }
  | { kind: "crashed"; warning: Diagnostic };

const CELL_FILE = "__gradlab_cell__.ts";
/**
 * Diagnostics that are artefacts of how cells are checked, not the user's mistakes:
 * verbatimModuleSyntax (kept so no import is elided) wants `import type` for type-only names.
 */
const IGNORED_CODES = new Set([1484, 1485]);
const HOST_GLOBALS_FILE = "__gradlab_host_globals__.d.ts";
/** Each background step of the lazily loaded prelude loads about this many characters of declarations. */
const PRELUDE_STEP_CHARS = 6_000;

export class CellCompiler {
  private typeCheck: boolean;
  private host: LanguageHost | undefined;
  private ctx: DeclarationsContext | undefined;
  private preludeReady = false;
  /** The prelude's declarations when they load module by module (lazy-prelude.ts). */
  private prelude: LazyPrelude | undefined;
  /** A value the prelude exports (warm-up touches it). */
  private preludeValueName: string | undefined;
  private nodeTypesOn = false;
  /** When background work runs (idle-work.ts). */
  private readonly idle = new IdleWork();
  /** Compiled cells waiting for their run to finish, by execution count. */
  private readonly compiled = new Map<number, CompiledCell>();
  /** Committed cells whose declarations are not yet in the context (integrated lazily). */
  private readonly toIntegrate: CompiledCell[] = [];
  private committedCount = 0;
  private readonly mappers = new Map<string, SourceMapper>();
  private readonly usedFilenames = new Set<string>();
  /** Changes whenever what a cell compiles to may change: a commit, type checking on/off. */
  private state = 0;
  /** A cell compiled ahead of its compile request (see speculate). */
  private speculation: { cell: string; state: number; prepared: Prepared } | undefined;
  /** @internal tests: compiles that found their work done ahead (speculate, speculateNext). */
  speculationsUsed = 0;
  /** The compiled cell the kernel is running (see running), and whether it was taken in ahead of its commit. */
  private runningCell: { executionCount: number; code: string; committedAhead: boolean } | undefined;
  /** The cell as the user wrote it, and how far the compiled text's positions are ahead of it. */
  private shown = { text: "", shift: 0 };

  constructor(private readonly config: CompilerConfig) {
    this.typeCheck = config.typeCheck;
  }

  /**
   * Loads TypeScript and runs a sample cell through every path a real one takes.
   * `onCheckReady` is called as soon as a cell can be checked and emitted (the compiler thread
   * reports ready then); the rest (declaration emit, completion, transpile-only) warms up after.
   */
  async warmUp(onCheckReady?: () => void, trace: (phase: string) => void = () => undefined): Promise<void> {
    const yieldToEventLoop = () => new Promise<void>((r) => setImmediate(r));
    await yieldToEventLoop();
    typescript();
    trace("TypeScript loaded");
    await yieldToEventLoop();
    this.languageHost();
    await yieldToEventLoop();
    this.setUpPrelude();
    trace(this.prelude ? `prelude: ${this.prelude.loadedModules.length} modules to start with` : "prelude loaded whole");
    await yieldToEventLoop();
    // The ES library and the prelude's starting modules parsed and bound on their own (the
    // longest step): a first cell that arrived meanwhile is then checked ahead (speculate) at the
    // next yield, in place of the sample below, rather than after it.
    this.languageHost().checkProgram().getTypeChecker();
    trace("library parsed and bound");
    await yieldToEventLoop();
    // Run a typical small cell through every path a real one takes (check, emit, the commit's
    // declaration emit, completion, transpile-only) so their code is compiled and warm.
    const preludeName = this.preludeValueName;
    const sample = "const __gradlab_warm = [1, 2, 3].map((v) => v * 2);\nconsole.log(__gradlab_warm.length);\n" +
      (preludeName ? `typeof ${preludeName};\n` : "");
    let readySignalled = false;
    const ready = (): void => {
      if (readySignalled) return;
      readySignalled = true;
      // (The quiet waits below count from here: a first cell is most likely right now.)
      this.idle.touch();
      onCheckReady?.();
    };
    // A real cell that arrived meanwhile has been checked and emitted ahead (speculate): it
    // warmed what the sample would have, and its compile request will find the work done. The
    // rest of the warm-up then waits until that cell is compiled and committed.
    if (this.speculation !== undefined) {
      ready();
      await this.idle.quiet(PRELUDE_QUIET_MS);
    }
    const checked = this.check(sample);
    if (checked.kind === "ok") {
      const host = this.languageHost();
      const program = host.checkProgram();
      const sf = program.getSourceFile(this.cellFile())!;
      fastEmitCell(sf, sample.length);
      ready();
      // What follows warms paths a cell's compile does not wait for (TypeScript's own emit, for
      // rare syntax; the commit's declaration emit, done while a cell runs; completion): once
      // the compiler has been quiet a while, so first cells that come right away go first.
      await this.idle.quiet(WARM_QUIET_MS);
      emitCheckedCell(program, sf);
      await yieldToEventLoop();
      globalStatementsFromDts(declarationsOf(program, sf));
      completeAt(host.ls, this.cellFile(), sample, sample.indexOf(".length") + 2);
    }
    else ready();
    transpileCell(sample, "warm.ts");
    isComplete("const a = [1,");
    this.schedulePreludeLoading();
    this.scheduleDocsUpgrade();
  }

  /**
   * The rest of a lazily loaded prelude, a step at a time while the compiler is quiet, parsed
   * and bound then rather than by the next cell's check; so later cells, completion and
   * inspect find it loaded.
   */
  private schedulePreludeLoading(): void {
    const prelude = this.prelude;
    if (!prelude) return;
    this.idle.inSteps(() => prelude.complete, () => {
      prelude.loadSome(PRELUDE_STEP_CHARS);
      this.languageHost().checkProgram().getTypeChecker();
    }, () => this.scheduleDocsUpgrade());
  }

  /** Library files re-parsed with their JSDoc (source-file-store.ts) once the kernel is idle, so the cost never delays a cell. */
  private scheduleDocsUpgrade(): void {
    this.idle.whenIdle(() => this.host?.docsPending === true || this.prelude?.consolidated === false, () => {
      const host = this.host!;
      // The prelude's module files become the one bundle file they came from (a program's
      // per-file costs are paid by every later cell): the re-parse it costs is the one the
      // documentation needs anyway.
      if (this.prelude && !this.prelude.consolidated) {
        this.prelude.loadAll();
        this.prelude.consolidate();
      }
      host.upgradeDocs();
      // Re-parse, and re-bind (the checker binds new source files), while still idle.
      host.checkProgram().getTypeChecker();
    });
  }

  setTypeCheck(on: boolean): void {
    this.typeCheck = on;
    this.state++;
  }

  compile(cell: string, executionCount: number): CompileResult {
    this.idle.touch();
    const speculation = this.speculation;
    this.speculation = undefined;
    const ahead = speculation?.cell === cell && speculation.state === this.state;
    if (ahead) this.speculationsUsed++;
    const prepared = ahead ? speculation.prepared : this.prepare(cell);
    if (prepared.kind === "failed") return prepared.result;
    const { out, literal, checked, code } = prepared;
    const filename = this.uniqueFilename(executionCount);
    const mappings = literal ? shiftFirstLine(out.mappings, -1) : out.mappings;
    this.mappers.set(filename, new SourceMapper(mappings));
    this.compiled.set(executionCount, checked?.kind === "ok" ? { code, checkText: checked.checkText, names: checked.names } : { code });
    const mappers = this.mappers;
    const warnings = checked?.kind === "ok" ? checked.warnings : checked?.kind === "crashed" ? [checked.warning] : [];
    // the kernel runs it now and commits it when done (execute.ts), successful or not
    this.idle.cellRunning(true);
    return { ok: true, js: out.js, filename, diagnostics: warnings, mapStack: (stack) => mapStackTrace(stack, mappers), mappings };
  }

  /**
   * Compiles a cell the kernel is about to ask for (the io thread passes on an execute
   * request the moment it arrives, while the main thread is still getting to it): `compile`
   * then returns this work if nothing changed meanwhile (no commit, no type-checking switch,
   * the same text). A speculation never changes what later cells see.
   */
  speculate(cell: string): void {
    this.idle.touch();
    try {
      this.speculation = { cell, state: this.state, prepared: this.prepare(cell) };
    } catch {
      this.speculation = undefined;
    }
  }

  /** Checks and emits a cell, without giving it a name or a place among compiled cells. */
  private prepare(cell: string): Prepared {
    // A cell that is one object literal (`{ a: 1, b: 2 }`) means the object, as at Node's and
    // Deno's prompts, not a block: it is compiled in parentheses, and every position reported
    // (diagnostics, stack frames) is shifted back into the cell as the user wrote it.
    const literal = objectLiteralCell(cell);
    const code = literal ?? cell;
    this.shown = { text: cell, shift: literal === undefined ? 0 : 1 };
    let checked: CheckOutcome | undefined;
    if (this.typeCheck) {
      try {
        checked = this.check(code);
      } catch (e) {
        // A crash inside TypeScript must not cost the user the cell: run it unchecked.
        checked = { kind: "crashed", warning: { line: 1, column: 1, code: 0, message: `type checking failed (${(e as Error).message}); the cell runs unchecked` } };
      }
      if (checked.kind === "failed") return { kind: "failed", result: checked.result };
    }
    let out: TranspiledCell;
    if (checked?.kind === "ok") {
      // Spliced from the checked text (fast-emit.ts); TypeScript's own emit for syntax the
      // splicer does not handle.
      const program = this.languageHost().checkProgram();
      const sf = program.getSourceFile(this.cellFile())!;
      out = fastEmitCell(sf, code.length) ?? emitCheckedCell(program, sf);
    } else {
      // Type checking off: the same splicing over a parse of the cell (TypeScript's transpile,
      // much slower, for syntax errors and for syntax the splicer does not handle).
      const sf = parseAlone(code, this.cellFile());
      out = (parsesCleanly(sf) ? fastEmitCell(sf, code.length) : undefined) ?? transpileCell(code, CELL_FILE);
    }
    const syntaxErrors = out.diagnostics.filter(isError);
    if (syntaxErrors.length > 0) return { kind: "failed", result: this.failure("SyntaxError", syntaxErrors) };
    return { kind: "ok", out, literal: literal !== undefined, checked, code };
  }

  /** Diagnostics of the compiled text, in the coordinates of the cell the user wrote. */
  private cellDiagnostics(diags: readonly TS.Diagnostic[]): Diagnostic[] {
    const { text, shift } = this.shown;
    const moved = shift === 0 ? diags : diags.map((d) => ({ ...d, start: d.start === undefined ? undefined : Math.max(0, d.start - shift) }));
    return toCellDiagnostics(moved, text);
  }

  private failure(ename: string, errors: readonly TS.Diagnostic[]): Extract<CompileResult, { ok: false }> {
    const diags = this.cellDiagnostics(errors);
    return { ok: false, diagnostics: diags, ...compileError(ename, diags, this.shown.text, errors.map((e) => e.length ?? 1)) };
  }

  /** Type-checks a cell against the context; on success the program holds it for emit. */
  private check(code: string): CheckOutcome {
    const ts = typescript();
    this.integrateCommitted();
    this.enableNodeTypesFor(code);
    const host = this.languageHost();
    const file = this.cellFile();
    // One parse serves twice: the cell's names, then (extended by the export list, an
    // incremental re-parse of the appended text only) the checked file itself.
    const ahead = host.parseAhead(file, code);
    const names = ahead === undefined ? collectNamesOf(code) : collectCellNames(ahead);
    const checkText = withExportList(code, names);
    this.prelude?.needFor(code);
    if (ahead === undefined) host.set(file, checkText);
    else if (checkText === code) host.setParsed(file, checkText, ahead);
    else {
      const appended = { span: { start: code.length, length: 0 }, newLength: checkText.length - code.length };
      // (A version other than the parse's: with an equal one TypeScript re-parses from scratch.)
      host.setParsed(file, checkText, ts.updateLanguageServiceSourceFile(ahead, ts.ScriptSnapshot.fromString(checkText), "ahead+exports", appended));
    }
    const program = host.checkProgram();
    const sf = program.getSourceFile(file)!;
    const syntactic = program.getSyntacticDiagnostics(sf);
    if (syntactic.some(isError)) return { kind: "failed", result: this.syntaxFailure(code) };
    // Diagnostics in the appended export list (e.g. "re-exporting a type requires
    // `export type`") are artefacts of the check, not the user's.
    const semantic = program.getSemanticDiagnostics(sf)
      .filter((d) => !IGNORED_CODES.has(d.code) && (d.start === undefined || d.start < code.length));
    // A package without declarations is `any` (as for tsc without noImplicitAny), with a note.
    const errors = semantic.filter((d) => isError(d) && !isUntypedModule(d));
    if (errors.length > 0) return { kind: "failed", result: this.failure("TSError", errors) };
    const local = this.localFileErrors(host, file);
    if (local) return { kind: "failed", result: local };
    const notes = semantic.filter(isUntypedModule).map((d) => untypedModuleNote(d, checkText));
    const warnings = this.cellDiagnostics([...semantic.filter((d) => d.category === ts.DiagnosticCategory.Warning), ...notes]);
    return { kind: "ok", checkText, names, warnings };
  }

  /**
   * Errors inside the local .ts files the cell imports (directly or through each other): the
   * cell's own check only sees their exported types, yet running it would run them. Reported
   * in the first erroneous file's own coordinates.
   */
  private localFileErrors(host: LanguageHost, cellFile: string): Extract<CompileResult, { ok: false }> | undefined {
    const ts = typescript();
    const program = host.checkProgram();
    const checker = program.getTypeChecker();
    const seen = new Set<string>();
    const visit = (sf: TS.SourceFile): Extract<CompileResult, { ok: false }> | undefined => {
      for (const spec of moduleSpecifiers(sf)) {
        const target = checker.getSymbolAtLocation(spec)?.valueDeclaration;
        if (!target || !ts.isSourceFile(target)) continue;
        const f = target.fileName;
        if (seen.has(f) || target.isDeclarationFile || /[\\/]node_modules[\\/]/.test(f) || host.get(f) !== undefined) continue;
        seen.add(f);
        const errors = [...program.getSyntacticDiagnostics(target), ...program.getSemanticDiagnostics(target)].filter((d) => isError(d) && !isUntypedModule(d));
        if (errors.length > 0) {
          const diags = toCellDiagnostics(errors, target.text);
          const where = path.relative(host.cwd, f) || f;
          return { ok: false, diagnostics: [], ...compileError("TSError", diags, target.text, errors.map((e) => e.length ?? 1), where) };
        }
        const nested = visit(target);
        if (nested) return nested;
      }
      return undefined;
    };
    const cell = program.getSourceFile(cellFile);
    return cell ? visit(cell) : undefined;
  }

  commit(executionCount: number): void {
    this.idle.cellRunning(false);
    const ahead = this.runningCell?.executionCount === executionCount && this.runningCell.committedAhead;
    this.runningCell = undefined;
    if (ahead) return;
    const cell = this.compiled.get(executionCount);
    if (cell) this.takeIn(cell);
  }

  /**
   * The kernel is about to run compiled cell `executionCount` (after its compile, past the
   * last chance of an interrupt to skip it): it will be committed, successful or not.
   */
  running(executionCount: number): void {
    const cell = this.compiled.get(executionCount);
    this.runningCell = cell ? { executionCount, code: cell.code, committedAhead: false } : undefined;
  }

  /** A cell has been compiled ahead (speculate) and not yet asked for. */
  get hasSpeculation(): boolean {
    return this.speculation !== undefined;
  }

  /** The code of the cell the kernel is running (see running), undefined when none. */
  get runningCode(): string | undefined {
    return this.runningCell?.code;
  }

  /** A cell is running and the one after it has not been compiled ahead yet (see speculateNext). */
  get awaitsNext(): boolean {
    return this.runningCell !== undefined && !this.runningCell.committedAhead;
  }

  /**
   * Compiles `cell`, the one queued right behind the running cell, ahead of its compile
   * request: the running cell's declarations are taken in now, as its commit would (its
   * commit is certain, see running), so the check sees what it will see then. Once per
   * running cell (the cell after the next one needs the next one's declarations); false,
   * with nothing done, when no cell awaits its next.
   */
  speculateNext(cell: string): boolean {
    const r = this.runningCell;
    if (r === undefined || r.committedAhead) return false;
    const compiled = this.compiled.get(r.executionCount);
    r.committedAhead = true;
    if (compiled) this.takeIn(compiled);
    this.speculate(cell);
    return true;
  }

  /** A committed cell's declarations into the context (for the cells after it). */
  private takeIn(cell: CompiledCell): void {
    this.state++;
    this.compiled.clear();
    this.toIntegrate.push(cell);
    // While the checked program still holds exactly this cell, its declaration emit is cheap:
    // do it now. Otherwise (type checking off) wait until something needs the context.
    if (cell.checkText !== undefined && this.host?.get(this.cellFile()) === cell.checkText) {
      try {
        this.integrateCommitted();
        // Parse the context files this commit changed now, while the cell's results are being
        // sent, rather than when the next cell is checked.
        this.host.parseChanged(this.cellFile());
      } catch {
        // Only later cells' knowledge of this one is lost; never fail the cell that ran.
      }
    }
  }

  complete(code: string, cursorPos: number): Completion {
    try {
      const host = this.prepareQuery(code);
      return completeAt(host.ls, this.cellFile(), code, cursorPos);
    } catch {
      return { matches: [], cursorStart: cursorPos, cursorEnd: cursorPos, metadata: {} }; // a TypeScript crash: no suggestions
    }
  }

  inspect(code: string, cursorPos: number, detailLevel: number): Inspection {
    try {
      const host = this.prepareQuery(code);
      // Documentation is what inspect is for: re-parse library files with JSDoc now if that
      // has not happened yet (building the program first parses them, without).
      host.checkProgram();
      host.upgradeDocs();
      return inspectAt(host.ls, this.cellFile(), code, cursorPos, detailLevel);
    } catch {
      return { found: false, data: {} };
    }
  }

  isComplete(code: string): IsCompleteResult { return isComplete(code); }

  private prepareQuery(code: string): LanguageHost {
    this.idle.touch();
    this.integrateCommitted();
    // Completion lists every global, inspect may name any: the whole prelude.
    this.prelude?.loadAll();
    this.enableNodeTypesFor(code);
    const host = this.languageHost();
    host.set(this.cellFile(), code);
    return host;
  }

  private syntaxFailure(code: string): Extract<CompileResult, { ok: false }> {
    const out = transpileCell(code, CELL_FILE);
    const errors = out.diagnostics.filter(isError);
    return this.failure("SyntaxError", errors);
  }

  /** Adds committed cells' declarations to the context, oldest first. */
  private integrateCommitted(): void {
    this.setUpPrelude();
    if (this.toIntegrate.length === 0) return;
    const host = this.languageHost();
    const file = this.cellFile();
    for (const cell of this.toIntegrate.splice(0)) {
      const names = cell.names ?? collectNamesOf(cell.code);
      this.enableNodeTypesFor(cell.code);
      let declarations = cell.declarations;
      if (declarations === undefined) {
        this.prelude?.needFor(cell.code);
        host.set(file, cell.checkText ?? withExportList(cell.code, names));
        const program = host.checkProgram();
        declarations = globalStatementsFromDts(declarationsOf(program, program.getSourceFile(file)!));
      }
      this.ctx!.define(`cell${++this.committedCount}`, [...this.ctx!.importAliases(names.imports), ...declarations]);
    }
  }

  /**
   * Does the declaration emit of the cell just compiled ahead of its commit — the compiler
   * thread calls it right after answering the compile, while the kernel runs the cell — so the
   * commit is short and the next cell's check does not wait behind it. Every compiled cell is
   * committed once it has run (or failed), so the work is never wasted.
   */
  prepareCommit(executionCount: number): void {
    const cell = this.compiled.get(executionCount);
    if (cell?.checkText === undefined || cell.declarations !== undefined || this.host?.get(this.cellFile()) !== cell.checkText) return;
    try {
      const program = this.host.checkProgram();
      cell.declarations = globalStatementsFromDts(declarationsOf(program, program.getSourceFile(this.cellFile())!));
    } catch {
      // The commit tries again.
    }
  }

  /**
   * Node's types (dozens of files, most of the checker's global declarations) are added the first
   * time a cell (or the prelude) refers to a Node module or global; until then a few
   * declarations cover console and timers.
   */
  private enableNodeTypesFor(code: string): void {
    if (this.nodeTypesOn || !needsNodeTypes(code)) return;
    this.nodeTypesOn = true;
    const types = nodeTypes();
    if (!types) return;
    const host = this.languageHost();
    host.set(host.path(HOST_GLOBALS_FILE), "");
    host.set(types.file, types.text);
    queueMicrotask(() => this.scheduleDocsUpgrade());
  }

  private cellFile(): string { return this.languageHost().path(CELL_FILE); }

  private languageHost(): LanguageHost {
    if (this.host) return this.host;
    const ts = typescript();
    const options: TS.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      moduleDetection: ts.ModuleDetectionKind.Force,
      noLib: true, // lib.es2023 comes bundled into one file (host-types.ts)
      types: [],
      strict: true,
      skipLibCheck: true,
      esModuleInterop: true,
      allowImportingTsExtensions: true,
      resolveJsonModule: true,
      declaration: false, // the declaration emit a commit needs is forced (getEmitOutput), not emitted with the JS
      // JavaScript is emitted from this program too (see emitCheckedCell), so imports are never
      // elided (a name imported in one cell may first be used in a later one) and positions are
      // source-mapped.
      verbatimModuleSyntax: true,
      sourceMap: true,
      useDefineForClassFields: true,
      noEmitOnError: false,
    };
    this.host = new LanguageHost(path.resolve(this.config.cwd), options);
    this.host.provided = Object.fromEntries(Object.entries(providedModules()).map(([name, m]) => [name, m.types]));
    // The ES library: prebuilt at build time when available (comment-free first: it parses in
    // half the time), else concatenated now.
    const lib = findLibBundle();
    const libFile = this.host.path("__gradlab_lib__.d.ts");
    if (lib) this.host.setWithDocs(libFile, readFileSync(lib.nocomments, "utf8"), () => readFileSync(lib.full, "utf8"));
    else this.host.set(libFile, bundledLib());
    this.host.set(this.host.path(HOST_GLOBALS_FILE), MINIMAL_HOST_GLOBALS);
    this.ctx = new DeclarationsContext(this.host);
    this.ctx.define("kernel", KERNEL_GLOBALS);
    return this.host;
  }

  /** Declares the prelude's exports as globals (needs one program to list them). */
  private setUpPrelude(): void {
    if (this.preludeReady) return;
    this.preludeReady = true;
    const prelude = this.config.preludeTypes;
    if (!prelude) return;
    const host = this.languageHost();
    const abs = path.resolve(this.config.cwd, prelude);
    if (!existsSync(abs)) {
      // Cells still run (the executor provides the values); only their types are unknown.
      process.emitWarning(`gradlab compiler: prelude types not found at ${abs}; prelude names will not type-check`);
      return;
    }
    const opaque = opaquePreludeDependencies(abs);
    host.isOpaque = opaque;
    // The prelude's declaration files bundled into one at build time (type-bundles.ts), when
    // the bundle is there and current: one comment-free file to parse instead of one per module…
    const bundle = findPreludeBundle(abs, this.config.typesDir ?? defaultTypesDir());
    if (bundle?.lazy) {
      // …loaded module by module as cells need them (lazy-prelude.ts), when it has the index.
      const aliases = new Set(bundle.aliases);
      host.isOpaque = (specifier, containingFile) => specifier.startsWith(MODULE_PREFIX) || aliases.has(specifier) || opaque(specifier, containingFile);
      this.prelude = new LazyPrelude(host, this.ctx!, { ...bundle, lazy: bundle.lazy });
      return;
    }
    if (bundle) {
      host.setWithDocs(bundle.full, readFileSync(bundle.nocomments, "utf8"), () => readFileSync(bundle.full, "utf8"));
      // The package's own entry points ("gradlab", …) are modules of the bundle: a cell that
      // imports them must not pull the package's declaration files in beside it.
      const aliases = new Set(bundle.aliases);
      host.isOpaque = (specifier, containingFile) => aliases.has(specifier) || opaque(specifier, containingFile);
    }
    const specifier = bundle ? JSON.stringify(bundle.entry) : JSON.stringify(abs.replace(/\.d\.([cm]?)ts$|\.([cm]?)ts$/, (_m, a?: string, b?: string) => `.${a ?? b ?? ""}js`));
    // Re-exported (not `export =` of a namespace import, as for cells' imports): a name is then
    // looked up in the module's export table, without resolving every export per cell.
    host.set(host.path(`${PRELUDE_NAMESPACE}.d.ts`), `export * from ${specifier};\nexport as namespace ${PRELUDE_NAMESPACE};\n`);
    const program = host.checkProgram();
    const checker = program.getTypeChecker();
    const sf = bundle ? undefined : program.getSourceFile(abs);
    const symbol = bundle ? bundleEntrySymbol(checker, bundle.entry) : sf && checker.getSymbolAtLocation(sf);
    if (!symbol) {
      process.emitWarning(`gradlab compiler: prelude types ${abs} are not a module; prelude names will not type-check`);
      return;
    }
    const exports = checker.getExportsOfModule(symbol);
    const ts = typescript();
    const value = exports.find((e) => ((e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e).flags & ts.SymbolFlags.Value) !== 0);
    this.preludeValueName = value && isGlobalName(value.name) ? value.name : undefined;
    const statements: GlobalStatement[] = exports
      .map((s) => s.name)
      .filter(isGlobalName)
      .map((n) => ({ name: n, text: `import ${n} = ${PRELUDE_NAMESPACE}.${n};` }));
    this.ctx!.define("prelude", statements);
  }

  private uniqueFilename(executionCount: number): string {
    let name = `cell-${executionCount}.ts`;
    for (let i = 2; this.usedFilenames.has(name); i++) name = `cell-${executionCount}-${i}.ts`;
    this.usedFilenames.add(name);
    return name;
  }
}

/**
 * The declaration file TypeScript emits for a checked cell (forced: the options do not ask for
 * declarations, which would also emit them with every cell's JavaScript).
 */
function declarationsOf(program: TS.Program, sf: TS.SourceFile): string {
  let dts = "";
  const emit = program.emit as (target: TS.SourceFile, write: TS.WriteFileCallback, cancel: undefined, emitOnlyDts: boolean, transformers: undefined, forceDtsEmit: boolean) => TS.EmitResult;
  emit.call(program, sf, (name, text) => { if (/\.d\.[cm]?ts$/.test(name)) dts = text; }, undefined, true, undefined, true);
  return dts;
}

/**
 * `(cell)` when the whole cell is one object literal, else undefined. Only a cell that starts
 * with `{` and parses as a single expression once parenthesised qualifies: a block of
 * statements does not parse that way (`{ const x = 1; }`), so it stays a block.
 */
function objectLiteralCell(code: string): string | undefined {
  if (!/^\s*\{[^]*\}\s*;?\s*$/.test(code)) return undefined;
  const ts = typescript();
  const body = code.replace(/;\s*$/, "");
  const wrapped = `(${body})`;
  const sf = parseAlone(wrapped, "literal.ts");
  if (!parsesCleanly(sf)) return undefined;
  const [only] = sf.statements;
  if (sf.statements.length !== 1 || !ts.isExpressionStatement(only!)) return undefined;
  const e = only.expression;
  return ts.isParenthesizedExpression(e) && ts.isObjectLiteralExpression(e.expression) ? wrapped + code.slice(body.length) : undefined;
}

function isError(d: TS.Diagnostic): boolean { return d.category === typescript().DiagnosticCategory.Error; }

function collectNamesOf(code: string): CellNames {
  return collectCellNames(parseAlone(code));
}

/** A parse of text on its own (not in a program), as a cell. */
function parseAlone(text: string, fileName = CELL_FILE): TS.SourceFile {
  const ts = typescript();
  return ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
}

/** Whether a parse found no syntax error (TypeScript keeps them on the SourceFile, unexported). */
function parsesCleanly(sf: TS.SourceFile): boolean {
  return ((sf as { parseDiagnostics?: readonly unknown[] }).parseDiagnostics?.length ?? 1) === 0;
}

/**
 * The checked text: the cell, then an export list of its names appended AFTER the last line
 * (so positions in the cell are unchanged) — declaration emit then describes every name.
 */
function withExportList(code: string, names: CellNames): string {
  const list = [...names.declared].filter((n) => !names.exported.has(n));
  return list.length === 0 ? code : `${code}\n;export { ${list.join(", ")} };\n`;
}

/**
 * Packages imported by the prelude's own declaration files (vega-lite's spec types behind a
 * plot function, say) are not followed: they would add many files to every cell's program for
 * types cells rarely touch, which are `any` instead. A cell that imports such a package
 * itself gets its full types.
 */
function opaquePreludeDependencies(preludeTypes: string): (specifier: string, containingFile: string) => boolean {
  let root = path.dirname(preludeTypes);
  for (let dir = root; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) { root = dir; break; }
    if (path.dirname(dir) === dir) break;
  }
  const inside = root + path.sep;
  const nodeModules = `${path.sep}node_modules${path.sep}`;
  return (specifier, containingFile) =>
    !specifier.startsWith(".") && !specifier.startsWith("/") && !specifier.startsWith("node:") &&
    /\.d\.[cm]?ts$/.test(containingFile) && containingFile.startsWith(inside) && !(path.sep + containingFile.slice(inside.length)).includes(nodeModules);
}

/** The module specifiers of a file's imports and re-exports, static and dynamic. */
function moduleSpecifiers(sf: TS.SourceFile): TS.Expression[] {
  const ts = typescript();
  const out: TS.Expression[] = [];
  const walk = (node: TS.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) out.push(node.moduleSpecifier);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])) out.push(node.arguments[0]);
    ts.forEachChild(node, walk);
  };
  walk(sf);
  return out;
}
