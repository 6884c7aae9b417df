// The death reporter: the supervisor (bin/gradlab-supervise.sh) runs it after the kernel
// process ended with a non-zero status. If a cell was running, its client gets what a failed
// cell gets — an `error` on iopub, an `execute_reply` with status error on shell to its own
// routing identities, then `status: idle` — signed with the connection key, parented to the
// execute_request; requests queued behind it get an "aborted" reply. Then it exits, the shell
// exits with the kernel's status, and the frontend restarts the kernel.
//
// The ports are only borrowed: the reporter runs inside the process the frontend watches (the
// shell), so no restart starts before it has gone; it binds shell and iopub only, gives up if
// they are taken, and is done within REPORT_MS. The clients' sockets reconnect to the same
// ports (ZeroMQ retries every 100 ms): iopub is an XPUB that waits for a subscription before
// publishing (a SUB's messages sent earlier are lost), and shell a ROUTER with
// ZMQ_ROUTER_MANDATORY that retries a reply until the client's DEALER is back.
import { readFileSync, writeSync } from "node:fs";
import { constants } from "node:os";
import * as zmq from "zeromq";
import { endpoint, readConnectionFile, type ConnectionInfo } from "../transport/connection.js";
import { makeHeader } from "../transport/message.js";
import { Signer } from "../transport/signing.js";
import { encode, type Header } from "../transport/wire.js";
import { handoverPaths, removeHandover, type CellRecordFile, type RecordedCell } from "./handover.js";

/** The whole report, from binding to closing, ends within this. */
export const REPORT_MS = 2000;
/** After the first subscription, other frontends' SUB sockets get this long to reconnect too. */
const MORE_SUBSCRIBERS_MS = 150;

function log(text: string): void {
  try {
    writeSync(2, `[gradlab supervisor] ${text}\n`);
  } catch {
    /* stderr closed */
  }
}

/** The part of Node's diagnostic report (process.report) that names a fatal error. */
export interface FatalReport {
  header?: { event?: string; trigger?: string };
}

export interface Cause {
  ename: string;
  evalue: string;
}

const signalName = (n: number): string | undefined => Object.entries(constants.signals).find(([, v]) => v === n)?.[0];

/**
 * Why the kernel died, in the words of an error on the cell. `status` is the shell's: 128+N
 * for signal N. V8 aborts (SIGABRT) on a fatal error; its report says which.
 */
export function describeDeath(status: number, fatal: FatalReport | null, heapLimit: number): Cause {
  const event = fatal?.header?.event ?? "";
  const signal = status > 128 ? signalName(status - 128) : undefined;
  if (fatal?.header?.trigger === "OOMError" || /heap out of memory/i.test(event)) {
    const mb = Math.round(heapLimit / 2 ** 20);
    return {
      ename: "MemoryError",
      evalue: `the kernel ran out of JavaScript heap (limit ${mb} MB) while running this cell; it will restart, and every variable is lost. ` +
        `One allocation took more than the heap had left (gradlab install --max-heap SIZE raises the limit)`,
    };
  }
  if (event !== "") return { ename: "KernelDied", evalue: `the kernel hit a fatal error (${event}) while running this cell; it will restart, and every variable is lost` };
  if (signal !== undefined) {
    const hint = signal === "SIGKILL" ? " (by the system's out-of-memory killer, or another process)" : "";
    return { ename: "KernelDied", evalue: `the kernel process was killed by ${signal}${hint} while running this cell; it will restart, and every variable is lost` };
  }
  return { ename: "KernelDied", evalue: `the kernel process exited with status ${status} while running this cell; it will restart, and every variable is lost` };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readJson<T>(path: string): T | null {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    return null;
  }
}

class Reporter {
  private readonly signer: Signer;
  private readonly iopub = new zmq.XPublisher();
  private readonly shell = new zmq.Router();
  private readonly deadline = Date.now() + REPORT_MS;

  constructor(
    private readonly connection: ConnectionInfo,
    private readonly session: string,
  ) {
    this.signer = new Signer(connection.key);
    for (const s of [this.iopub, this.shell]) s.linger = 300;
    this.shell.mandatory = true;
  }

  private frames(msgType: string, content: unknown, parent: Header, identities: Buffer[] = []): Buffer[] {
    return encode({ identities, header: makeHeader(msgType, this.session), parent_header: parent, metadata: {}, content }, this.signer);
  }

  async bind(): Promise<void> {
    await Promise.all([this.iopub.bind(endpoint(this.connection, "iopub")), this.shell.bind(endpoint(this.connection, "shell"))]);
  }

  /** Waits (bounded) until a frontend's SUB socket has subscribed again. */
  async subscribers(): Promise<boolean> {
    const wait = this.deadline - Date.now() - 500;
    if (wait <= 0) return false;
    this.iopub.receiveTimeout = wait;
    try {
      await this.iopub.receive();
    } catch {
      return false;
    }
    await new Promise((r) => setTimeout(r, MORE_SUBSCRIBERS_MS));
    return true;
  }

  async publish(msgType: string, content: unknown, parent: Header): Promise<void> {
    await this.iopub.send(this.frames(msgType, content, parent));
  }

  /** Sends on shell to `cell`'s client, retrying while its DEALER has not reconnected. */
  async reply(cell: RecordedCell, content: unknown): Promise<boolean> {
    const frames = this.frames("execute_reply", content, cell.header, cell.identities.map((id) => Buffer.from(id, "base64")));
    for (;;) {
      try {
        await this.shell.send(frames);
        return true;
      } catch (e) {
        if ((e as { code?: string }).code !== "EHOSTUNREACH" || Date.now() > this.deadline) return false;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  close(): void {
    this.iopub.close();
    this.shell.close();
  }
}

/**
 * `gradlab kernel-died STATUS died|stopped NODE GRADLAB_JS kernel --connection-file FILE …`
 * (from the supervisor). "stopped": the frontend stopped the kernel (SIGTERM or SIGHUP to the
 * process group): only the hand-over files are removed.
 */
export async function reportDeath(args: string[]): Promise<void> {
  const started = Date.now();
  const [statusText, how, ...kernelArgv] = args;
  const status = Number(statusText);
  const i = kernelArgv.findIndex((a) => a === "--connection-file" || a === "-f");
  const connectionFile = i >= 0 ? kernelArgv[i + 1] : kernelArgv.find((a) => a.startsWith("--connection-file="))?.slice("--connection-file=".length);
  if (connectionFile === undefined) return log(`the kernel exited with status ${statusText}; no --connection-file in its arguments, nothing reported`);
  const paths = handoverPaths(connectionFile);
  const record = readJson<CellRecordFile>(paths.cells);
  const fatal = readJson<FatalReport>(paths.fatalReport);
  removeHandover(paths);
  if (how === "stopped") return;
  // The kernel's watchdog ends a kernel whose frontend is gone: nobody to tell.
  const frontend = Number(process.env.GRADLAB_PARENT_PID);
  if (frontend > 1 && !alive(frontend)) return log(`the kernel exited (status ${status}): the process that started it (${frontend}) is gone`);
  const running = record?.cells[0];
  const cause = describeDeath(status, fatal, record?.heapLimit ?? 0);
  log(`the kernel died (exit status ${status}${fatal?.header?.event ? `: ${fatal.header.event}` : ""}); ${running === undefined ? "no cell was running" : `reporting on cell ${running.header.msg_id}`}`);
  if (record === null || running === undefined) return;
  let reporter: Reporter | null = null;
  try {
    reporter = new Reporter(readConnectionFile(connectionFile), record.session);
    await reporter.bind();
  } catch (e) {
    // A restarted kernel has the ports already, or the connection file is gone: give up quietly.
    reporter?.close();
    return log(`cannot report on the cell: ${(e as Error).message}`);
  }
  try {
    if (!(await reporter.subscribers())) log("no frontend subscribed to iopub again in time: the error goes out unseen");
    const traceback = [`\x1b[0;31m${cause.ename}\x1b[0m: ${cause.evalue}`];
    await reporter.publish("error", { ...cause, traceback }, running.header);
    const replied = await reporter.reply(running, { status: "error", execution_count: running.executionCount, ...cause, traceback });
    await reporter.publish("status", { execution_state: "idle" }, running.header);
    for (const queued of record.cells.slice(1)) {
      await reporter.publish("status", { execution_state: "busy" }, queued.header);
      await reporter.reply(queued, { status: "aborted", execution_count: null });
      await reporter.publish("status", { execution_state: "idle" }, queued.header);
    }
    log(replied ? `answered the cell in ${Date.now() - started} ms (${cause.ename})` : "the client did not reconnect to shell in time: no execute_reply reached it");
  } finally {
    reporter.close();
  }
}
