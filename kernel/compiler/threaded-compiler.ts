// The cell compiler run in its own thread, behind the same synchronous interface.
//
// Why: TypeScript's warm-up (loading its JavaScript, parsing and binding the ES library and
// the prelude's declaration files, a first check) is the longest part of kernel start. In its
// own thread it overlaps with the main thread importing the prelude and with the io thread
// binding the sockets, on another core. Afterwards the compiler's garbage (a new program and checker per
// cell) is collected in its own heap, and its idle-time work (re-parsing libraries with their
// JSDoc) never occupies the thread that runs cells.
//
// How a call stays synchronous: the request is posted on a MessagePort, the main thread
// sleeps in Atomics.wait on a shared flag, the compiler thread posts the reply and sets the
// flag to the request's id, and the main thread takes the reply off the port with
// receiveMessageOnPort — no event-loop turn on either side of the wait. A commit is only
// posted (requests are handled in order, so the next compile sees it). This module never
// loads TypeScript itself.
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import type { CompileResult, CompilerConfig } from "./cell-compiler.js";
import type { Completion, Inspection } from "./completion.js";
import type { CompilerCall, CompilerReply, CompilerRequest, CompilerThreadData, CompilerThreadEvent, SpeculationPortMessage } from "./compiler-protocol.js";
import type { IsCompleteResult } from "./is-complete.js";
import { SourceMapper, mapStackTrace } from "./source-map.js";

/** A request the compiler thread has not answered in this long is treated as a dead thread. */
const REPLY_TIMEOUT_MS = 120_000;

export interface ThreadedCompilerOptions {
  /** Use the persistent V8 code cache for typescript.js (kernel/startup/code-cache.ts). */
  codeCache?: boolean;
  /** Write start-up trace lines to fd 2 (GRADLAB_TRACE). */
  trace?: boolean;
}

export class ThreadedCellCompiler {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly mappers = new Map<string, SourceMapper>();
  private readonly started: Promise<void>;
  private dead: string | null = null;
  private lastId = 0;

  constructor(config: CompilerConfig, options: ThreadedCompilerOptions = {}) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const data: CompilerThreadData = {
      config, flag: this.flag.buffer as SharedArrayBuffer, port: port2,
      codeCache: options.codeCache ?? true, trace: options.trace ?? false, timeOrigin: performance.timeOrigin,
    };
    this.worker = new Worker(new URL("./compiler-thread.js", import.meta.url), { workerData: data, transferList: [port2] as never[] });
    this.started = new Promise<void>((resolve, reject) => {
      this.worker.on("message", (m: CompilerThreadEvent) => {
        if (m.t === "ready") resolve();
        else if (m.t === "failed") {
          this.dead = "the compiler thread failed to warm up";
          reject(new Error(`compiler thread: warm-up failed: ${m.message}`));
          void this.worker.terminate();
        }
      });
      this.worker.on("error", (e) => {
        this.dead = `the compiler thread failed: ${e.message}`;
        reject(e);
      });
      this.worker.on("exit", (code) => {
        this.dead ??= `the compiler thread exited (code ${code})`;
        reject(new Error(this.dead));
      });
    });
    this.started.catch(() => undefined);
    // The kernel exits on shutdown whatever this thread is doing (an idle-time re-parse, say).
    this.worker.unref();
  }

  /** Resolves when the compiler thread has loaded TypeScript and warmed up. */
  warmUp(): Promise<void> { return this.started; }

  /** Posts a request without waiting; its reply is skipped when it arrives (see `call`). */
  private post(call: CompilerCall): number {
    if (this.dead !== null) throw new Error(`compiler: ${this.dead}`);
    const id = ++this.lastId;
    this.port.postMessage({ ...call, id } satisfies CompilerRequest);
    return id;
  }

  /** Posts a request and waits for its reply (replies to earlier posted-only requests are skipped). */
  private call(call: CompilerCall): CompilerReply {
    const id = this.post(call);
    const deadline = Date.now() + REPLY_TIMEOUT_MS;
    for (let seen = Atomics.load(this.flag, 0); seen !== id; seen = Atomics.load(this.flag, 0)) {
      if (Atomics.wait(this.flag, 0, seen, 1000) === "timed-out" && Date.now() > deadline) {
        this.dead = "the compiler thread stopped answering";
        void this.worker.terminate();
        throw new Error(`compiler: ${this.dead}`);
      }
    }
    for (;;) {
      const m = receiveMessageOnPort(this.port);
      if (m === undefined) throw new Error("compiler: the compiler thread signalled a reply but sent none");
      const reply = m.message as CompilerReply;
      if (reply.id !== id) continue; // a commit's acknowledgement (a failed commit only costs later cells' knowledge of that cell)
      if (reply.t === "error") throw new Error(`compiler thread: ${reply.message}`);
      return reply;
    }
  }

  compile(code: string, executionCount: number): CompileResult {
    const reply = this.call({ t: "compile", code, executionCount });
    if (reply.t !== "compile") throw new Error(`compiler: unexpected reply ${reply.t} to compile`);
    const r = reply.result;
    if (!r.ok) return r;
    this.mappers.set(r.filename, new SourceMapper(r.mappings));
    const mappers = this.mappers;
    return { ...r, mapStack: (stack: string) => mapStackTrace(stack, mappers) };
  }

  /**
   * The port on which the io thread passes on execute requests as they arrive, so the compiler
   * starts on a cell before the main thread asks for it (see CellCompiler.speculate).
   */
  attachSpeculation(port: MessagePort): void {
    this.port.postMessage({ t: "speculationPort", port } satisfies SpeculationPortMessage, [port]);
  }

  /** Not waited for: the compiler thread integrates the cell while this one publishes its result. */
  commit(executionCount: number): void {
    try {
      this.post({ t: "commit", executionCount });
    } catch {
      /* a dead compiler thread: the next compile reports it */
    }
  }

  /** Not waited for: lets the compiler thread check a queued cell while this one runs. */
  running(executionCount: number): void {
    try {
      this.post({ t: "running", executionCount });
    } catch {
      /* a dead compiler thread: the next compile reports it */
    }
  }

  setTypeCheck(on: boolean): void { this.call({ t: "setTypeCheck", on }); }

  complete(code: string, cursorPos: number): Completion {
    try {
      const reply = this.call({ t: "complete", code, cursorPos });
      if (reply.t === "complete") return reply.result;
    } catch {
      /* a dead compiler thread: no suggestions */
    }
    return { matches: [], cursorStart: cursorPos, cursorEnd: cursorPos, metadata: {} };
  }

  inspect(code: string, cursorPos: number, detailLevel: number): Inspection {
    try {
      const reply = this.call({ t: "inspect", code, cursorPos, detailLevel });
      if (reply.t === "inspect") return reply.result;
    } catch {
      /* nothing found */
    }
    return { found: false, data: {} };
  }

  isComplete(code: string): IsCompleteResult {
    try {
      const reply = this.call({ t: "isComplete", code });
      if (reply.t === "isComplete") return reply.result;
    } catch {
      /* unknown */
    }
    return { status: "unknown" };
  }
}
