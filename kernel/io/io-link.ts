// Main-thread end of the io thread: starts it, receives verified requests, sends messages.
// Sends are postMessage calls, delivered on the io thread's own loop, so output reaches the
// frontend even while the main thread stays blocked in user code afterwards.
import { writeSync } from "node:fs";
import { getHeapStatistics } from "node:v8";
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import type { ConnectionInfo } from "../transport/connection.js";
import type { Header } from "../transport/wire.js";
import { createInterruptState, InterruptStateMain } from "../interrupt/shared-state.js";
import { Watchdog } from "./watchdog.js";
import { memoryBudget } from "../interrupt/memory-budget.js";
import { createInputBuffers, waitForInput } from "./input-channel.js";
import { BacklogWriter, createBacklog, messageCost } from "./output-backlog.js";
import type { Identities, IncomingRequest, IoThreadData, IoToMain, MainToIo, SendMessage } from "./protocol.js";
import { exitProcess } from "../execution/process-guard.js";
import { createLiveState, LiveStateMain } from "../widgets/live-state.js";

export type Channel = "shell" | "control" | "iopub" | "stdin";

/** Held messages are posted early past this backlog cost, so a hold never buffers much output. */
const HOLD_MAX_COST = 1 << 20;

export class IoLink {
  private readonly worker: Worker;
  private readonly requests: MessagePort;
  private readonly input = createInputBuffers();
  private readonly interruptBuffer = createInterruptState();
  /** The interrupt state shared with the io thread (kernel/interrupt/). */
  readonly interrupts = new InterruptStateMain(this.interruptBuffer);
  /** See kernel/interrupt/memory-budget.ts. */
  readonly memoryBudget = memoryBudget();
  /** This thread's V8 heap limit, fixed at process start (node's --max-old-space-size). */
  readonly heapLimit = getHeapStatistics().heap_size_limit;
  private readonly backlogBuffer = createBacklog();
  private readonly backlog = new BacklogWriter(this.backlogBuffer);
  private readonly widgetState = createLiveState();
  /** Widget values shared with the io thread (kernel/widgets/live-state.ts). */
  readonly widgetLive = new LiveStateMain(this.widgetState, (m) => this.worker.postMessage(m satisfies MainToIo));
  readonly ready: Promise<Record<string, string>>;
  private handler: ((req: IncomingRequest) => void) | null = null;
  /** Requests that arrived before a handler was attached (the kernel loads after the io thread starts). */
  private early: IncomingRequest[] = [];
  onShutdown: (restart: boolean) => void = () => undefined;

  /**
   * Whether a SIGINT thread (sigint-thread.ts) owns SIGINT: then the main thread must not
   * listen for SIGINT itself and learns of interrupts through onInterrupt. Off with
   * GRADLAB_SIGINT_THREAD=0 (the main thread's process.on("SIGINT") then, as before).
   */
  readonly sigintThread: boolean;
  /** An interrupt for the busy main thread (sigintThread mode). */
  onInterrupt: (seq: number) => void = () => undefined;
  private sigintLost = false;
  private sigintLostHandler: () => void = () => undefined;
  /** Called when the SIGINT thread failed or exited (at once if it already has): the main thread must listen for SIGINT itself again. */
  set onSigintThreadLost(handler: () => void) {
    this.sigintLostHandler = handler;
    if (this.sigintLost) handler();
  }

  /**
   * `speculation`: a port to the compiler thread, on which the io thread passes on the code of
   * each execute request as it arrives while the main thread is idle (the compiler starts on it
   * before the main thread asks; see CellCompiler.speculate). `cellRecord`: under the
   * supervisor, where the io thread records the execute requests held (supervise/handover.ts).
   */
  constructor(connection: ConnectionInfo, session: string, kernelInfo: Record<string, unknown>, speculation?: MessagePort, cellRecord: string | null = null) {
    const { port1, port2 } = new MessageChannel();
    this.requests = port1;
    const data: IoThreadData = { connection, session, kernelInfo, inputState: this.input.state, inputData: this.input.data, interrupts: this.interruptBuffer, memoryBudget: this.memoryBudget, heapLimit: this.heapLimit, watchdog: new Watchdog().buffer, backlog: this.backlogBuffer, widgetState: this.widgetState, requests: port2, speculation, cellRecord };
    const transfer: MessagePort[] = [port2];
    if (speculation !== undefined) transfer.push(speculation);
    this.sigintThread = process.env.GRADLAB_SIGINT_THREAD !== "0";
    // The io thread first: it binds the sockets, and a frontend polling for kernel_info should
    // find them bound at its first retry. The SIGINT thread's port goes to it in workerData.
    let signals: MessageChannel | undefined;
    if (this.sigintThread) {
      signals = new MessageChannel();
      data.sigint = signals.port1;
      transfer.push(signals.port1);
    }
    this.worker = new Worker(new URL("./io-thread.js", import.meta.url), { workerData: data, transferList: transfer as never[], stdout: false, stderr: false });
    if (signals !== undefined) {
      const sigint = new Worker(new URL("../interrupt/sigint-thread.js", import.meta.url), { workerData: { port: signals.port2 }, transferList: [signals.port2] as never[], stdout: false, stderr: false });
      sigint.unref();
      const lose = (why: string): void => {
        if (this.sigintLost || this.closing) return;
        this.sigintLost = true;
        writeSync(2, `[gradlab] SIGINT thread ${why}; interrupts go through the main thread's SIGINT listener\n`);
        this.sigintLostHandler();
      };
      sigint.on("error", (e) => lose(`failed: ${e.message}`));
      sigint.on("exit", (code) => lose(`exited (code ${code})`));
    }
    port1.on("message", (m: IncomingRequest) => (this.handler === null ? this.early.push(m) : this.handler(m)));
    this.ready = new Promise((resolve, reject) => {
      this.worker.on("message", (m: IoToMain) => {
        if (m.t === "ready") resolve(m.ports);
        else if (m.t === "interrupt") this.onInterrupt(m.seq);
        else if (m.t === "shutdown") this.onShutdown(m.restart);
        else if (m.t === "log") writeSync(2, `[gradlab] ${m.text}\n`);
      });
      this.worker.on("error", (e) => {
        writeSync(2, `[gradlab] io thread failed: ${e.stack ?? e}\n`);
        reject(e);
      });
      this.worker.once("exit", (code) => {
        reject(new Error(`io thread exited with code ${code}`));
        // Without its sockets the kernel is deaf: exit so the frontend sees it die and can restart it.
        if (!this.closing) {
          writeSync(2, `[gradlab] io thread exited (code ${code}); exiting\n`);
          exitProcess(1);
        }
      });
    });
    this.ready.catch(() => undefined);
  }

  private closing = false;

  set onRequest(handler: (req: IncomingRequest) => void) {
    this.handler = handler;
    // Not from inside the setter: the Kernel sets it in its constructor, and startKernel sets
    // kernel.ready just after; an execute_request handled now would await the old `ready`
    // and find no compiler ("Cannot read properties of null (reading 'compile')").
    const early = this.early.splice(0);
    if (early.length > 0) queueMicrotask(() => early.forEach((m) => handler(m)));
  }

  send(channel: Channel, msgType: string, content: unknown, parent: Partial<Header> | Record<string, never>, opts: { identities?: Identities; metadata?: Record<string, unknown>; buffers?: Uint8Array[] } = {}): void {
    this.post(this.message(channel, msgType, content, parent, opts));
  }

  private message(channel: Channel, msgType: string, content: unknown, parent: Partial<Header> | Record<string, never>, opts: { identities?: Identities; metadata?: Record<string, unknown>; buffers?: Uint8Array[] }): SendMessage {
    // Content built from user values (displays, results, comm data, user_expressions) is
    // serialised here, so a BigInt or a cycle is a TypeError in the cell that sent it rather
    // than an exception on the io thread. Streams and status are the kernel's own strings.
    if (channel === "iopub" && (msgType === "stream" || msgType === "status")) {
      const text = (content as { text?: unknown }).text;
      return { t: "send", channel, msgType, content, parent, ...opts, cost: messageCost(typeof text === "string" ? text.length : 0) };
    }
    let contentJson: string;
    let metadataJson: string;
    try {
      contentJson = JSON.stringify(content ?? {});
      metadataJson = JSON.stringify(opts.metadata ?? {});
    } catch (e) {
      throw new TypeError(`${msgType}: this output cannot be sent to the frontend as JSON (${(e as Error).message})`);
    }
    const id = msgType === "update_display_data" ? (content as { transient?: { display_id?: unknown } } | null)?.transient?.display_id : undefined;
    const bufferBytes = (opts.buffers ?? []).reduce((n, b) => n + b.byteLength, 0);
    const cost = messageCost(contentJson.length + metadataJson.length + bufferBytes);
    return { t: "send", channel, msgType, content: null, contentJson, metadataJson, parent, identities: opts.identities, buffers: opts.buffers, displayId: typeof id === "string" ? id : undefined, cost };
  }

  private post(m: SendMessage): void {
    if (this.held !== null) {
      this.held.push(m);
      this.heldCost += m.cost;
      if (this.heldCost > HOLD_MAX_COST) this.postHeld();
      return;
    }
    this.backlog.add(m.cost);
    this.worker.postMessage(m);
  }

  private held: SendMessage[] | null = null;
  private heldCost = 0;

  /**
   * Collects the messages sent from now until flush() and posts them to the io thread in one
   * postMessage: a cell's result, reply and idle status then cost one wake-up of the io thread
   * and one structured clone instead of three. Only for stretches in which the kernel neither
   * blocks nor runs user code that might (output must reach the frontend while a cell runs);
   * requestInput flushes before it waits.
   */
  hold(): void {
    this.held ??= [];
  }

  /** Posts the held messages (in order) and stops holding. */
  flush(): void {
    if (this.held === null) return;
    this.postHeld();
    this.held = null;
  }

  private postHeld(): void {
    const held = this.held!;
    if (held.length === 0) return;
    this.held = [];
    this.heldCost = 0;
    for (const m of held) this.backlog.add(m.cost);
    this.worker.postMessage(held.length === 1 ? held[0] : ({ t: "batch", messages: held } satisfies MainToIo));
  }

  /** Pulls requests the io thread has posted but the main loop has not yet delivered. */
  drainPending(): IncomingRequest[] {
    const out: IncomingRequest[] = [];
    for (;;) {
      const m = receiveMessageOnPort(this.requests);
      if (m === undefined) return out;
      out.push(m.message as IncomingRequest);
    }
  }

  /** Blocks the main thread until the frontend answers an input_request (see input-channel.ts). */
  requestInput(prompt: string, password: boolean, parent: Partial<Header>, identities: Identities): string {
    return waitForInput(this.input.state, this.input.data, () => {
      this.send("stdin", "input_request", { prompt, password }, parent, { identities });
      this.flush();
    });
  }

  /** Flushes and closes the sockets; resolves when the io thread has exited. */
  close(): Promise<void> {
    this.flush();
    this.closing = true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => void this.worker.terminate().then(() => resolve()), 1500);
      this.worker.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      this.worker.postMessage({ t: "close" } satisfies MainToIo);
    });
  }
}
