// The cell compiler's own thread (see threaded-compiler.ts for why and for the protocol).
// Loads TypeScript (with the kernel's V8 code cache) and warms the compiler up while the main
// thread imports the prelude; then answers requests in order: each reply is posted on the
// port and the shared flag set to its request's id (waking a main thread waiting for it).
import { writeSync } from "node:fs";
import { createRequire } from "node:module";
import { receiveMessageOnPort, workerData, parentPort, type MessagePort } from "node:worker_threads";
import { useCodeCache } from "../startup/code-cache.js";
import { CellCompiler } from "./cell-compiler.js";
import type { CompilerAnswer, CompilerCall, CompilerRequest, CompilerThreadData, SpeculationMessage, SpeculationPortMessage } from "./compiler-protocol.js";

const data = workerData as CompilerThreadData;
const flag = new Int32Array(data.flag);

function trace(what: string): void {
  if (!data.trace) return;
  const cpu = process.cpuUsage();
  // In the main thread's clock, like kernel/main.ts's trace lines.
  const now = performance.timeOrigin + performance.now() - data.timeOrigin;
  writeSync(2, `[gradlab] ${now.toFixed(1)} ms (cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms): compiler thread: ${what}\n`);
}

const compiler = new CellCompiler(data.config);

function handle(req: CompilerCall): CompilerAnswer {
  switch (req.t) {
    case "compile": {
      const r = compiler.compile(req.code, req.executionCount);
      if (!r.ok) return { t: "compile", result: r };
      const { mapStack: _mapStack, ...rest } = r;
      return { t: "compile", result: rest };
    }
    case "commit":
      compiler.commit(req.executionCount);
      return { t: "done" };
    case "running":
      compiler.running(req.executionCount);
      return { t: "done" };
    case "setTypeCheck":
      compiler.setTypeCheck(req.on);
      return { t: "done" };
    case "complete":
      return { t: "complete", result: compiler.complete(req.code, req.cursorPos) };
    case "inspect":
      return { t: "inspect", result: compiler.inspect(req.code, req.cursorPos, req.detailLevel) };
    case "isComplete":
      return { t: "isComplete", result: compiler.isComplete(req.code) };
  }
}

/** The io thread's port for execute requests as they arrive (see onSpeculation). */
let speculations: MessagePort | undefined;
/**
 * Code of execute requests that arrived behind another (a frontend's "run all", `gradlab
 * run`): compiled one at a time, each while the cell before it runs (see compileAhead).
 */
const upcoming: string[] = [];

function onRequest(req: CompilerRequest | SpeculationPortMessage): void {
  if (req.t === "speculationPort") {
    speculations = req.port;
    speculations.on("message", onSpeculation);
    return;
  }
  if (req.t === "compile" && speculations !== undefined) {
    // What is still queued on the port comes after this cell, or is this cell (or an earlier
    // one): the cells up to this one are moot once it is compiled.
    for (let m = receiveMessageOnPort(speculations); m !== undefined; m = receiveMessageOnPort(speculations)) upcoming.push((m.message as SpeculationMessage).code);
    const at = upcoming.indexOf(req.code);
    if (at >= 0) upcoming.splice(0, at + 1);
  }
  let answer: CompilerAnswer;
  try {
    answer = handle(req);
  } catch (e) {
    answer = { t: "error", message: (e as Error).stack ?? String(e) };
  }
  data.port.postMessage({ ...answer, id: req.id });
  Atomics.store(flag, 0, req.id);
  Atomics.notify(flag, 0);
  // The cell compiled is now running on the main thread: do its commit's declaration work
  // meanwhile (a commit message arriving first simply does it itself).
  if (req.t === "compile" && answer.t === "compile" && answer.result.ok) {
    const count = req.executionCount;
    setImmediate(() => compiler.prepareCommit(count));
  }
  // (at once: a short cell's commit is often the very next message)
  if (req.t === "running") compileAhead();
}

/**
 * While a cell runs, compiles the one queued behind it (CellCompiler.speculateNext), so its
 * compile request finds the work done. A queued text that is the running cell's own (its
 * request reached this port late) is skipped; one that never gets compiled (a magic, say)
 * costs one wasted check and is gone.
 */
function compileAhead(): void {
  const running = compiler.runningCode;
  if (running === undefined || !compiler.awaitsNext) return;
  while (upcoming.length > 0 && upcoming[0] === running) upcoming.shift();
  const next = upcoming.shift();
  if (next !== undefined) compiler.speculateNext(next);
}

data.port.on("message", onRequest);

/**
 * An execute request the io thread saw arrive: compile it now (CellCompiler.speculate), so the
 * main thread's compile request, which follows, finds the work done. What the main thread
 * posted before is handled first — the previous cell's commit, posted before that cell's
 * reply, is already queued here — and if that includes this cell's compile, there is nothing
 * left to speculate on.
 */
function onSpeculation(m: SpeculationMessage): void {
  let compiled = false;
  for (let queued = receiveMessageOnPort(data.port); queued !== undefined; queued = receiveMessageOnPort(data.port)) {
    const req = queued.message as CompilerRequest;
    compiled ||= req.t === "compile";
    onRequest(req);
  }
  // Behind a running cell (or one compiled ahead and not yet asked for): compiled once the
  // cell before it runs.
  if (m.queued === true || compiler.runningCode !== undefined || compiler.hasSpeculation) {
    upcoming.push(m.code);
    compileAhead();
  } else if (!compiled) compiler.speculate(m.code);
}

trace("started");
const cache = data.codeCache ? useCodeCache(createRequire(import.meta.url).resolve("typescript")) : null;
let ready = false;
try {
  // Ready as soon as cells can be checked: a first cell waiting for it is answered at the next
  // yield of the rest of the warm-up.
  await compiler.warmUp(() => {
    ready = true;
    trace("ready to check cells");
    parentPort!.postMessage({ t: "ready" });
    // On a miss (the first start after an install or a build) the cache is written at ready,
    // so even a kernel shut down right after its first cell leaves one for the next start…
    cache?.save();
  }, trace);
  trace(`warmed up (TypeScript code cache: ${cache === null ? "off" : cache.hit ? "hit" : "miss"})`);
  // …and rewritten with what the rest of the warm-up compiled (completion, declaration emit).
  cache?.save();
} catch (e) {
  // After ready, a failing warm-up step only leaves some path cold.
  if (!ready) parentPort!.postMessage({ t: "failed", message: (e as Error).stack ?? String(e) });
}
