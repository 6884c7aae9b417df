// What a kernel start needs to know before anything heavy loads: where the prelude is, whether
// cells are type-checked, and the cell compiler's thread — started from here as early as
// possible (the CLI calls startCompilerThread before it even imports the rest of the kernel:
// the compiler's warm-up is the longest path to the first cell's result). Only Node built-ins
// are imported here.
import { existsSync, writeSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { MessagePort } from "node:worker_threads";
import type { CellCompilerLike } from "../execution/compiler-api.js";

export interface StartOptions {
  /** Module whose exports become cell globals; "none" for no prelude. */
  prelude?: string;
  cwd?: string;
  /** Start with type checking off. */
  noTypeCheck?: boolean;
}

export interface ResolvedStart {
  cwd: string;
  /** The prelude module's path, or null for none. */
  prelude: string | null;
  /** The prelude's declaration file, when it has one. */
  preludeTypes: string | undefined;
  typeCheck: boolean;
}

/** The default prelude: the visualizers' (whole lib API plus displays), else the bare lib. */
export function defaultPrelude(): string | null {
  for (const rel of ["../../visualizers/prelude.js", "../../lib/index.js"]) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  return null;
}

function preludeTypesFor(path: string | null): string | undefined {
  if (path === null) return undefined;
  const dts = path.replace(/\.(m?js)$/, (_, ext: string) => (ext === "mjs" ? ".d.mts" : ".d.ts"));
  return existsSync(dts) ? dts : undefined;
}

export function resolveStart(options: StartOptions): ResolvedStart {
  const requested = options.prelude ?? process.env.GRADLAB_PRELUDE;
  const prelude = requested === "none" ? null : requested !== undefined && requested !== "" ? requested : defaultPrelude();
  return {
    cwd: options.cwd ?? process.cwd(),
    prelude,
    preludeTypes: preludeTypesFor(prelude),
    typeCheck: !(options.noTypeCheck === true || process.env.GRADLAB_TYPECHECK === "off"),
  };
}

/**
 * V8 flags for the kernel process, set before its worker threads start (so their heaps get them):
 * - `--interrupt-budget`: the tier-up budget, 6× V8's default (67,584 bytes of bytecode run).
 *   The cell compiler runs much of TypeScript's JavaScript a few times per cell; with the
 *   default, TurboFan keeps optimizing its functions for hundreds of cells, on the cores the
 *   cells need, which makes every cell slower. User code that is actually hot — a training
 *   loop, a numeric loop — reaches TurboFan only a little later, and runs as fast.
 * - `--min-semi-space-size=16` (MB): the workers' young generation starts at its usual maximum
 *   instead of growing from 1 MB through dozens of scavenges while the compiler thread parses
 *   the ES library: the compiler is ready sooner, for a little more memory.
 * - `--experimental-wasm-relaxed-simd` (Node 20 only; later versions have it on): the compute
 *   backend then loads its relaxed-SIMD build, whose GEMM uses fused multiply-adds
 *   (lib/backend/wasm/runtime.ts picks the build by feature detection).
 * - `--harmony-weak-refs-with-cleanup-some --expose-gc`: the library sets these when it first
 *   needs them, mid-cell (LAZY_V8_FLAGS in lib/backend/wasm/collected.ts). Any flag changes
 *   V8's flag hash, and a TypeScript code cache saved after that change is rejected by every
 *   later start (it loads TypeScript before the library runs), so they are set here first.
 * The figures behind the first two are in README.md ("Performance") and `npm run bench:kernel`.
 * GRADLAB_V8_FLAGS replaces these flags ("" for V8's defaults).
 */
export const KERNEL_V8_FLAGS = "--interrupt-budget=405504 --min-semi-space-size=16 --harmony-weak-refs-with-cleanup-some --expose-gc" +
  (Number(process.versions.node.split(".")[0]) < 21 ? " --experimental-wasm-relaxed-simd" : "");

/** Applies KERNEL_V8_FLAGS (or GRADLAB_V8_FLAGS) to this process, before TypeScript loads. */
export async function tuneV8(): Promise<void> {
  const flags = process.env.GRADLAB_V8_FLAGS ?? KERNEL_V8_FLAGS;
  if (flags.trim() === "") return;
  const v8 = await import("node:v8");
  for (const flag of flags.trim().split(/\s+/)) v8.setFlagsFromString(flag);
}

/** GRADLAB_TRACE=1 logs start-up phases (ms since the process started) to stderr. */
export const tracing = process.env.GRADLAB_TRACE === "1";
export function trace(what: string): void {
  if (tracing) {
    const cpu = process.cpuUsage();
    // fd 2 directly: the kernel routes process.stderr to the notebook.
    writeSync(2, `[gradlab] ${performance.now().toFixed(1)} ms (cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms): ${what}\n`);
  }
}

/**
 * Starts the cell compiler in its own thread (kernel/compiler/threaded-compiler.ts), so its
 * warm-up overlaps with everything else the kernel does at start. Resolves to null when that
 * is off (GRADLAB_COMPILER_THREAD=0), not built, or fails (logged): the caller then compiles
 * on the main thread.
 */
export async function startCompilerThread(start: ResolvedStart, speculation?: MessagePort): Promise<CellCompilerLike | null> {
  if (process.env.GRADLAB_COMPILER_THREAD === "0") {
    speculation?.close(); // nothing to compile ahead with: the io thread's posts go nowhere
    return null;
  }
  // A variable specifier: the kernel builds and runs (as plain JavaScript) without kernel/compiler/.
  const spec = "../compiler/threaded-compiler.js";
  let Threaded: typeof import("../compiler/threaded-compiler.js").ThreadedCellCompiler;
  try {
    Threaded = ((await import(spec)) as typeof import("../compiler/threaded-compiler.js")).ThreadedCellCompiler;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND") throw e;
    speculation?.close();
    return null;
  }
  const { cwd, preludeTypes, typeCheck } = start;
  const compiler = new Threaded({ cwd, preludeTypes, typeCheck }, { codeCache: process.env.GRADLAB_CODE_CACHE !== "0", trace: tracing });
  // Attached at once: a first cell that arrives during the warm-up is compiled ahead, and
  // takes the place of the warm-up's sample cell.
  if (speculation !== undefined) compiler.attachSpeculation(speculation);
  trace("compiler thread started");
  try {
    await compiler.warmUp();
  } catch (e) {
    try {
      writeSync(2, `[gradlab] ${(e as Error).message.split("\n")[0]}; compiling on the main thread instead\n`);
    } catch {
      /* stderr closed */
    }
    return null;
  }
  trace("compiler thread ready");
  return compiler;
}
