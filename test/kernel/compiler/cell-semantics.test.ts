import { describe, expect, it } from "vitest";
import vm from "node:vm";
import { Notebook, tempDir } from "./notebook.js";
import type { CompileResult } from "../../../kernel/compiler/cell-compiler.js";

/** Runs a compiled cell that throws, and returns its stack mapped into the cell's lines. */
async function mappedStackOf(nb: Notebook, compiled: Extract<CompileResult, { ok: true }>): Promise<string> {
  try {
    await new vm.Script(compiled.js, { filename: compiled.filename }).runInContext(nb.context);
  } catch (e) {
    return compiled.mapStack((e as Error).stack ?? "");
  }
  throw new Error("the cell did not throw");
}

describe("cell compiler: declarations persist across cells", () => {
  it("later cells see earlier const/let/function values and types", async () => {
    const nb = new Notebook(tempDir());
    await nb.run("const x = 20;\nlet label: string = 'a';\nfunction twice(n: number) { return 2 * n; }");
    expect(await nb.value("twice(x) + 2")).toBe(42);
    expect(await nb.value("label.toUpperCase()")).toBe("A");
  });

  it("re-running a cell that declares const is not a redeclaration (run time or type check)", async () => {
    const nb = new Notebook(tempDir());
    const cell = "const items = [1, 2, 3];\nitems.length";
    expect(await nb.value(cell)).toBe(3);
    expect(await nb.value(cell)).toBe(3);
    expect(await nb.value("const items = ['a'];\nitems[0]")).toBe("a");
  });

  it("a later cell may redefine a name with a new type and later cells see the new type", async () => {
    const nb = new Notebook(tempDir());
    await nb.run("const v = 1;");
    await nb.run("const v = 'text';");
    expect(await nb.value("v.toUpperCase()")).toBe("TEXT");
    const r = nb.compile("v.toFixed(2)");
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.diagnostics[0]).toMatchObject({ line: 1, column: 3 });
      expect(r.evalue).toContain("(1:3)");
      expect(r.evalue).toContain("Property 'toFixed' does not exist on type '\"text\"'");
    }
  });

  it("a long notebook: declarations from many cells earlier, redefined or not, keep their latest types", async () => {
    const nb = new Notebook(tempDir());
    for (let i = 0; i < 40; i++) await nb.run(`const k${i} = ${i};\nfunction f${i % 7}(): number { return ${i}; }`);
    await nb.run("const k3 = 'three';");
    expect(await nb.value("k3.length + k20 + k39 + f6()")).toBe(5 + 20 + 39 + 34);
    expect(nb.compile("const bad: number = k3;").ok).toBe(false);
  });

  it("let bindings are shared: a function from one cell updates what later cells read", async () => {
    const nb = new Notebook(tempDir());
    await nb.run("let counter = 0;\nfunction inc() { counter++; }");
    expect(await nb.value("inc(); inc();\ncounter")).toBe(2);
    expect(await nb.value("counter = 10;\ninc();\ncounter")).toBe(11);
  });

  it("assigning to an earlier cell's const is a type error", () => {
    const nb = new Notebook(tempDir());
    return nb.run("const frozen = 1;").then(() => {
      const r = nb.compile("frozen = 2;");
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.diagnostics[0]!.code).toBe(2588);
    });
  });

  it("classes, enums, interfaces, type aliases and namespaces persist", async () => {
    const nb = new Notebook(tempDir());
    await nb.run([
      "interface Point { x: number; y: number }",
      "type Pair = [number, number];",
      "enum Color { Red, Green = 5, Blue }",
      "class Vec { constructor(public x: number, public y: number) {}\n  norm1(): number { return Math.abs(this.x) + Math.abs(this.y); } }",
      "namespace Geo { export const origin: Point = { x: 0, y: 0 }; }",
    ].join("\n"));
    await nb.run("class Vec3 extends Vec { constructor(x: number, y: number, public z: number) { super(x, y); } }");
    expect(await nb.value("const p: Point = { x: 1, y: 2 };\nconst pr: Pair = [3, 4];\nnew Vec3(-1, 2, 3).norm1() + Color.Blue + p.x + pr[1] + Geo.origin.x")).toBe(3 + 6 + 1 + 4);
    const bad = nb.compile("const q: Point = { x: 1 };");
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.diagnostics[0]).toMatchObject({ line: 1, column: 7, code: 2741 });
  });

  it("a const enum from an earlier cell is usable (it is kept as an object)", async () => {
    const nb = new Notebook(tempDir());
    await nb.run("const enum Dir { Up = 1, Down = 2 }");
    expect(await nb.value("Dir.Down * 10 + Dir.Up")).toBe(21);
  });

  it("overloads, generics, async functions, generators and abstract classes persist", async () => {
    const nb = new Notebook(tempDir());
    await nb.run([
      "function pick(x: string): string;",
      "function pick(x: number): number;",
      "function pick(x: string | number) { return x; }",
      "function first<T>(xs: readonly T[]): T | undefined { return xs[0]; }",
      "async function later(n: number): Promise<number> { return n + 1; }",
      "function* count(n: number) { for (let i = 0; i < n; i++) yield i; }",
      "abstract class Shape { abstract area(): number; describe() { return `area ${this.area()}`; } }",
      "type Box<T> = { value: T };",
    ].join("\n"));
    await nb.run("class Square extends Shape { constructor(private side: number) { super(); } area() { return this.side ** 2; } }");
    expect(await nb.value("const b: Box<string> = { value: pick('s') };\nb.value + pick(2) + first([7, 8])! + (await later(1)) + [...count(3)].length + new Square(3).describe()"))
      .toBe("s2" + "7" + "2" + "3" + "area 9");
    const r = nb.compile("const n: number = pick('s');\nconst s: string = first([1])!;");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics.map((d) => d.line)).toEqual([1, 2]);
    expect(nb.compile("new Shape();").ok).toBe(false); // abstract
  });

  it("functions are hoisted within a cell", async () => {
    const nb = new Notebook(tempDir());
    expect(await nb.value("const r = sq(7);\nfunction sq(n: number) { return n * n; }\nr")).toBe(49);
  });

  it("destructuring declarations define each name, with its type", async () => {
    const nb = new Notebook(tempDir());
    await nb.run("const { a, b: [c, ...rest] } = { a: 1, b: [2, 3, 4] };\nlet [first = 10, , third] = [undefined, 0, 'z'];");
    expect(await nb.value("a + c + rest.length")).toBe(5);
    expect(await nb.value("`${first}${third}`")).toBe("10z");
    const r = nb.compile("const s: string = a;");
    expect(r.ok).toBe(false);
  });
});

describe("cell compiler: the cell's value", () => {
  it("a trailing expression statement is the value, with or without a semicolon", async () => {
    const nb = new Notebook(tempDir());
    expect(await nb.run("1 + 1")).toEqual({ value: 2, hasValue: true });
    expect(await nb.run("const k = 3;\nk * 3;")).toEqual({ value: 9, hasValue: true });
  });

  it("declarations, statements and undefined values give no value", async () => {
    const nb = new Notebook(tempDir());
    expect(await nb.run("const q = 3;")).toEqual({ value: undefined, hasValue: false });
    expect(await nb.run("if (q > 1) { q + 1; }")).toEqual({ value: undefined, hasValue: false });
    expect(await nb.run("function f(): void {}\nf()")).toEqual({ value: undefined, hasValue: false });
    expect(await nb.run("class K {}").then((r) => r.hasValue)).toBe(false);
  });

  it("top-level await works and its results persist", async () => {
    const nb = new Notebook(tempDir());
    expect(await nb.value("const w = await Promise.resolve(7);\nawait new Promise((r) => setTimeout(r, 1));\nw * 2")).toBe(14);
    expect(await nb.value("w")).toBe(7);
  });

  it("a promise as the last expression is returned unawaited", async () => {
    const nb = new Notebook(tempDir());
    const out = await nb.run("Promise.resolve(5)");
    expect(out.hasValue).toBe(true);
    expect(await (out.value as Promise<number>)).toBe(5);
  });

  it("synchronous code runs synchronously inside runInContext", async () => {
    const nb = new Notebook(tempDir());
    const r = nb.compile("let ran = 0;\nfor (let i = 0; i < 3; i++) ran++;\nawait 0;\nran = 100;");
    if (!r.ok) throw new Error(r.evalue);
    const { Script } = await import("node:vm");
    const done = new Script(r.js, { filename: r.filename }).runInContext(nb.context) as Promise<unknown>;
    expect(nb.context.ran).toBe(3); // before the first await resolved
    await done;
    expect(nb.context.ran).toBe(100);
  });
});

describe("cell compiler: errors in the cell's own coordinates", () => {
  it("a call that breaks an earlier cell's signature stops the cell with line, column and caret", async () => {
    const nb = new Notebook(tempDir());
    await nb.run("function add(a: number, b: number): number {\n  return a + b;\n}");
    const r = nb.compile("const ok = 1;\nconst s = add(1, '2');");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.ename).toBe("TSError");
    expect(r.diagnostics).toEqual([{ line: 2, column: 18, code: 2345, message: "Argument of type 'string' is not assignable to parameter of type 'number'." }]);
    expect(r.evalue).toContain("(2:18)");
    expect(r.traceback[0]).toContain("const s = add(1, '2');");
    expect(r.traceback[0]!.split("\n")[2]!.indexOf("^")).toBe(r.traceback[0]!.split("\n")[1]!.indexOf("'2'"));
  });

  it("a failed cell is not committed: its declarations do not persist", async () => {
    const nb = new Notebook(tempDir());
    expect(nb.compile("const lost: number = 'x';").ok).toBe(false);
    const r = nb.compile("lost");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics[0]!.code).toBe(2304);
  });

  it("syntax errors are reported as SyntaxError at their position", () => {
    const nb = new Notebook(tempDir());
    const r = nb.compile("const a = 1;\nconst b = (2 + ;");
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.ename).toBe("SyntaxError");
      expect(r.diagnostics[0]).toMatchObject({ line: 2, column: 16 });
    }
  });

  it("runtime stack traces are mapped to the cells' lines and columns", async () => {
    const nb = new Notebook(tempDir());
    const first = nb.compile("// a comment line\nfunction boom(): never {\n  throw new Error('boom');\n}");
    if (!first.ok) throw new Error(first.evalue);
    await new (await import("node:vm")).Script(first.js, { filename: first.filename }).runInContext(nb.context);
    nb.compiler.commit(first.count);
    const second = nb.compile("const z = 1;\n   boom();");
    if (!second.ok) throw new Error(second.evalue);
    let stack = "";
    try {
      await new (await import("node:vm")).Script(second.js, { filename: second.filename }).runInContext(nb.context);
    } catch (e) {
      stack = second.mapStack((e as Error).stack ?? "");
    }
    expect(stack).toContain(`at boom (${first.filename}:3:9)`);
    expect(stack).toContain(`${second.filename}:2:4`);
  });
});

describe("cell compiler: host globals", () => {
  it("console and timers type-check before Node's types are loaded; Node globals load them", async () => {
    const nb = new Notebook(tempDir(), { globals: { process } });
    expect(nb.compile("console.log('x');\nconst h = setTimeout(() => {}, 0);\nclearTimeout(h);").ok).toBe(true);
    expect(await nb.value("const args: string[] = process.argv;\nargs.length > 0")).toBe(true);
    const r = nb.compile("const n: number = process.argv;");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics[0]).toMatchObject({ line: 1, column: 7, code: 2322 });
  });
});

describe("cell compiler: Node's extras on ErrorConstructor", () => {
  it("Error.stackTraceLimit and Error.captureStackTrace type-check with and without Node's types loaded", async () => {
    const nb = new Notebook(tempDir(), { globals: { process } });
    const code = "Error.stackTraceLimit = Infinity;\nconst holder: { stack?: string } = {};\nError.captureStackTrace(holder);\ntypeof holder.stack";
    const before = nb.compile(code);
    expect(before.ok, JSON.stringify(before)).toBe(true);
    // Typed, not `any`.
    const wrong = nb.compile("Error.stackTraceLimit = 'many';");
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) expect(wrong.diagnostics[0]).toMatchObject({ line: 1, column: 1, code: 2322 });
    // Once Node's types are in (process refers to them), they declare the same members.
    expect(await nb.value("process.argv.length > 0")).toBe(true);
    expect(await nb.value(code)).toBe("string");
  });
});

describe("cell compiler: type checking off", () => {
  it("only transpiles, and declarations made meanwhile are known once it is back on", async () => {
    const nb = new Notebook(tempDir());
    nb.compiler.setTypeCheck(false);
    expect(await nb.value("const loose: number = 'not a number' as any;\nconst n2: number = 'x' as unknown as number;\nconst typed = { k: 'v' };\n1")).toBe(1);
    expect(await nb.value("const wrong: number = 'x';\nwrong")).toBe("x");
    nb.compiler.setTypeCheck(true);
    expect(await nb.value("typed.k.toUpperCase()")).toBe("V");
    const r = nb.compile("const m: number = typed.k;");
    expect(r.ok).toBe(false);
  });

  it("syntax errors are still SyntaxErrors at their position; enums (not spliced) still run; run-time errors map to the cell", async () => {
    const nb = new Notebook(tempDir());
    nb.compiler.setTypeCheck(false);
    const bad = nb.compile("const ok = 1;\nconst = 2;");
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.ename).toBe("SyntaxError");
      expect(bad.diagnostics[0]).toMatchObject({ line: 2, column: 7 });
    }
    expect(await nb.value("enum Color { Red, Green }\nColor.Green")).toBe(1);
    const thrower = nb.compile("const f = (x: number): number => {\n  throw new Error('x' + x);\n};\nf(1)");
    expect(thrower.ok).toBe(true);
    if (thrower.ok) expect(await mappedStackOf(nb, thrower)).toMatch(new RegExp(`${thrower.filename}:2:9\\b`));
  });

  it("// @ts-nocheck in a cell skips its type errors", async () => {
    const nb = new Notebook(tempDir());
    expect(await nb.value("// @ts-nocheck\nconst s: number = 'y';\ns")).toBe("y");
  });
});

describe("cell compiler: a cell that is one object literal", () => {
  it("is the object (as at Node's and Deno's prompts), with or without a trailing semicolon", async () => {
    const nb = new Notebook(tempDir());
    expect(await nb.value("{ a: 1, b: [2, 3] }")).toEqual({ a: 1, b: [2, 3] });
    expect(await nb.value("{}")).toEqual({});
    expect(await nb.value("  {\n  lr: 0.1,\n  epochs: 3,\n};\n")).toEqual({ lr: 0.1, epochs: 3 });
    const nested = (await nb.value("{ model: { layers: 2 }, ok: true }")) as { model: { layers: number } };
    expect(nested.model.layers).toBe(2);
  });

  it("a block of statements stays a block; a labelled statement stays a label", async () => {
    const nb = new Notebook(tempDir());
    const block = await nb.run("{\n  const inner = 5;\n  console.log(inner);\n}");
    expect(block.hasValue).toBe(false);
    expect(await nb.value("typeof (globalThis as any).inner")).toBe("undefined");
    expect(await nb.value("let n = 0;\nouter: for (const i of [1, 2]) { for (const j of [1, 2]) { n += j; continue outer; } }\nn")).toBe(2);
  });

  it("type errors and run-time errors point into the cell as written", async () => {
    const nb = new Notebook(tempDir());
    const r = nb.compile("{ a: 1, b: notDefined }");
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.diagnostics[0]).toMatchObject({ line: 1, column: 12 });
      expect(r.evalue).toContain("(1:12)");
      expect(r.traceback.join("\n")).toContain("{ a: 1, b: notDefined }");
      expect(r.traceback.join("\n")).not.toContain("({ a: 1");
    }
    const thrower = nb.compile("{ a: 1, b: (() => { throw new Error('boom'); })() }");
    expect(thrower.ok).toBe(true);
    // `new Error` is at column 27 of the cell as written.
    if (thrower.ok) expect(await mappedStackOf(nb, thrower)).toMatch(new RegExp(`${thrower.filename}:1:27\\b`));
  });
});

describe("cell compiler: compiling ahead (speculate)", () => {
  it("compile returns the speculated work for the same text and state", async () => {
    const nb = new Notebook(tempDir());
    await nb.run("const base = 40;");
    nb.compiler.speculate("base + 2");
    expect(await nb.value("base + 2")).toBe(42);
  });

  it("a commit after the speculation invalidates it: names declared by the committed cell are seen", async () => {
    const nb = new Notebook(tempDir());
    // Speculated before `later` exists: on its own it would be a type error.
    nb.compiler.speculate("later * 2");
    await nb.run("const later = 21;");
    expect(await nb.value("later * 2")).toBe(42);
  });

  it("a cell that arrives during the warm-up is its sample: ready is signalled and the compile finds the work", async () => {
    const nb = new Notebook(tempDir());
    let readyCalls = 0;
    const warm = nb.compiler.warmUp(() => readyCalls++);
    nb.compiler.speculate("const early: number = 41;\nearly + 1");
    await warm;
    expect(readyCalls).toBe(1);
    expect(await nb.value("const early: number = 41;\nearly + 1")).toBe(42);
    expect(await nb.value("early * 2")).toBe(82); // committed like any other cell
  });

  it("other text, or type checking switched meanwhile, compiles afresh", async () => {
    const nb = new Notebook(tempDir());
    nb.compiler.speculate("const s: number = 'x';");
    expect(await nb.value("1 + 1")).toBe(2); // not the speculated cell
    nb.compiler.speculate("const t: number = 'y'; t");
    nb.compiler.setTypeCheck(false);
    expect(await nb.value("const t: number = 'y'; t")).toBe("y");
    nb.compiler.setTypeCheck(true);
    nb.compiler.speculate("const u: number = 'z';");
    const r = nb.compile("const u: number = 'z';");
    expect(r.ok).toBe(false); // the speculated failure itself
    if (!r.ok) expect(r.diagnostics[0]).toMatchObject({ line: 1, column: 7, code: 2322 });
  });
});

describe("cell compiler: the next cell compiled while one runs (running, speculateNext)", () => {
  /** Compiles `code` and runs it with the commit held back: `finish()` commits it. */
  async function started(nb: Notebook, code: string): Promise<{ count: number; finish: () => void }> {
    const r = nb.compile(code);
    if (!r.ok) throw new Error(r.evalue);
    await new vm.Script(r.js, { filename: r.filename }).runInContext(nb.context);
    return { count: r.count, finish: () => nb.compiler.commit(r.count) };
  }

  /** Runs `code`, compiles `next` ahead while it runs (speculateNext's answer), then commits `code`. */
  async function aheadOf(nb: Notebook, code: string, next: string): Promise<boolean> {
    const a = await started(nb, code);
    nb.compiler.running(a.count);
    const ahead = nb.compiler.speculateNext(next);
    a.finish();
    return ahead;
  }

  it("a cell queued behind a running one is checked against its declarations and reused after its commit", async () => {
    const nb = new Notebook(tempDir());
    expect(await aheadOf(nb, "const width: number = 40;\nfunction grow(n: number): number { return n + 2; }", "grow(width)")).toBe(true);
    const used = nb.compiler.speculationsUsed;
    expect(await nb.value("grow(width)")).toBe(42);
    expect(nb.compiler.speculationsUsed).toBe(used + 1);
    // the running cell's declarations went in once: later cells see them, and may redefine them
    expect(await nb.value("const width = 'wide';\nwidth.length")).toBe(4);
    expect(nb.compile("width.toFixed(1)").ok).toBe(false);
  });

  it("only the cell right behind the running one is compiled ahead (the one after needs its declarations)", async () => {
    const nb = new Notebook(tempDir());
    const a = await started(nb, "const first = 1;");
    nb.compiler.running(a.count);
    expect(nb.compiler.awaitsNext).toBe(true);
    expect(nb.compiler.speculateNext("const second = first + 1;")).toBe(true);
    expect(nb.compiler.awaitsNext).toBe(false);
    expect(nb.compiler.speculateNext("second + 1")).toBe(false);
    a.finish();
    const used = nb.compiler.speculationsUsed;
    await nb.run("const second = first + 1;");
    expect(nb.compiler.speculationsUsed).toBe(used + 1);
    expect(await nb.value("second + 1")).toBe(3);
  });

  it("a type error in the queued cell is found ahead and reported by its compile", async () => {
    const nb = new Notebook(tempDir());
    expect(await aheadOf(nb, "const label = 'x';", "const n: number = label;")).toBe(true);
    const r = nb.compile("const n: number = label;");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics[0]).toMatchObject({ line: 1, column: 7, code: 2322 });
  });

  it("nothing is compiled ahead of a cell that never started running (interrupted after its compile)", async () => {
    const nb = new Notebook(tempDir());
    const skipped = nb.compile("const skippedValue = 1;");
    expect(skipped.ok).toBe(true);
    expect(nb.compiler.speculateNext("skippedValue + 1")).toBe(false);
    // its declarations never reach later cells
    const r = nb.compile("skippedValue + 1");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.evalue).toContain("Cannot find name 'skippedValue'");
  });

  it("text other than what was compiled ahead compiles afresh, still seeing the committed cell", async () => {
    const nb = new Notebook(tempDir());
    expect(await aheadOf(nb, "const base = 40;", "base + 1")).toBe(true);
    const used = nb.compiler.speculationsUsed;
    expect(await nb.value("base + 2")).toBe(42);
    expect(nb.compiler.speculationsUsed).toBe(used);
  });
});

describe("cell compiler: top-level bindings live in boxes, with the global object's semantics", () => {
  const evaluate = (nb: Notebook, js: string): unknown => vm.runInContext(js, nb.context);

  for (const typeCheck of [true, false]) {
    describe(typeCheck ? "type checking on" : "type checking off", () => {
      it("functions from earlier cells see a later cell's redeclaration (even with another type) and assignments", async () => {
        const nb = new Notebook(tempDir(), { typeCheck });
        await nb.run("let lr = 0.01;\nfunction getLr() { return lr; }\nconst getLrArrow = () => lr;\nfunction setLr(v: number) { lr = v; }");
        expect(await nb.value("getLr() * 100")).toBe(1);
        await nb.run("let lr = 'fast';");
        expect(await nb.value("[getLr(), getLrArrow()]")).toEqual(["fast", "fast"]);
        await nb.run("lr = 'slow';");
        expect(await nb.value("getLr()")).toBe("slow");
        await nb.run("setLr(3);");
        expect(await nb.value("lr")).toBe(3);
        expect(evaluate(nb, "[globalThis.lr, typeof lr, lr]")).toEqual([3, "number", 3]);
      });

      it("an assignment from outside the cells (user_expressions, globalThis) is what cells and their closures see", async () => {
        const nb = new Notebook(tempDir(), { typeCheck });
        await nb.run("let seen = 1;\nconst look = () => seen;");
        evaluate(nb, "seen = 42");
        expect(await nb.value("[seen, look()]")).toEqual([42, 42]);
        nb.context.seen = "from the host";
        expect(await nb.value("look()")).toBe("from the host");
        expect(Object.keys(nb.context)).toContain("seen");
      });

      it("re-running a cell rebinds its names; a redeclared function reaches callers in earlier cells", async () => {
        const nb = new Notebook(tempDir(), { typeCheck });
        const cell = "let runs = (globalThis as any).runs ?? 0;\nruns++;\nfunction whichF() { return 'f' + runs; }";
        await nb.run(cell);
        await nb.run("const callF = () => whichF();");
        expect(await nb.value("callF()")).toBe("f1");
        await nb.run(cell);
        expect(await nb.value("callF()")).toBe("f2");
        await nb.run("const whichF = () => 'arrow';");
        expect(await nb.value("callF()")).toBe("arrow");
      });

      it("a declaration shadows a host global and a prelude global (keeping it out of enumeration)", async () => {
        const nb = new Notebook(tempDir(), { typeCheck, globals: { hostValue: 1 } });
        Object.defineProperty(vm.runInContext("globalThis", nb.context), "preludeFn", { value: () => "prelude", writable: true, configurable: true, enumerable: false });
        // Before any declaration the prelude's function is what a cell calls.
        const cellUsingPrelude = typeCheck ? "(globalThis as any).preludeFn()" : "preludeFn()";
        expect(await nb.value(cellUsingPrelude)).toBe("prelude");
        await nb.run("const preludeFn = () => 'mine';\nconst hostValue = 'shadowed';");
        expect(await nb.value("[preludeFn(), hostValue]")).toEqual(["mine", "shadowed"]);
        expect(evaluate(nb, "[preludeFn(), hostValue]")).toEqual(["mine", "shadowed"]);
        expect(Object.keys(nb.context)).not.toContain("preludeFn");
      });

      it("names shadowed in inner scopes are not the top-level binding", async () => {
        const nb = new Notebook(tempDir(), { typeCheck });
        await nb.run([
          "let s = 1;",
          "function twice(s: number) { return s * 2; }",
          "const inner = () => { let s = 10; s++; return s; };",
          "const named = function s() { return typeof s; };",
          "try { throw 5; } catch (s) { }",
          "for (let s = 0; s < 3; s++) { }",
          "{ const s = 'block'; }",
        ].join("\n"));
        expect(await nb.value("[twice(4), inner(), named(), s]")).toEqual([8, 11, "function", 1]);
      });

      it("shorthand properties, destructuring targets and compound assignments read and write the binding", async () => {
        const nb = new Notebook(tempDir(), { typeCheck });
        await nb.run("let a = 1, b = 2;\nlet total = 10;\nconst read = () => ({ a, b, total });");
        await nb.run("[a, b] = [b, a];\n({ total } = { total: total * 3 });\ntotal += a; total **= 2; total %= 1000;");
        // a, b swapped → 2, 1; total = ((10 * 3) + 2) ** 2 % 1000 = 1024 % 1000 = 24
        expect(await nb.value("read()")).toEqual({ a: 2, b: 1, total: 24 });
        expect(evaluate(nb, "total")).toBe(24);
      });

      it("a function called by its name gets no `this`, as an unqualified call of a global gives none", async () => {
        const nb = new Notebook(tempDir(), { typeCheck });
        await nb.run("function self(this: unknown) { return this; }");
        expect(await nb.value("[self() === undefined, (self)() === undefined]")).toEqual([true, true]);
      });

      it("a function or class assigned to a top-level name is named after it", async () => {
        const nb = new Notebook(tempDir(), { typeCheck });
        await nb.run("let handler: any = null;\nlet Model: any = null;");
        expect(await nb.value("handler = () => 1;\nModel = class {};\n[handler.name, Model.name]")).toEqual(["handler", "Model"]);
      });

      it("a top-level loop computes what the same loop computes in a function", async () => {
        const nb = new Notebook(tempDir(), { typeCheck });
        let expected = 0;
        for (let i = 0; i < 100000; i++) expected = (expected + i * 7) % 1000003;
        expect(await nb.value("let acc = 0;\nfor (let i = 0; i < 100000; i++) { acc = (acc + i * 7) % 1000003; }\nacc")).toBe(expected);
        expect(evaluate(nb, "acc")).toBe(expected);
      });

      it("enums and namespaces (TypeScript's emit) rebind like other names", async () => {
        const nb = new Notebook(tempDir(), { typeCheck });
        await nb.run("enum Level { Low, High }\nnamespace Cfg { export const depth = 2; }\nconst read = () => [Level.High, Cfg.depth];");
        expect(await nb.value("read()")).toEqual([1, 2]);
        await nb.run("enum Level { Low = 10, High = 20 }\nnamespace Cfg { export const depth = 5; }");
        expect(await nb.value("read()")).toEqual([20, 5]);
        expect(evaluate(nb, "Level.Low")).toBe(10);
      });
    });
  }
});

describe("cell compiler: names a cell uses without declaring them go through boxes too", () => {
  const evaluate = (nb: Notebook, js: string): unknown => vm.runInContext(js, nb.context);

  it("a loop in a later cell over an earlier cell's binding updates what the earlier cell's closures see", async () => {
    const nb = new Notebook(tempDir());
    await nb.run("let acc = 0;\nconst readAcc = () => acc;");
    let expected = 0;
    for (let i = 0; i < 100000; i++) expected = (expected + i * 7) % 1000003;
    expect(await nb.value("for (let i = 0; i < 100000; i++) { acc = (acc + i * 7) % 1000003; }\nreadAcc()")).toBe(expected);
    expect(evaluate(nb, "[acc, globalThis.acc]")).toEqual([expected, expected]);
    await nb.run("let acc = 'redeclared';");
    expect(await nb.value("readAcc()")).toBe("redeclared");
  });

  it("a missing name still throws the context's ReferenceError at its use; typeof of it is \"undefined\"", async () => {
    const nb = new Notebook(tempDir(), { typeCheck: false });
    expect(await nb.value("let r = '';\ntry { missingName; } catch (e) { r = (e instanceof ReferenceError) + ' ' + e.message; }\n[r, typeof missingName]"))
      .toEqual(["true missingName is not defined", "undefined"]);
    await expect(nb.run("missingToo = 1;")).rejects.toThrow("missingToo is not defined");
  });

  it("a function that used a name before any cell declared it sees the later declaration", async () => {
    const nb = new Notebook(tempDir(), { typeCheck: false });
    await nb.run("const readLater = () => definedLater;");
    await expect(nb.run("readLater()")).rejects.toThrow("definedLater is not defined");
    await nb.run("const definedLater = 5;");
    expect(await nb.value("readLater()")).toBe(5);
  });

  it("a global defined by a getter is read afresh at each use; built-ins and host globals work", async () => {
    const nb = new Notebook(tempDir(), { typeCheck: false, globals: { hostValue: 2 } });
    let n = 0;
    Object.defineProperty(vm.runInContext("globalThis", nb.context), "tick", { get: () => ++n, configurable: true });
    expect(await nb.value("[tick, tick, Math.max(3, hostValue), [1, 2].map(String)]")).toEqual([1, 2, 3, ["1", "2"]]);
    evaluate(nb, "hostValue = 7");
    expect(await nb.value("hostValue")).toBe(7);
  });
});

describe("kernel: errors name boxed bindings as the cell wrote them", () => {
  it("V8's messages quoting a failing callee or operand show the user's names", async () => {
    const { errorOutcome } = await import("../../../kernel/kernel.js");
    const nb = new Notebook(tempDir(), { typeCheck: false });
    await nb.run("const model = { forward() { return 1; } };\nconst notFn = 5;\nlet nothing;");
    const thrown = async (code: string) => {
      const r = nb.compile(code);
      if (!r.ok) throw new Error(r.evalue);
      try {
        await new vm.Script(r.js, { filename: r.filename }).runInContext(nb.context);
      } catch (e) {
        return errorOutcome(e, r.mapStack);
      }
      throw new Error("did not throw");
    };
    const a = await thrown("model.fowrad(1)");
    expect(a.evalue).toBe("model.fowrad is not a function");
    expect(a.traceback[0]).toBe("TypeError: model.fowrad is not a function");
    expect((await thrown("notFn()")).evalue).toBe("notFn is not a function");
    expect((await thrown("new notFn()")).evalue).toBe("notFn is not a constructor");
    expect((await thrown("const { a } = nothing;")).evalue).toBe("Cannot destructure property 'a' of 'nothing' as it is undefined.");
  });
});
