// A cell "compiler" for plain JavaScript, used when the TypeScript cell compiler
// (kernel/compiler/) is absent. It honours the same execution contract: the script's
// completion value is a Promise of { value, hasValue }. The code runs as a classic script
// in the context, so top-level let/const/class persist across cells as in a REPL.
import vm from "node:vm";
import type { CellCompilerLike, CompileResult, Completion } from "./compiler-api.js";

const RUNNER = "__gradlab_plain_run__";

export class PlainCompiler implements CellCompilerLike {
  /** Installs the helper the compiled code calls; done by the kernel once the context exists. */
  static install(context: vm.Context, define: (name: string, value: unknown) => void): void {
    define(RUNNER, (code: string, filename: string) => {
      const value = new vm.Script(code, { filename }).runInContext(context, { breakOnSigint: true, displayErrors: false });
      return Promise.resolve({ value, hasValue: value !== undefined });
    });
  }

  async warmUp(): Promise<void> {}
  setTypeCheck(): void {}

  compile(code: string, executionCount: number): CompileResult {
    const filename = `cell${executionCount}.js`;
    try {
      new vm.Script(code, { filename });
    } catch (e) {
      const err = e as Error;
      return { ok: false, diagnostics: [], ename: err.name, evalue: err.message, traceback: [`${err.name}: ${err.message}`] };
    }
    return { ok: true, js: `globalThis.${RUNNER}(${JSON.stringify(code)}, ${JSON.stringify(filename)})`, filename, diagnostics: [], mapStack: (s) => s };
  }

  commit(): void {}

  complete(code: string, cursorPos: number): Completion {
    const m = /[A-Za-z_$][\w$]*$/.exec(code.slice(0, cursorPos));
    return { matches: [], cursorStart: m ? cursorPos - m[0].length : cursorPos, cursorEnd: cursorPos, metadata: {} };
  }

  inspect(): { found: boolean; data: Record<string, string> } {
    return { found: false, data: {} };
  }

  isComplete(code: string): { status: "complete" | "incomplete" | "invalid" | "unknown" } {
    try {
      new vm.Script(code);
      return { status: "complete" };
    } catch (e) {
      return { status: /Unexpected end of input|Unterminated/.test((e as Error).message) ? "incomplete" : "invalid" };
    }
  }
}
