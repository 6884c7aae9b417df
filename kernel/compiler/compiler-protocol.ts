// Messages between the main thread and the compiler thread (threaded-compiler.ts).
import type { MessagePort } from "node:worker_threads";
import type { CompileResult, CompilerConfig } from "./cell-compiler.js";
import type { Completion, Inspection } from "./completion.js";
import type { IsCompleteResult } from "./is-complete.js";

export interface CompilerThreadData {
  config: CompilerConfig;
  /** Int32: the id of the latest request whose reply is on the port. */
  flag: SharedArrayBuffer;
  port: MessagePort;
  codeCache: boolean;
  trace: boolean;
  /** The main thread's performance.timeOrigin (trace lines use the main thread's clock). */
  timeOrigin: number;
}

export type CompilerCall =
  | { t: "compile"; code: string; executionCount: number }
  | { t: "commit"; executionCount: number }
  | { t: "running"; executionCount: number }
  | { t: "setTypeCheck"; on: boolean }
  | { t: "complete"; code: string; cursorPos: number }
  | { t: "inspect"; code: string; cursorPos: number; detailLevel: number }
  | { t: "isComplete"; code: string };

/** `id` numbers requests in order; the reply to each carries it. */
export type CompilerRequest = CompilerCall & { id: number };

/** A compile result as it crosses threads: without the mapStack function (rebuilt from `mappings`). */
export type TransferredCompileResult =
  | Omit<Extract<CompileResult, { ok: true }>, "mapStack">
  | Extract<CompileResult, { ok: false }>;

export type CompilerAnswer =
  | { t: "compile"; result: TransferredCompileResult }
  | { t: "complete"; result: Completion }
  | { t: "inspect"; result: Inspection }
  | { t: "isComplete"; result: IsCompleteResult }
  | { t: "done" }
  | { t: "error"; message: string };

export type CompilerReply = CompilerAnswer & { id: number };

/**
 * Hands the compiler thread the port on which the io thread passes on execute requests as they
 * arrive (CellCompiler.speculate). Posted without an id; nothing answers it.
 */
export interface SpeculationPortMessage { t: "speculationPort"; port: MessagePort }

/**
 * What the io thread posts on that port for each execute request: its code, and whether it
 * arrived while the main thread was busy (`queued`: it runs after the cell running now).
 */
export interface SpeculationMessage { code: string; queued?: boolean }

export type CompilerThreadEvent = { t: "ready" } | { t: "failed"; message: string };
