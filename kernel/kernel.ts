// The kernel's main-thread state: the execution context, compiler, history, comms and the
// ordered queue of shell requests. Message handlers (kernel/handlers/) are small functions
// over this object; the io thread (kernel/io/) owns the sockets.
import { AsyncLocalStorage } from "node:async_hooks";
import { writeSync } from "node:fs";
import { CommRegistry, type CommMessage } from "./comms/registry.js";
import { createDisplay, type DisplayFunction } from "./display/display.js";
import type { CellCompilerLike } from "./execution/compiler-api.js";
import { bindingRegistry, readableBoxNames, type Box } from "./execution/bindings.js";
import { createCellConsole } from "./execution/cell-console.js";
import { CellEndHooks } from "./execution/cell-end.js";
import { installDebugAgent, type DebugAgent } from "./debugger/agent.js";
import { TIMEIT_COUNTER } from "./handlers/magics.js";
import { ExecutionContext } from "./execution/context.js";
import { Importer } from "./execution/importer.js";
import { interruptibleTimers } from "./interrupt/interruptible-timers.js";
import { CellInterrupts } from "./interrupt/main-side.js";
import { guardProcess, protectListeners } from "./execution/process-guard.js";
import { errorOutcome as thrownOutcome, formatThrown as thrownText, interruptedError, type ErrorOutcome } from "./execution/thrown.js";
import type { HistoryStore } from "./history/history-store.js";
import type { IoLink, Channel } from "./io/io-link.js";
import type { IncomingRequest } from "./io/protocol.js";
import { WIDGET_HOST, widgetHost } from "./widgets/widget-host.js";

export type Request = IncomingRequest;
export type Handler = (kernel: Kernel, req: Request) => void | Promise<void>;

export function log(text: string): void {
  try {
    writeSync(2, `[gradlab] ${text}\n`);
  } catch {
    /* stderr closed */
  }
}

/** Requests whose handlers run no user code (so nothing can block while their reply is held). */
const NO_USER_CODE = new Set(["complete_request", "inspect_request", "is_complete_request", "history_request", "comm_info_request"]);

/**
 * Comm messages that arrive while a cell runs are handled at once, at the cell's next await,
 * instead of after it: a widget's observers then run while a training loop awaits.
 */
const COMM_MESSAGES = new Set(["comm_open", "comm_msg", "comm_close"]);

export class Kernel {
  readonly context = new ExecutionContext();
  readonly comms: CommRegistry;
  readonly display: DisplayFunction;
  readonly importer: Importer;
  /** Libraries' resets of state a cell can leave half-changed (execution/cell-end.ts). */
  readonly cellEnd: CellEndHooks;
  /** What the debugger (kernel/debugger/) reads through the V8 inspector. */
  readonly debugAgent: DebugAgent;
  compiler: CellCompilerLike | null = null;
  history: HistoryStore | null = null;
  /** Resolves once the compiler and prelude are loaded; requests that need them await it. */
  ready: Promise<void> = Promise.resolve();
  executionCount = 0;
  cellSeq = 0;
  typeCheck = true;
  /** The shell request whose outputs console.log/display currently belong to (like ipykernel's parent). */
  parent: Request | null = null;
  /**
   * A control-channel request runs beside the shell cell: its output, and that of the callbacks
   * and awaits it starts, belongs to it through this scope, while the shell cell's stays with
   * `parent`. (Only control requests enter it: async context tracking costs every await.)
   */
  private readonly controlScope = new AsyncLocalStorage<Request>();
  /** How interrupts reach the cell they are for (kernel/interrupt/). */
  readonly interrupts: CellInterrupts;
  /** A shutdown was requested: no further request is handled. */
  shuttingDown = false;
  /** Maps generated positions of any cell run so far back to the cells' own (set after a compile). */
  mapStack: (stack: string) => string = (s) => s;
  /**
   * Renders of displays (async display hooks) not yet sent, each with the request whose output
   * it belongs to (the parent when it started): a cell's reply waits for its own only.
   */
  readonly pendingDisplays = new Map<Promise<void>, Request | null>();
  private queue: Request[] = [];
  private pumping = false;
  private readonly toAbort = new WeakSet<Request>();

  constructor(
    readonly io: IoLink,
    readonly cwd: string,
    readonly handlers: Record<string, Handler>,
    /** Take over the process: stdout/stderr, SIGINT and uncaught errors (off in unit tests). */
    ownProcess = true,
  ) {
    const reportError = (e: unknown): void => this.stream("stderr", `${formatThrown(e, this.mapStack)}\n`);
    this.interrupts = new CellInterrupts(io, (e) => this.reportAsync("Uncaught", e));
    this.comms = new CommRegistry({ publish: (t, c, m, b) => this.publish(t, c, m, b), reportError });
    this.display = createDisplay({
      publish: (t, c) => this.publish(t, c),
      reportError,
      pending: (render) => {
        this.pendingDisplays.set(render, this.current());
        void render.finally(() => this.pendingDisplays.delete(render));
      },
      bound: () => {
        const parent = this.current();
        return (fn) => {
          if (parent?.channel === "control") return this.controlScope.run(parent, fn);
          const current = this.parent;
          this.parent = parent;
          try {
            fn();
          } finally {
            this.parent = current;
          }
        };
      },
    });
    this.importer = new Importer(cwd);
    this.cellEnd = new CellEndHooks((e) => this.reportAsync("A library's cell-end reset failed:", e));
    if (ownProcess) this.cellEnd.install();
    this.installGlobals();
    this.debugAgent = installDebugAgent(this.context.global);
    if (ownProcess) {
      this.routeProcessOutput();
      guardProcess();
      // Errors from timers and promises a cell left behind go to stderr of the cell that is
      // current (ipykernel's parent), like a background thread's traceback in IPython; the
      // kernel itself carries on.
      const own = [
        ["uncaughtException", (e: unknown) => this.reportAsync("Uncaught", e)],
        ["unhandledRejection", (e: unknown) => this.reportAsync("Unhandled promise rejection:", e)],
      ] as const;
      for (const [event, fn] of own) process.on(event as "uncaughtException", fn);
      protectListeners(own);
      this.interrupts.ownSigint();
    }
  }

  /**
   * Starts taking requests (the io thread holds those that came earlier), once `ready` is set:
   * a request dispatched before would await the placeholder and find no compiler.
   */
  listen(): void {
    this.io.onRequest = (req) => (req.channel === "control" ? void this.handle(req) : this.enqueue(req));
  }

  private installGlobals(): void {
    const ctx = this.context;
    ctx.define("console", createCellConsole((name, text) => this.stream(name, text)));
    const timers = interruptibleTimers(() => {
      this.stream("stderr", "Interrupted: stopped a timer callback that was running when the interrupt came (an interval is cleared)\n");
      this.cellEnd.run("interrupt");
      this.interrupts.timerInterrupted();
    });
    for (const [name, fn] of Object.entries(timers)) ctx.define(name, fn);
    ctx.define("display", this.display);
    ctx.define(Symbol.for("gradlab.display"), this.display);
    // Libraries loaded by the prelude run in the kernel's own realm, not the cell's context:
    // they find the display channel on the process global (DESIGN.md, "Displays").
    (globalThis as Record<symbol, unknown>)[Symbol.for("gradlab.display")] = this.display;
    ctx.define("comms", this.comms);
    ctx.define(Symbol.for("gradlab.comms"), this.comms);
    // The widget library (visualizers/widgets/) runs in the kernel's realm, as the prelude does.
    (globalThis as Record<symbol, unknown>)[Symbol.for("gradlab.comms")] = this.comms;
    // (A stand-in io in unit tests has no shared widget state: widgets then stay main-thread only.)
    const live = this.io.widgetLive as IoLink["widgetLive"] | undefined;
    if (live !== undefined) (globalThis as Record<symbol, unknown>)[WIDGET_HOST] = widgetHost(live, () => String(this.current()?.header.msg_id ?? ""));
    const prompt = (message: unknown = "", password = false): string => this.input(String(message), password === true);
    ctx.define("prompt", prompt);
    ctx.define("input", prompt);
    ctx.define(TIMEIT_COUNTER, 0);
    ctx.define("__gradlab_import__", this.importer.import);
    // Cells' top-level bindings live in boxes (execution/bindings.ts, compiler/cell-names.ts).
    ctx.define("__gradlab_binding__", bindingRegistry(ctx.global, (box) => {
      if (!this.declared.has(box)) this.declared.set(box, box.v);
    }));
    ctx.define("require", (spec: string) => {
      throw new Error(`require("${spec}"): cells are ES modules; use import … from "${spec}" (CommonJS packages work too)`);
    });
  }

  /** Libraries (and the lib's fallback printing) write to process.stdout: send that to the frontend too. */
  private routeProcessOutput(): void {
    for (const name of ["stdout", "stderr"] as const) {
      const stream = process[name];
      stream.write = ((chunk: unknown, enc?: unknown, cb?: unknown) => {
        this.stream(name, typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"));
        const done = typeof enc === "function" ? enc : cb;
        if (typeof done === "function") process.nextTick(done as () => void);
        return true;
      }) as typeof stream.write;
    }
  }

  private reportAsync(prefix: string, e: unknown): void {
    try {
      const text = formatThrown(e, this.mapStack);
      this.stream("stderr", `${prefix} ${text.startsWith("Uncaught ") ? text.slice(9) : text}\n`);
    } catch (err) {
      log(`could not report an asynchronous error: ${String(err)}`);
    }
  }

  // ---- output -------------------------------------------------------------------------------

  /** The request the output being produced now belongs to. */
  current(): Request | null {
    return this.controlScope.getStore() ?? this.parent;
  }

  private parentHeader(req: Request | null = this.current()): Record<string, unknown> {
    return req?.header ?? {};
  }

  publish(msgType: string, content: Record<string, unknown>, metadata?: Record<string, unknown>, buffers?: Uint8Array[]): void {
    this.io.send("iopub", msgType, content, this.parentHeader(), { metadata, buffers });
  }

  stream(name: "stdout" | "stderr", text: string): void {
    if (text === "") return;
    this.io.send("iopub", "stream", { name, text }, this.parentHeader());
  }

  reply(req: Request, msgType: string, content: Record<string, unknown>, metadata: Record<string, unknown> = {}): void {
    if (msgType === "execute_reply") this.lastExecuted = { msgId: req.header.msg_id, status: String(content.status) };
    this.io.send(req.channel as Channel, msgType, content, req.header, { identities: req.identities, metadata });
  }

  status(state: "busy" | "idle", req: Request): void {
    this.io.send("iopub", "status", { execution_state: state }, req.header);
  }

  private input(message: string, password: boolean): string {
    const req = this.current();
    if (req === null || req.header.msg_type !== "execute_request") throw new Error("prompt: no execute request to ask input for");
    if ((req.content as { allow_stdin?: unknown }).allow_stdin === false) throw new Error("prompt: this frontend does not accept input (allow_stdin is false)");
    return this.io.requestInput(message, password, req.header, req.identities);
  }

  // ---- request queue ------------------------------------------------------------------------

  private enqueue(req: Request): void {
    if (this.shuttingDown) return;
    if (this.executing !== null && COMM_MESSAGES.has(req.header.msg_type)) return this.handleCommNow(req);
    this.queue.push(req);
    if (!this.pumping) void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      for (;;) {
        if (this.queue.length === 0) this.queue.push(...this.io.drainPending());
        if (this.queue.length === 0 || this.shuttingDown) return;
        await this.handle(this.queue.shift()!);
      }
    } finally {
      this.pumping = false;
    }
  }

  /** The execute_request being handled, if any. */
  private executing: Request | null = null;

  /**
   * A comm message during a cell: its handlers' output belongs to it while they run
   * synchronously. Its idle status follows (ipywidgets' frontend sends a widget's next update
   * only after the idle of the last), then busy again for the cell, which is still running.
   */
  private handleCommNow(req: Request): void {
    const previous = this.parent;
    this.parent = req;
    try {
      void this.handlers[req.header.msg_type]?.(this, req);
    } catch (e) {
      log(`handler for ${req.header.msg_type} failed: ${formatThrown(e)}`);
    } finally {
      this.parent = previous;
      this.io.hold();
      this.status("idle", req);
      this.status("busy", this.executing!);
      this.io.flush();
    }
  }

  /** The latest execute_request answered: its msg_id and reply status (see runsAfterFailure). */
  private lastExecuted: { msgId: string; status: string } | null = null;

  /**
   * An execute_request whose metadata names the request it must run after
   * (`{ gradlab: { after: msg_id } }`, sent ahead by `gradlab run` so the next cell is checked
   * while this one runs) runs only if that request, answered just before it, succeeded: its
   * stop_on_error cannot miss a request that reached the kernel a moment late.
   */
  private runsAfterFailure(req: Request): boolean {
    const after = (req.metadata?.gradlab as { after?: unknown } | undefined)?.after;
    if (typeof after !== "string") return false;
    return this.lastExecuted === null || this.lastExecuted.msgId !== after || this.lastExecuted.status !== "ok";
  }

  /** stop_on_error: every execute_request already received is answered "aborted" instead of run. */
  abortQueued(): void {
    this.queue.push(...this.io.drainPending());
    for (const r of this.queue) if (r.header.msg_type === "execute_request") this.toAbort.add(r);
  }

  private async handle(req: Request): Promise<void> {
    if (req.channel === "control" && this.controlScope.getStore() !== req) return this.controlScope.run(req, () => this.handle(req));
    const type = req.header.msg_type;
    // Own entries only: "constructor" or "__defineSetter__" must not find Object.prototype's.
    const handler = Object.hasOwn(this.handlers, type) ? this.handlers[type] : undefined;
    if (handler === undefined) {
      log(`ignoring unsupported ${req.channel} message ${type}`);
      return;
    }
    // busy goes to the io thread together with the request's next message: execute_input
    // (executeRequest flushes it before compiling) or, for others, at once; the reply and
    // idle of a request that runs no user code go together.
    this.io.hold();
    this.status("busy", req);
    if (type !== "execute_request") {
      this.io.flush();
      if (NO_USER_CODE.has(type)) this.io.hold();
    }
    const shell = req.channel !== "control";
    const previous = this.parent;
    if (shell) this.parent = req;
    if (shell && type === "execute_request") this.executing = req;
    this.interrupts.startRequest(req.arrival);
    try {
      if (this.toAbort.has(req) || (type === "execute_request" && this.runsAfterFailure(req))) {
        this.reply(req, "execute_reply", { status: "aborted", execution_count: this.executionCount }, { status: "aborted" });
      } else {
        await handler(this, req);
      }
    } catch (e) {
      log(`handler for ${type} failed: ${formatThrown(e)}`);
      if (type === "execute_request") {
        const o = errorOutcome(e, this.mapStack);
        this.publish("error", { ename: o.ename, evalue: o.evalue, traceback: o.traceback });
        this.reply(req, "execute_reply", { ...o, execution_count: this.executionCount, payload: [], user_expressions: {} }, { status: "error" });
      } else if (type.endsWith("_request")) this.reply(req, type.replace(/_request$/, "_reply"), { ...errorOutcome(e) });
    } finally {
      // Output from timers a cell left running keeps going to that cell, as in ipykernel;
      // other requests (complete, comm messages, …) do not take over the cell's output area.
      // Control-channel requests (a debugger's execute) never took it over (controlScope).
      if (shell && type !== "execute_request") this.parent = previous;
      if (shell && type === "execute_request") this.executing = null;
      this.interrupts.finishRequest(req.arrival);
      this.status("idle", req);
      this.io.flush();
      this.runAfterIdle();
    }
  }

  private afterIdle: (() => void)[] = [];

  /**
   * Runs fn once the current request's idle status is on its way to the frontend: work the
   * reply does not depend on (writing history) stays off the round trip.
   */
  whenIdle(fn: () => void): void {
    this.afterIdle.push(fn);
  }

  private runAfterIdle(): void {
    for (const fn of this.afterIdle.splice(0)) {
      try {
        fn();
      } catch (e) {
        log(`after-request work failed: ${formatThrown(e)}`);
      }
    }
  }

  // ---- running cells ------------------------------------------------------------------------

  /** The boxes of the names the running cell declares, each with its value from before the cell. */
  private readonly declared = new Map<Box, unknown>();

  /** Starts recording the names the cell about to run declares (all of %timeit's runs count as one). */
  startCellDeclarations(): void {
    this.declared.clear();
  }

  /**
   * Ends the record; with `release`, the names the cell declared get back their values from
   * before it (undefined for new names): a cell stopped for memory must not leave what it grew
   * reachable. Either way the record lets go of those earlier values.
   */
  endCellDeclarations(release: boolean): void {
    if (release) for (const [box, before] of this.declared) box.v = before;
    this.declared.clear();
  }

  /** Runs compiled JavaScript, awaiting its completion promise; an interrupt abandons the wait. */
  async run(js: string, filename: string): Promise<{ value: unknown; hasValue: boolean }> {
    let completion: unknown;
    try {
      completion = this.context.runScript(js, filename);
    } catch (e) {
      this.interrupts.runInterrupted(e);
      throw e;
    }
    if (typeof (completion as { then?: unknown } | null)?.then !== "function") return completion as { value: unknown; hasValue: boolean };
    // Only now may the io thread terminate JavaScript to interrupt: a termination during the
    // synchronous part would also end the kernel code that called it, while the SIGINT
    // watchdog already covers that part.
    return this.interrupts.awaitCell(completion as Promise<{ value: unknown; hasValue: boolean }>);
  }

  /**
   * Waits (at most timeoutMs, interruptibly) for the displays the current request started to
   * be sent, so they belong to the cell: headless runners stop collecting outputs at idle.
   * Displays started while waiting (a render that displays more) are waited for too; one still
   * rendering for an earlier cell (from a timer it left) is not.
   * Resolves false when an interrupt ended the wait.
   */
  async settleDisplays(timeoutMs: number): Promise<boolean> {
    const owner = this.current();
    const own = (): Promise<void>[] => {
      const out: Promise<void>[] = [];
      for (const [render, req] of this.pendingDisplays) if (req === owner) out.push(render);
      return out;
    };
    if (own().length === 0) return true;
    const deadline = Date.now() + timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await this.interrupts.interruptible<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
        const loop = (): void => {
          const waiting = own();
          if (waiting.length === 0 || Date.now() >= deadline) return resolve(true);
          void Promise.allSettled(waiting).then(loop);
        };
        loop();
      }, false);
    } finally {
      clearTimeout(timer);
    }
  }

  commMessage(req: Request): CommMessage {
    return { data: ((req.content as { data?: unknown }).data ?? {}) as Record<string, unknown>, metadata: req.metadata, buffers: req.buffers };
  }
}

export { interruptedError, type ErrorOutcome } from "./execution/thrown.js";

/** What a cell threw, as Jupyter shows it; boxed names (execution/bindings.ts) read as the cell's own. */
export function errorOutcome(e: unknown, mapStack?: (stack: string) => string): ErrorOutcome {
  const o = thrownOutcome(e, mapStack);
  return { ...o, evalue: readableBoxNames(o.evalue), traceback: o.traceback.map(readableBoxNames) };
}

export function formatThrown(e: unknown, mapStack?: (stack: string) => string): string {
  return readableBoxNames(thrownText(e, mapStack));
}
