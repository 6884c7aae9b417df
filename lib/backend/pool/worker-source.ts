// The pool worker's program, kept as source text so it runs the same from lib/*.ts under
// vitest and from dist/ (a `new Worker(file)` would need a .js file next to the .ts one).
// Protocol (Int32 control words, see pool.ts): the worker polls, then sleeps in Atomics.wait on
// its SEQ word; a new SEQ means FN/NARGS/args describe a job. It claims it (STATUS POSTED → RUNNING;
// the caller may have taken it back), calls the wasm export once or, for a chunked job, per
// chunk it claims, sets DONE or FAILED, decrements REMAINING and wakes the main thread.
// If the thread dies (uncaught error, process.exit) its exit hook marks it DEAD so the
// waiting main thread notices at once instead of timing out.

export const WORKER_SOURCE = String.raw`
const { workerData } = require("node:worker_threads");
const { module, memory, ctrl, args, errors, index, names, seq0, gen, L } = workerData;
const i32 = new Int32Array(ctrl);
const f64 = new Float64Array(args);
const errBytes = new Uint8Array(errors);
const base = L.HEADER + index * L.SLOT;
const abase = index * L.MAX_ARGS;
const ebase = index * L.ERR_BYTES;
let seen = seq0;
process.on("exit", () => {
  if (Atomics.load(i32, base + L.GEN) !== gen) return;
  Atomics.store(i32, base + L.STATUS, L.DEAD);
  Atomics.notify(i32, L.REMAINING);
});
const exportsTable = new WebAssembly.Instance(module, { env: { memory } }).exports;
for (;;) {
  // poll for the next job a while before sleeping (pool.ts, spinMicros): a wake-up costs more
  const spinUntil = performance.now() + Atomics.load(i32, L.SPIN_US) / 1000;
  for (let spins = 0; Atomics.load(i32, base + L.SEQ) === seen; spins++) {
    if ((spins & 63) === 63 && performance.now() > spinUntil) break;
  }
  Atomics.wait(i32, base + L.SEQ, seen);
  seen = Atomics.load(i32, base + L.SEQ);
  // the caller may have taken the part back (it finished first and ran it itself)
  if (Atomics.compareExchange(i32, base + L.STATUS, L.POSTED, L.RUNNING) !== L.POSTED) continue;
  const name = names[i32[base + L.FN]];
  const n = i32[base + L.NARGS];
  const a = new Array(n);
  for (let i = 0; i < n; i++) a[i] = f64[abase + i];
  let status = L.DONE;
  // fault injection for the pool's tests
  if (name === "__crash__") process.exit(70);
  if (name === "__hang__") for (;;);
  const probe = name === "__probe__"; // an empty job: measures a dispatch round trip
  try {
    const fn = probe ? () => {} : exportsTable[name];
    const chunks = i32[L.CHUNKS];
    if (chunks > 0) {
      const sa = i32[L.START_ARG], ea = i32[L.END_ARG], size = i32[L.CHUNK], total = i32[L.TOTAL];
      for (;;) {
        const c = Atomics.add(i32, L.NEXT, 1);
        if (c >= chunks) break;
        a[sa] = c * size;
        a[ea] = Math.min(total, (c + 1) * size);
        fn(...a);
      }
    } else {
      fn(...a);
    }
  } catch (e) {
    status = L.FAILED;
    const msg = new TextEncoder().encode(String(e && e.message || e).slice(0, L.ERR_BYTES - 1));
    errBytes.fill(0, ebase, ebase + L.ERR_BYTES);
    errBytes.set(msg, ebase);
  }
  Atomics.store(i32, base + L.STATUS, status);
  if (Atomics.sub(i32, L.REMAINING, 1) === 1) Atomics.notify(i32, L.REMAINING);
}
`;
