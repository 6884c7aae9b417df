// Ambient declarations of what the kernel itself puts into every cell (DESIGN.md "Displays").
// A prelude that exports a name of the same name wins (later owners override earlier ones).
import type { GlobalStatement } from "./declarations-context.js";

export const KERNEL_GLOBALS: GlobalStatement[] = [
  { name: "GradlabDisplayOptions", text: "interface GradlabDisplayOptions { displayId?: string }" },
  {
    name: "GradlabDisplayHandle",
    text: "interface GradlabDisplayHandle { readonly id: string; update(value: unknown): void; close(): void }",
  },
  {
    name: "GradlabDisplay",
    text: `interface GradlabDisplay {
  /** Shows a value through its display hook (Symbol.for("Jupyter.display")) or as text. */
  (value: unknown, options?: GradlabDisplayOptions): GradlabDisplayHandle;
  update(displayId: string, value: unknown): void;
  clear(options?: { wait?: boolean }): void;
  html(html: string, options?: GradlabDisplayOptions): GradlabDisplayHandle;
  markdown(markdown: string, options?: GradlabDisplayOptions): GradlabDisplayHandle;
  svg(svg: string, options?: GradlabDisplayOptions): GradlabDisplayHandle;
  png(png: string | Uint8Array, options?: GradlabDisplayOptions): GradlabDisplayHandle;
  json(value: unknown, options?: GradlabDisplayOptions): GradlabDisplayHandle;
  vegaLite(spec: object, options?: GradlabDisplayOptions): GradlabDisplayHandle;
  bundle(bundle: Record<string, unknown>, options?: GradlabDisplayOptions & { metadata?: Record<string, unknown> }): GradlabDisplayHandle;
}`,
  },
  { name: "display", text: "/** Displays rich output in the notebook. */\ndeclare const display: GradlabDisplay;" },
  {
    name: "GradlabCommMessage",
    text: "interface GradlabCommMessage { data: Record<string, unknown>; metadata: Record<string, unknown>; buffers: Uint8Array[] }",
  },
  {
    name: "GradlabComm",
    text: `interface GradlabComm {
  readonly id: string;
  readonly targetName: string;
  readonly closed: boolean;
  send(data?: Record<string, unknown>, metadata?: Record<string, unknown>, buffers?: Uint8Array[]): void;
  close(data?: Record<string, unknown>): void;
  onMsg(handler: (data: Record<string, unknown>, msg: GradlabCommMessage) => void): void;
  onClose(handler: (data: Record<string, unknown>, msg: GradlabCommMessage) => void): void;
}`,
  },
  {
    name: "GradlabComms",
    text: `interface GradlabComms {
  registerTarget(name: string, handler: (comm: GradlabComm, data: Record<string, unknown>, msg: GradlabCommMessage) => void): void;
  unregisterTarget(name: string): void;
  open(targetName: string, data?: Record<string, unknown>, metadata?: Record<string, unknown>, buffers?: Uint8Array[]): GradlabComm;
  get(id: string): GradlabComm | undefined;
}`,
  },
  { name: "comms", text: "/** Jupyter comms: open one, or register a target the frontend opens. */\ndeclare const comms: GradlabComms;" },
  {
    name: "prompt",
    text: "/** Asks the user for a line of input through the notebook (Jupyter's input_request). */\ndeclare function prompt(message?: unknown, password?: boolean): string;",
  },
  { name: "input", text: "/** Same as prompt(). */\ndeclare function input(message?: unknown, password?: boolean): string;" },
  // The loops left in a %timeit run (handlers/magics.ts): the timed cell counts it down.
  { name: "__gradlab_timeit_left__", text: "declare let __gradlab_timeit_left__: number;" },
];

/**
 * Until Node's types are loaded (or when @types/node cannot be found): enough for console
 * output, timers and V8's extras on Error, which a cell uses without naming anything of Node's.
 */
export const MINIMAL_HOST_GLOBALS = `
interface Console { log(...data: any[]): void; error(...data: any[]): void; warn(...data: any[]): void; info(...data: any[]): void; debug(...data: any[]): void; table(data: unknown): void; time(label?: string): void; timeEnd(label?: string): void; }
declare var console: Console;
declare function setTimeout(callback: (...args: any[]) => void, ms?: number, ...args: any[]): any;
declare function clearTimeout(handle: any): void;
declare function setInterval(callback: (...args: any[]) => void, ms?: number, ...args: any[]): any;
declare function clearInterval(handle: any): void;
declare function queueMicrotask(callback: () => void): void;
declare var process: any;
declare function require(id: string): any;
interface ErrorConstructor {
  /** How many frames V8 records in a stack trace (10 by default). */
  stackTraceLimit: number;
  /** Sets \`targetObject.stack\` to the current stack, leaving out frames from constructorOpt up. */
  captureStackTrace(targetObject: object, constructorOpt?: Function): void;
  prepareStackTrace?: ((err: Error, stackTraces: any[]) => any) | undefined;
}
`;
