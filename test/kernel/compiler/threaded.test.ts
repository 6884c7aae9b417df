// The compiler thread behind the synchronous interface (kernel/compiler/threaded-compiler.ts).
// A worker runs compiled JavaScript, so this uses dist/ (`npm run build` first, as for the
// kernel's process tests).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import { afterAll, describe, expect, it } from "vitest";
import { bindingRegistry } from "../../../kernel/execution/bindings.js";
import { removeTempDirs, tempDir } from "../../temp-dirs.js";

afterAll(removeTempDirs);

const built = fileURLToPath(new URL("../../../dist/kernel/compiler/threaded-compiler.js", import.meta.url));

describe.skipIf(!existsSync(built))("cell compiler in its own thread", () => {
  it("checks cells against earlier ones, maps runtime errors to the cell's lines, completes and inspects", async () => {
    const { ThreadedCellCompiler } = (await import(built)) as typeof import("../../../kernel/compiler/threaded-compiler.js");
    const c = new ThreadedCellCompiler({ cwd: tempDir("gradlab-threaded-"), typeCheck: true });
    await c.warmUp();

    const first = c.compile("/** The answer. */\nconst answer: number = 42;", 1);
    expect(first.ok).toBe(true);
    c.commit(1); // posted, not awaited: the next request must still see it

    const bad = c.compile("const s: string = answer;", 2);
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.ename).toBe("TSError");
      expect(bad.diagnostics[0]).toMatchObject({ line: 1, column: 7, code: 2322 });
    }

    // A throw on the cell's third line is reported there, through the mappings that crossed threads.
    const thrower = c.compile("const x: number = answer + 1;\nx;\nthrow new Error(`boom ${x}`);", 3);
    expect(thrower.ok).toBe(true);
    if (!thrower.ok) return;
    const context = vm.createContext({ answer: 42 });
    context.__gradlab_binding__ = bindingRegistry(vm.runInContext("globalThis", context) as object); // as the kernel defines it
    let stack = "";
    try {
      await (vm.runInContext(thrower.js, context, { filename: thrower.filename }) as Promise<unknown>);
    } catch (e) {
      stack = (e as Error).stack ?? "";
    }
    expect(stack).toContain("boom 43");
    expect(thrower.mapStack(stack)).toContain(`${thrower.filename}:3:`);

    expect(c.complete("answer.toFi", 11).matches).toContain("toFixed");
    const inspected = c.inspect("answer", 3, 0);
    expect(inspected.found).toBe(true);
    expect(inspected.data["text/plain"]).toContain("The answer.");
    expect(c.isComplete("const a = [1,").status).toBe("incomplete");

    c.setTypeCheck(false);
    expect(c.compile("const t: string = 1;", 4).ok).toBe(true); // unchecked now
  });

  it("reports a compiler thread that cannot start instead of hanging", async () => {
    const { ThreadedCellCompiler } = (await import(built)) as typeof import("../../../kernel/compiler/threaded-compiler.js");
    // A cwd that is not a string fails inside the thread's warm-up.
    const c = new ThreadedCellCompiler({ cwd: 42 as unknown as string, typeCheck: true });
    await expect(c.warmUp()).rejects.toThrow(/compiler thread/);
  });
});
