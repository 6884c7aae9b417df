// A small Jupyter client over ZeroMQ: DEALER sockets for shell/control/stdin (sharing one
// routing id, as jupyter_client does, so input_request reaches us), SUB for iopub, REQ for
// heartbeat. Used by the kernel's integration tests and by `gradlab run`.
import { randomUUID } from "node:crypto";
import * as zmq from "zeromq";
import { endpoint, type ConnectionInfo } from "../transport/connection.js";
import { makeHeader } from "../transport/message.js";
import { SendQueue } from "../transport/send-queue.js";
import { Signer } from "../transport/signing.js";
import { decode, encode, type Header, type WireMessage } from "../transport/wire.js";

export type Message = WireMessage;

export interface ExecuteResult {
  reply: Message;
  /** iopub messages for this request between busy and idle (status messages excluded). */
  outputs: Message[];
}

interface Pending {
  reply?: Message;
  idle: boolean;
  outputs: Message[];
  onOutput?: (m: Message) => void;
  resolve: (r: ExecuteResult) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

export interface RequestOptions {
  /** Milliseconds until the request fails (default 30 s; Infinity: never). */
  timeoutMs?: number;
  onOutput?: (m: Message) => void;
  waitForIdle?: boolean;
  /** The header's date (default: now), for tests of requests that overtake one another. */
  date?: string;
  /** The header's msg_id (default: a fresh one), for a request another one names. */
  msgId?: string;
  metadata?: Record<string, unknown>;
}

export class KernelClient {
  readonly session = randomUUID();
  readonly signer: Signer;
  private readonly shell: zmq.Dealer;
  private readonly control: zmq.Dealer;
  private readonly stdin: zmq.Dealer;
  private readonly iopub: zmq.Subscriber;
  private hb: zmq.Request;
  private readonly queues: Record<"shell" | "control" | "stdin", SendQueue>;
  private readonly pending = new Map<string, Pending>();
  private closed = false;
  /** Every iopub message received, for tests that look at the raw stream. */
  readonly iopubLog: Message[] = [];
  /** Answers input_request messages; the default refuses with an empty string. */
  onInput: (prompt: string, password: boolean) => string | Promise<string> = () => "";

  constructor(readonly info: ConnectionInfo) {
    this.signer = new Signer(info.key);
    const routingId = `gradlab-client-${randomUUID()}`;
    // A kernel that is starting binds its sockets a moment after we connect: retry the
    // connection every 10 ms rather than ZeroMQ's 100, so its first reply is not held back.
    const options = { linger: 0, reconnectInterval: 10 };
    this.shell = new zmq.Dealer({ ...options, routingId });
    this.control = new zmq.Dealer({ ...options, routingId });
    this.stdin = new zmq.Dealer({ ...options, routingId });
    this.iopub = new zmq.Subscriber(options);
    this.hb = new zmq.Request({ linger: 0 });
    this.shell.connect(endpoint(info, "shell"));
    this.control.connect(endpoint(info, "control"));
    this.stdin.connect(endpoint(info, "stdin"));
    this.iopub.connect(endpoint(info, "iopub"));
    this.hb.connect(endpoint(info, "hb"));
    this.iopub.subscribe();
    const onErr = (e: unknown): void => {
      if (!this.closed) throw e;
    };
    this.queues = { shell: new SendQueue(this.shell, onErr), control: new SendQueue(this.control, onErr), stdin: new SendQueue(this.stdin, onErr) };
    void this.readReplies(this.shell);
    void this.readReplies(this.control);
    void this.readIopub();
    void this.readStdin();
  }

  /** Builds, signs and sends a request; returns its header (msg_id identifies the reply). */
  send(channel: "shell" | "control" | "stdin", msgType: string, content: unknown, parent: Partial<Header> = {}): Header {
    const header = makeHeader(msgType, this.session);
    void this.queues[channel].send(encode({ header, parent_header: parent, metadata: {}, content }, this.signer));
    return header;
  }

  /** Sends raw frames on a channel (hostile-input tests). */
  sendRaw(channel: "shell" | "control" | "stdin", frames: Buffer[]): Promise<void> {
    return this.queues[channel].send(frames);
  }

  /** Sends a request and resolves with its reply and the iopub output it caused. */
  request(channel: "shell" | "control", msgType: string, content: unknown, opts: RequestOptions = {}): Promise<ExecuteResult> {
    const header = makeHeader(msgType, this.session);
    if (opts.date !== undefined) header.date = opts.date;
    if (opts.msgId !== undefined) header.msg_id = opts.msgId;
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const p = new Promise<ExecuteResult>((resolve, reject) => {
      // (an infinite limit: the caller keeps the time itself, e.g. for a request queued behind another)
      const timer = Number.isFinite(timeoutMs) ? setTimeout(() => {
        this.pending.delete(header.msg_id);
        reject(new Error(`${msgType}: no ${p0.reply ? "idle status" : "reply"} within ${timeoutMs} ms`));
      }, timeoutMs) : undefined;
      const p0: Pending = { idle: opts.waitForIdle === false, outputs: [], onOutput: opts.onOutput, resolve, reject, timer };
      this.pending.set(header.msg_id, p0);
    });
    void this.queues[channel].send(encode({ header, parent_header: {}, metadata: opts.metadata ?? {}, content }, this.signer));
    return p;
  }

  execute(code: string, options: { silent?: boolean; storeHistory?: boolean; stopOnError?: boolean; allowStdin?: boolean; userExpressions?: Record<string, string> } & RequestOptions = {}): Promise<ExecuteResult> {
    return this.request(
      "shell",
      "execute_request",
      {
        code,
        silent: options.silent ?? false,
        store_history: options.storeHistory ?? true,
        user_expressions: options.userExpressions ?? {},
        allow_stdin: options.allowStdin ?? true,
        stop_on_error: options.stopOnError ?? true,
      },
      options,
    );
  }

  /**
   * Resolves with the first kernel_info_reply, re-sending the request every 200 ms (a kernel
   * that is still starting may miss early ones). iopub may not be subscribed yet: see
   * waitForIopub.
   */
  async waitForReady(timeoutMs = 30_000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    let first: Message | null = null;
    while (first === null) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`kernel not ready within ${timeoutMs} ms (no kernel_info_reply)`);
      const attempt = this.request("shell", "kernel_info_request", {}, { waitForIdle: false, timeoutMs: left });
      attempt.then((r) => (first ??= r.reply), () => undefined);
      await Promise.race([attempt.catch(() => undefined), new Promise((r) => setTimeout(r, 200))]);
    }
    return first;
  }

  /** Repeats kernel_info until its iopub status arrives too, so no later output is lost to a late subscription. */
  async waitForIopub(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.request("shell", "kernel_info_request", {}, { timeoutMs: 100 });
        return;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`no iopub status from the kernel within ${timeoutMs} ms: ${(e as Error).message}`);
      }
    }
  }

  /** One heartbeat round trip; resolves with its latency in ms or rejects after timeoutMs. */
  async ping(timeoutMs = 1000): Promise<number> {
    const t0 = performance.now();
    const payload = Buffer.from(randomUUID());
    const hb = this.hb;
    const answer = (async () => {
      await hb.send(payload);
      const [got] = await hb.receive();
      if (!got.equals(payload)) throw new Error("heartbeat echoed something else");
    })();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([answer, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no heartbeat within ${timeoutMs} ms`)), timeoutMs)))]);
    } catch (e) {
      // A REQ socket that missed its reply is stuck: replace it.
      answer.catch(() => undefined);
      this.hb.close();
      this.hb = new zmq.Request({ linger: 0 });
      this.hb.connect(endpoint(this.info, "hb"));
      throw e;
    } finally {
      clearTimeout(timer);
    }
    return performance.now() - t0;
  }

  private async readReplies(sock: zmq.Dealer): Promise<void> {
    try {
      for await (const frames of sock) {
        const msg = this.decodeOrNull(frames);
        if (msg === null) continue;
        const p = this.pending.get(String(msg.parent_header.msg_id));
        if (p === undefined) continue;
        p.reply = msg;
        this.settle(String(msg.parent_header.msg_id), p);
      }
    } catch (e) {
      if (!this.closed) throw e;
    }
  }

  private async readIopub(): Promise<void> {
    try {
      for await (const frames of this.iopub) {
        const msg = this.decodeOrNull(frames);
        if (msg === null) continue;
        this.iopubLog.push(msg);
        const id = String(msg.parent_header.msg_id);
        const p = this.pending.get(id);
        if (p === undefined) continue;
        if (msg.header.msg_type === "status") {
          if ((msg.content as { execution_state?: string }).execution_state === "idle") {
            p.idle = true;
            this.settle(id, p);
          }
          continue;
        }
        p.outputs.push(msg);
        p.onOutput?.(msg);
      }
    } catch (e) {
      if (!this.closed) throw e;
    }
  }

  private async readStdin(): Promise<void> {
    try {
      for await (const frames of this.stdin) {
        const msg = this.decodeOrNull(frames);
        if (msg === null || msg.header.msg_type !== "input_request") continue;
        const c = msg.content as { prompt?: string; password?: boolean };
        const value = await this.onInput(c.prompt ?? "", c.password === true);
        this.send("stdin", "input_reply", { value, status: "ok" }, msg.header);
      }
    } catch (e) {
      if (!this.closed) throw e;
    }
  }

  private settle(id: string, p: Pending): void {
    if (p.reply === undefined || !p.idle) return;
    clearTimeout(p.timer);
    this.pending.delete(id);
    p.resolve({ reply: p.reply, outputs: p.outputs });
  }

  private decodeOrNull(frames: Buffer[]): Message | null {
    try {
      return decode(frames, this.signer);
    } catch {
      return null;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error("client closed"));
    }
    this.pending.clear();
    for (const s of [this.shell, this.control, this.stdin, this.iopub, this.hb]) s.close();
  }
}
