// Cells' own process.on("SIGINT") listeners, kept off the process while the SIGINT thread
// owns SIGINT; the kernel calls them on each interrupt (main-side.ts).
/**
 * While the SIGINT thread (sigint-thread.ts) owns SIGINT, a process.on("SIGINT") listener
 * would hand the signal back to libuv, and node:vm, removing it around each run, would leave
 * SIGINT's default action (exit) in place. So listeners for "SIGINT" that cells add (or
 * remove, or list) live on `aside` instead; the kernel calls them on each interrupt.
 * Returns a function that undoes the redirection.
 */
export function redirectSigintListeners(aside: NodeJS.EventEmitter): () => void {
  const methods = ["on", "addListener", "once", "prependListener", "prependOnceListener", "off", "removeListener", "listeners", "rawListeners", "listenerCount", "removeAllListeners"] as const;
  const p = process as unknown as Record<string, (...args: unknown[]) => unknown>;
  const a = aside as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals = methods.map((m) => [m, p[m]] as const);
  for (const [m, original] of originals) {
    p[m] = function (this: unknown, event?: unknown, ...rest: unknown[]) {
      if (event !== "SIGINT") {
        // removeAllListeners() with no event clears the set-aside ones too.
        if (m === "removeAllListeners" && event === undefined) aside.removeAllListeners("SIGINT");
        return original.call(process, ...(event === undefined ? [] : [event]), ...rest);
      }
      const r = a[m].call(aside, event, ...rest);
      return r === aside ? process : r;
    };
  }
  return () => {
    for (const [m, original] of originals) p[m] = original;
  };
}
