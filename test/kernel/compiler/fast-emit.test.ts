// fast-emit.ts against TypeScript's own emit (runtime-transform.ts) on the same checked
// SourceFile: same behaviour when run, same stack positions in the cell; plus hand-worked
// checks of the splicing itself (ASI, hoisting, source positions).
import vm from "node:vm";
import type TS from "typescript";
import { describe, expect, it } from "vitest";
import { collectCellNames, findBoxedReferences } from "../../../kernel/compiler/cell-names.js";
import { typescript } from "../../../kernel/compiler/typescript-loader.js";
import { fastEmitCell, fastEmitCellOrThrow, Unsupported } from "../../../kernel/compiler/fast-emit.js";
import { decodeMappings, SourceMapper } from "../../../kernel/compiler/source-map.js";
import { FALLBACK_CORPUS, FAST_CORPUS } from "./fast-emit-corpus.js";
import { checkedProgram, positionOf, runCells, slowEmit, syntaxErrors, type CompiledCell } from "./fast-emit-harness.js";

function fast(code: string): CompiledCell | undefined {
  const { sf } = checkedProgram(code);
  return fastEmitCell(sf, code.length);
}

function whyNotFast(code: string): string {
  try {
    fastEmitCellOrThrow(checkedProgram(code).sf, code.length);
    return "";
  } catch (e) {
    return e instanceof Unsupported ? e.message : `BUG: ${(e as Error).stack}`;
  }
}

/** Parses a script as V8 would run it (throws SyntaxError). */
function parses(js: string): void {
  new vm.Script(js, { filename: "parse-check.js" });
}

const cellsOf = (entry: string | string[]) => (typeof entry === "string" ? [entry] : entry);
const label = (entry: string | string[]) => cellsOf(entry).join(" ⏎⏎ ").slice(0, 90);

describe("fastEmitCell: differential corpus against emitCheckedCell", () => {
  it("the corpus is valid TypeScript syntax and large enough", () => {
    expect(FAST_CORPUS.length + FALLBACK_CORPUS.length).toBeGreaterThanOrEqual(150);
    for (const entry of FAST_CORPUS) for (const cell of cellsOf(entry)) expect(syntaxErrors(cell), cell).toEqual([]);
  });

  it.each(FAST_CORPUS.map((e) => [label(e), e] as const))("%s", async (_name, entry) => {
    const cells = cellsOf(entry);
    const slow = cells.map(slowEmit);
    const quick = cells.map((c) => fast(c));
    for (const s of slow) parses(s.js);
    for (const q of quick) if (q) parses(q.js);
    if (quick.some((q) => !q)) return; // the fallback: coverage is checked below
    const expected = await runCells(slow);
    const actual = await runCells(quick as CompiledCell[]);
    // TypeScript maps its generated import call to a column past the end of the import
    // statement (the delta from the statement's one segment); the splicer maps it to the
    // statement's start. Such frames are compared by line.
    const lastCell = cells[cells.length - 1]!.split("\n");
    const sameLine = (frames: string[] | undefined) => frames?.map((f, i) => {
      const m = / @ (\d+):(\d+)$/.exec(f);
      const e = / @ (\d+):(\d+)$/.exec(expected.frames?.[i] ?? "");
      return m && e && Number(e[2]) > (lastCell[Number(e[1]) - 1]?.length ?? 0) + 1 ? f.replace(/:\d+$/, "") : f;
    });
    expect({ ...actual, frames: sameLine(actual.frames) }).toEqual({ ...expected, frames: sameLine(expected.frames) });
  });

  it("takes the fast path for nearly all of the erasable corpus (no internal errors)", () => {
    const reasons = FAST_CORPUS.flatMap(cellsOf).map((c) => [c, whyNotFast(c)] as const).filter(([, r]) => r !== "");
    expect(reasons.filter(([, r]) => r.startsWith("BUG"))).toEqual([]);
    expect(reasons.length, JSON.stringify(reasons, null, 1)).toBeLessThanOrEqual(FAST_CORPUS.length * 0.03);
  });

  it.each(FALLBACK_CORPUS.map((c) => [c.slice(0, 80), c] as const))("falls back on %s", (_name, code) => {
    expect(syntaxErrors(code).filter((m) => !/new\.target|import\.meta/.test(m))).toEqual([]);
    expect(fast(code)).toBeUndefined();
    expect(whyNotFast(code)).not.toMatch(/^BUG/);
    if (!code.includes("import.meta")) parses(slowEmit(code).js); // import.meta is no script syntax either way
  });
});

describe("fastEmitCell: removing types never changes how the rest parses", () => {
  it("a statement ended by ASI before a removed type stays its own statement", async () => {
    const code = "const foo = () => 'called';\nconst y = foo as unknown\n(foo)()";
    const out = fast(code)!;
    expect(out.js).toContain("const y = __gradlab_b_foo.v;");
    expect(await runCells([out])).toMatchObject({ value: '"called"', hasValue: true });
  });

  it("a removed type-only statement does not join its neighbours", async () => {
    const out = fast("let n = 5\ninterface I { x: number }\n[1, 2].length")!;
    expect(await runCells([out])).toMatchObject({ value: "2", globals: ["n = 5"] });
  });

  it("class fields ended by ASI get their semicolon", async () => {
    const out = fast("class A { a = 1 as number\n  ['b'] = 2 }\nObject.keys(new A())")!;
    expect(await runCells([out])).toMatchObject({ value: '["a", "b"]' });
  });

  it("a cut between two tokens leaves them apart", async () => {
    const out = fast("const s = 1!.toString();\nconst t = [1]!instanceof Array;\n[s, t]")!;
    expect(out.js).toMatch(/1 \.toString\(\)/);
    expect(await runCells([out])).toMatchObject({ value: '["1", true]' });
  });

  it("an arrow's return type spanning lines is removed with its line breaks (`=>` must follow the parameters' line)", async () => {
    const out = fast("const f = (x: number):\n  Promise<number> => Promise.resolve(x);\nawait f(2)")!;
    parses(out.js);
    expect(await runCells([out])).toMatchObject({ value: "2" });
  });
});

describe("fastEmitCell: the runtime transform's semantics", () => {
  it("hoists function declarations as publications to their boxes: earlier calls work, redefinitions reach old callers", async () => {
    const cells = ["const r = sq(7);\nfunction sq(n: number) { return n * n; }\nconst callSq = () => sq(3);\nr", "function sq(n: number) { return -n; }\ncallSq()"];
    const out = cells.map((c) => fast(c)!);
    expect(out[0]!.js.indexOf("__gradlab_b_sq.v = function sq")).toBeGreaterThan(0);
    expect(out[0]!.js.indexOf("__gradlab_b_sq.v = function sq")).toBeLessThan(out[0]!.js.indexOf("const r = (0, __gradlab_b_sq.v)(7)"));
    expect(await runCells(out.slice(0, 1))).toMatchObject({ value: "49" });
    expect(await runCells(out)).toMatchObject({ value: "-3" });
  });

  it("the appended export list is ignored, also when it supplies the last statement's semicolon", async () => {
    const code = "const a = 1;\nfor (const v of [a]) console.log(v)";
    const { text } = checkedProgram(code);
    expect(text).toContain(";export { a }");
    const out = fast(code)!;
    expect(out.js).not.toContain("export");
    expect(await runCells([out])).toMatchObject({ hasValue: false, logs: ["1"] });
  });

  it("the last expression is the value even when followed by type-only statements and hoisted functions", async () => {
    expect(await runCells([fast("'v'\ntype T = 1;\nfunction g() {}\n;")!])).toMatchObject({ value: '"v"', hasValue: true });
    expect(await runCells([fast("export default 5")!])).toMatchObject({ hasValue: false });
  });
});

describe("fastEmitCell: source positions", () => {
  it("over the whole corpus, every word of the output maps onto the same word in the cell, or is glue mapped to a node's start", () => {
    const ts = typescript();
    const GLUE = new Set(["globalThis", "__gradlab_result", "__gradlab_module", "__gradlab_import__", "let", "const", "return", "await", "default", "v"]);
    let words = 0;
    for (const code of FAST_CORPUS.flatMap(cellsOf)) {
      const out = fast(code);
      if (!out) continue;
      const { sf } = checkedProgram(code);
      const starts = new Set<string>();
      const walk = (n: TS.Node): void => {
        const p = sf.getLineAndCharacterOfPosition(n.getStart(sf));
        starts.add(`${p.line + 1}:${p.character + 1}`);
        n.forEachChild(walk);
      };
      sf.forEachChild(walk);
      // Names the cell declares, and names it assigns a function to (`f = () => 1` → `{ f: () => 1 }.f`).
      const names = new Set([...collectCellNames(sf).declared, ...findBoxedReferences(sf.statements).named.values()]);
      const mapper = new SourceMapper(out.mappings);
      const srcLines = code.split("\n");
      const genLines = out.js.split("\n");
      const scanner = ts.createScanner(ts.ScriptTarget.ES2022, false, ts.LanguageVariant.Standard, out.js);
      const genStarts = [0];
      for (let i = 0; i < out.js.length; i++) if (out.js[i] === "\n") genStarts.push(i + 1);
      for (let tok = scanner.scan(); tok !== ts.SyntaxKind.EndOfFileToken; tok = scanner.scan()) {
        if (tok !== ts.SyntaxKind.Identifier && !(tok >= ts.SyntaxKind.FirstKeyword && tok <= ts.SyntaxKind.LastKeyword)) continue;
        const at = scanner.getTokenStart();
        let line = genStarts.findIndex((s) => s > at);
        line = line < 0 ? genStarts.length : line;
        const col = at - genStarts[line - 1]! + 1;
        if (line === 1 || line >= genLines.length - 1 || /^return __gradlab_result\(\);$/.test(genLines[line - 1]!)) continue; // the wrapper
        const word = scanner.getTokenText();
        const pos = mapper.original(line, col);
        expect(pos, `${word} at ${line}:${col} in ${code}`).toBeDefined();
        const src = srcLines[pos!.line - 1]!.slice(pos!.column - 1);
        words++;
        if (src.startsWith(word)) continue;
        // A boxed reference `<box>.v` maps to the name it replaces; a publication to its statement.
        const boxed = /^__gradlab_b_(.+)$/.exec(word)?.[1];
        if (boxed !== undefined && (names.has(boxed) || src.startsWith(boxed))) continue;
        expect(GLUE.has(word) || names.has(word), `${word} at ${line}:${col} → ${pos!.line}:${pos!.column} in ${JSON.stringify(code)}`).toBe(true);
        expect(starts.has(`${pos!.line}:${pos!.column}`), `${word} → ${pos!.line}:${pos!.column} is no node start in ${JSON.stringify(code)}`).toBe(true);
      }
    }
    expect(words).toBeGreaterThan(2000);
  });

  /** Throws from a cell and returns the mapped frames' positions (through a SourceMapper built from the mappings string). */
  async function framesOf(code: string): Promise<string[]> {
    const out = fast(code);
    if (!out) throw new Error("fell back");
    return (await runCells([out])).frames ?? [];
  }

  it("maps a throw at the top level to the `new` of the Error, also after glue on the same line", async () => {
    const code = "const a: number = 1, b = 2;\nconst c = a + b; if (c > 2) throw new Error('x');";
    expect(await framesOf(code)).toEqual([`<top> @ ${positionOf(code, "new Error")}`]);
  });

  it("maps frames inside hoisted functions, methods and arrows to their own tokens", async () => {
    const code = "class M<T> {\n  run(x: T): never { return fail(String(x)); }\n}\nconst go = (m: M<number>): never => m.run(1);\ngo(new M<number>());\nfunction fail(msg: string): never {\n  throw new Error(msg);\n}";
    expect(await framesOf(code)).toEqual([
      `fail @ ${positionOf(code, "new Error")}`,
      `M.run @ ${positionOf(code, "fail(String")}`,
      `go @ ${positionOf(code, "run(1)")}`,
      `<top> @ ${positionOf(code, "go(new")}`,
    ]);
  });

  it("maps columns after removed types on the same line exactly", async () => {
    const code = "const v = (1 as number) + (2 satisfies number) + [3]!.length; const w: Array<number> = []; (w as any).nope();";
    expect(await framesOf(code)).toEqual([`<top> @ ${positionOf(code, "nope")}`]);
  });

  it("maps an import that throws to its statement; the wrapper's own frames are dropped", async () => {
    const code = "const before = 1;\n  import { x } from 'sync-fail';";
    expect(await framesOf(code)).toEqual([`<top> @ ${positionOf(code, "import")}`]);
  });

  it("the mappings are a valid source map: every copied segment points at the same text in the cell", () => {
    const code = "type T = { a: number };\nconst o: T = { a: 1 }; // c\nfunction f<U>(u: U): U { return u; }\nclass C implements Iterable<number> { *[Symbol.iterator]() { yield o.a; } }\nf(o).a";
    const out = fast(code)!;
    const { sf } = checkedProgram(code);
    const statementStarts = new Set(sf.statements.map((st) => { const p = sf.getLineAndCharacterOfPosition(st.getStart(sf)); return `${p.line}:${p.character}`; }));
    const genLines = out.js.split("\n");
    const srcLines = code.split("\n");
    // Pieces of a boxed reference (`(0, __gradlab_b_f.v)(`, `: __gradlab_b_o.v`) map to the name.
    const boxGlue = (gen: string, sl: number, sc: number) =>
      /^(?:\(|0, |: |__gradlab_b_[\w$]+\.|v\)?)$/.test(gen) && /^[\w$]/.test(srcLines[sl]!.slice(sc));
    const lines = decodeMappings(out.mappings);
    let checked = 0;
    lines.forEach((segs, g) => {
      for (let i = 0; i < segs.length; i++) {
        const [gc, sl, sc] = segs[i]!;
        const next = segs[i + 1]?.[0] ?? genLines[g]!.length;
        const gen = genLines[g]!.slice(gc, next);
        // A segment is either copied text (identical, maybe followed by the space a cut leaves)
        // or glue mapped to its statement's start.
        const copied = gen.length > 1 ? gen.trimEnd() : gen;
        if (copied === srcLines[sl]!.slice(sc, sc + copied.length)) checked++;
        else expect(statementStarts.has(`${sl}:${sc}`) || /^[\s;]+$/.test(gen) || boxGlue(gen, sl, sc), `${gen} vs ${srcLines[sl]!.slice(sc, sc + gen.length)}`).toBe(true);
      }
    });
    expect(checked).toBeGreaterThan(10);
    const mapper = new SourceMapper(out.mappings);
    const call = "(0, __gradlab_b_f.v)(__gradlab_b_o.v).a";
    const genLine = genLines.findIndex((l) => l.includes(call));
    expect(mapper.original(genLine + 1, genLines[genLine]!.indexOf(call) + 1)).toEqual({ line: 5, column: 1 });
    // V8 places the call at its `(`: that maps to the called name too.
    expect(mapper.original(genLine + 1, genLines[genLine]!.indexOf(call) + "(0, __gradlab_b_f.v)".length + 1)).toEqual({ line: 5, column: 1 });
    // The argument maps to itself.
    expect(mapper.original(genLine + 1, genLines[genLine]!.indexOf("__gradlab_b_o.v") + 1)).toEqual({ line: 5, column: 3 });
  });
});

describe("boxed references: the scope walk agrees with the type checker's name resolution", () => {
  /** Identifiers the checker resolves to one of the cell's boxed top-level declarations (outside that declaration's own statement). */
  function checkerRefs(code: string): string[] {
    const ts = typescript();
    const { program, sf } = checkedProgram(code);
    const checker = program.getTypeChecker();
    const { names } = findBoxedReferences(sf.statements);
    // Each boxed declaration → the top-level statement it belongs to.
    const owner = new Map<TS.Node, TS.Statement>();
    for (const st of sf.statements) {
      if (ts.canHaveModifiers(st) && ts.getModifiers(st)?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)) continue;
      const mark = (n: TS.Node): void => { owner.set(n, st); n.forEachChild(mark); };
      if (ts.isVariableStatement(st) || ts.isImportDeclaration(st)) mark(st);
      else if (ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) owner.set(st, st); // overloads too
    }
    const out: string[] = [];
    const visit = (n: TS.Node): void => {
      if (ts.isTypeNode(n) && !ts.isExpressionWithTypeArguments(n)) return;
      if (ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n) || ts.isExportDeclaration(n) || ts.isImportDeclaration(n)) return;
      if (ts.isHeritageClause(n) && n.token === ts.SyntaxKind.ImplementsKeyword) return;
      if (ts.isIdentifier(n) && names.includes(n.text)) {
        const parent = n.parent;
        const symbol = ts.isShorthandPropertyAssignment(parent) && parent.name === n
          ? checker.getShorthandAssignmentValueSymbol(parent) : checker.getSymbolAtLocation(n);
        // Bindings only: a property named like a binding (`packed.mean` after `{ mean }`) is no reference.
        const decls = (symbol?.declarations ?? []).filter((d) => !ts.isInterfaceDeclaration(d) && !ts.isTypeAliasDeclaration(d));
        const bindings = decls.every((d) => ts.isVariableDeclaration(d) || ts.isBindingElement(d) || ts.isFunctionDeclaration(d) ||
          ts.isClassDeclaration(d) || ts.isImportClause(d) || ts.isNamespaceImport(d) || ts.isImportSpecifier(d) || ts.isParameter(d) ||
          ts.isFunctionExpression(d) || ts.isClassExpression(d));
        const isDeclarationName = decls.some((d) => (d as TS.NamedDeclaration).name === n);
        // The statement that declares a name holds it locally: its own initializers, a class's or function's own name.
        const inOwnStatement = decls.some((d) => { const st = owner.get(d); return st !== undefined && n.pos >= st.pos && n.end <= st.end; });
        if (bindings && decls.length > 0 && decls.every((d) => owner.has(d)) && !isDeclarationName && !inOwnStatement) {
          const p = sf.getLineAndCharacterOfPosition(n.getStart(sf));
          out.push(`${n.text}@${p.line + 1}:${p.character + 1}`);
        }
      }
      n.forEachChild(visit);
    };
    sf.forEachChild(visit);
    return out.sort();
  }

  function walkRefs(code: string): string[] {
    const { sf } = checkedProgram(code);
    const { names, refs } = findBoxedReferences(sf.statements);
    return [...refs.keys()].filter((n) => names.includes(n.text)).map((n) => {
      const p = sf.getLineAndCharacterOfPosition(n.getStart(sf));
      return `${n.text}@${p.line + 1}:${p.character + 1}`;
    }).sort();
  }

  it("a name used but not declared by the cell is never one the checker finds declared in it", () => {
    let free = 0;
    for (const code of FAST_CORPUS.flatMap(cellsOf)) {
      const { program, sf } = checkedProgram(code);
      const checker = program.getTypeChecker();
      const ts = typescript();
      const { names, refs } = findBoxedReferences(sf.statements);
      for (const [id] of refs) {
        if (names.includes(id.text)) continue;
        free++;
        const parent = id.parent;
        const symbol = ts.isShorthandPropertyAssignment(parent) && parent.name === id ? checker.getShorthandAssignmentValueSymbol(parent) : checker.getSymbolAtLocation(id);
        const local = (symbol?.declarations ?? []).filter((d) => d.getSourceFile() === sf);
        expect(local.map((d) => `${id.text} declared at ${d.pos}`), code).toEqual([]);
      }
    }
    expect(free).toBeGreaterThan(100);
  });

  it("over every cell of the corpus", () => {
    let compared = 0;
    for (const code of FAST_CORPUS.flatMap(cellsOf)) {
      if (fast(code) === undefined) continue; // TypeScript's emit: walked on its transformed tree
      expect(walkRefs(code), code).toEqual(checkerRefs(code));
      compared += walkRefs(code).length;
    }
    expect(compared).toBeGreaterThan(300);
  });
});
