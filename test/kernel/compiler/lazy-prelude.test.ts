// The prelude's declarations load module by module as cells need them (lazy-prelude.ts): a
// toy prelude checks what loads when, and the real one (dist/, built by `npm test`) checks
// that a cell sees every prelude name with exactly the type it has when the prelude is loaded
// whole.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CellCompiler, type CompileResult } from "../../../kernel/compiler/cell-compiler.js";
import type { LazyPrelude } from "../../../kernel/compiler/lazy-prelude.js";
import { findPreludeBundle, writeTypeBundles } from "../../../kernel/compiler/type-bundles.js";
import { tempDir } from "./notebook.js";

function toyPrelude(): { root: string; types: string; prelude: string } {
  const root = tempDir();
  writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: "toy", types: "dist/prelude.d.ts" }));
  const dist = path.join(root, "dist");
  mkdirSync(dist);
  const file = (name: string, text: string) => writeFileSync(path.join(dist, name), text);
  file("tensor.d.ts", "export declare class Tensor { readonly shape: number[]; sum(): Tensor }\n/** Makes a tensor from numbers. */\nexport declare function tensor(data: number[]): Tensor;\n");
  // Augments Tensor: loaded from the start, whatever a cell mentions.
  file("activation.d.ts", "import { Tensor } from './tensor.js';\ndeclare module './tensor.js' { interface Tensor { relu(): Tensor } }\nexport declare function relu(t: Tensor): Tensor;\n");
  file("layers.d.ts", "import { Tensor } from './tensor.js';\nexport declare class Linear { constructor(i: number, o: number); forward(x: Tensor): Tensor }\n");
  file("util.d.ts", "export declare function helper(x: number): string;\nexport interface Options { verbose: boolean }\n");
  file("prelude.d.ts", "export * from './tensor.js';\nexport * from './activation.js';\nexport * as nn from './layers.js';\nexport { helper as assist, type Options } from './util.js';\n");
  const types = path.join(root, "types");
  const written = writeTypeBundles(types, path.join(dist, "prelude.d.ts"));
  if (written.preludeError) throw new Error(written.preludeError);
  return { root, types, prelude: path.join(dist, "prelude.d.ts") };
}

function lazyOf(compiler: CellCompiler): LazyPrelude {
  const prelude = (compiler as unknown as { prelude?: LazyPrelude }).prelude;
  if (!prelude) throw new Error("the compiler did not load the prelude lazily");
  return prelude;
}

let count = 0;
function compile(compiler: CellCompiler, code: string): CompileResult {
  const n = ++count;
  const r = compiler.compile(code, n);
  if (r.ok) compiler.commit(n);
  return r;
}

describe("lazy prelude: the bundle's index", () => {
  it("traces every global name to the module that declares it, and marks augmenting modules", () => {
    const { types, prelude } = toyPrelude();
    const lazy = findPreludeBundle(prelude, types)?.lazy;
    expect(lazy).toBeDefined();
    expect(lazy!.names.tensor).toEqual({ from: "gradlab:tensor", member: "tensor" });
    expect(lazy!.names.nn).toEqual({ from: "gradlab:layers", member: null });
    expect(lazy!.names.assist).toEqual({ from: "gradlab:util", member: "helper" });
    expect(lazy!.names.Options).toEqual({ from: "gradlab:util", member: "Options" });
    // The class merged with its augmentation: both modules hold declarations of it.
    expect(lazy!.names.Tensor).toEqual({ from: "gradlab:tensor", member: "Tensor", also: ["gradlab:activation"] });
    expect(lazy!.always).toEqual(["gradlab:activation"]);
    expect(lazy!.modules["gradlab:layers"]!.deps).toEqual(["gradlab:tensor"]);
    expect(Object.keys(lazy!.names).sort()).toEqual(["Options", "Tensor", "assist", "nn", "relu", "tensor"]);
  });
});

describe("lazy prelude: loading as cells need it", () => {
  it("starts with the augmenting modules, and a cell loads the modules of the names it uses", () => {
    const { root, types, prelude } = toyPrelude();
    const compiler = new CellCompiler({ cwd: root, preludeTypes: prelude, typeCheck: true, typesDir: types });
    expect(compile(compiler, "const a: number = 1;").ok).toBe(true);
    const lazy = lazyOf(compiler);
    expect(lazy.loadedModules.sort()).toEqual(["gradlab:activation", "gradlab:tensor"]);
    // The augmentation applies to a tensor made by the first cell that names one.
    expect(compile(compiler, "const t = tensor([1, 2]);\nconst s: number[] = t.relu().sum().shape;").ok).toBe(true);
    expect(lazy.loadedModules).not.toContain("gradlab:layers");
    // A property named like a prelude export is not a use of it.
    expect(compile(compiler, "const o: Record<string, number> = {};\no.nn").ok).toBe(true);
    expect(lazy.loadedModules).not.toContain("gradlab:layers");
    expect(compile(compiler, "const layer = new nn.Linear(2, 3);\nconst y: Tensor = layer.forward(t);").ok).toBe(true);
    expect(lazy.loadedModules).toContain("gradlab:layers");
    expect(lazy.loadedModules).not.toContain("gradlab:util");
    // A renamed export, its argument checked.
    const bad = compile(compiler, "assist('x')");
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.diagnostics[0]).toMatchObject({ line: 1, column: 8, code: 2345 });
    expect(compile(compiler, "const len: number = assist(2).length;").ok).toBe(true);
    // Its declaring module's own name is not a global.
    expect(compile(compiler, "helper(1)").ok).toBe(false);
    expect(lazy.complete).toBe(false);
  });

  it("a name a cell declared before the prelude loads it keeps the cell's meaning", () => {
    const { root, types, prelude } = toyPrelude();
    const compiler = new CellCompiler({ cwd: root, preludeTypes: prelude, typeCheck: true, typesDir: types });
    expect(compile(compiler, "const relu = 5;").ok).toBe(true);
    lazyOf(compiler).loadAll();
    expect(lazyOf(compiler).complete).toBe(true);
    expect(compile(compiler, "const r: number = relu + 1;").ok).toBe(true);
    expect(compile(compiler, "const u: string = assist(1);").ok).toBe(true);
  });

  it("a cell that imports a package or a local file, completion and inspect load everything", () => {
    const { root, types, prelude } = toyPrelude();
    mkdirSync(path.join(root, "node_modules", "pkg"), { recursive: true });
    writeFileSync(path.join(root, "node_modules", "pkg", "package.json"), JSON.stringify({ name: "pkg", types: "index.d.ts" }));
    writeFileSync(path.join(root, "node_modules", "pkg", "index.d.ts"), "export declare const k: number;\n");
    const importing = new CellCompiler({ cwd: root, preludeTypes: prelude, typeCheck: true, typesDir: types });
    expect(compile(importing, "import { readFileSync } from 'node:fs';\ntypeof readFileSync").ok).toBe(true);
    expect(lazyOf(importing).complete).toBe(false); // a Node built-in cannot reach the prelude
    expect(compile(importing, "import { k } from 'pkg';\nk + 1").ok).toBe(true);
    expect(lazyOf(importing).complete).toBe(true);

    const completing = new CellCompiler({ cwd: root, preludeTypes: prelude, typeCheck: true, typesDir: types });
    expect(completing.complete("ass", 3).matches).toContain("assist");
    expect(lazyOf(completing).complete).toBe(true);
  });

  it("the rest loads in the background once the compiler is quiet, with spelling suggestions then", async () => {
    const { root, types, prelude } = toyPrelude();
    const compiler = new CellCompiler({ cwd: root, preludeTypes: prelude, typeCheck: true, typesDir: types });
    await compiler.warmUp();
    const lazy = lazyOf(compiler);
    for (let waited = 0; !lazy.complete && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    expect(lazy.complete).toBe(true);
    const typo = compile(compiler, "asist(1)");
    expect(typo.ok).toBe(false);
    if (!typo.ok) expect(typo.evalue).toContain("Did you mean 'assist'?");
  });
});

describe("lazy prelude: consolidated", () => {
  it("once loaded, the module files become the one bundle file: the same types, and the documentation", async () => {
    const { root, types, prelude } = toyPrelude();
    const compiler = new CellCompiler({ cwd: root, preludeTypes: prelude, typeCheck: true, typesDir: types });
    expect(compile(compiler, "const t = tensor([1]);").ok).toBe(true);
    const lazy = lazyOf(compiler);
    lazy.consolidate(); // not before everything is loaded
    expect(lazy.consolidated).toBe(false);
    lazy.loadAll();
    lazy.consolidate();
    expect(lazy.consolidated).toBe(true);
    const files = (compiler as unknown as { host: { checkProgram(): { getSourceFiles(): Array<{ fileName: string }> } } }).host.checkProgram().getSourceFiles().map((f) => f.fileName);
    expect(files.filter((f) => f.includes(`${path.sep}prelude${path.sep}`))).toEqual([]);
    expect(files).toContain(path.join(types, "prelude.d.ts"));
    expect(compile(compiler, "const y: Tensor = new nn.Linear(1, 1).forward(t.relu());\nconst n: string = assist(y.shape.length);").ok).toBe(true);
    expect(compile(compiler, "const bad: number = assist(1);").ok).toBe(false);
    const shown = compiler.inspect("tensor", 3, 0);
    expect(shown.found).toBe(true);
    expect(JSON.stringify(shown.data)).toContain("Makes a tensor from numbers.");
  });
});

describe("lazy prelude: the library's own prelude", () => {
  const dist = path.resolve("dist");
  const preludeTypes = path.join(dist, "visualizers", "prelude.d.ts");
  const built = existsSync(path.join(dist, "types", "manifest.json")) && existsSync(preludeTypes);

  it.skipIf(!built)("a first cell starts from a few modules: Tensor's declarations do not pull in the backend's", () => {
    // Every module the kernel loads before the first cell costs start-up time. The augmenting
    // modules come with what they import; a type import of backend/index from lib/tensor.ts
    // once made that 61 modules (the kernel's interfaces) and the first cell 0.2 s slower.
    const compiler = new CellCompiler({ cwd: tempDir(), preludeTypes, typeCheck: true, typesDir: path.join(dist, "types") });
    expect(compile(compiler, "const a: number = 1;").ok).toBe(true);
    const loaded = lazyOf(compiler).loadedModules;
    expect(loaded.filter((m) => m.includes("/backend/") && !m.endsWith("/wasm/resident") && !m.endsWith("/kernels/activation"))).toEqual([]);
    expect(loaded.length).toBeLessThanOrEqual(10);
  });

  it.skipIf(!built)("every global name has the same type as with the whole prelude loaded", () => {
    const bundle = findPreludeBundle(preludeTypes, path.join(dist, "types"));
    expect(bundle?.lazy).toBeDefined();
    const names = Object.keys(bundle!.lazy!.names);
    expect(names.length).toBeGreaterThan(200);
    const lazy = new CellCompiler({ cwd: tempDir(), preludeTypes, typeCheck: true, typesDir: path.join(dist, "types") });
    // No bundle there: the prelude's declaration files are read and loaded whole.
    const whole = new CellCompiler({ cwd: tempDir(), preludeTypes, typeCheck: true, typesDir: tempDir() });
    const said = (compiler: CellCompiler, name: string): string => {
      // The error message spells out the name's type (or says it is only a type).
      const r = compile(compiler, `${name} satisfies never;`);
      return r.ok ? "ok" : r.evalue;
    };
    const differ: string[] = [];
    for (const name of names) {
      // (Whole, a namespace's type names its file; in the bundle, its module.)
      const a = said(lazy, name), b = said(whole, name).split(`"${dist}${path.sep}`).join('"gradlab:');
      if (a !== b) differ.push(`${name}:\n  lazy:  ${a}\n  whole: ${b}`);
    }
    expect(differ).toEqual([]);
    // Each probe loaded only what its name needs: by the last, not everything was loaded.
    expect(lazyOf(lazy).loadedModules.length).toBeLessThan(Object.keys(bundle!.lazy!.modules).length);
  });
});
