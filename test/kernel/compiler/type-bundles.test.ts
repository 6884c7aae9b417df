// The build-time type bundles (kernel/compiler/type-bundles.ts) must change nothing a cell
// sees: the prelude bundle against the prelude's own declaration files (dist/, so `npm run
// build` first), the comment-free variants against the full ones, the lib bundle against
// bundledLib(). Programs are built with the kernel's compiler options.
import { cpSync, mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type TS from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundledLib } from "../../../kernel/compiler/host-types.js";
import { KERNEL_GLOBALS, MINIMAL_HOST_GLOBALS } from "../../../kernel/compiler/kernel-globals.js";
import { bundleEntrySymbol, findLibBundle, findPreludeBundle, stripComments, writeTypeBundles, type WrittenBundles } from "../../../kernel/compiler/type-bundles.js";
import { typescript } from "../../../kernel/compiler/typescript-loader.js";
import { removeTempDirs, tempDir } from "../../temp-dirs.js";

afterAll(removeTempDirs);

/**
 * A temporary directory whose packages resolve like the repository's (a node_modules link):
 * bundles written there import vega and Node's types, found by walking up from the file.
 */
function tempProject(): string {
  const dir = tempDir("gradlab-type-bundles-");
  symlinkSync(path.resolve(import.meta.dirname, "..", "..", "..", "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

const ts = typescript();
const repo = path.resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const dist = path.join(repo, "dist");
const distPrelude = path.join(dist, "visualizers", "prelude.d.ts");

const kernelOptions = (): TS.CompilerOptions => ({
  target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
  moduleDetection: ts.ModuleDetectionKind.Force, noLib: true, types: [], strict: true, skipLibCheck: true,
  esModuleInterop: true, allowImportingTsExtensions: true, resolveJsonModule: true, verbatimModuleSyntax: true, noEmit: true,
});

/** A program over in-memory files (absolute paths) plus whatever they reach on disk. */
function program(virtual: Map<string, string>, options: TS.CompilerOptions = kernelOptions()): TS.Program {
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (f, lang, ...rest) => {
    const text = virtual.get(f);
    return text !== undefined ? ts.createSourceFile(f, text, lang, true) : getSourceFile(f, lang, ...rest);
  };
  const fileExists = host.fileExists.bind(host), readFile = host.readFile.bind(host);
  host.fileExists = (f) => virtual.has(f) || fileExists(f);
  host.readFile = (f) => virtual.get(f) ?? readFile(f);
  return ts.createProgram([...virtual.keys()], options, host);
}

// Virtual files live in the repo so "gradlab" resolves to dist/ by the package's self-reference.
const v = (name: string) => path.join(repo, name);
const LIB = v("__gradlab_lib__.d.ts"), NS = v("__gradlab_prelude__.d.ts"), GLOBALS = v("__gradlab_globals__.d.ts"), CELL = v("__gradlab_cell__.ts");

const RESERVED = new Set(("break case catch class const continue debugger default delete do else enum export extends false finally for " +
  "function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static " +
  "implements interface package private protected public await").split(" "));

type Setup = "files" | "bundle" | "bundle-nocomments";
let written: WrittenBundles;
let out: string;

/** The files a setup adds, and the specifier of its prelude module. */
function setupFiles(setup: Setup): { files: Map<string, string>; specifier: string } {
  const files = new Map<string, string>([[LIB, bundledLib()], [v("__gradlab_host_globals__.d.ts"), MINIMAL_HOST_GLOBALS]]);
  if (setup === "files") {
    files.set(distPrelude, readFileSync(distPrelude, "utf8")); // a root, as the bundle is
    return { files, specifier: distPrelude.replace(/\.d\.ts$/, ".js") };
  }
  const bundle = setup === "bundle" ? written.prelude!.full : written.prelude!.nocomments;
  files.set(written.prelude!.full, readFileSync(bundle, "utf8")); // one name whichever text, as the kernel will do
  return { files, specifier: written.prelude!.entry };
}

function preludeModule(p: TS.Program, setup: Setup, specifier: string): TS.Symbol {
  const checker = p.getTypeChecker();
  const sym = setup === "files" ? checker.getSymbolAtLocation(p.getSourceFile(distPrelude)!) : bundleEntrySymbol(checker, specifier);
  if (!sym) throw new Error(`no prelude module in the ${setup} program`);
  return sym;
}

/**
 * Printed types name a type outside the scope by a module path, which the checker picks among
 * the modules that export it (dist/lib/index for the files, the declaring module for the
 * bundle): such qualifiers are dropped (describeSymbol records where a symbol is declared), and
 * unique-symbol property names lose their symbol ids.
 */
const normalize = (s: string) => s.split(`"${dist}/`).join('"gradlab:').replace(/import\("[^"]*"\)\./g, "").replace(/__@(\w+)@\d+/g, "__@$1");

/** The module a declaration belongs to, by bundle id (files map to the same ids). */
function moduleOf(decl: TS.Declaration): string {
  let top: TS.Node = decl;
  while (top.parent && !ts.isSourceFile(top.parent)) top = top.parent;
  if (ts.isModuleDeclaration(top) && ts.isStringLiteral(top.name) && top.name.text.startsWith("gradlab:")) return top.name.text;
  const file = decl.getSourceFile().fileName;
  return file.startsWith(dist + "/") ? `gradlab:${file.slice(dist.length + 1).replace(/\.d\.ts$/, "")}` : path.basename(file);
}

/** A symbol in enough depth to tell two declarations apart: its type, members and signatures. */
function describeSymbol(checker: TS.TypeChecker, sym: TS.Symbol, at: TS.Node): string {
  const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
  const lines = [`${sym.name} flags=${target.flags} declared in ${(target.declarations ?? []).map(moduleOf).join(", ")}`];
  const describeType = (label: string, type: TS.Type) => {
    lines.push(`${label}: ${checker.typeToString(type, at, ts.TypeFormatFlags.NoTruncation)}`);
    for (const s of type.getCallSignatures()) lines.push(`  call ${checker.signatureToString(s, at, ts.TypeFormatFlags.NoTruncation)}`);
    for (const s of type.getConstructSignatures()) lines.push(`  new ${checker.signatureToString(s, at, ts.TypeFormatFlags.NoTruncation)}`);
    for (const p of type.getProperties()) lines.push(`  .${p.name}: ${checker.typeToString(checker.getTypeOfSymbolAtLocation(p, at), at, ts.TypeFormatFlags.NoTruncation)}`);
  };
  if (target.flags & ts.SymbolFlags.Value) describeType("value", checker.getTypeOfSymbolAtLocation(target, at));
  if (target.flags & (ts.SymbolFlags.Type & ~ts.SymbolFlags.Value | ts.SymbolFlags.Class | ts.SymbolFlags.Interface)) describeType("type", checker.getDeclaredTypeOfSymbol(target));
  return normalize(lines.join("\n"));
}

function preludeExports(setup: Setup): Map<string, string> {
  const { files, specifier } = setupFiles(setup);
  files.set(CELL, "export {};\n");
  const p = program(files);
  const checker = p.getTypeChecker();
  const at = p.getSourceFile(CELL)!;
  return new Map(checker.getExportsOfModule(preludeModule(p, setup, specifier)).map((s) => [s.name, describeSymbol(checker, s, at)]));
}

/** A cell's diagnostics with the prelude's exports as globals, the kernel's way. */
function cellDiagnostics(setup: Setup, cells: string[]): string[][] {
  const { files, specifier } = setupFiles(setup);
  files.set(NS, `export * from ${JSON.stringify(specifier)};\nexport as namespace __gradlab_prelude__;\n`);
  files.set(CELL, "export {};\n");
  const first = program(files);
  // As the kernel does: names that cannot be global aliases (the reserved `var`) are left out.
  const exported = first.getTypeChecker().getExportsOfModule(preludeModule(first, setup, specifier)).map((s) => s.name)
    .filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && !RESERVED.has(n));
  files.set(GLOBALS, [...KERNEL_GLOBALS.map((g) => g.text), ...exported.map((n) => `import ${n} = __gradlab_prelude__.${n};`)].join("\n"));
  return cells.map((cell) => {
    files.set(CELL, cell);
    const p = program(files);
    const sf = p.getSourceFile(CELL)!;
    return [...p.getSyntacticDiagnostics(sf), ...p.getSemanticDiagnostics(sf)].map((d) => {
      const { line, character } = sf.getLineAndCharacterOfPosition(d.start ?? 0);
      return `${line + 1}:${character + 1} TS${d.code} ${normalize(ts.flattenDiagnosticMessageText(d.messageText, "\n"))}`;
    });
  });
}

beforeAll(() => {
  out = tempProject();
  written = writeTypeBundles(out, distPrelude);
  if (!written.prelude) throw new Error(`the prelude was not bundled: ${written.preludeError}`);
});

describe("type bundles: the ES library", () => {
  it("lib.d.ts is exactly bundledLib()'s text, and neither variant has comments or references", () => {
    expect(readFileSync(written.lib.full, "utf8")).toBe(bundledLib());
    const bare = readFileSync(written.lib.nocomments, "utf8");
    expect(bare.length).toBeLessThan(bundledLib().length / 2);
    expect(bare).not.toMatch(/\/\/\/\s*<reference/);
    // No comment survives: TypeScript finds no comment before any token.
    const sf = ts.createSourceFile("lib.d.ts", bare, ts.ScriptTarget.ES2022, true);
    let comments = 0;
    const walk = (n: TS.Node): void => {
      comments += (ts.getLeadingCommentRanges(bare, n.pos) ?? []).length;
      n.getChildren(sf).forEach(walk);
    };
    walk(sf);
    expect(comments).toBe(0);
  });

  it("the comment-free lib declares the same globals with the same types", () => {
    const globalsOf = (text: string) => {
      const file = v("__lib_check__.ts");
      const p = program(new Map([[LIB, text], [file, "export {};\n"]]));
      const checker = p.getTypeChecker();
      const at = p.getSourceFile(file)!;
      const syms = checker.getSymbolsInScope(at, ts.SymbolFlags.Value | ts.SymbolFlags.Type | ts.SymbolFlags.Namespace);
      return new Map(syms.map((s) => [s.name, describeSymbol(checker, s, at)]));
    };
    const full = globalsOf(bundledLib());
    const bare = globalsOf(readFileSync(written.lib.nocomments, "utf8"));
    expect(full.size).toBeGreaterThan(150);
    expect([...bare.keys()].sort()).toEqual([...full.keys()].sort());
    for (const [name, d] of full) expect(bare.get(name), name).toBe(d);
  });

  it("findLibBundle finds it for this TypeScript version only", () => {
    expect(findLibBundle(out)).toEqual({ full: written.lib.full, nocomments: written.lib.nocomments });
    const other = tempDir("gradlab-type-bundles-");
    cpSync(out, other, { recursive: true, filter: (src) => path.basename(src) !== "node_modules" });
    const manifest = JSON.parse(readFileSync(path.join(other, "manifest.json"), "utf8")) as { typescript: string };
    writeFileSync(path.join(other, "manifest.json"), JSON.stringify({ ...manifest, typescript: "0.0.1" }));
    expect(findLibBundle(other)).toBeUndefined();
    expect(findLibBundle(path.join(other, "missing"))).toBeUndefined();
  });
});

describe("type bundles: stripComments", () => {
  it("removes every kind of comment and keeps line breaks where they separate statements", () => {
    const text = "/// <reference lib=\"es2020\" />\n/** Doc. */\nexport declare const a: number; // trailing\n\n\n/* block */ type T = /* inline */ 1;\n" +
      "declare let b: string /* a\nline break */ declare let c: T\n";
    expect(stripComments(text)).toBe("export declare const a: number;\ntype T = 1;\ndeclare let b: string\ndeclare let c: T\n");
  });

  it("leaves comment-like text inside strings and template literal types alone", () => {
    const text = "type U = `a/*${string}*/b`; // x\nexport declare const s: \"// not a comment\";\n";
    expect(stripComments(text)).toBe("type U = `a/*${string}*/b`;\nexport declare const s: \"// not a comment\";\n");
  });
});

describe("type bundles: the prelude", () => {
  let files: Map<string, string>, bundle: Map<string, string>, bare: Map<string, string>;
  beforeAll(() => {
    files = preludeExports("files");
    bundle = preludeExports("bundle");
    bare = preludeExports("bundle-nocomments");
  });

  it("is one script of ambient modules: no relative specifier, no top-level import or export", () => {
    for (const f of [written.prelude!.full, written.prelude!.nocomments]) {
      const text = readFileSync(f, "utf8");
      const sf = ts.createSourceFile(f, text, ts.ScriptTarget.ES2022, true);
      expect(ts.isExternalModule(sf)).toBe(false);
      expect(sf.statements.every((s) => ts.isModuleDeclaration(s) && ts.isStringLiteral(s.name))).toBe(true);
      expect(text).not.toMatch(/from "\.\.?\//);
    }
    expect(written.prelude!.modules).toBeGreaterThan(50);
    expect(readFileSync(written.prelude!.nocomments, "utf8")).not.toMatch(/\/\*\*/);
  });

  it("exports the same names with the same types as dist/visualizers/prelude.d.ts", () => {
    expect(files.size).toBeGreaterThan(100);
    expect([...bundle.keys()].sort()).toEqual([...files.keys()].sort());
    for (const [name, d] of files) expect(bundle.get(name), name).toBe(d);
  });

  it("the comment-free variant declares the same", () => {
    expect([...bare.keys()].sort()).toEqual([...files.keys()].sort());
    for (const [name, d] of bundle) expect(bare.get(name), name).toBe(d);
  });

  it("has no diagnostics of its own (skipLibCheck off, with the packages it imports)", () => {
    for (const f of [written.prelude!.full, written.prelude!.nocomments]) {
      const p = program(new Map([[LIB, bundledLib()], [v("__gradlab_host_globals__.d.ts"), MINIMAL_HOST_GLOBALS], [f, readFileSync(f, "utf8")]]), { ...kernelOptions(), skipLibCheck: false });
      const sf = p.getSourceFile(f)!;
      const diags = [...p.getSyntacticDiagnostics(sf), ...p.getSemanticDiagnostics(sf)]
        .map((d) => `${sf.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
      expect(diags).toEqual([]);
    }
  });

  it("realistic cells get identical diagnostics against the files and both bundles", () => {
    const ok = [
      "const x = randn([64, 784]);\nconst w = randn([784, 10], { requiresGrad: true });\nconst y = x.matmul(w).relu();\nconst s: number = y.sum().item();",
      "const t = tensor([[1, 2], [3, 4]]);\nconst shape: readonly number[] = t.shape;\nconst z = zeros([2, 2]).add(t).mul(2);\nz.toArray();",
      "const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2));\nconst out = model.forward(randn([3, 4]));\nconst n = [...model.parameters()].length;",
      "const model = new nn.Linear(4, 2);\nconst opt = new optim.Adam(model.parameters(), { lr: 1e-3 });\nconst loss = F.crossEntropy(model.forward(randn([8, 4])), tensor([0, 1, 0, 1, 0, 1, 0, 1]));\nloss.backward();\nopt.step();\nopt.zeroGrad();",
      "const r = summary(new nn.Linear(2, 2));\ndisplay(r);\nconst h = display.html('<b>x</b>');\nh.update(plot.line([1, 2, 3]));",
      "const live = new Live();\nlive.log({ loss: 0.5 });\ndisplay(confusionMatrix([0, 1, 1], [0, 1, 0]));",
      "function firstDim<T extends { shape: readonly number[] }>(x: T): number { return x.shape[0] ?? 0; }\nconst d = firstDim(ones([5, 2]));\nconst grads: Array<Tensor | null> = [tensor([1]).grad];",
      "noGrad(() => randn([2]).mul(3));\nmanualSeed(0);\nconst ds = new data.TensorDataset(randn([10, 2]), randn([10]));\nconst dl = new data.DataLoader(ds, { batchSize: 4 });",
    ];
    const errors = [
      "const s: string = randn([2]).sum().item();",
      "const m = new nn.Linear('4', 2);",
      "tensor([1, 2]).notAMethod();",
      "const o = new optim.Adam(new nn.Linear(1, 1).parameters(), { learningRate: 1 });",
      "display.html(42);",
      "const bad: Tensor = 3;\nplot.line('x');",
      "function id<T extends Tensor>(x: T): T { return x; }\nid(5);",
    ];
    const reference = cellDiagnostics("files", [...ok, ...errors]);
    ok.forEach((_, i) => expect(reference[i], ok[i]).toEqual([]));
    errors.forEach((_, i) => expect(reference[ok.length + i]!.length, errors[i]).toBeGreaterThan(0));
    expect(cellDiagnostics("bundle", [...ok, ...errors])).toEqual(reference);
    expect(cellDiagnostics("bundle-nocomments", [...ok, ...errors])).toEqual(reference);
  });

  it("a cell importing the package gets the prelude's own declarations (one Tensor, not two)", () => {
    expect(findPreludeBundle(distPrelude, out)?.aliases.sort()).toEqual(["gradlab", "gradlab/visualizers"]);
    const cell = 'import { Tensor as T2, nn as nn2 } from "gradlab";\nimport { plot as p2 } from "gradlab/visualizers";\nconst a: T2 = tensor([1]);\nconst b: Tensor = new nn2.Linear(1, 1).weight;\nconst c: typeof plot = p2;';
    expect(cellDiagnostics("files", [cell])).toEqual([[]]);
    expect(cellDiagnostics("bundle-nocomments", [cell])).toEqual([[]]);
  });
});

describe("type bundles: finding the prelude bundle", () => {
  it("only for the prelude it was built from, and only while its files are unchanged", () => {
    const root = tempProject();
    mkdirSync(path.join(root, "dist", "lib"), { recursive: true });
    writeFileSync(path.join(root, "dist", "prelude.d.ts"), 'export * from "./lib/a.js";\n');
    writeFileSync(path.join(root, "dist", "lib", "a.d.ts"), "/** A. */\nexport declare const a: number;\n");
    const types = path.join(root, "dist", "types");
    const w = writeTypeBundles(types, path.join(root, "dist", "prelude.d.ts"));
    expect(readFileSync(w.prelude!.nocomments, "utf8")).toBe('declare module "gradlab:prelude" {\nexport * from "gradlab:lib/a";\n}\ndeclare module "gradlab:lib/a" {\nexport const a: number;\n}\n');
    const found = findPreludeBundle(path.join(root, "dist", "prelude.d.ts"), types);
    expect(found).toMatchObject({ full: w.prelude!.full, nocomments: w.prelude!.nocomments, entry: "gradlab:prelude", aliases: [] });
    expect(found!.sources.sort()).toEqual([path.join(root, "dist", "lib", "a.d.ts"), path.join(root, "dist", "prelude.d.ts")]);
    // Another prelude (GRADLAB_PRELUDE): none.
    expect(findPreludeBundle(path.join(root, "dist", "lib", "a.d.ts"), types)).toBeUndefined();
    // Rewritten with the same content (a plain tsc run): still fresh.
    utimesSync(path.join(root, "dist", "lib", "a.d.ts"), new Date(), new Date(Date.now() + 5000));
    expect(findPreludeBundle(path.join(root, "dist", "prelude.d.ts"), types)).toBeDefined();
    // Changed: stale.
    writeFileSync(path.join(root, "dist", "lib", "a.d.ts"), "/** A. */\nexport declare const a: string;\n");
    expect(findPreludeBundle(path.join(root, "dist", "prelude.d.ts"), types)).toBeUndefined();
  });

  it("rewrites specifiers, import types and augmentations, drops `declare`, hoists references, aliases the package", () => {
    const root = tempProject();
    mkdirSync(path.join(root, "dist", "sub"), { recursive: true });
    writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: "pkg", exports: { ".": { types: "./dist/sub/index.d.ts", default: "./dist/sub/index.js" }, "./p": "./dist/prelude.d.ts" } }));
    writeFileSync(path.join(root, "dist", "prelude.d.ts"), '/// <reference types="node" resolution-mode="require"/>\nexport * from "./sub/index.js";\nexport declare const v: typeof import("./sub/index.js").x;\n');
    writeFileSync(path.join(root, "dist", "sub", "index.d.ts"), 'import type { Spec } from "vega";\nexport declare const x: number;\ndeclare abstract class Hidden {}\nexport default function f(s: Spec): Hidden;\n' +
      'declare module "../prelude.js" {\n    interface Extra { a: 1 }\n}\ndeclare global {\n    var g: number;\n}\n');
    const w = writeTypeBundles(path.join(root, "dist", "types"), path.join(root, "dist", "prelude.d.ts"));
    expect(w.preludeError).toBeUndefined();
    expect(readFileSync(w.prelude!.full, "utf8")).toBe('/// <reference types="node" resolution-mode="require" />\n' +
      'declare module "gradlab:prelude" {\nexport * from "gradlab:sub/index";\nexport const v: typeof import("gradlab:sub/index").x;\n}\n' +
      'declare module "gradlab:sub/index" {\nimport type { Spec } from "vega";\nexport const x: number;\nabstract class Hidden {}\nexport default function f(s: Spec): Hidden;\n' +
      'module "gradlab:prelude" {\n    interface Extra { a: 1 }\n}\nglobal {\n    var g: number;\n}\n}\n' +
      'declare module "pkg" {\nexport * from "gradlab:sub/index";\nexport { default } from "gradlab:sub/index";\n}\n' +
      'declare module "pkg/p" {\nexport * from "gradlab:prelude";\n}\n');
    // And it means what the files meant: no diagnostics, the augmentation and the global arrive.
    const check = v("__bundle_check__.ts");
    const p = program(new Map([[LIB, bundledLib()], [w.prelude!.full, readFileSync(w.prelude!.full, "utf8")],
      [check, 'import f, { x } from "pkg";\nimport type { Extra, v } from "pkg/p";\nconst e: Extra = { a: 1 };\nconst n: number = x + g;\nf(null as any);\n']]), { ...kernelOptions(), skipLibCheck: false, types: [] });
    const diags = [w.prelude!.full, check].flatMap((f) => [...p.getSyntacticDiagnostics(p.getSourceFile(f)), ...p.getSemanticDiagnostics(p.getSourceFile(f))])
      .map((d) => `${d.file?.fileName}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
    expect(diags).toEqual([]);
  });

  it("a prelude that cannot be bundled leaves none (and says why)", () => {
    const root = tempProject();
    writeFileSync(path.join(root, "prelude.d.ts"), 'export * from "./missing.js";\n');
    const w = writeTypeBundles(path.join(root, "types"), path.join(root, "prelude.d.ts"));
    expect(w.prelude).toBeUndefined();
    expect(w.preludeError).toMatch(/"\.\/missing\.js" in .*prelude\.d\.ts does not resolve/);
    expect(findPreludeBundle(path.join(root, "prelude.d.ts"), path.join(root, "types"))).toBeUndefined();
  });
});
