// Runs a wasm kernel test body at 1 and at 2 threads, splitting forced down to any shape at
// 2, so each result can be compared with the other and with the reference.
import "./helpers.js"; // builds the wasm module first when it is missing
import { dispatchTuning } from "../../../lib/backend/wasm/dispatch.js";
import { setPoolThreads } from "../../../lib/backend/wasm/threads.js";

/** `body()` at 1 thread and at 2 (any work split); the pool is left at 2 threads. */
export function atThreads<T>(body: () => T): T[] {
  const saved = dispatchTuning.minWorkPerThread;
  try {
    return [1, 2].map((t) => {
      setPoolThreads(t);
      dispatchTuning.minWorkPerThread = t === 1 ? saved : 1;
      return body();
    });
  } finally {
    dispatchTuning.minWorkPerThread = saved;
    setPoolThreads(2);
  }
}
