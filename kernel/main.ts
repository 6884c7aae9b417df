// Kernel start-up. The order matters for start-to-ready time: the io thread is spawned first
// (it binds the sockets and answers kernel_info on its own), then the main thread loads the
// cell compiler and the prelude in the background; only execution waits for those.
import { randomUUID } from "node:crypto";
import { existsSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { CellCompilerConstructor, CellCompilerLike } from "./execution/compiler-api.js";
import { IoLink } from "./io/io-link.js";
import type { Kernel } from "./kernel.js";
import { kernelInfo } from "./kernel-info.js";
import { readConnectionFile } from "./transport/connection.js";
import { exitProcess } from "./execution/process-guard.js";
// Everything else is imported after the io thread has been spawned (see startKernel).

export interface KernelOptions {
  connectionFile: string;
  /** Module whose exports become cell globals; "none" for no prelude. */
  prelude?: string;
  cwd?: string;
  /** Start with type checking off. */
  noTypeCheck?: boolean;
  /** History file, or null to keep history in memory only. */
  historyPath?: string | null;
}

/** The default prelude: the visualizers' (whole lib API plus displays), else the bare lib. */
export function defaultPrelude(): string | null {
  for (const rel of ["../visualizers/prelude.js", "../lib/index.js"]) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  return null;
}

/** GRADLAB_TRACE=1 logs start-up phases (ms since the process started) to stderr. */
const tracing = process.env.GRADLAB_TRACE === "1";
export function trace(what: string): void {
  if (tracing) {
    const cpu = process.cpuUsage();
    // fd 2 directly: the kernel routes process.stderr to the notebook.
    writeSync(2, `[gradlab] ${performance.now().toFixed(1)} ms (cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms): ${what}\n`);
  }
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

/**
 * Starts the cell compiler in its own thread (kernel/compiler/threaded-compiler.ts), so its
 * warm-up overlaps with everything else the kernel does at start. Resolves to null when that
 * is off (GRADLAB_COMPILER_THREAD=0), not built, or fails: the caller then compiles on the
 * main thread.
 */
async function startCompilerThread(cwd: string, preludeTypes: string | undefined, typeCheck: boolean): Promise<CellCompilerLike | null> {
  if (process.env.GRADLAB_COMPILER_THREAD === "0") return null;
  const spec = "./compiler/threaded-compiler.js";
  let Threaded: typeof import("./compiler/threaded-compiler.js").ThreadedCellCompiler;
  try {
    Threaded = ((await import(spec)) as typeof import("./compiler/threaded-compiler.js")).ThreadedCellCompiler;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND") throw e;
    return null;
  }
  const compiler = new Threaded({ cwd, preludeTypes, typeCheck }, { codeCache: process.env.GRADLAB_CODE_CACHE !== "0", trace: tracing });
  trace("compiler thread started");
  try {
    await compiler.warmUp();
  } catch (e) {
    const { log } = await import("./kernel.js");
    log(`${(e as Error).message.split("\n")[0]}; compiling on the main thread instead`);
    return null;
  }
  trace("compiler thread ready");
  return compiler;
}

async function loadPrelude(k: Kernel, path: string | null): Promise<void> {
  if (path === null) return;
  const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  trace(`prelude ${path} loaded`);
  for (const [name, value] of Object.entries(mod)) if (name !== "default") k.context.define(name, value);
}

function preludeTypesFor(path: string | null): string | undefined {
  if (path === null) return undefined;
  const dts = path.replace(/\.(m?js)$/, (_, ext: string) => (ext === "mjs" ? ".d.mts" : ".d.ts"));
  return existsSync(dts) ? dts : undefined;
}

export async function startKernel(options: KernelOptions): Promise<Kernel> {
  trace("kernel main loaded");
  const connection = readConnectionFile(options.connectionFile);
  const session = randomUUID();
  const cwd = options.cwd ?? process.cwd();
  const requested = options.prelude ?? process.env.GRADLAB_PRELUDE;
  const prelude = requested === "none" ? null : requested !== undefined && requested !== "" ? requested : defaultPrelude();
  const typeCheck = !(options.noTypeCheck === true || process.env.GRADLAB_TYPECHECK === "off");
  // First: the compiler's warm-up is the longest path to the first cell's result.
  const threadedCompiler = startCompilerThread(cwd, preludeTypesFor(prelude), typeCheck);
  const io = new IoLink(connection, session, kernelInfo());
  io.onShutdown = () => {
    void io.close().then(() => exitProcess(0));
  };
  // The io thread boots (and answers kernel_info) while the rest of the kernel loads here.
  const [{ Kernel, log }, { handlers }, { HistoryStore }] = await Promise.all([import("./kernel.js"), import("./handlers/index.js"), import("./history/history-store.js")]);
  const kernel = new Kernel(io, cwd, handlers);
  kernel.typeCheck = typeCheck;

  // The compiler and prelude load while the io thread binds the sockets (it answers
  // kernel_info by itself); only requests that need them await `ready`.
  kernel.ready = (async () => {
    kernel.history = new HistoryStore(options.historyPath);
    const compilerLoaded = threadedCompiler.then((c) => c ?? loadCompiler(kernel, preludeTypesFor(prelude), typeCheck));
    const [compiler] = await Promise.all([compilerLoaded, loadPrelude(kernel, prelude)]);
    kernel.compiler = compiler;
  })();
  kernel.ready.catch((e: Error) => log(`start-up failed: ${e.stack ?? e}`));
  await io.ready.catch((e: Error) => {
    log(`could not open the sockets: ${e.message}`);
    exitProcess(1);
  });
  trace("sockets bound");
  return kernel;
}
