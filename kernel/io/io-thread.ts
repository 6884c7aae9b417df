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
import { CellWatchIo } from "./cell-watch.js";
import { deliverInput, interruptInput } from "./input-channel.js";
import type { IncomingRequest, IoThreadData, IoToMain, MainToIo, SendMessage } from "./protocol.js";
import { BacklogReader } from "./output-backlog.js";
import { StreamCoalescer } from "./stream-coalescer.js";

const data = workerData as IoThreadData;
const signer = new Signer(data.connection.key);
const replay = new ReplayGuard();
let dropped = 0;

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
  void queues[channel].send(frames);
}

const sendMessage = (m: SendMessage): void =>
  sendNow(m.channel, m.msgType, m.content, m.parent, (m.identities ?? []).map((id) => Buffer.from(id, "latin1")), m.metadata, m.buffers, m);

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
    if (state === "busy") mainBusy = true;
    else if (state === "idle") mainBusy = false;
  }
  sendMessage(m);
}

function toMain(m: IoToMain): void {
  parentPort!.postMessage(m);
}

function forward(channel: "shell" | "control", msg: WireMessage): void {
  // Identities as strings and buffers as exact copies: a Buffer view would clone its whole pool.
  const req: IncomingRequest = { channel, identities: msg.identities.map((b) => b.toString("latin1")), header: msg.header, parent_header: msg.parent_header, metadata: msg.metadata, content: msg.content, buffers: msg.buffers.map((b) => new Uint8Array(b)) };
  data.requests.postMessage(req);
}

function answerKernelInfo(channel: "shell" | "control", msg: WireMessage): void {
  // Status messages frame every request, but a busy main thread owns the execution state:
  // publishing idle here would tell the frontend a running cell had finished.
  if (!mainBusy) sendNow("iopub", "status", { execution_state: "busy" }, msg.header);
  sendNow(channel, "kernel_info_reply", data.kernelInfo, msg.header, msg.identities);
  if (!mainBusy) sendNow("iopub", "status", { execution_state: "idle" }, msg.header);
}

let shuttingDown = false;

function handleControl(msg: WireMessage): void {
  switch (msg.header.msg_type) {
    case "kernel_info_request":
      answerKernelInfo("control", msg);
      return;
    case "interrupt_request":
      interrupt("request");
      sendNow("control", "interrupt_reply", { status: "ok" }, msg.header, msg.identities);
      return;
    case "shutdown_request": {
      const restart = (msg.content as { restart?: unknown }).restart === true;
      streams.flush();
      flushUpdates();
      sendNow("control", "shutdown_reply", { status: "ok", restart }, msg.header, msg.identities);
      sendNow("iopub", "status", { execution_state: "idle" }, msg.header);
      shuttingDown = true;
      toMain({ t: "shutdown", restart });
      // A cell stuck in a synchronous loop cannot see the shutdown message: interrupt it.
      if (mainBusy) interrupt("request");
      setTimeout(() => {
        log("main thread did not exit after shutdown; killing the process");
        process.kill(process.pid, "SIGKILL");
      }, 3000).unref();
      return;
    }
    default:
      forward("control", msg);
  }
}

const cellWatch = new CellWatchIo(data.cellWatch);

/** How long the main thread has to handle SIGINT before its JavaScript is terminated. */
const INTERRUPT_GRACE_MS = 300;

/** The last SIGINT sent: a second interrupt within the grace period does not send another. */
let lastSignal: { acks: number; at: number } | null = null;
/** The last SIGINT sent while the main thread was idle (kept apart: it must not delay a cell's). */
let lastIdleSignal = -Infinity;

/**
 * The SIGINT thread (sigint-thread.ts), when the main thread has one: it reports each SIGINT
 * that no run on the main thread took. Until it is armed, SIGINT would kill the process.
 */
const sigintThread = data.sigint !== undefined;
let sigintArmed = false;
data.sigint?.on("message", (m: { t: "armed" | "signal" }) => {
  if (m.t === "armed") sigintArmed = true;
  // Our own SIGINT (an interrupt_request) reaches it when no run took it: already handled.
  else {
    const now = performance.now();
    const own = (lastSignal !== null && now - lastSignal.at < INTERRUPT_GRACE_MS) || now - lastIdleSignal < INTERRUPT_GRACE_MS;
    if (!own) interrupt("signal");
  }
});
data.sigint?.unref();

/**
 * An interrupt_request (or shutdown) or, with a SIGINT thread, a SIGINT from the frontend
 * (interrupt_mode "signal").
 *
 * A SIGINT that the cell it was meant for no longer needs is not lost: Node delivers it to
 * the next script run under a SIGINT watchdog, i.e. the *next* cell, which then fails as
 * "Interrupted" before doing anything. So a signal is sent only when it has something to stop.
 */
function interrupt(kind: "request" | "signal" = "request"): void {
  const acks = cellWatch.acks();
  if (awaitedInput !== null) {
    // The main thread is blocked in prompt(): waking it is enough, it throws Interrupted.
    awaitedInput = null;
    interruptInput(data.inputState);
    return;
  }
  interruptInput(data.inputState);
  if (!mainBusy) {
    // Idle: no cell runs, so an interrupt has no effect (as in ipykernel), except on a timer
    // callback a finished cell left looping: its run (execution/interruptible-timers.ts)
    // takes the SIGINT. With nothing running, the SIGINT thread or the main thread's
    // listener takes it, harmlessly.
    if (kind === "request" && performance.now() - lastIdleSignal >= INTERRUPT_GRACE_MS) {
      lastIdleSignal = performance.now();
      if (!sigintThread || sigintArmed) process.kill(process.pid, "SIGINT");
    }
    return;
  }
  const seq = cellWatch.countInterrupt();
  // A cell awaiting something learns of it by message (with a SIGINT thread the main thread
  // has no SIGINT listener); a run in progress by the SIGINT the watchdog stops it with.
  if (sigintThread) toMain({ t: "interrupt", seq });
  if (kind === "request" && !signal(acks)) return;
  void cellWatch.escalate(acks, INTERRUPT_GRACE_MS, log).catch((e) => log(`interrupt escalation failed: ${e}`));
}

/** Sends the process a SIGINT (for a run under the watchdog); false when one was sent just now. */
function signal(acks: number): boolean {
  // One signal per grace period: without a SIGINT thread, a second SIGINT can land in the
  // moment node:vm has removed the SIGINT listeners around a script run while no watchdog is
  // armed yet (or any more), and then the default action kills the kernel. The escalation
  // covers a missed one.
  // Only while that signal's interrupt is unhandled: once the main thread has acknowledged
  // it, a new interrupt (the next cell's) needs its own signal and escalation.
  const now = performance.now();
  if (lastSignal !== null && lastSignal.acks === acks && now - lastSignal.at < INTERRUPT_GRACE_MS) return false;
  lastSignal = { acks, at: now };
  // A SIGINT thread not armed yet would leave SIGINT's default action (exit) in place.
  if (!sigintThread || sigintArmed) process.kill(process.pid, "SIGINT");
  return true;
}

function handleShell(msg: WireMessage): void {
  if (msg.header.msg_type === "kernel_info_request") return answerKernelInfo("shell", msg);
  // The compiler starts on the cell now; the main thread, idle, is about to ask for it.
  const code = (msg.content as { code?: unknown }).code;
  if (msg.header.msg_type === "execute_request" && !mainBusy && typeof code === "string") data.speculation?.postMessage({ code });
  forward("shell", msg);
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
    send(m);
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
});

async function close(): Promise<void> {
  streams.flush();
  flushUpdates();
  // Let queued sends reach the wire before closing.
  await Promise.all(Object.values(queues).map((q) => q.drained()));
  for (const s of [shell, control, stdin, iopub, hb]) s.close();
  parentPort!.close();
}

/**
 * Like ipykernel's parent poller: when the process that started the kernel dies (we are
 * re-parented), exit instead of holding the ports forever. Runs here, not on the main thread,
 * so it works while a cell is busy. Not when started directly under init (pid 1, containers).
 */
function watchParent(): void {
  const parent = process.ppid;
  if (parent === 1) return;
  setInterval(() => {
    if (process.ppid !== parent) {
      log(`parent process ${parent} is gone: exiting`);
      process.kill(process.pid, "SIGTERM");
    }
  }, 1000).unref();
}

async function main(): Promise<void> {
  watchParent();
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
