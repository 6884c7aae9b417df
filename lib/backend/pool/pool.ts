// A pool of worker_threads running the exports of a WebAssembly module on one shared
// memory (a PoolTarget: the wasm backend passes its runtime; this folder knows nothing else
// of it). Synchronous from the caller's view: `run` posts one job per
// worker through SharedArrayBuffer control words (no postMessage per op), runs the first
// part inline on the calling thread, takes back parts no worker has started yet, then
// waits until all parts are done (polling briefly, then Atomics.wait). Ranges can be split into chunks that
// the threads claim from a shared counter (Chunking), which balances the load when some
// cores are busy with other processes.
// Workers are spawned lazily (first parallel op), unref'd (they never keep the process
// alive) and replaced when one dies; waits are bounded, so no op can hang.

import { Worker } from "node:worker_threads";
import { availableParallelism } from "node:os";
import { WORKER_SOURCE } from "./worker-source.js";

/**
 * What the pool runs: a compiled module, the shared WebAssembly.Memory every instance
 * imports as env.memory, and the calling thread's own instance's exports.
 */
export interface PoolTarget {
  readonly module: object;
  readonly memory: object;
  readonly exports: { [name: string]: (...args: number[]) => number | void };
}

/** Control-word layout shared with worker-source.ts. */
const L = {
  REMAINING: 0, // parts not yet finished by workers
  // chunked ops (see Chunking): next chunk to claim, chunk count (0: not chunked), which
  // arguments hold the range, chunk size, range end
  NEXT: 1, CHUNKS: 2, START_ARG: 3, END_ARG: 4, CHUNK: 5, TOTAL: 6,
  // microseconds a worker polls its SEQ word after a job before it sleeps (see spinMicros)
  SPIN_US: 7,
  HEADER: 16,
  SLOT: 16, // Int32 words per worker: SEQ, STATUS, FN, NARGS, GEN
  SEQ: 0, STATUS: 1, FN: 2, NARGS: 3, GEN: 4,
  MAX_ARGS: 32,
  ERR_BYTES: 256,
  IDLE: 0, POSTED: 1, RUNNING: 2, DONE: 3, FAILED: 4, DEAD: 5,
} as const;
const MAX_WORKERS = 255;
const DEFAULT_SPIN_US = 200;

/**
 * Dynamic split of a range argument: instead of one fixed share each, every thread claims
 * chunks [c*size, min(total, (c+1)*size)) from a shared counter until none are left, written
 * into its argument list at startArg/endArg. On a machine whose cores are also busy with
 * other work, the threads that do get to run take the chunks the others cannot.
 */
export interface Chunking {
  startArg: number;
  endArg: number;
  size: number;
  total: number;
}

export class PoolError extends Error {}

export class WorkerPool {
  private readonly rt: PoolTarget;
  private readonly names: string[];
  private readonly ctrl = new SharedArrayBuffer((L.HEADER + MAX_WORKERS * L.SLOT) * 4);
  private readonly args = new SharedArrayBuffer(MAX_WORKERS * L.MAX_ARGS * 8);
  private readonly errors = new SharedArrayBuffer(MAX_WORKERS * L.ERR_BYTES);
  private readonly i32 = new Int32Array(this.ctrl);
  private readonly f64 = new Float64Array(this.args);
  private readonly workers: (Worker | null)[] = [];
  private threads = Math.max(1, availableParallelism());
  /** Jobs were posted and their completion not yet seen (see drain). */
  private inFlight = false;
  /** Upper bound on one op's wait, on top of a work-based allowance the caller passes. */
  timeoutMs = 30_000;

  constructor(rt: PoolTarget) {
    this.rt = rt;
    this.spinMicros = DEFAULT_SPIN_US;
    this.names = [...Object.keys(rt.exports).filter((k) => typeof rt.exports[k] === "function"), "__crash__", "__hang__", "__probe__"];
  }

  /** Threads an op may use, counting the calling thread. */
  get numThreads(): number {
    return this.threads;
  }

  set numThreads(n: number) {
    if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS + 1) {
      throw new Error(`setNumThreads: expected an integer in [1, ${MAX_WORKERS + 1}], got ${n}`);
    }
    this.threads = n;
    for (let w = n - 1; w < this.workers.length; w++) this.retire(w);
    this.workers.length = Math.min(this.workers.length, n - 1);
  }

  /**
   * How long a thread polls before it sleeps in Atomics.wait: a worker after its job (the next
   * op of a training step usually comes sooner), and the calling thread while the workers
   * finish. Waking a sleeping thread takes tens of microseconds on a loaded machine, which is
   * what a small GEMM's split saves; polling for a bounded time, as OpenMP runtimes do, makes
   * the split pay off at smaller sizes. 0: sleep at once.
   */
  get spinMicros(): number {
    return Atomics.load(this.i32, L.SPIN_US);
  }

  set spinMicros(us: number) {
    if (!Number.isInteger(us) || us < 0) throw new Error(`spinMicros: expected a non-negative integer, got ${us}`);
    Atomics.store(this.i32, L.SPIN_US, us);
  }

  /** Workers currently started (for getBackendInfo and tests). */
  get liveWorkers(): number {
    return this.workers.filter((w) => w !== null).length;
  }

  /**
   * Runs the wasm export `fn` once per entry of `parts` (argument lists), in parallel:
   * parts[0] on the calling thread, parts[i] on worker i-1. Throws (after replacing the
   * worker) if a worker dies, traps, or does not finish within the time limit.
   */
  run(op: string, fn: string, parts: number[][], extraMs = 0, chunking: Chunking | null = null): void {
    // "__crash__"/"__hang__" are fault injection for the tests (workers exit or spin forever),
    // "__probe__" an empty job for bench/thresholds.ts; the calling thread does nothing.
    const exp = fn.startsWith("__") ? () => {} : this.rt.exports[fn];
    if (!exp) throw new Error(`${op}: wasm kernel ${fn} missing from the module`);
    const jobs = parts.length - 1;
    if (jobs > MAX_WORKERS) throw new Error(`${op}: ${parts.length} parts exceed the pool size`);
    if (parts.some((a) => a.length > L.MAX_ARGS)) throw new Error(`${op}: too many kernel arguments`);
    const fnIndex = this.names.indexOf(fn);
    if (this.inFlight) this.drain();
    const chunks = chunking ? Math.ceil(chunking.total / chunking.size) : 0;
    const runPart = (a: number[]) => {
      if (!chunking) return void exp(...a);
      for (;;) {
        const c = Atomics.add(this.i32, L.NEXT, 1);
        if (c >= chunks) return;
        a[chunking.startArg] = c * chunking.size;
        a[chunking.endArg] = Math.min(chunking.total, (c + 1) * chunking.size);
        exp(...a);
      }
    };
    Atomics.store(this.i32, L.NEXT, 0);
    Atomics.store(this.i32, L.CHUNKS, chunks);
    if (chunking) {
      this.i32[L.START_ARG] = chunking.startArg;
      this.i32[L.END_ARG] = chunking.endArg;
      this.i32[L.CHUNK] = chunking.size;
      this.i32[L.TOTAL] = chunking.total;
    }
    if (jobs > 0 && !this.ensureWorkers(jobs)) {
      // no threads to be had (resource limits): same results, one part after another
      for (const a of parts) runPart([...a]);
      return;
    }
    if (jobs > 0) {
      this.inFlight = true;
      Atomics.store(this.i32, L.REMAINING, jobs);
      for (let w = 0; w < jobs; w++) {
        const a = parts[w + 1]!;
        const base = L.HEADER + w * L.SLOT;
        this.f64.set(a, w * L.MAX_ARGS);
        this.i32[base + L.FN] = fnIndex;
        this.i32[base + L.NARGS] = a.length;
        Atomics.store(this.i32, base + L.STATUS, L.POSTED);
        Atomics.add(this.i32, base + L.SEQ, 1);
        Atomics.notify(this.i32, base + L.SEQ);
      }
    }
    let inlineError: unknown = null;
    try {
      runPart([...parts[0]!]);
      // Parts no worker has picked up yet (its core busy elsewhere) are taken back and run
      // here: with chunking nothing is left to do for them, otherwise run their part inline.
      if (!fn.startsWith("__")) {
        for (let w = 0; w < jobs; w++) {
          const st = L.HEADER + w * L.SLOT + L.STATUS;
          if (Atomics.compareExchange(this.i32, st, L.POSTED, L.DONE) !== L.POSTED) continue;
          // count it done first: if the part traps here, the wait below must not expect it
          Atomics.sub(this.i32, L.REMAINING, 1);
          if (!chunking) exp(...parts[w + 1]!);
        }
      }
    } catch (e) {
      inlineError = e;
    }
    if (jobs > 0) {
      this.waitFor(op, jobs, extraMs);
      this.inFlight = false;
    }
    if (inlineError) throw new PoolError(`${op}: ${(inlineError as Error).message ?? inlineError}`, { cause: inlineError });
  }

  /**
   * The previous op never reached the end of its wait: the calling thread was terminated
   * mid-op (the notebook kernel's interrupt), or it threw. Its workers may still be busy
   * and would count down the next op's REMAINING; let them finish, or replace them.
   */
  private drain(): void {
    const deadline = Date.now() + this.timeoutMs;
    // parts not yet started are simply withdrawn
    for (let w = 0; w < this.workers.length; w++) {
      Atomics.compareExchange(this.i32, L.HEADER + w * L.SLOT + L.STATUS, L.POSTED, L.DONE);
    }
    const busy = (w: number) => {
      const s = Atomics.load(this.i32, L.HEADER + w * L.SLOT + L.STATUS);
      return this.workers[w] && (s === L.POSTED || s === L.RUNNING);
    };
    for (;;) {
      const pending = this.workers.map((_, w) => w).filter(busy);
      if (pending.length === 0) break;
      if (Date.now() > deadline) {
        for (const w of pending) this.retire(w);
        break;
      }
      Atomics.wait(this.i32, L.REMAINING, Atomics.load(this.i32, L.REMAINING), 10);
    }
    this.inFlight = false;
  }

  private waitFor(op: string, jobs: number, extraMs: number): void {
    const deadline = Date.now() + this.timeoutMs + extraMs;
    let problem = "";
    // the workers usually finish within microseconds of this thread: poll before sleeping
    const spinUntil = performance.now() + this.spinMicros / 1000;
    for (let spins = 0; Atomics.load(this.i32, L.REMAINING) > 0; spins++) {
      if ((spins & 63) === 63 && performance.now() > spinUntil) break;
    }
    for (;;) {
      const left = Atomics.load(this.i32, L.REMAINING);
      if (left <= 0) break;
      const dead = this.findStatus(jobs, L.DEAD);
      if (dead >= 0) {
        problem = `pool worker ${dead + 1} died`;
        break;
      }
      if (Date.now() > deadline) {
        problem = `pool workers did not finish within ${this.timeoutMs + extraMs} ms`;
        break;
      }
      Atomics.wait(this.i32, L.REMAINING, left, 50);
    }
    if (problem) {
      // Anything not cleanly finished may still be touching the arena: replace it.
      for (let w = 0; w < jobs; w++) {
        const s = Atomics.load(this.i32, L.HEADER + w * L.SLOT + L.STATUS);
        if (s !== L.DONE && s !== L.FAILED) this.retire(w);
      }
      this.inFlight = false;
      throw new PoolError(`${op}: ${problem}; the worker was replaced and the op aborted`);
    }
    this.inFlight = false;
    const failed = this.findStatus(jobs, L.FAILED);
    if (failed >= 0) {
      const bytes = new Uint8Array(this.errors, failed * L.ERR_BYTES, L.ERR_BYTES);
      const end = bytes.indexOf(0);
      const msg = new TextDecoder().decode(bytes.slice(0, end < 0 ? bytes.length : end));
      throw new PoolError(`${op}: pool worker ${failed + 1} failed: ${msg}`);
    }
  }

  private findStatus(jobs: number, status: number): number {
    for (let w = 0; w < jobs; w++) {
      if (Atomics.load(this.i32, L.HEADER + w * L.SLOT + L.STATUS) === status) return w;
    }
    return -1;
  }

  /** Starts missing workers; false if a thread cannot be created. */
  private ensureWorkers(count: number): boolean {
    try {
      for (let w = 0; w < count; w++) if (!this.workers[w]) this.spawn(w);
      return true;
    } catch {
      return false;
    }
  }

  private spawn(w: number): void {
    const base = L.HEADER + w * L.SLOT;
    Atomics.store(this.i32, base + L.STATUS, L.IDLE);
    // a retired worker's late exit hook must not mark its successor dead
    const gen = Atomics.add(this.i32, base + L.GEN, 1) + 1;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        module: this.rt.module, memory: this.rt.memory, ctrl: this.ctrl, args: this.args,
        errors: this.errors, index: w, names: this.names,
        seq0: Atomics.load(this.i32, base + L.SEQ), gen, L,
      },
    });
    worker.unref();
    // A dead worker is reported through its control word; the event only tidies up.
    worker.on("error", () => {});
    worker.on("exit", () => {
      if (this.workers[w] === worker) this.workers[w] = null;
    });
    this.workers[w] = worker;
  }

  private retire(w: number): void {
    const worker = this.workers[w];
    this.workers[w] = null;
    if (worker) void worker.terminate().catch(() => {});
  }

  /** Stops all workers (they are unref'd anyway; tests use this to start fresh). */
  shutdown(): void {
    for (let w = 0; w < this.workers.length; w++) this.retire(w);
    this.workers.length = 0;
  }
}
