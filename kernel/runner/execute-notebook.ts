// Runs a notebook's code cells, in order, through a real gradlab kernel process over the
// Jupyter protocol (the same path a frontend takes), recording outputs into the notebook.
import { randomUUID } from "node:crypto";
import { dirname, resolve } from "node:path";
import { launchKernel, type LaunchedKernel } from "../client/launch.js";
import type { ExecuteResult, Message } from "../client/kernel-client.js";
import { joinSource, type CodeCell, type Notebook, type Output } from "./notebook.js";
import { OutputRecorder } from "./outputs.js";

export interface CellReport {
  /** 1-based position among all cells. */
  cellNumber: number;
  /** 1-based position among code cells. */
  codeIndex: number;
  codeCount: number;
  source: string;
  status: "ok" | "error" | "timeout";
  seconds: number;
  error?: Extract<Output, { output_type: "error" }>;
}

export interface ExecuteOptions {
  /** Per-cell limit in seconds. */
  timeoutSeconds?: number;
  /** Directory the kernel runs in (relative imports, data paths); default the notebook's. */
  cwd?: string;
  onCellStart?: (r: Omit<CellReport, "status" | "seconds">) => void;
  onCellDone?: (r: CellReport) => void;
  /** Kernel command override (tests); {connection_file} is replaced. */
  kernelArgv?: string[];
}

export interface ExecuteSummary {
  ok: boolean;
  cells: CellReport[];
  failed?: CellReport;
  kernelReadySeconds: number;
  totalSeconds: number;
}

/** A cell's execute request, sent ahead (see executeNotebook). */
interface Queued {
  msgId: string;
  /** iopub output that arrived before the cell became the current one */
  early: Message[];
  current: boolean;
  result: Promise<ExecuteResult>;
}

export async function executeNotebook(nb: Notebook, notebookPath: string, options: ExecuteOptions = {}): Promise<ExecuteSummary> {
  const t0 = performance.now();
  const timeoutMs = (options.timeoutSeconds ?? 600) * 1000;
  // GRADLAB_TRACE=1: the kernel's start-up trace goes to our stderr, where the user can see it.
  const inheritStderr = process.env.GRADLAB_TRACE === "1";
  const kernel: LaunchedKernel = await launchKernel({ cwd: options.cwd ?? dirname(resolve(notebookPath)), argv: options.kernelArgv, inheritStderr });
  const kernelReadySeconds = kernel.readyMs / 1000;
  const recorder = new OutputRecorder();
  const cells: CellReport[] = [];
  const codeCells = nb.cells.map((c, i) => [c, i + 1] as const).filter((p): p is readonly [CodeCell, number] => p[0].cell_type === "code");
  for (const [cell] of codeCells) {
    cell.outputs = [];
    cell.execution_count = null;
  }
  let failed: CellReport | undefined;
  // A kernel that dies mid-cell would otherwise look like a cell that never finishes.
  const died = new Promise<never>((_, reject) =>
    kernel.process.once("exit", (code, signal) => reject(new Error(`the kernel died (${signal ?? `exit code ${code}`})${kernel.stderr() ? `:\n${kernel.stderr()}` : ""}`))),
  );
  died.catch(() => undefined);
  // Every cell's request goes out at once, as a frontend's "run all" does, each naming the one
  // before it (the kernel runs it only if that one succeeded): the kernel's compiler checks
  // each cell while the one before it runs. Output is kept aside until its cell is the current one.
  const sources = codeCells.map(([cell]) => joinSource(cell.source));
  const send = (source: string, after: string | undefined): Queued => {
    const q: Queued = { msgId: randomUUID(), early: [], current: false, result: undefined! };
    const onOutput = (m: Message): void => {
      if (q.current) recorder.handle(m);
      else q.early.push(m);
    };
    q.result = kernel.client.execute(source, {
      timeoutMs: Infinity, onOutput, allowStdin: false, msgId: q.msgId, metadata: after === undefined ? {} : { gradlab: { after } },
    });
    q.result.catch(() => undefined); // requests still queued when the run stops
    return q;
  };
  const queued: Queued[] = [];
  for (let k = 0; k < codeCells.length; k++) queued.push(send(sources[k]!, queued[k - 1]?.msgId));
  try {
    for (let k = 0; k < codeCells.length; k++) {
      const [cell, cellNumber] = codeCells[k]!;
      const current = queued[k]!, source = sources[k]!;
      const base = { cellNumber, codeIndex: k + 1, codeCount: codeCells.length, source };
      options.onCellStart?.(base);
      recorder.begin(cell);
      current.current = true;
      for (const m of current.early.splice(0)) recorder.handle(m);
      const start = performance.now();
      let report: CellReport;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        if (Number.isFinite(timeoutMs)) timer = setTimeout(() => reject(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        const { reply } = await Promise.race([current.result, died, timedOut]);
        const content = reply.content as { status?: string; execution_count?: number; ename?: string; evalue?: string; traceback?: string[] };
        if (typeof content.execution_count === "number") cell.execution_count = content.execution_count;
        const seconds = (performance.now() - start) / 1000;
        if (content.status === "ok") {
          report = { ...base, status: "ok", seconds };
        } else {
          const shown = cell.outputs.find((o): o is Extract<Output, { output_type: "error" }> => o.output_type === "error");
          const error = shown ?? { output_type: "error" as const, ename: content.ename ?? "Error", evalue: content.evalue ?? "", traceback: content.traceback ?? [] };
          if (shown === undefined) cell.outputs.push(error);
          report = { ...base, status: "error", seconds, error };
        }
      } catch (e) {
        if (kernel.process.exitCode !== null || kernel.process.signalCode !== null) {
          const error = { output_type: "error" as const, ename: "KernelDied", evalue: (e as Error).message, traceback: [] };
          cell.outputs.push(error);
          report = { ...base, status: "error", seconds: (performance.now() - start) / 1000, error };
          recorder.end();
          cells.push(report);
          options.onCellDone?.(report);
          failed = report;
          break;
        }
        // No reply in time: interrupt so the kernel stops, then report the cell as timed out.
        await kernel.client.request("control", "interrupt_request", {}, { timeoutMs: 2000, waitForIdle: false }).catch(() => undefined);
        const error = { output_type: "error" as const, ename: "TimeoutError", evalue: `cell did not finish within ${timeoutMs / 1000} s (${(e as Error).message})`, traceback: [] };
        cell.outputs.push(error);
        report = { ...base, status: "timeout", seconds: (performance.now() - start) / 1000, error };
      } finally {
        clearTimeout(timer);
        recorder.end();
      }
      cells.push(report);
      options.onCellDone?.(report);
      if (report.status !== "ok") {
        failed = report;
        break;
      }
    }
  } finally {
    await kernel.shutdown();
  }
  return { ok: failed === undefined, cells, failed, kernelReadySeconds, totalSeconds: (performance.now() - t0) / 1000 };
}
