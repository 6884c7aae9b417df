// The io thread: owns every ZeroMQ socket so the kernel stays responsive while user code
// blocks the main thread. It verifies and decodes incoming messages, answers heartbeat,
// kernel_info, interrupt and shutdown itself, and forwards the rest to the main thread.
// Logging goes straight to fd 2: a worker's process.stderr is relayed through the (possibly
// blocked) main thread.
import { writeSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import * as zmq from "zeromq";
import { endpoint } from "../transport/connection.js";
import { makeHeader } from "../transport/message.js";
import { SendQueue } from "../transport/send-queue.js";
import { ReplayGuard, Signer } from "../transport/signing.js";
import { decode, encode, WireError, type Header, type WireMessage } from "../transport/wire.js";
import { IoInterrupts } from "../interrupt/io-side.js";
import { InterruptStateIo } from "../interrupt/shared-state.js";
import { deliverInput, interruptInput } from "./input-channel.js";
import { shutdownRequested } from "./watchdog.js";
import type { IncomingRequest, IoThreadData, IoToMain, MainToIo, SendMessage } from "./protocol.js";
import { BacklogReader } from "./output-backlog.js";
import { StreamCoalescer } from "./stream-coalescer.js";
import { LiveStateIo } from "../widgets/live-state.js";
import type { DebugAdapter, DapRequest } from "../debugger/adapter.js";
import { CellRecord } from "../supervise/handover.js";
import type { SpeculationMessage } from "../compiler/compiler-protocol.js";

const data = workerData as IoThreadData;
const signer = new Signer(data.connection.key);
const replay = new ReplayGuard();
let dropped = 0;
/** Under the supervisor: the execute requests held, for a report on the cell if the process dies. */
const cells = data.cellRecord === null ? null : new CellRecord(data.cellRecord, data.session, data.heapLimit, log);

function log(text: string): void {
  try {
    writeSync(2, `[gradlab io] ${text}\n`);
  } catch {
    /* stderr closed: nothing to do */
  }
}

const shell = new zmq.Router();
const control = new zmq.Router();
const stdin = new zmq.Router();
const iopub = new zmq.Publisher();
const hb = new zmq.Reply();
const onSendError = (e: unknown): void => log(`send failed: ${(e as Error).message}`);
const queues = {
  shell: new SendQueue(shell, onSendError),
  control: new SendQueue(control, onSendError),
  stdin: new SendQueue(stdin, onSendError),
  iopub: new SendQueue(iopub, onSendError),
};

/** Whether the main thread is between a busy and an idle status (tracked from what it publishes). */
let mainBusy = false;
/** The request the main thread's last busy status was for. */
let busyParent: Partial<Header> = {};

/**
 * The input_request the main thread is blocked on. An input_reply to any other (one the user
 * answered after an interrupt gave up on it) must not answer a later prompt().
 */
let awaitedInput: string | null = null;

function sendNow(channel: keyof typeof queues, msgType: string, content: unknown, parent: Partial<Header>, identities: Buffer[] = [], metadata: Record<string, unknown> = {}, buffers: Uint8Array[] = [], json: { contentJson?: string; metadataJson?: string } = {}): void {
  const header = makeHeader(msgType, data.session);
  let frames: Buffer[];
  try {
    frames = encode({ identities, header, parent_header: parent, metadata, content, buffers, ...json }, signer);
  } catch (e) {
    // The main thread serialises user values; this is a last guard that keeps the sockets alive.
    log(`dropped an unsendable ${msgType}: ${(e as Error).message}`);
    return;
  }
  if (channel === "stdin" && msgType === "input_request") awaitedInput = header.msg_id;
  if (cells !== null) {
    if (channel === "iopub" && msgType === "execute_input") cells.counted(parent.msg_id, executionCount(content, json.contentJson));
    else if (channel === "shell" && msgType === "execute_reply") cells.answered(parent.msg_id);
  }
  void queues[channel].send(frames);
}

// Only the JSON texts of `m` go on as they are: spread whole, its fields would replace
// encode()'s (identities sent as anything but the bytes received reach no peer).
const sendMessage = (m: SendMessage): void =>
  sendNow(m.channel, m.msgType, m.content, m.parent, (m.identities ?? []).map((id) => Buffer.from(id.buffer, id.byteOffset, id.byteLength)), m.metadata, m.buffers, { contentJson: m.contentJson, metadataJson: m.metadataJson });

/** An execute_input's count; the main thread sends its content as JSON text, ending with the count. */
function executionCount(content: unknown, contentJson: string | undefined): unknown {
  if (contentJson === undefined) return (content as { execution_count?: unknown } | null)?.execution_count;
  const m = /"execution_count":(\d+)\}$/.exec(contentJson);
  return m === null ? undefined : Number(m[1]);
}

const streams = new StreamCoalescer((name, text, parent) => sendNow("iopub", "stream", { name, text }, parent));

// A training loop may update a live display on every step: only the latest update of each
// display per UPDATE_MS reaches the frontend (an update replaces the whole output anyway).
const UPDATE_MS = 25;
const updates = new Map<string, SendMessage>();
let updateTimer: NodeJS.Timeout | null = null;
function flushUpdates(): void {
  if (updateTimer !== null) clearTimeout(updateTimer);
  updateTimer = null;
  for (const u of updates.values()) sendMessage(u);
  updates.clear();
}

function send(m: SendMessage): void {
  if (m.channel === "iopub" && m.msgType === "stream") {
    flushUpdates();
    const c = m.content as { name: "stdout" | "stderr"; text: string };
    streams.add(c.name, c.text, m.parent);
    return;
  }
  if (m.channel === "iopub" && m.msgType === "update_display_data") {
    const id = m.displayId ?? (m.content as { transient?: { display_id?: unknown } } | null)?.transient?.display_id;
    if (typeof id === "string") {
      streams.flush();
      updates.delete(id); // re-inserted last: keeps the order of the latest updates
      updates.set(id, m);
      updateTimer ??= setTimeout(flushUpdates, UPDATE_MS);
      return;
    }
  }
  if (m.channel === "iopub") {
    streams.flush();
    flushUpdates();
  }
  if (m.channel === "iopub" && m.msgType === "status") {
    const state = (m.content as { execution_state: string }).execution_state;
    if (state === "busy") {
      mainBusy = true;
      busyParent = m.parent;
      debug?.onMainBusy();
    } else if (state === "idle") {
      mainBusy = false;
      debug?.onMainIdle();
    }
  }
  sendMessage(m);
}

function toMain(m: IoToMain): void {
  parentPort!.postMessage(m);
}

function forward(channel: "shell" | "control", msg: WireMessage, arrival?: number): void {
  // Identities and buffers as exact copies: a Buffer view would clone its whole pool.
  const req: IncomingRequest = { channel, identities: msg.identities.map((b) => new Uint8Array(b)), header: msg.header, parent_header: msg.parent_header, metadata: msg.metadata, content: msg.content, buffers: msg.buffers.map((b) => new Uint8Array(b)), arrival };
  const depth = Math.max(nesting(msg.content), nesting(msg.metadata));
  if (depth > MAX_NESTING) return refuse(channel, msg, `its content or metadata is nested ${depth > 10 * MAX_NESTING ? "thousands of levels" : `${depth} levels`} deep (at most ${MAX_NESTING} are handled)`);
  try {
    data.requests.postMessage(req);
  } catch (e) {
    // Not cloneable (a message nested thousands deep): the client must not wait for a reply.
    refuse(channel, msg, `the message could not be passed to the kernel (${(e as Error).message}); is its content nested too deeply?`);
  }
}

/**
 * Deeper than this, a message is refused: the main thread would fail to receive it (the
 * clone of a very deep object fails there, silently) and the client would wait forever.
 */
const MAX_NESTING = 1000;

/** How deeply a parsed JSON value nests (counted without recursion, up to just past MAX_NESTING). */
function nesting(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (d + 1 > max) max = d + 1;
    if (max > MAX_NESTING) return max;
    for (const child of Object.values(v)) if (typeof child === "object" && child !== null) stack.push([child, d + 1]);
  }
  return max;
}

/** Answers a request the kernel cannot handle with an error reply (and its busy/idle frame). */
function refuse(channel: "shell" | "control", msg: WireMessage, why: string): void {
  const type = msg.header.msg_type;
  log(`refused ${channel} ${type}: ${why}`);
  if (!type.endsWith("_request")) return;
  if (!mainBusy) sendNow("iopub", "status", { execution_state: "busy" }, msg.header);
  sendNow(channel, type.replace(/_request$/, "_reply"), { status: "error", ename: "MessageError", evalue: `${type}: ${why}`, traceback: [] }, msg.header, msg.identities);
  if (!mainBusy) sendNow("iopub", "status", { execution_state: "idle" }, msg.header);
}

function answerKernelInfo(channel: "shell" | "control", msg: WireMessage): void {
  // Status messages frame every request, but a busy main thread owns the execution state:
  // publishing idle here would tell the frontend a running cell had finished.
  if (!mainBusy) sendNow("iopub", "status", { execution_state: "busy" }, msg.header);
  sendNow(channel, "kernel_info_reply", data.kernelInfo, msg.header, msg.identities);
  if (!mainBusy) sendNow("iopub", "status", { execution_state: "idle" }, msg.header);
}

let shuttingDown = false;

/**
 * The debugger (kernel/debugger/), loaded by the first debug_request: a session that never
 * debugs never loads it. Requests are answered in order, while the main thread runs or is
 * paused at a breakpoint.
 */
let debug: DebugAdapter | null = null;
let debugQueue: Promise<void> = Promise.resolve();
/** Debug events (a stop, a continue) go out as children of the latest debug request. */
let debugParent: Header | null = null;

function debugRequest(msg: WireMessage): void {
  debugQueue = debugQueue.then(async () => {
    // Always framed by busy/idle, as ipykernel frames control requests: a frontend's request
    // is done only at its idle, also while a cell runs or is paused.
    debugParent = msg.header;
    sendNow("iopub", "status", { execution_state: "busy" }, msg.header);
    try {
      if (debug === null) {
        const { DebugAdapter } = await import("../debugger/adapter.js");
        debug = new DebugAdapter((event) => sendNow("iopub", "debug_event", event, debugParent ?? {}), log);
      }
      const reply = await debug.handle(msg.content as unknown as DapRequest);
      sendNow("control", "debug_reply", reply, msg.header, msg.identities);
    } finally {
      sendNow("iopub", "status", { execution_state: "idle" }, msg.header);
    }
  }).catch((e) => log(`debug_request failed: ${(e as Error).stack ?? e}`));
}

function handleControl(msg: WireMessage): void {
  switch (msg.header.msg_type) {
    case "kernel_info_request":
      answerKernelInfo("control", msg);
      return;
    case "debug_request":
      debugRequest(msg);
      return;
    case "interrupt_request":
      interrupts.interrupt("request", msg.header);
      sendNow("control", "interrupt_reply", { status: "ok" }, msg.header, msg.identities);
      return;
    case "shutdown_request": {
      const restart = (msg.content as { restart?: unknown }).restart === true;
      streams.flush();
      flushUpdates();
      sendNow("control", "shutdown_reply", { status: "ok", restart }, msg.header, msg.identities);
      sendNow("iopub", "status", { execution_state: "idle" }, msg.header);
      shuttingDown = true;
      cells?.close();
      // The watchdog thread ends the process if it has not exited in time (this thread goes
      // first, with its sockets); a cell stuck in a loop cannot see the shutdown: interrupt it.
      shutdownRequested(data.watchdog);
      debug?.dispose();
      toMain({ t: "shutdown", restart });
      interrupt();
      return;
    }
    default:
      forward("control", msg);
  }
}

const interrupts = new IoInterrupts({
  state: new InterruptStateIo(data.interrupts),
  sigint: data.sigint,
  cancelInput() {
    const waiting = awaitedInput !== null;
    // A prompt() waiting is woken (it throws Interrupted); a stale wake-up is cleared by the next prompt().
    awaitedInput = null;
    interruptInput(data.inputState);
    return waiting;
  },
  mainBusy: () => mainBusy,
  beforeInterrupt: () => debug?.onInterrupt(),
  notifyMain: (seq) => toMain({ t: "interrupt", seq }),
  log,
});
interrupts.watchMemory(data.memoryBudget, data.heapLimit);

function interrupt(): void {
  interrupts.interrupt("request");
}

const widgetLive = new LiveStateIo(data.widgetState);

function handleShell(msg: WireMessage): void {
  if (msg.header.msg_type === "kernel_info_request") return answerKernelInfo("shell", msg);
  // A busy cell sees a widget's new value now; the main thread still gets the message. The
  // update is done as far as the frontend is concerned: its widget manager sends the next one
  // only after an idle status for this one (ipywidgets' message throttle), so that idle goes
  // out now, followed by busy again for the running cell.
  if (msg.header.msg_type === "comm_msg" && widgetLive.apply(msg.content) && mainBusy) {
    sendNow("iopub", "status", { execution_state: "idle" }, msg.header);
    sendNow("iopub", "status", { execution_state: "busy" }, busyParent);
  }
  // The compiler starts on the cell now if the main thread, idle, is about to ask for it;
  // one queued behind a running cell it compiles while that cell runs.
  const code = (msg.content as { code?: unknown }).code;
  const execute = msg.header.msg_type === "execute_request";
  if (execute && typeof code === "string") data.speculation?.postMessage({ code, queued: mainBusy } satisfies SpeculationMessage);
  if (execute) cells?.arrive(msg.header, msg.identities);
  forward("shell", msg, execute ? interrupts.arrive(msg.header) : undefined);
}

function handleStdin(msg: WireMessage): void {
  if (msg.header.msg_type === "input_reply") {
    const answers = (msg.parent_header as { msg_id?: unknown }).msg_id;
    // Frontends always set the parent; a reply without one is taken for the current prompt.
    if (awaitedInput === null || (answers !== undefined && answers !== awaitedInput)) {
      log(`dropped an input_reply to ${String(answers)}: no prompt() is waiting for it`);
      return;
    }
    awaitedInput = null;
    const v = (msg.content as { value?: unknown }).value;
    deliverInput(data.inputState, data.inputData, typeof v === "string" ? v : "");
  }
}

async function pump(sock: zmq.Router, handle: (m: WireMessage) => void, name: string): Promise<void> {
  for await (const frames of sock) {
    let msg: WireMessage & { signature: string };
    try {
      msg = decode(frames, signer);
    } catch (e) {
      dropped++;
      if (dropped <= 20 || dropped % 1000 === 0) log(`dropped ${name} message (${dropped} so far): ${e instanceof WireError ? e.message : String(e)}`);
      continue;
    }
    if (!replay.admit(msg.signature)) {
      dropped++;
      log(`dropped replayed ${name} message ${msg.header.msg_id}`);
      continue;
    }
    try {
      handle(msg);
    } catch (e) {
      log(`error handling ${name} ${msg.header.msg_type}: ${(e as Error).stack ?? e}`);
    }
  }
}

async function heartbeat(): Promise<void> {
  for await (const frames of hb) await hb.send(frames);
}

const backlog = new BacklogReader(data.backlog);

function sendCounted(m: SendMessage): void {
  try {
    // After the shutdown reply and its idle, the cell the shutdown interrupted is not reported
    // (as ipykernel: the kernel is gone, the cell did not fail).
    if (!shuttingDown) send(m);
  } finally {
    backlog.done(m.cost);
  }
}

parentPort!.on("message", (m: MainToIo) => {
  if (m.t === "send") sendCounted(m);
  else if (m.t === "batch") {
    for (const one of m.messages) {
      try {
        sendCounted(one);
      } catch (e) {
        log(`error sending ${one.msgType}: ${(e as Error).stack ?? e}`);
      }
    }
  } else if (m.t === "close") void close();
  else if (m.t === "widget-live" || m.t === "widget-live-drop") widgetLive.register(m);
});

async function close(): Promise<void> {
  streams.flush();
  flushUpdates();
  // Let queued sends reach the wire before closing.
  await Promise.all(Object.values(queues).map((q) => q.drained()));
  for (const s of [shell, control, stdin, iopub, hb]) s.close();
  parentPort!.close();
}

async function main(): Promise<void> {
  const c = data.connection;
  for (const s of [shell, control, stdin, iopub, hb]) s.linger = 500;
  await Promise.all([
    shell.bind(endpoint(c, "shell")),
    control.bind(endpoint(c, "control")),
    stdin.bind(endpoint(c, "stdin")),
    iopub.bind(endpoint(c, "iopub")),
    hb.bind(endpoint(c, "hb")),
  ]);
  toMain({ t: "ready", ports: { shell: shell.lastEndpoint ?? "", iopub: iopub.lastEndpoint ?? "" } });
  void heartbeat().catch((e) => !shuttingDown && log(`heartbeat stopped: ${e}`));
  void pump(control, handleControl, "control").catch((e) => !shuttingDown && log(`control stopped: ${e}`));
  void pump(shell, handleShell, "shell").catch((e) => !shuttingDown && log(`shell stopped: ${e}`));
  void pump(stdin, handleStdin, "stdin").catch((e) => !shuttingDown && log(`stdin stopped: ${e}`));
}

main().catch((e) => {
  log(`could not start: ${(e as Error).message}`);
  // Close what did open and let the thread end (process.exit here would abort inside the
  // native zeromq cleanup); the main thread exits when this thread does.
  for (const sock of [shell, control, stdin, iopub, hb]) {
    try {
      sock.close();
    } catch {
      /* already closed */
    }
  }
  parentPort!.close();
});
