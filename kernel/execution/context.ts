// The vm context cells run in. Its global object starts with ECMAScript's built-ins, gets the
// host globals (timers, Buffer, process, fetch, …), the kernel's own (display, comms, prompt,
// console) and the prelude's exports. Typed-array and buffer constructors are the main
// realm's, so a Float32Array made in a cell passes `instanceof` checks in the library (which
// runs in the main realm); literals and errors stay the context's own so `[] instanceof
// Array` and `e instanceof TypeError` keep working inside cells.
import vm from "node:vm";

const SHARED_CONSTRUCTORS = [
  "ArrayBuffer",
  "SharedArrayBuffer",
  "DataView",
  "Int8Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int16Array",
  "Uint16Array",
  "Int32Array",
  "Uint32Array",
  "Float32Array",
  "Float64Array",
  "BigInt64Array",
  "BigUint64Array",
];

/** Host names never copied: the context has its own global, and the kernel provides console. */
const SKIP = new Set(["global", "globalThis", "console"]);

export class ExecutionContext {
  readonly context: vm.Context;
  readonly global: Record<string | symbol, unknown>;

  constructor() {
    this.context = vm.createContext({}, { name: "gradlab cell" });
    this.global = vm.runInContext("globalThis", this.context) as Record<string | symbol, unknown>;
    const own = new Set(Object.getOwnPropertyNames(this.global));
    for (const name of Object.getOwnPropertyNames(globalThis)) {
      if (SKIP.has(name) || own.has(name)) continue;
      const d = Object.getOwnPropertyDescriptor(globalThis, name);
      if (d !== undefined) Object.defineProperty(this.global, name, d);
    }
    for (const name of SHARED_CONSTRUCTORS) this.define(name, (globalThis as Record<string, unknown>)[name]);
    this.define("global", this.global);
  }

  /** A global the user may overwrite or redeclare later (writable and configurable). */
  define(name: string | symbol, value: unknown): void {
    Object.defineProperty(this.global, name, { value, writable: true, configurable: true, enumerable: false });
  }

  /**
   * Runs compiled cell JavaScript. The synchronous part runs under a SIGINT watchdog so an
   * interrupt stops even a loop that never yields; throws what the cell throws.
   */
  runScript(js: string, filename: string): unknown {
    const script = new vm.Script(js, { filename });
    return script.runInContext(this.context, { breakOnSigint: true, displayErrors: false });
  }

  /** Evaluates a JavaScript expression (user_expressions, the pager's fallback). */
  evaluate(expression: string): unknown {
    return vm.runInContext(`(${expression}\n)`, this.context, { breakOnSigint: true, displayErrors: false, filename: "expression" });
  }
}
