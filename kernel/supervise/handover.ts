// What a kernel started by the supervisor (bin/gradlab-supervise.sh) leaves for the death
// reporter (death-report.ts): in a folder beside the connection file, a small file naming the
// execute requests it holds (parent header, binary routing identities, execution count),
// rewritten each time that set changes; and where V8 writes its fatal-error report, which says
// whether the heap ran out.
import { closeSync, mkdirSync, openSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Header } from "../transport/wire.js";

export interface HandoverPaths {
  /** A folder of the kernel's own (mode 0700) beside the connection file: `<connection file>.gradlab`. */
  dir: string;
  /** The execute requests the kernel holds (CellRecordFile), while it runs. */
  cells: string;
  /** Node's diagnostic report on a fatal error (process.report.reportOnFatalError; it lists the environment, hence the private folder). */
  fatalReport: string;
}

export function handoverPaths(connectionFile: string): HandoverPaths {
  const dir = `${connectionFile}.gradlab`;
  return { dir, cells: join(dir, "cells.json"), fatalReport: join(dir, "fatal-report.json") };
}

/** Creates the hand-over folder (private to the user) and points V8's fatal-error report into it. */
export function prepareHandover(paths: HandoverPaths): void {
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  process.report.reportOnFatalError = true;
  process.report.directory = dirname(paths.fatalReport);
  process.report.filename = basename(paths.fatalReport);
}

export function removeHandover(paths: HandoverPaths): void {
  rmSync(paths.dir, { recursive: true, force: true });
}

/**
 * Whether this process was started by the supervisor: it exports its own pid, so a kernel
 * started by a cell of a supervised kernel (its parent another node process) is not mistaken.
 */
export function supervised(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.GRADLAB_SUPERVISOR !== undefined && env.GRADLAB_SUPERVISOR === String(process.ppid);
}

export interface RecordedCell {
  header: Header;
  /** Routing identities, base64 (bytes end to end: decoded with Buffer.from(x, "base64")). */
  identities: string[];
  executionCount: number | null;
}

export interface CellRecordFile {
  /** The kernel's session id (header.session of what it sends). */
  session: string;
  /** The main thread's V8 heap limit in bytes. */
  heapLimit: number;
  /** Execute requests on shell not yet answered, in arrival order: the first one is running. */
  cells: RecordedCell[];
}

/**
 * The io thread's writer of the cells file. Each version is one write() at offset 0 of a file
 * kept open, padded with spaces (which JSON.parse skips) over the longest earlier one: a
 * process that dies is never inside a write() — the system call completes or never began —
 * so the file always holds one whole version. (write + rename costs ~1 ms on ext4, this ~10 µs.)
 */
export class CellRecord {
  private readonly cells: RecordedCell[] = [];
  private closed = false;
  private failed = false;
  private fd: number | null = null;
  private written = 0;

  constructor(
    private readonly path: string,
    private readonly session: string,
    private readonly heapLimit: number,
    private readonly log: (text: string) => void,
  ) {}

  arrive(header: Header, identities: readonly Uint8Array[]): void {
    this.cells.push({ header, identities: identities.map((id) => Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString("base64")), executionCount: null });
    this.write();
  }

  /** The execute_input of `msgId` went out with this count. */
  counted(msgId: string | undefined, count: unknown): void {
    const cell = this.cells.find((c) => c.header.msg_id === msgId);
    if (cell === undefined || typeof count !== "number") return;
    cell.executionCount = count;
    this.write();
  }

  /** The execute_reply of `msgId` went out. */
  answered(msgId: string | undefined): void {
    const i = this.cells.findIndex((c) => c.header.msg_id === msgId);
    if (i < 0) return;
    this.cells.splice(i, 1);
    this.write();
  }

  /** A shutdown was requested: a death from here on is no cell's error. */
  close(): void {
    this.closed = true;
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    removeQuietly(this.path);
  }

  private write(): void {
    if (this.closed || this.failed) return;
    const file: CellRecordFile = { session: this.session, heapLimit: this.heapLimit, cells: this.cells };
    try {
      this.fd ??= openSync(this.path, "w", 0o600);
      const json = Buffer.from(JSON.stringify(file));
      const text = json.length >= this.written ? json : Buffer.concat([json, Buffer.alloc(this.written - json.length, 0x20)]);
      writeSync(this.fd, text, 0, text.length, 0);
      this.written = text.length;
    } catch (e) {
      this.failed = true;
      this.log(`cannot write ${this.path} (${(e as Error).message}): a kernel death will not be reported on its cell`);
    }
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* not there */
  }
}
