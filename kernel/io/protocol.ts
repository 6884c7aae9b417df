// Messages between the kernel's main thread (runs user code) and its io thread (owns sockets).
import type { MessagePort } from "node:worker_threads";
import type { ConnectionInfo } from "../transport/connection.js";
import type { Header } from "../transport/wire.js";
import type { LiveRegistration } from "../widgets/live-state.js";

export type InterruptMode = "signal" | "message";

export interface IoThreadData {
  connection: ConnectionInfo;
  session: string;
  /** Static kernel_info_reply content, so the io thread answers it even while user code runs. */
  kernelInfo: Record<string, unknown>;
  /** Control block for synchronous stdin replies: see kernel/io/input-channel.ts. */
  inputState: SharedArrayBuffer;
  inputData: SharedArrayBuffer;
  /** See kernel/interrupt/shared-state.ts. */
  interrupts: SharedArrayBuffer;
  /** Bytes of resident memory a cell may take the process to (kernel/interrupt/memory-budget.ts). */
  memoryBudget: number;
  /** The main thread's V8 heap limit in bytes: a cell nearing it is stopped (kernel/interrupt/io-side.ts). */
  heapLimit: number;
  /** The watchdog thread's control word (kernel/io/watchdog.ts): set on shutdown. */
  watchdog: SharedArrayBuffer;
  /** See kernel/io/output-backlog.ts. */
  backlog: SharedArrayBuffer;
  /** Widget values the io thread applies while a cell runs: see kernel/widgets/live-state.ts. */
  widgetState: SharedArrayBuffer;
  /** Where the io thread posts incoming requests (a port, so the main thread can drain it synchronously). */
  requests: MessagePort;
  /** From the SIGINT thread (kernel/interrupt/sigint-thread.ts), when there is one: armed, then each SIGINT it saw. */
  sigint?: MessagePort;
  /** To the compiler thread: the code of each execute request as it arrives, when the main thread is idle. */
  speculation?: MessagePort;
  /** Under the supervisor: the file naming the execute requests held (kernel/supervise/handover.ts). */
  cellRecord: string | null;
}

/**
 * ZeroMQ routing identities: bytes end to end, never decoded. Each is an exact-size copy
 * (a Buffer from a socket may view Node's 8 KB pool, and cloning it would copy the pool).
 */
export type Identities = Uint8Array[];

/** A verified incoming request handed to the main thread. */
export interface IncomingRequest {
  channel: "shell" | "control";
  identities: Identities;
  header: Header;
  parent_header: Record<string, unknown>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
  buffers: Uint8Array[];
  /** A shell execute_request's number in arrival order (kernel/interrupt/shared-state.ts). */
  arrival?: number;
}

export interface SendMessage {
  t: "send";
  channel: "shell" | "control" | "iopub" | "stdin";
  msgType: string;
  content: unknown;
  parent: Partial<Header> | Record<string, never>;
  identities?: Identities;
  metadata?: Record<string, unknown>;
  buffers?: Uint8Array[];
  /** content and metadata as JSON text, serialised where the user's values are (see IoLink.send). */
  contentJson?: string;
  metadataJson?: string;
  /** transient.display_id of an update_display_data whose content is sent as JSON text. */
  displayId?: string;
  /** What the message counts in the output backlog (output-backlog.ts). */
  cost: number;
}

/** Several messages in one postMessage, sent by the io thread in order (see IoLink.hold). */
export interface SendBatch {
  t: "batch";
  messages: SendMessage[];
}

export type MainToIo = SendMessage | SendBatch | LiveRegistration | { t: "close" };

export type IoToMain =
  | { t: "ready"; ports: Record<string, string> }
  /** An interrupt for the busy main thread; seq is the io thread's interrupt count after it. */
  | { t: "interrupt"; seq: number }
  | { t: "shutdown"; restart: boolean }
  | { t: "log"; text: string };
