// execute_request: magics, compile, run, publish the result, record history, reply.
import type { KernelMessage } from "@jupyterlab/services";
import { types } from "node:util";
import { isDisplayHandle } from "../display/display.js";
import { toBundle } from "../display/mime-bundle.js";
import { errorOutcome, interruptedError, type ErrorOutcome, type Kernel, type Request } from "../kernel.js";
import { applyMagics, pagerTarget, startCellTimer, TIMEIT_COUNTER, timeitReport } from "./magics.js";
import { pageFor } from "./pager.js";
import { scriptForDebugger } from "../debugger/agent.js";
import { collectGarbage } from "../interrupt/memory-budget.js";

type Content = KernelMessage.IExecuteRequestMsg["content"];

/** How long a cell's reply waits for displays whose (async) render is still pending. */
const DISPLAY_SETTLE_MS = 30_000;

/** A compile at least this long is followed by an event-loop turn for a pending SIGINT. */
const SIGNAL_TURN_AFTER_MS = 20;

interface OkOutcome {
  status: "ok";
  payload: Record<string, unknown>[];
  /** text/plain of the execute_result, kept in history. */
  resultText: string | null;
}

export async function executeRequest(k: Kernel, req: Request): Promise<void> {
  const c = req.content as unknown as Content;
  const code = typeof c.code === "string" ? c.code : "";
  const silent = c.silent === true;
  const storeHistory = !silent && c.store_history !== false;
  if (storeHistory) k.executionCount++;
  const count = k.executionCount;
  if (!silent) k.publish("execute_input", { code, execution_count: count });
  k.io.flush(); // busy and execute_input reach the frontend while the cell compiles

  k.startCellDeclarations();
  let outcome = await runCell(k, code, count, silent, req.arrival);
  const overBudget = outcome.status === "error" && outcome.ename === "Interrupted" ? k.interrupts.memoryError(req.arrival, k.io.memoryBudget, k.io.heapLimit) : null;
  k.endCellDeclarations(overBudget !== null);
  if (overBudget !== null) {
    collectGarbage();
    outcome = errorOutcome(overBudget);
  }
  k.cellEnd.run(outcome.status === "ok" ? "ok" : outcome.ename === "Interrupted" ? "interrupt" : "error");
  const userExpressions = outcome.status === "ok" ? evaluateUserExpressions(k, c.user_expressions) : {};
  // The reply and idle go to the io thread together (with execute_result, held in runCell).
  k.io.hold();
  if (k.history !== null) {
    const history = k.history;
    const resultText = outcome.status === "ok" ? outcome.resultText : null;
    k.whenIdle(() => history.append(count, code, resultText));
  }
  if (outcome.status === "ok") {
    k.reply(req, "execute_reply", { status: "ok", execution_count: count, payload: outcome.payload, user_expressions: userExpressions }, { status: "ok" });
    return;
  }
  if (!silent) k.publish("error", { ename: outcome.ename, evalue: outcome.evalue, traceback: outcome.traceback });
  k.reply(req, "execute_reply", { ...outcome, execution_count: count, payload: [], user_expressions: {} }, { status: "error" });
  if (c.stop_on_error !== false) k.abortQueued();
}

async function runCell(k: Kernel, code: string, count: number, silent: boolean, arrival: number | undefined): Promise<OkOutcome | ErrorOutcome> {
  const ok = (resultText: string | null = null, payload: Record<string, unknown>[] = []): OkOutcome => ({ status: "ok", payload, resultText });
  const started = k.interrupts.startCell(arrival);
  if (started.stop) return errorOutcome(interruptedError());
  await k.ready;
  const compiler = k.compiler!;

  const target = pagerTarget(code);
  if (target !== null) return ok(null, [{ source: "page", data: pageFor(k, target), start: 0 }]);

  const magics = applyMagics(k, code);
  if ("error" in magics) return magics.error;
  if (magics.code.trim() === "") return ok();

  const seq = ++k.cellSeq;
  const compileStart = performance.now();
  const compiled = compiler.compile(magics.code, seq);
  if (!compiled.ok) return { status: "error", ename: compiled.ename, evalue: compiled.evalue, traceback: compiled.traceback };
  if (await k.interrupts.stopBeforeRun(arrival, started.before, performance.now() - compileStart, SIGNAL_TURN_AFTER_MS)) return errorOutcome(interruptedError());
  k.mapStack = compiled.mapStack;
  if (compiled.diagnostics.length > 0 && !silent) {
    k.stream("stderr", compiled.diagnostics.map((d) => `warning (${d.line}:${d.column}) TS${d.code}: ${d.message}\n`).join(""));
  }

  // From here the cell is committed whatever happens: the compiler may check the next one.
  compiler.running?.(seq);
  if (magics.timeit) return timeit(k, compiled, seq);

  let result: { value: unknown; hasValue: boolean };
  // %time / %%time: the run's CPU and wall time (compiling excluded), printed after its output.
  const timing = magics.time ? startCellTimer() : null;
  try {
    result = await k.run(scriptForDebugger(k.debugAgent, compiled.js, code, compiled), compiled.filename);
  } catch (e) {
    const report = timing?.();
    compiler.commit(seq);
    if (!isInterrupt(e)) {
      await k.settleDisplays(DISPLAY_SETTLE_MS);
      if (report !== undefined) k.stream("stdout", report);
    }
    return errorOutcome(e, (s) => compiled.mapStack(s));
  }
  const report = timing?.();
  compiler.commit(seq);
  if (!(await k.settleDisplays(DISPLAY_SETTLE_MS))) return errorOutcome(interruptedError());
  if (report !== undefined) k.stream("stdout", report);
  // A rejected Promise shown as the result already shows its rejection: not also "unhandled".
  if (types.isPromise(result.value)) Promise.prototype.then.call(result.value, undefined, () => undefined);
  if (silent || !result.hasValue || result.value === undefined) return ok();
  try {
    if (isDisplayHandle(result.value)) return ok();
    const shown = k.interrupts.stoppable(() => toBundle(result.value));
    if (shown === null) return errorOutcome(interruptedError());
    const data = await shown.value;
    k.io.hold(); // sent with the reply and idle
    k.publish("execute_result", { execution_count: count, data, metadata: {} });
    return ok(typeof data["text/plain"] === "string" ? data["text/plain"] : null);
  } catch (e) {
    // The cell ran; showing its value failed (a throwing inspect/toString/display hook).
    const o = errorOutcome(e, k.mapStack);
    return { ...o, traceback: [...o.traceback, "(raised while displaying the cell's result; the cell itself ran)"] };
  }
}

/** IPython's %timeit loop counts: 1, 2, 5, 10, 20, 50, … (autorange). */
const AUTORANGE = Array.from({ length: 10 }, (_, e) => [1, 2, 5].map((b) => b * 10 ** e)).flat();
const TIMEIT_MIN_S = 0.2;
const TIMEIT_RUNS = 7;

/**
 * %timeit: the compiled cell is a loop counting TIMEIT_COUNTER down (magics.ts). As IPython
 * does, the loop count grows until one run takes 0.2 s, then 7 runs of it give the time per
 * loop; nothing the cell declares outlives it, and it shows no result.
 */
async function timeit(k: Kernel, compiled: { js: string; filename: string; mapStack(s: string): string }, seq: number): Promise<OkOutcome | ErrorOutcome> {
  const global = k.context.global as Record<string, unknown>;
  const run = async (loops: number): Promise<number> => {
    if (k.interrupts.pending) throw interruptedError();
    global[TIMEIT_COUNTER] = loops;
    const t0 = performance.now();
    await k.run(compiled.js, compiled.filename);
    return (performance.now() - t0) / 1000;
  };
  try {
    let loops = 1;
    let took = 0;
    for (loops of AUTORANGE) if ((took = await run(loops)) >= TIMEIT_MIN_S) break;
    const perLoop = [took / loops];
    while (perLoop.length < TIMEIT_RUNS) perLoop.push((await run(loops)) / loops);
    k.stream("stdout", timeitReport(perLoop, loops));
    return { status: "ok", payload: [], resultText: null };
  } catch (e) {
    return errorOutcome(e, (s) => compiled.mapStack(s));
  } finally {
    k.compiler!.commit(seq);
  }
}

/** user_expressions are evaluated as JavaScript expressions in the cell context. */
function evaluateUserExpressions(k: Kernel, exprs: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof exprs !== "object" || exprs === null) return out;
  for (const [name, expr] of Object.entries(exprs as Record<string, unknown>)) {
    try {
      const value = k.context.evaluate(String(expr));
      const data = toBundle(value);
      if (data instanceof Promise) data.catch(() => undefined); // only its synchronous answer is used
      else JSON.stringify(data); // a BigInt or a cycle fails this expression, not the whole reply
      out[name] = data instanceof Promise ? { status: "ok", data: { "text/plain": "Promise" }, metadata: {} } : { status: "ok", data, metadata: {} };
    } catch (e) {
      const { ename, evalue, traceback } = errorOutcome(e);
      out[name] = { status: "error", ename, evalue, traceback };
    }
  }
  return out;
}

/** An interrupted cell does not wait for its displays: the user asked it to stop. */
function isInterrupt(e: unknown): boolean {
  // A thrown Proxy or getter-laden object may throw on any probe (instanceof too).
  if (!types.isNativeError(e)) return false;
  try {
    return e.name === "Interrupted" || (e as { code?: unknown }).code === "ERR_SCRIPT_EXECUTION_INTERRUPTED";
  } catch {
    return false;
  }
}
