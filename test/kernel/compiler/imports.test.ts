import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { transpileLocalModule } from "../../../kernel/compiler/index.js";
import { Notebook, tempDir } from "./notebook.js";

function notebookDir(): string {
  const dir = tempDir();
  const pkg = (name: string, files: Record<string, string>) => {
    mkdirSync(path.join(dir, "node_modules", name), { recursive: true });
    for (const [f, text] of Object.entries(files)) writeFileSync(path.join(dir, "node_modules", name, f), text);
  };
  pkg("esm-only", {
    "package.json": JSON.stringify({ name: "esm-only", type: "module", exports: { ".": { types: "./index.d.ts", import: "./index.js" } } }),
    "index.js": "export function shout(s) { return s.toUpperCase() + '!'; }\nexport default 41;\n",
    "index.d.ts": "export declare function shout(s: string): string;\ndeclare const answer: number;\nexport default answer;\n",
  });
  pkg("cjs-pkg", {
    "package.json": JSON.stringify({ name: "cjs-pkg", main: "index.js", types: "index.d.ts" }),
    "index.js": "module.exports = { greet(name) { return 'hello ' + name; } };\n",
    "index.d.ts": "declare const lib: { greet(name: string): string };\nexport = lib;\n",
  });
  writeFileSync(path.join(dir, "util.ts"), "export interface Box<T> { value: T }\nexport function box<T>(value: T): Box<T> { return { value }; }\nexport const triple = (n: number): number => n * 3;\n");
  return dir;
}

describe("cell compiler: imports", () => {
  it("Node built-ins: default, named (renamed) and namespace imports persist with their types", async () => {
    const nb = new Notebook(notebookDir());
    await nb.run("import path from 'node:path';\nimport { join as joinPath } from 'node:path';\nimport * as os from 'node:os';");
    expect(await nb.value("path.basename('/a/b.txt') + joinPath('x', 'y') + typeof os.cpus")).toBe("b.txtx/yfunction");
    const r = nb.compile("path.basename(42)");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics[0]).toMatchObject({ line: 1, column: 15, code: 2345 });
  });

  it("an ESM-only package and a CommonJS package from the notebook's node_modules", async () => {
    const nb = new Notebook(notebookDir());
    expect(await nb.value("import answer, { shout } from 'esm-only';\nimport cjs from 'cjs-pkg';\nshout('hi') + (answer + 1) + cjs.greet('you')")).toBe("HI!42hello you");
    expect(await nb.value("cjs.greet('again')")).toBe("hello again");
    expect(nb.compile("shout(1)").ok).toBe(false);
  });

  it("a local .ts file next to the notebook, its types usable in later cells", async () => {
    const nb = new Notebook(notebookDir());
    await nb.run("import { box, triple, type Box } from './util.ts';");
    expect(await nb.value("const b: Box<number> = box(triple(2));\nb.value")).toBe(6);
    expect(nb.compile("const bad: Box<string> = box(1);").ok).toBe(false);
  });

  it("a type error inside an imported local .ts file (also one it imports) is the cell's TSError, naming that file's line and column", async () => {
    const dir = notebookDir();
    writeFileSync(path.join(dir, "typeerr.ts"), "export const fine = 1;\nexport const bad: number = \"str\";\n");
    writeFileSync(path.join(dir, "outer.ts"), "export { fine } from './typeerr.ts';\n");
    const nb = new Notebook(dir);
    for (const cell of ["import { fine } from './typeerr.ts';\nfine", "import { fine } from './outer.ts';\nfine"]) {
      const r = nb.compile(cell);
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.ename).toBe("TSError");
      // `bad` is at line 2, column 14 of typeerr.ts.
      expect(r.evalue).toContain("typeerr.ts:2:14");
      expect(r.evalue).toMatch(/not assignable to type 'number'/);
    }
    // A local file without errors still imports.
    expect(await nb.value("import { triple } from './util.ts';\ntriple(2)")).toBe(6);
  });

  it("dynamic import() goes through the kernel's importer (built-ins, notebook packages, nested in functions)", async () => {
    const nb = new Notebook(notebookDir());
    expect(await nb.value("const p = await import('node:path');\np.basename('/a/b.txt')")).toBe("b.txt");
    expect(await nb.value("async function load() { return (await import('esm-only')).shout('x'); }\nawait load()")).toBe("X!");
  });

  it("a value imported in one cell and first used in a later one is still imported", async () => {
    const nb = new Notebook(notebookDir());
    await nb.run("import { shout } from 'esm-only';");
    expect(await nb.value("shout('late')")).toBe("LATE!");
  });

  it("a side-effect import loads the module through __gradlab_import__", async () => {
    const nb = new Notebook(notebookDir());
    const loaded: string[] = [];
    const inner = nb.context.__gradlab_import__ as (s: string) => Promise<unknown>;
    nb.context.__gradlab_import__ = (s: string) => { loaded.push(s); return inner(s); };
    expect(await nb.run("import 'node:path';\nimport type { Box } from './util.ts';")).toEqual({ value: undefined, hasValue: false });
    expect(loaded).toEqual(["node:path"]); // type-only imports load nothing
  });

  it("export keywords on declarations are accepted and stripped", async () => {
    const nb = new Notebook(notebookDir());
    await nb.run("export const e1 = 5;\nexport function e2() { return e1 * 2; }\nexport interface E3 { a: number }");
    expect(await nb.value("const e3: E3 = { a: e2() };\ne3.a")).toBe(10);
  });

  it("transpileLocalModule strips types and keeps ES module syntax", () => {
    const js = transpileLocalModule("import { x } from './other.ts';\nexport const y: number = x as number;\nexport type T = string;\n", "mod.ts");
    expect(js).toContain("import { x } from './other.ts';");
    expect(js).toContain("export const y = x;");
    expect(js).not.toContain("type T");
    expect(() => transpileLocalModule("export const = 1;", "broken.ts")).toThrow(/broken\.ts:1:14/);
  });
});
