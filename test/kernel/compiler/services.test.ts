import { describe, expect, it } from "vitest";
import { CellCompiler } from "../../../kernel/compiler/index.js";
import { Notebook, fixturePrelude, tempDir } from "./notebook.js";

describe("cell compiler: complete", () => {
  it("members of an object declared in an earlier cell, after '.' with a prefix", async () => {
    const nb = new Notebook(tempDir());
    await nb.run("const config = { learningRate: 0.1, layers: [3, 4], label: 'x' };");
    const code = "config.la";
    const r = nb.compiler.complete(code, code.length);
    expect(r.matches).toEqual(["label", "layers"]);
    expect(r.cursorStart).toBe("config.".length);
    expect(r.cursorEnd).toBe(code.length);
    const all = nb.compiler.complete("config.", 7);
    expect(all.matches).toEqual(["label", "layers", "learningRate"]);
  });

  it("type-aware: members of the type the expression has", async () => {
    const nb = new Notebook(tempDir());
    await nb.run("const words = ['a', 'b'];");
    const r = nb.compiler.complete("words.map((w) => w.toUpp", 24);
    expect(r.matches).toEqual(["toUpperCase"]);
    expect(nb.compiler.complete("words.fla", 9).matches).toEqual(["flat", "flatMap"]);
    const same = "const ys = [1];\nys.";
    const r2 = nb.compiler.complete(same, same.length); // a name from the same cell, right after '.'
    expect(r2.matches).toContain("push");
    expect(r2.cursorStart).toBe(same.length);
  });

  it("globals from the prelude and earlier cells, and keywords", async () => {
    const nb = new Notebook(tempDir(), { preludeTypes: fixturePrelude, globals: { tensor: () => 0 } });
    await nb.run("const tensorCount = 3;");
    expect(nb.compiler.complete("tens", 4).matches).toEqual(expect.arrayContaining(["tensor", "tensorCount"]));
    expect(nb.compiler.complete("Tens", 4).matches).toContain("Tensor");
    expect(nb.compiler.complete("const a = 1;\nretu", 17).matches).toContain("return");
    expect(nb.compiler.complete("__grad", 6).matches).toEqual([]);
  });

  it("module specifiers complete as a whole; a cursor past the end is clamped", () => {
    const c = new CellCompiler({ cwd: tempDir(), typeCheck: true });
    const code = "import p from 'node:pa";
    const r = c.complete(code, code.length);
    expect(r.matches).toContain("node:path");
    expect(r.cursorStart).toBe(code.indexOf("node:"));
    expect(c.complete("x", 99).cursorEnd).toBe(1);
  });

  it("cursor positions count Unicode code points", async () => {
    const nb = new Notebook(tempDir());
    await nb.run("const point = { xCoord: 1 };");
    const code = "const s = '😀';\npoint.xC";
    const cursor = [...code].length;
    const r = nb.compiler.complete(code, cursor);
    expect(r.matches).toEqual(["xCoord"]);
    expect(r.cursorStart).toBe(cursor - 2);
  });
});

describe("cell compiler: inspect", () => {
  it("shows the signature and JSDoc of a function declared in an earlier cell", async () => {
    const nb = new Notebook(tempDir());
    await nb.run("/**\n * Scales a value.\n * @param x the value\n */\nfunction scale(x: number, by = 2): number { return x * by; }");
    const r = nb.compiler.inspect("scale(3)", 2, 0);
    expect(r.found).toBe(true);
    expect(r.data["text/plain"]).toBe("function scale(x: number, by?: number): number\n\nScales a value.\n\n@param x the value");
    expect(r.data["text/markdown"]).toContain("```typescript\nfunction scale(x: number, by?: number): number\n```");
  });

  it("inside a call's arguments it shows the called signature; nothing at whitespace", async () => {
    const nb = new Notebook(tempDir());
    await nb.run("function greet(name: string): string { return name; }");
    const r = nb.compiler.inspect("greet(", 6, 0);
    expect(r.found).toBe(true);
    expect(r.data["text/plain"]).toContain("greet(name: string): string");
    expect(nb.compiler.inspect("   ", 1, 0).found).toBe(false);
    expect(nb.compiler.inspect("notDeclaredAnywhere", 3, 0).found).toBe(false);
  });

  it("shows the standard library's documentation", () => {
    const c = new CellCompiler({ cwd: tempDir(), typeCheck: true });
    const r = c.inspect("[1, 2].map((x) => x)", 8, 0);
    expect(r.data["text/plain"]).toContain("Array<number>.map<number>(callbackfn: (value: number, index: number, array: number[]) => number");
    expect(r.data["text/plain"]).toContain("Calls a defined callback function on each element of an array");
  });

  it("prelude JSDoc shows through the global alias", () => {
    const c = new CellCompiler({ cwd: tempDir(), preludeTypes: fixturePrelude, typeCheck: true });
    const r = c.inspect("tensor([1])", 3, 0);
    expect(r.data["text/plain"]).toMatch(/^tensor\(data: number\[\]\): Tensor\n\n/);
    expect(r.data["text/plain"]).toContain("Creates a tensor from nested arrays.");
  });
});

describe("cell compiler: isComplete", () => {
  const c = new CellCompiler({ cwd: tempDir(), typeCheck: true });
  it.each([
    ["const a = 1;", "complete"],
    ["", "complete"],
    ["function f() {", "incomplete"],
    ["const xs = [1,\n  2,", "incomplete"],
    ["foo(1, 2", "incomplete"],
    ["const s = `abc ${x", "incomplete"],
    ["/* still writing", "incomplete"],
    ["let t = 1 +", "incomplete"],
    ["const = 5;", "invalid"],
    ["let x = )\nlet y = 2;", "invalid"],
    ["x = 1 }", "invalid"],
  ])("%j is %s", (code, status) => {
    expect(c.isComplete(code).status).toBe(status);
  });

  it("suggests indentation by the number of open brackets", () => {
    expect(c.isComplete("function f() {\n  if (x) {").indent).toBe("    ");
    expect(c.isComplete("foo(").indent).toBe("  ");
    expect(c.isComplete("const s = `a ${ [1, ").indent).toBe("    ");
  });
});
