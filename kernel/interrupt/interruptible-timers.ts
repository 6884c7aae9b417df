// Timer callbacks that an interrupt can stop. A cell's own code runs under node:vm's SIGINT
// watchdog, but a callback it schedules runs later straight from the event loop: a loop in it
// (say a setInterval that never returns) would block the kernel for good, after the cell
// ended. Terminating that JavaScript from another thread is not an option: unwinding Node's
// timer code leaves its async-hook stack inconsistent and Node aborts the process. So the
// cell's setTimeout, setInterval and setImmediate run their callbacks inside a breakOnSigint
// run too (a few microseconds while the SIGINT thread keeps the watchdog up, see
// sigint-thread.ts): a SIGINT ends the callback with an ordinary exception, caught here.
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import vm from "node:vm";

let pending: (() => unknown) | null = null;
const CALL = Symbol.for("gradlab.timerCallback");
(globalThis as Record<symbol, unknown>)[CALL] = (): unknown => {
  const f = pending;
  pending = null;
  return f?.();
};
// Named after this file so tracebacks leave its frame out (kernel frames are not the user's).
const invoker = new vm.Script(`globalThis[Symbol.for("gradlab.timerCallback")]()`, { filename: fileURLToPath(import.meta.url) });

/** Calls fn, stopped (onInterrupt is called instead of a return) by a SIGINT while it runs. */
export function callInterruptibly(fn: (...args: unknown[]) => unknown, self: unknown, args: unknown[], onInterrupt: () => void): unknown {
  pending = () => Reflect.apply(fn, self, args);
  try {
    return invoker.runInThisContext({ breakOnSigint: true, displayErrors: false });
  } catch (e) {
    if ((e as { code?: unknown } | null)?.code === "ERR_SCRIPT_EXECUTION_INTERRUPTED") {
      onInterrupt();
      return undefined;
    }
    throw e;
  } finally {
    pending = null;
  }
}

type Scheduler = (callback: (...args: unknown[]) => unknown, ...rest: unknown[]) => unknown;

/** setTimeout / setInterval / setImmediate whose callbacks an interrupt can stop. */
export function interruptibleTimers(onInterrupt: () => void): Record<"setTimeout" | "setInterval" | "setImmediate", unknown> {
  const wrap = (schedule: Scheduler, repeats = false): Scheduler => {
    const wrapped = function (callback: (...args: unknown[]) => unknown, ...rest: unknown[]): unknown {
      // Not a function: Node's own TypeError.
      if (typeof callback !== "function") return schedule(callback, ...rest);
      return schedule(function (this: unknown, ...args: unknown[]) {
        return callInterruptibly(callback, this, args, () => {
          // An interrupted interval would only loop again on its next tick: it is cleared.
          if (repeats) clearInterval(this as NodeJS.Timeout);
          onInterrupt();
        });
      }, ...rest);
    };
    Object.defineProperty(wrapped, "name", { value: schedule.name });
    // util.promisify(setTimeout) keeps working (timers/promises).
    const custom = (schedule as unknown as Record<symbol, unknown>)[promisify.custom];
    if (custom !== undefined) Object.defineProperty(wrapped, promisify.custom, { value: custom });
    return wrapped;
  };
  return {
    setTimeout: wrap(setTimeout as unknown as Scheduler),
    setInterval: wrap(setInterval as unknown as Scheduler, true),
    setImmediate: wrap(setImmediate as unknown as Scheduler),
  };
}
