// The Jupyter debugger on the io thread: Debug Adapter Protocol requests (debug_request on the
// control channel) translated to the V8 inspector protocol over a session attached to the main
// thread (inspector-link.ts). The main thread really pauses at a breakpoint; this thread keeps
// serving heartbeat, control, interrupts and further debug requests meanwhile. Positions go
// through source maps (scripts.ts), so frames and breakpoints are in cells' own TypeScript, in
// local .ts modules' and in lib's. Values are read through the main thread's agent (agent.ts).
import { readFileSync } from "node:fs";
import { dirname, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { CELL_SUFFIX, cellPrefix, dumpCell, HASH_SEED, isCellPath } from "./cell-files.js";
import { InspectorLink, type InspectorEvent } from "./inspector-link.js";
import { filePath, Scripts, sourceMap, type Script } from "./scripts.js";
import { TryBlocks } from "./try-blocks.js";
import type { Described, View } from "./agent.js";

export interface DapRequest { seq: number; type: "request"; command: string; arguments?: Record<string, unknown> }
export interface DapResponse { seq: number; type: "response"; request_seq: number; success: boolean; command: string; body: Record<string, unknown>; message?: string }
export interface DapEvent { seq: number; type: "event"; event: string; body: Record<string, unknown> }

/** The one thread cells run on, as DAP sees it. */
const THREAD_ID = 1;
const GROUP = "gradlab-dap";
/** How many steps a step request may take to leave code that maps to nothing (a cell's wrapper). */
const MAX_HIDDEN_STEPS = 100;
/** How long an inspectVariables answer is reused while a cell runs. */
const BUSY_VARIABLES_MS = 1000;
/** The kernel's own code (dist/kernel): never shown, never stopped in. */
const KERNEL_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..") + sep;

interface RemoteObject { type: string; subtype?: string; value?: unknown; unserializableValue?: string; description?: string; objectId?: string }
interface CallFrame { callFrameId: string; functionName: string; location: { scriptId: string; lineNumber: number; columnNumber: number }; url: string; scopeChain: { type: string; name?: string; object: RemoteObject }[] }
interface PausedParams { callFrames: CallFrame[]; reason: string; data?: Record<string, unknown>; hitBreakpoints?: string[] }

type Ref = { kind: "scope"; objectId: string } | { kind: "value"; objectId: string } | { kind: "globals" };
type StepKind = "next" | "stepIn" | "stepOut";
interface Breakpoint { line: number; condition?: string }

class DapError extends Error {}

export class DebugAdapter {
  private seq = 0;
  private started = false;
  private readonly link = new InspectorLink((e) => void this.onInspector(e).catch((err) => this.log(`inspector event ${e.method}: ${(err as Error).stack ?? err}`)));
  private scripts = new Scripts();
  private readonly breakpoints = new Map<string, Breakpoint[]>();
  /** V8's breakpoint ids set for each source path. */
  private readonly v8Breakpoints = new Map<string, string[]>();
  private paused: PausedParams | null = null;
  private stepping: { kind: StepKind; from: string | null; depth: number; left: number } | null = null;
  private refs = new Map<number, Ref>();
  private nextRef = 1;
  private agentId: string | null = null;
  private cellContextId: number | undefined;
  private exceptionFilters: string[] = [];
  /** For "uncaught" alone: scripts' JavaScript by id, and where their try blocks are. */
  private readonly sources = new Map<string, string>();
  private readonly tryBlocks = new TryBlocks();
  /** Set when an interrupt resumed a paused cell: no pausing until the main thread is idle. */
  private skipping = false;
  private mainBusy = false;
  /** A pause was asked for and has not stopped in user code yet. */
  private pausePending = false;
  /**
   * inspectVariables while a cell runs: JupyterLab asks after every output of the cell, and
   * each answer interrupts the cell to describe every variable; one answer a second is enough.
   */
  private busyVariables: { at: number; body: Record<string, unknown> } | null = null;

  constructor(
    private readonly emit: (event: DapEvent) => void,
    private readonly log: (text: string) => void,
  ) {}

  get isPaused(): boolean {
    return this.paused !== null;
  }

  async handle(req: DapRequest): Promise<DapResponse> {
    const args = req.arguments ?? {};
    try {
      const body = await this.dispatch(req.command, args);
      return { seq: ++this.seq, type: "response", request_seq: req.seq, success: true, command: req.command, body: body ?? {} };
    } catch (e) {
      if (!(e instanceof DapError)) this.log(`debug request ${req.command} failed: ${(e as Error).stack ?? e}`);
      return { seq: ++this.seq, type: "response", request_seq: req.seq, success: false, command: req.command, body: {}, message: (e as Error).message };
    }
  }

  private event(event: string, body: Record<string, unknown>): void {
    this.emit({ seq: ++this.seq, type: "event", event, body });
  }

  private dispatch(command: string, a: Record<string, unknown>): Promise<Record<string, unknown> | void> | Record<string, unknown> | void {
    switch (command) {
      case "initialize":
        return capabilities();
      case "attach":
        return this.attach();
      case "disconnect":
        return this.detach();
      case "debugInfo":
        return this.debugInfo();
      case "dumpCell":
        return { sourcePath: dumpCell(String(a.code ?? "")) };
      case "configurationDone":
        return;
      case "threads":
        return { threads: [{ id: THREAD_ID, name: "main (cells)" }] };
      case "modules":
        return { modules: [], totalModules: 0 };
      case "source":
        return this.source(a);
    }
    if (!this.started) throw new DapError(`${command}: the debugger is not started (send initialize and attach first)`);
    switch (command) {
      case "setBreakpoints":
        return this.setBreakpoints(a);
      case "setExceptionBreakpoints":
        return this.setExceptionBreakpoints(a);
      case "stackTrace":
        return this.stackTrace();
      case "scopes":
        return this.scopes(a);
      case "variables":
        return this.variables(a);
      case "evaluate":
        return this.evaluate(a);
      case "inspectVariables":
        return this.inspectVariables();
      case "richInspectVariables":
        return this.richInspectVariables(a);
      case "copyToGlobals":
        return this.copyToGlobals(a);
      case "continue":
        return this.resume();
      case "next":
      case "stepIn":
      case "stepOut":
        return this.step(command);
      case "pause":
        return this.pause();
    }
    throw new DapError(`${command}: not a request this kernel's debugger knows`);
  }

  // ---- session ------------------------------------------------------------------------------

  private async attach(): Promise<void> {
    if (this.started) return;
    this.link.connect();
    this.scripts = new Scripts();
    await this.link.post("Runtime.enable");
    await this.link.post("Debugger.enable");
    // Pauses before a script with a source map runs (a cell, a local module): its breakpoints
    // are set then, so one in the first line of a cell is hit too.
    await this.link.post("Debugger.setInstrumentationBreakpoint", { instrumentation: "beforeScriptWithSourceMapExecution" });
    const agent = await this.link.post<{ result: RemoteObject }>("Runtime.evaluate", { expression: 'globalThis[Symbol.for("gradlab.debugger")]', objectGroup: "gradlab-agent" });
    if (agent.result.objectId === undefined) throw new Error("attach: the kernel's debugger agent is missing on the main thread");
    this.agentId = agent.result.objectId;
    await this.callAgent("function () { this.attached = true; }");
    // Cells run before now carry no source map: their functions, called later, still stop.
    const earlier = (await this.agentValue("function () { return this.earlierCells(); }", [])) as unknown as { filename: string; path: string; code: string; mappings: string }[];
    for (const c of earlier) {
      const script = this.scripts.byUrl(c.filename);
      if (script !== undefined && script.sourceMapURL === "") this.scripts.setMap(script, sourceMap(c.path, c.code, c.mappings));
    }
    this.started = true;
    this.event("initialized", {});
  }

  private async detach(): Promise<void> {
    const wasPaused = this.paused !== null;
    if (this.link.isConnected) {
      try {
        if (this.agentId !== null) await this.callAgent("function () { this.attached = false; }");
        // Disabling the debugger removes its breakpoints and resumes a paused cell.
        await this.link.post("Debugger.disable");
        await this.link.post("Runtime.disable");
      } catch (e) {
        this.log(`disconnect: ${(e as Error).message}`);
      }
      this.link.disconnect();
    }
    this.started = false;
    this.paused = null;
    this.stepping = null;
    this.skipping = false;
    this.pausePending = false;
    this.agentId = null;
    this.breakpoints.clear();
    this.v8Breakpoints.clear();
    this.exceptionFilters = [];
    this.clearRefs();
    if (wasPaused) this.event("continued", { threadId: THREAD_ID, allThreadsContinued: true });
  }

  /** The kernel shuts down: let the main thread go (a paused cell would hold the exit). */
  dispose(): void {
    if (this.link.isConnected) this.link.disconnect();
  }

  private debugInfo(): Record<string, unknown> {
    return {
      isStarted: this.started,
      hashMethod: "Murmur2",
      hashSeed: HASH_SEED,
      tmpFilePrefix: cellPrefix(),
      tmpFileSuffix: CELL_SUFFIX,
      breakpoints: [...this.breakpoints].map(([source, bps]) => ({ source, breakpoints: bps.map((b) => ({ line: b.line, ...(b.condition ? { condition: b.condition } : {}) })) })),
      stoppedThreads: this.paused !== null ? [THREAD_ID] : [],
      richRendering: true,
      copyToGlobals: true,
      exceptionPaths: ["JavaScript Exceptions"],
    };
  }

  // ---- main-thread events -------------------------------------------------------------------

  /** An interrupt: a paused cell resumes and nothing pauses until it has stopped. */
  onInterrupt(): void {
    if (!this.started) return;
    this.skipping = true;
    void this.link.post("Debugger.setSkipAllPauses", { skip: true }).catch(() => undefined);
    if (this.paused !== null) void this.resume().catch((e) => this.log(`resume on interrupt: ${(e as Error).message}`));
  }

  onMainBusy(): void {
    this.mainBusy = true;
  }

  /** The main thread went idle (its status said so). */
  onMainIdle(): void {
    this.mainBusy = false;
    this.busyVariables = null;
    if (!this.skipping || !this.started) return;
    this.skipping = false;
    void this.link.post("Debugger.setSkipAllPauses", { skip: false }).catch(() => undefined);
  }

  private async onInspector(e: InspectorEvent): Promise<void> {
    const p = e.params;
    switch (e.method) {
      case "Debugger.scriptParsed":
        // Not the scripts the inspector compiles for evaluations (no URL, no map): never user code.
        if (p.url || p.sourceMapURL) this.scripts.add(String(p.scriptId), String(p.url ?? ""), String(p.sourceMapURL ?? ""));
        return;
      case "Runtime.executionContextCreated": {
        const c = p.context as { id: number; name: string };
        if (c.name === "gradlab cell") this.cellContextId = c.id;
        return;
      }
      case "Debugger.paused":
        return this.onPaused(p as unknown as PausedParams);
    }
  }

  private async onPaused(p: PausedParams): Promise<void> {
    if (p.reason === "instrumentation") {
      const script = this.scripts.get(String(p.data?.scriptId ?? p.callFrames[0]?.location.scriptId));
      if (script !== undefined) await this.armScript(script);
      await this.link.post("Debugger.resume");
      return;
    }
    const top = p.callFrames[0];
    const user = p.callFrames.filter((f) => this.isUserFrame(f));
    const hit = (p.hitBreakpoints ?? []).length > 0;
    if (this.stepping !== null && !hit) {
      const s = this.stepping;
      if (user.length === 0) {
        // Stepped out of the cell into the kernel: the cell has finished its synchronous part.
        this.stepping = null;
        return this.continueSilently();
      }
      const here = top !== undefined && this.isUserFrame(top) ? this.lineKey(top) : null;
      if (s.left-- > 0 && (here === null || (s.kind !== "stepOut" && here === s.from && p.callFrames.length === s.depth))) {
        // In the kernel's code (step out of it), in a cell's generated wrapper or still on
        // the same line (step on; after a step out, by lines).
        await this.link.post(top !== undefined && !this.isUserFrame(top) ? "Debugger.stepOut" : STEP_METHOD[s.kind === "stepOut" ? "next" : s.kind]);
        return;
      }
      this.stepping = null;
      return this.stop(p, "step");
    }
    if (p.reason === "exception" || p.reason === "promiseRejection") {
      if (top === undefined || !this.isUserFrame(top) || this.exceptionFilters.length === 0) return this.continueSilently();
      if (!this.exceptionFilters.includes("raised") && (await this.caughtByUser(user))) return this.continueSilently();
      const ex = p.data as RemoteObject | undefined;
      return this.stop(p, "exception", ex?.description?.split("\n")[0]);
    }
    if (user.length === 0) {
      // The kernel's or Node's code (a pause request that came while no cell ran): a pause
      // waits for the user's code.
      await this.continueSilently();
      if (this.pausePending) await this.link.post("Debugger.pause");
      return;
    }
    this.pausePending = false;
    this.stepping = null;
    return this.stop(p, hit ? "breakpoint" : "pause");
  }

  /** Whether one of these frames is inside a try block with a catch (see try-blocks.ts). */
  private async caughtByUser(frames: CallFrame[]): Promise<boolean> {
    for (const f of frames) {
      const id = f.location.scriptId;
      let source = this.sources.get(id);
      if (source === undefined) {
        source = (await this.link.post<{ scriptSource: string }>("Debugger.getScriptSource", { scriptId: id })).scriptSource;
        this.sources.set(id, source);
      }
      if (this.tryBlocks.insideTryCatch(id, source, f.location.lineNumber, f.location.columnNumber)) return true;
    }
    return false;
  }

  private stop(p: PausedParams, reason: string, text?: string): void {
    this.paused = p;
    this.clearRefs();
    this.event("stopped", { reason, threadId: THREAD_ID, allThreadsStopped: true, ...(text !== undefined ? { text, description: text } : {}) });
  }

  private async continueSilently(): Promise<void> {
    this.paused = null;
    await this.link.post("Debugger.resume");
  }

  /** A frame of code the user wrote or reads: cells, local modules, lib, packages — not the kernel or Node. */
  private isUserFrame(f: CallFrame): boolean {
    const script = this.scripts.get(f.location.scriptId);
    const url = script?.url ?? f.url;
    if (url === "" || url.startsWith("node:")) return false;
    const file = filePath(url);
    return file === null || !file.startsWith(KERNEL_DIR);
  }

  private lineKey(f: CallFrame): string | null {
    const script = this.scripts.get(f.location.scriptId);
    if (script === undefined) return null;
    if (script.sourceMapURL === "") return `${script.url}:${f.location.lineNumber}`;
    const o = this.scripts.original(script, { line: f.location.lineNumber, column: f.location.columnNumber });
    return o === null ? null : `${o.path}:${o.line}`;
  }

  // ---- breakpoints --------------------------------------------------------------------------

  private async setBreakpoints(a: Record<string, unknown>): Promise<Record<string, unknown>> {
    const path = String((a.source as { path?: unknown } | undefined)?.path ?? "");
    if (path === "") throw new DapError("setBreakpoints: source.path is missing");
    const wanted = Array.isArray(a.breakpoints) ? (a.breakpoints as { line?: unknown; condition?: unknown }[]) : [];
    const bps: Breakpoint[] = wanted.filter((b) => typeof b.line === "number").map((b) => ({ line: b.line as number, ...(typeof b.condition === "string" && b.condition !== "" ? { condition: b.condition } : {}) }));
    if (bps.length === 0) this.breakpoints.delete(path);
    else this.breakpoints.set(path, bps);
    for (const id of this.v8Breakpoints.get(path) ?? []) await this.link.post("Debugger.removeBreakpoint", { breakpointId: id }).catch(() => undefined);
    this.v8Breakpoints.delete(path);
    const lines = new Map<number, number>();
    for (const script of this.scripts.fromSource(path)) for (const [want, got] of await this.arm(script, path)) lines.set(want, got);
    return { breakpoints: bps.map((b) => ({ verified: true, line: lines.get(b.line) ?? b.line, source: { path } })) };
  }

  /** A script about to run: the breakpoints of the file it was compiled from go in. */
  private async armScript(script: Script): Promise<void> {
    const map = this.scripts.map(script);
    if (map !== null && this.breakpoints.has(map.path)) await this.arm(script, map.path);
  }

  /** Sets `path`'s breakpoints in one script; gives each requested line the line it landed on (1-based). */
  private async arm(script: Script, path: string): Promise<Map<number, number>> {
    const landed = new Map<number, number>();
    const ids = this.v8Breakpoints.get(path) ?? [];
    this.v8Breakpoints.set(path, ids);
    for (const bp of this.breakpoints.get(path) ?? []) {
      const g = this.scripts.generated(script, bp.line - 1);
      if (g === null) continue;
      try {
        const r = await this.link.post<{ breakpointId: string }>("Debugger.setBreakpoint", { location: { scriptId: script.id, lineNumber: g.at.line, columnNumber: g.at.column }, ...(bp.condition ? { condition: bp.condition } : {}) });
        ids.push(r.breakpointId);
        landed.set(bp.line, g.line + 1);
      } catch (e) {
        this.log(`breakpoint ${path}:${bp.line}: ${(e as Error).message}`);
      }
    }
    return landed;
  }

  private async setExceptionBreakpoints(a: Record<string, unknown>): Promise<Record<string, unknown>> {
    const filters = Array.isArray(a.filters) ? (a.filters as unknown[]).filter((f): f is string => f === "raised" || f === "uncaught") : [];
    this.exceptionFilters = filters;
    // Every cell's exception is caught by the kernel, so V8's "uncaught" never fires for one:
    // V8 pauses at every exception and onPaused keeps user code's ("raised"), or those no
    // user frame's try block will catch ("uncaught").
    await this.link.post("Debugger.setPauseOnExceptions", { state: filters.length > 0 ? "all" : "none" });
    return { breakpoints: filters.map(() => ({ verified: true })) };
  }

  // ---- running ------------------------------------------------------------------------------

  private requirePaused(command: string): PausedParams {
    if (this.paused === null) throw new DapError(`${command}: the kernel is not stopped`);
    return this.paused;
  }

  private async resume(): Promise<Record<string, unknown>> {
    this.pausePending = false;
    if (this.paused === null) return { allThreadsContinued: true };
    this.paused = null;
    this.stepping = null;
    this.clearRefs();
    await this.link.post("Debugger.resume");
    this.event("continued", { threadId: THREAD_ID, allThreadsContinued: true });
    return { allThreadsContinued: true };
  }

  private async step(kind: StepKind): Promise<void> {
    const p = this.requirePaused(kind);
    const top = p.callFrames.find((f) => this.isUserFrame(f));
    this.stepping = { kind, from: top === undefined ? null : this.lineKey(top), depth: p.callFrames.length, left: MAX_HIDDEN_STEPS };
    this.paused = null;
    this.clearRefs();
    await this.link.post(STEP_METHOD[kind]);
    this.event("continued", { threadId: THREAD_ID, allThreadsContinued: true });
  }

  private async pause(): Promise<void> {
    if (this.paused !== null) return;
    this.pausePending = true;
    await this.link.post("Debugger.pause");
  }

  // ---- frames and values --------------------------------------------------------------------

  private userFrames(): { id: number; frame: CallFrame }[] {
    const p = this.requirePaused("stackTrace");
    return p.callFrames.map((frame, i) => ({ id: i + 1, frame })).filter(({ frame }) => this.isUserFrame(frame));
  }

  private frame(id: unknown, command: string): CallFrame {
    const p = this.requirePaused(command);
    const f = typeof id === "number" ? p.callFrames[id - 1] : undefined;
    if (f === undefined) throw new DapError(`${command}: no frame ${String(id)}`);
    return f;
  }

  private stackTrace(): Record<string, unknown> {
    const frames = this.userFrames().flatMap(({ id, frame }) => {
      const script = this.scripts.get(frame.location.scriptId);
      const o = script === undefined ? null : this.scripts.original(script, { line: frame.location.lineNumber, column: frame.location.columnNumber });
      // Code a source map leaves out is generated: the wrapper that calls a cell's body.
      if (o === null && script !== undefined && this.scripts.map(script) !== null) return [];
      const path = o?.path ?? filePath(script?.url ?? frame.url) ?? undefined;
      const name = frame.functionName !== "" ? frame.functionName : isCellPath(path ?? "") ? "<cell>" : "<module>";
      const line = (o?.line ?? frame.location.lineNumber) + 1;
      const column = (o?.column ?? frame.location.columnNumber) + 1;
      return [{ id, name, line, column, source: { name: (path ?? script?.url ?? frame.url).replace(/^.*[\\/]/, ""), ...(path !== undefined ? { path } : {}) } }];
    });
    return { stackFrames: frames, totalFrames: frames.length };
  }

  private scopes(a: Record<string, unknown>): Record<string, unknown> {
    const f = this.frame(a.frameId, "scopes");
    const scopes: Record<string, unknown>[] = [];
    for (const s of f.scopeChain) {
      if (s.type === "global" || s.object.objectId === undefined) continue;
      const name = s.type === "local" ? "Locals" : s.type === "closure" ? `Closure${s.name ? ` (${s.name})` : ""}` : s.type === "block" ? "Block" : s.type === "module" ? "Module" : s.type === "catch" ? "Catch" : s.type;
      scopes.push({ name, variablesReference: this.ref({ kind: "scope", objectId: s.object.objectId }), expensive: false });
    }
    scopes.push({ name: "Globals", variablesReference: this.ref({ kind: "globals" }), expensive: false });
    return { scopes };
  }

  private async variables(a: Record<string, unknown>): Promise<Record<string, unknown>> {
    const ref = this.refs.get(Number(a.variablesReference));
    if (ref === undefined) return { variables: [] };
    if (ref.kind === "scope") return { variables: await this.scopeVariables(ref.objectId) };
    const viewId = ref.kind === "globals" ? await this.agentObject("function () { return this.view(this.globals()); }") : await this.objectOf(this.onValue({ type: "object", objectId: ref.objectId }, "agent.view(agent.children(v))", false));
    return { variables: await this.viewVariables(viewId) };
  }

  private async inspectVariables(): Promise<Record<string, unknown>> {
    const running = this.mainBusy && this.paused === null;
    if (running && this.busyVariables !== null && performance.now() - this.busyVariables.at < BUSY_VARIABLES_MS) return this.busyVariables.body;
    if (this.paused === null) {
      await this.link.post("Runtime.releaseObjectGroup", { objectGroup: GROUP });
      this.clearRefs();
    }
    const viewId = await this.agentObject("function () { return this.view(this.globals()); }");
    const body = { variables: await this.viewVariables(viewId) };
    this.busyVariables = running ? { at: performance.now(), body } : null;
    return body;
  }

  /** A scope's variables (V8's scope object), without the kernel's boxes. */
  private async scopeVariables(objectId: string): Promise<Record<string, unknown>[]> {
    const r = await this.link.post<{ result: { name: string; value?: RemoteObject }[] }>("Runtime.getProperties", { objectId, ownProperties: true });
    const out: Record<string, unknown>[] = [];
    for (const p of r.result) {
      if (p.value === undefined || p.name.startsWith("__gradlab")) continue;
      out.push({ name: p.name, evaluateName: p.name, ...(await this.describeRemote(p.value)) });
    }
    return out;
  }

  /** The rows of an agent view (agent.ts View), each expandable one with a reference to its value. */
  private async viewVariables(viewId: string): Promise<Record<string, unknown>[]> {
    const rows = (await this.link.post<{ result: RemoteObject }>("Runtime.callFunctionOn", { objectId: viewId, functionDeclaration: "function () { return this.rows; }", returnByValue: true })).result.value as View["rows"];
    const values = await this.link.post<{ result: RemoteObject }>("Runtime.callFunctionOn", { objectId: viewId, functionDeclaration: "function () { return this.values; }", objectGroup: GROUP });
    const props = await this.link.post<{ result: { name: string; value?: RemoteObject }[] }>("Runtime.getProperties", { objectId: values.result.objectId, ownProperties: true });
    const byIndex = new Map(props.result.map((p) => [p.name, p.value]));
    return rows.map((row, i) => {
      const id = byIndex.get(String(i))?.objectId;
      return { name: row.name, value: row.value, type: row.type, evaluateName: row.name, variablesReference: row.expandable && id !== undefined ? this.ref({ kind: "value", objectId: id }) : 0 };
    });
  }

  private async describeRemote(v: RemoteObject): Promise<{ value: string; type: string; variablesReference: number }> {
    if (v.objectId === undefined) {
      const value = v.type === "string" ? JSON.stringify(v.value) : v.unserializableValue ?? v.description ?? String(v.value);
      return { value, type: v.subtype === "null" ? "null" : v.type, variablesReference: 0 };
    }
    const d = (await this.onValue(v, "agent.describe(v)", true)).value as Described;
    return { value: d.value, type: d.type, variablesReference: d.expandable ? this.ref({ kind: "value", objectId: v.objectId }) : 0 };
  }

  private async evaluate(a: Record<string, unknown>): Promise<Record<string, unknown>> {
    const expression = String(a.expression ?? "");
    const r = await this.evaluateIn(expression, a.frameId);
    const d = await this.describeRemote(r);
    return { result: d.value, type: d.type, variablesReference: d.variablesReference };
  }

  /** Evaluates in a paused frame, else in the cells' context; a thrown error fails the request. */
  private async evaluateIn(expression: string, frameId: unknown): Promise<RemoteObject> {
    const r = this.paused !== null && typeof frameId === "number"
      ? await this.link.post<{ result: RemoteObject; exceptionDetails?: { exception?: RemoteObject; text: string } }>("Debugger.evaluateOnCallFrame", { callFrameId: this.frame(frameId, "evaluate").callFrameId, expression, objectGroup: GROUP })
      : await this.link.post<{ result: RemoteObject; exceptionDetails?: { exception?: RemoteObject; text: string } }>("Runtime.evaluate", { expression, objectGroup: GROUP, ...(this.cellContextId !== undefined ? { contextId: this.cellContextId } : {}) });
    if (r.exceptionDetails !== undefined) throw new DapError(r.exceptionDetails.exception?.description?.split("\n")[0] ?? r.exceptionDetails.text);
    return r.result;
  }

  private async richInspectVariables(a: Record<string, unknown>): Promise<Record<string, unknown>> {
    const name = String(a.variableName ?? "");
    if (!/^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u.test(name)) return { data: {}, metadata: {} };
    const data = this.paused !== null && typeof a.frameId === "number"
      ? (await this.onValue(await this.evaluateIn(name, a.frameId), "agent.bundle(v)", true)).value
      : await this.agentValue("function (n) { return this.bundle(this.lookup(n)); }", [{ value: name }]);
    return { data: data ?? {}, metadata: {} };
  }

  private async copyToGlobals(a: Record<string, unknown>): Promise<void> {
    const src = String(a.srcVariableName ?? "");
    const dst = String(a.dstVariableName ?? src);
    await this.onValue(await this.evaluateIn(src, a.srcFrameId), "agent.assign(args[0], v)", true, [dst]);
  }

  private async source(a: Record<string, unknown>): Promise<Record<string, unknown>> {
    const path = String((a.source as { path?: unknown } | undefined)?.path ?? "");
    for (const s of this.scripts.fromSource(path)) {
      const content = this.scripts.map(s)?.content;
      if (content !== undefined) return { content };
    }
    try {
      return { content: readFileSync(path, "utf8") };
    } catch {
      throw new DapError(`source: ${path === "" ? "no path given" : `${path} is not available`}`);
    }
  }

  // ---- helpers ------------------------------------------------------------------------------

  private ref(r: Ref): number {
    const id = this.nextRef++;
    this.refs.set(id, r);
    return id;
  }

  private clearRefs(): void {
    this.refs.clear();
  }

  private async callAgent(functionDeclaration: string, args: Record<string, unknown>[] = []): Promise<RemoteObject> {
    if (this.agentId === null) throw new Error("the debugger agent is not reachable");
    const r = await this.link.post<{ result: RemoteObject; exceptionDetails?: { exception?: RemoteObject; text: string } }>("Runtime.callFunctionOn", { objectId: this.agentId, functionDeclaration, arguments: args, objectGroup: GROUP });
    if (r.exceptionDetails !== undefined) throw new DapError(r.exceptionDetails.exception?.description ?? r.exceptionDetails.text);
    return r.result;
  }

  private agentObject(functionDeclaration: string): Promise<string> {
    return this.objectOf(this.callAgent(functionDeclaration));
  }

  /**
   * Evaluates `expression` (over `agent`, the value `v` and `args`) on the main thread. An object
   * is passed as `this` of a function run in its own world (the cells' context or the kernel's:
   * the inspector refuses an argument from another one), which finds the agent on its global.
   */
  private async onValue(v: RemoteObject, expression: string, returnByValue: boolean, args: unknown[] = []): Promise<RemoteObject> {
    const r = v.objectId !== undefined
      ? await this.link.post<{ result: RemoteObject; exceptionDetails?: { exception?: RemoteObject; text: string } }>("Runtime.callFunctionOn", { objectId: v.objectId, functionDeclaration: `function (...args) { const agent = globalThis[Symbol.for("gradlab.debugger")]; const v = this; return ${expression}; }`, arguments: args.map((value) => ({ value })), returnByValue, objectGroup: GROUP })
      : await this.link.post<{ result: RemoteObject; exceptionDetails?: { exception?: RemoteObject; text: string } }>("Runtime.callFunctionOn", { objectId: this.agentId, functionDeclaration: `function (v, ...args) { const agent = this; return ${expression}; }`, arguments: [asArgument(v), ...args.map((value) => ({ value }))], returnByValue, objectGroup: GROUP });
    if (r.exceptionDetails !== undefined) throw new DapError(r.exceptionDetails.exception?.description?.split("\n")[0] ?? r.exceptionDetails.text);
    return r.result;
  }

  private async objectOf(result: Promise<RemoteObject>): Promise<string> {
    const r = await result;
    if (r.objectId === undefined) throw new Error("the debugger agent returned no object");
    return r.objectId;
  }

  private async agentValue(functionDeclaration: string, args: Record<string, unknown>[]): Promise<Record<string, unknown> | undefined> {
    const r = await this.link.post<{ result: RemoteObject; exceptionDetails?: { text: string } }>("Runtime.callFunctionOn", { objectId: this.agentId, functionDeclaration, arguments: args, returnByValue: true });
    if (r.exceptionDetails !== undefined) throw new DapError(r.exceptionDetails.text);
    return r.result.value as Record<string, unknown> | undefined;
  }
}

const STEP_METHOD: Record<StepKind, string> = { next: "Debugger.stepOver", stepIn: "Debugger.stepInto", stepOut: "Debugger.stepOut" };

function asArgument(v: RemoteObject): Record<string, unknown> {
  if (v.objectId !== undefined) return { objectId: v.objectId };
  if (v.unserializableValue !== undefined) return { unserializableValue: v.unserializableValue };
  return { value: v.value };
}

function capabilities(): Record<string, unknown> {
  return {
    supportsConfigurationDoneRequest: true,
    supportsConditionalBreakpoints: true,
    supportsEvaluateForHovers: true,
    supportsDelayedStackTraceLoading: false,
    supportsModulesRequest: false,
    exceptionBreakpointFilters: [
      { filter: "raised", label: "Raised Exceptions", default: false, description: "Stop where user code throws, even if it is caught" },
      { filter: "uncaught", label: "Uncaught Exceptions", default: false, description: "Stop where user code throws an exception that no try/catch around it in user code catches" },
    ],
  };
}
