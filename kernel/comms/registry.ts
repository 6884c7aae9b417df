// Jupyter comms: paired objects in the kernel and the frontend exchanging messages. The
// registry is exposed to user code and libraries as the `comms` global and at
// globalThis[Symbol.for("gradlab.comms")]:
//   comms.registerTarget(name, (comm, data) => { comm.onMsg((data, msg) => …) })  // frontend opens
//   const c = comms.open(name, data?)  // kernel opens; c.send(data), c.close()
import { randomUUID } from "node:crypto";
import { inspect } from "node:util";

export interface CommMessage {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  buffers: Uint8Array[];
}

/** Publishes comm_open / comm_msg / comm_close on iopub. */
export interface CommSink {
  publish(msgType: "comm_open" | "comm_msg" | "comm_close", content: Record<string, unknown>, metadata?: Record<string, unknown>, buffers?: Uint8Array[]): void;
  reportError(e: unknown): void;
}

export type MsgHandler = (data: Record<string, unknown>, msg: CommMessage) => void;
export type TargetHandler = (comm: Comm, data: Record<string, unknown>, msg: CommMessage) => void;

export class Comm {
  private msgHandlers: MsgHandler[] = [];
  private closeHandlers: MsgHandler[] = [];
  closed = false;

  constructor(
    readonly id: string,
    readonly targetName: string,
    private readonly registry: CommRegistry,
  ) {}

  send(data: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}, buffers: Uint8Array[] = []): void {
    if (this.closed) throw new Error(`comm ${this.id} (${this.targetName}): send after close`);
    this.registry.sink.publish("comm_msg", { comm_id: this.id, data }, metadata, buffers);
  }

  close(data: Record<string, unknown> = {}): void {
    if (this.closed) return;
    this.closed = true;
    this.registry.forget(this.id);
    this.registry.sink.publish("comm_close", { comm_id: this.id, data });
  }

  onMsg(handler: MsgHandler): void {
    this.msgHandlers.push(handler);
  }

  onClose(handler: MsgHandler): void {
    this.closeHandlers.push(handler);
  }

  /** @internal a comm_msg from the frontend */
  deliver(msg: CommMessage): void {
    for (const h of this.msgHandlers) this.registry.guard(() => h(msg.data, msg));
  }

  /** @internal a comm_close from the frontend */
  closedRemotely(msg: CommMessage): void {
    this.closed = true;
    for (const h of this.closeHandlers) this.registry.guard(() => h(msg.data, msg));
  }
}

export class CommRegistry {
  private readonly targets = new Map<string, TargetHandler>();
  private readonly comms = new Map<string, Comm>();

  constructor(readonly sink: CommSink) {}

  registerTarget(name: string, handler: TargetHandler): void {
    if (typeof name !== "string" || typeof handler !== "function") throw new TypeError(`comms.registerTarget: expected (name: string, handler: function), got (${inspect(name, { depth: 0 })}, ${typeof handler})`);
    this.targets.set(name, handler);
  }

  unregisterTarget(name: string): void {
    this.targets.delete(name);
  }

  /** `id`: the comm's id when the caller needs it before comm_open goes out (a widget registers it with the io thread first). */
  open(targetName: string, data: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}, buffers: Uint8Array[] = [], id: string = randomUUID()): Comm {
    if (typeof targetName !== "string") throw new TypeError(`comms.open: target name must be a string, got ${inspect(targetName, { depth: 0 })}`);
    if (this.comms.has(id)) throw new Error(`comms.open: a comm with id ${id} is already open`);
    const comm = new Comm(id, targetName, this);
    this.comms.set(comm.id, comm);
    this.sink.publish("comm_open", { comm_id: comm.id, target_name: targetName, data }, metadata, buffers);
    return comm;
  }

  get(id: string): Comm | undefined {
    return this.comms.get(id);
  }

  /** comm_info_reply's `comms`, optionally only those of one target. */
  info(targetName?: string): Record<string, { target_name: string }> {
    const out: Record<string, { target_name: string }> = {};
    for (const c of this.comms.values()) if (targetName === undefined || c.targetName === targetName) out[c.id] = { target_name: c.targetName };
    return out;
  }

  /** The frontend opened a comm. Unknown targets are closed straight back, as ipykernel does. */
  handleOpen(content: { comm_id?: unknown; target_name?: unknown; data?: unknown }, msg: CommMessage): void {
    const id = String(content.comm_id ?? "");
    const target = String(content.target_name ?? "");
    const handler = this.targets.get(target);
    if (id === "") return;
    if (handler === undefined) {
      this.sink.publish("comm_close", { comm_id: id, data: {} });
      return;
    }
    const comm = new Comm(id, target, this);
    this.comms.set(id, comm);
    this.guard(() => handler(comm, msg.data, msg));
  }

  handleMsg(content: { comm_id?: unknown }, msg: CommMessage): void {
    this.comms.get(String(content.comm_id))?.deliver(msg);
  }

  handleClose(content: { comm_id?: unknown }, msg: CommMessage): void {
    const id = String(content.comm_id);
    const comm = this.comms.get(id);
    if (comm === undefined) return;
    this.comms.delete(id);
    comm.closedRemotely(msg);
  }

  /** @internal */
  forget(id: string): void {
    this.comms.delete(id);
  }

  /** @internal handlers are user code: their errors are reported, never allowed to kill the kernel */
  guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.sink.reportError(e);
    }
  }
}
