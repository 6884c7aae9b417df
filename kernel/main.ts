// Kernel start-up. The order matters for start-to-ready time: the io thread is spawned first
// (it binds the sockets and answers kernel_info on its own), then the main thread loads the
// cell compiler and the prelude in the background; only execution waits for those.
import { randomUUID } from "node:crypto";
import { writeSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { MessageChannel, type MessagePort } from "node:worker_threads";
import type { CellCompilerConstructor, CellCompilerLike } from "./execution/compiler-api.js";
import { IoLink } from "./io/io-link.js";
import type { Kernel } from "./kernel.js";
import { kernelInfo } from "./kernel-info.js";
import { readConnectionFile } from "./transport/connection.js";
import { exitProcess } from "./execution/process-guard.js";
import { resolveStart, startCompilerThread, trace, type StartOptions } from "./startup/start-options.js";
import { handoverPaths, prepareHandover, removeHandover, supervised } from "./supervise/handover.js";
// Everything else is imported after the io thread has been spawned (see startKernel).

export { defaultPrelude, trace } from "./startup/start-options.js";

export interface KernelOptions extends StartOptions {
  connectionFile: string;
  /** History file, or null to keep history in memory only. */
  historyPath?: string | null;
  /**
   * The compiler thread, when the caller started it already (the CLI does, before loading
   * this module) with startCompilerThread(resolveStart(these options), port1 of `speculation`).
   */
  compiler?: Promise<CellCompilerLike | null>;
  /** With `compiler`: the io thread's end of the channel on which it passes on execute requests. */
  speculation?: MessagePort;
}

async function loadCompiler(k: Kernel, preludeTypes: string | undefined, typeCheck: boolean): Promise<CellCompilerLike> {
  const { log } = await import("./kernel.js");
  // A variable specifier: the kernel builds and runs (as plain JavaScript) without kernel/compiler/.
  const spec = "./compiler/index.js";
  let Ctor: CellCompilerConstructor | null = null;
  try {
    Ctor = ((await import(spec)) as { CellCompiler: CellCompilerConstructor }).CellCompiler;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND") throw e;
    log("TypeScript cell compiler not found: cells run as plain JavaScript");
  }
  if (Ctor === null) {
    const { PlainCompiler } = await import("./execution/plain-compiler.js");
    PlainCompiler.install(k.context.context, (n, v) => k.context.define(n, v));
    return new PlainCompiler();
  }
  trace("compiler module loaded");
  const { useCodeCache } = await import("./startup/code-cache.js");
  const cache = process.env.GRADLAB_CODE_CACHE === "0" ? null : useCodeCache(createRequire(import.meta.url).resolve("typescript"));
  const compiler = new Ctor({ cwd: k.cwd, preludeTypes, typeCheck });
  await compiler.warmUp();
  trace(`compiler warmed up (TypeScript code cache: ${cache === null ? "off" : cache.hit ? "hit" : "miss"})`);
  cache?.save();
  return compiler;
}

async function loadPrelude(k: Kernel, path: string | null): Promise<void> {
  if (path === null) return;
  const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  trace(`prelude ${path} loaded`);
  for (const [name, value] of Object.entries(mod)) if (name !== "default") k.context.define(name, value);
}

/**
 * Under the supervisor (bin/gradlab-supervise.sh): V8's fatal errors (the heap running out)
 * leave a report for the death reporter, and the io thread records the cells it holds; an
 * orderly exit removes that record. Returns the record's path, or null when unsupervised.
 */
function superviseCells(connectionFile: string): string | null {
  if (!supervised()) return null;
  const paths = handoverPaths(connectionFile);
  try {
    prepareHandover(paths);
  } catch (e) {
    writeSync(2, `[gradlab] cannot create ${paths.dir} (${(e as Error).message}): a kernel death will not be reported on its cell\n`);
    return null;
  }
  process.on("exit", () => removeHandover(paths));
  return paths.cells;
}

export async function startKernel(options: KernelOptions): Promise<Kernel> {
  trace("kernel main loaded");
  const start = resolveStart(options);
  const { cwd, prelude, preludeTypes, typeCheck } = start;
  // The io thread and the compiler thread start first, in that order: the io thread binds the
  // sockets (a frontend polling for kernel_info retries every 100–200 ms: bound sooner, it is
  // answered at an earlier retry), and the compiler's warm-up is the longest path to the first
  // cell's result. The io thread passes on execute requests to the compiler thread as they
  // arrive. (A caller that started the compiler itself passes its end of that channel, if any.)
  let speculation = options.speculation;
  const channel = options.compiler === undefined ? new MessageChannel() : undefined;
  if (channel !== undefined) speculation = channel.port2;
  const connection = readConnectionFile(options.connectionFile);
  const session = randomUUID();
  const io = new IoLink(connection, session, kernelInfo(), speculation, superviseCells(options.connectionFile));
  // A shutdown may come before the kernel exists (start-up): no request is handled after it.
  let shutdown = false;
  let stopRequests = (): void => undefined;
  io.onShutdown = () => {
    shutdown = true;
    stopRequests();
    void io.close().then(() => exitProcess(0));
  };
  const threadedCompiler = options.compiler ?? startCompilerThread(start, channel!.port1);
  // The rest of the kernel loads once the sockets are bound: on 2 cores, the io thread's boot
  // and the compiler's warm-up come first (requests that arrive meanwhile wait in the IoLink).
  await io.ready.catch((e: Error) => {
    writeSync(2, `[gradlab] could not open the sockets: ${e.message}\n`);
    exitProcess(1);
  });
  trace("sockets bound");
  const [{ Kernel, log }, { handlers }, { HistoryStore }] = await Promise.all([import("./kernel.js"), import("./handlers/index.js"), import("./history/history-store.js")]);
  const kernel = new Kernel(io, cwd, handlers);
  stopRequests = () => void (kernel.shuttingDown = true);
  if (shutdown) stopRequests();
  kernel.typeCheck = typeCheck;

  // The compiler and prelude load while the io thread binds the sockets (it answers
  // kernel_info by itself); only requests that need them await `ready`.
  kernel.ready = (async () => {
    kernel.history = new HistoryStore(options.historyPath);
    const compilerLoaded = threadedCompiler.then((c) => c ?? loadCompiler(kernel, preludeTypes, typeCheck));
    const [compiler] = await Promise.all([compilerLoaded, loadPrelude(kernel, prelude)]);
    kernel.compiler = compiler;
  })();
  kernel.ready.catch((e: Error) => log(`start-up failed: ${e.stack ?? e}`));
  kernel.listen();
  return kernel;
}
