// Turns a cell (TypeScript, parsed as a module) into the classic script the executor runs:
//
//   (async () => { "use strict"; <cell> ; return { value, hasValue } })()
//
// Top-level declarations are published to per-name boxes (never lexical bindings), so later
// cells see them and re-running a cell that declares `const x` is not a redeclaration: the
// wrapper fetches each declared name's box (`globalThis.__gradlab_binding__(name)`, which keeps
// the name a global property too) and references to the binding become `<box>.v`
// (cell-names.ts `findBoxedReferences`). Imports become `await globalThis.__gradlab_import__(specifier)`.
// Runs as an `after` transformer: TypeScript has already erased types and lowered enums and
// namespaces to `var E; (function (E) {...})(E || (E = {}))`, so only JavaScript is handled.
// fast-emit.ts produces the same script for checked cells by splicing text: a change to the
// semantics here must be made there too (test/kernel/compiler/fast-emit.test.ts compares them).
import type TS from "typescript";
import { BINDING_FUNCTION, bindingNames, boxVariable, findBoxedReferences, Use, type BoxedReferences } from "./cell-names.js";
import { typescript } from "./typescript-loader.js";

export const IMPORT_FUNCTION = "__gradlab_import__";
export const MODULE_TEMP = "__gradlab_module";
export const RESULT_PARAM = "__gradlab_result";
/** The result maker the cell's function is called with (as the transformer builds it below). */
export const RESULT_FACTORY = "(...v) => ({ value: v[0], hasValue: v[0] !== void 0 })";

export interface TranspiledCell {
  js: string;
  /** Source map "mappings" of `js` relative to the cell text. */
  mappings: string;
  diagnostics: TS.Diagnostic[];
}

let compilerOptions: TS.CompilerOptions | undefined;
function transpileOptions(): TS.CompilerOptions {
  const ts = typescript();
  compilerOptions ??= {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleDetection: ts.ModuleDetectionKind.Force, // top-level await parses in every cell
    // Keep every value import: a name imported in one cell may only be used in a later one.
    verbatimModuleSyntax: true,
    esModuleInterop: true,
    sourceMap: true,
    inlineSources: false,
    removeComments: false,
    useDefineForClassFields: true,
    experimentalDecorators: false,
  };
  return compilerOptions;
}

/** Compiles a cell on its own (type checking off): a throwaway single-file program. */
export function transpileCell(code: string, fileName: string): TranspiledCell {
  const ts = typescript();
  const out = ts.transpileModule(code, {
    fileName,
    compilerOptions: transpileOptions(),
    reportDiagnostics: true,
    transformers: { after: [cellScriptTransformer] },
  });
  return { ...finishOutput(out.outputText, out.sourceMapText), diagnostics: out.diagnostics ?? [] };
}

/**
 * Emits a cell from the program that just type-checked it: no second parse, program or
 * checker. The program's options must keep every import (`verbatimModuleSyntax`) and emit
 * source maps.
 */
export function emitCheckedCell(program: TS.Program, file: TS.SourceFile): TranspiledCell {
  let js = "";
  let map: string | undefined;
  const result = program.emit(file, (name, text) => {
    if (name.endsWith(".map")) map = text;
    else if (/\.[cm]?js$/.test(name)) js = text;
  }, undefined, false, { after: [cellScriptTransformer] });
  return { ...finishOutput(js, map), diagnostics: [...result.diagnostics] };
}

function finishOutput(outputText: string, sourceMapText: string | undefined): { js: string; mappings: string } {
  const js = outputText.replace(/\n?\/\/# sourceMappingURL=.*\s*$/, "\n");
  const mappings = sourceMapText ? (JSON.parse(sourceMapText) as { mappings: string }).mappings : "";
  return { js, mappings };
}

export function cellScriptTransformer(context: TS.TransformationContext): TS.Transformer<TS.SourceFile> {
  const ts = typescript();
  const f = context.factory;
  const globalProp = (name: string) => f.createPropertyAccessExpression(f.createIdentifier("globalThis"), name);
  let boxes: BoxedReferences = { names: [], globals: [], refs: new Map(), named: new Map() };
  const boxValue = (name: string) => f.createPropertyAccessExpression(f.createIdentifier(boxVariable(name)), "v");
  // A top-level declaration publishes to its box (a name TypeScript generated is no box: a global).
  const assignGlobal = (name: string, value: TS.Expression) =>
    f.createExpressionStatement(f.createAssignment(boxes.names.includes(name) ? boxValue(name) : globalProp(name), value));

  const nameStart = (id: TS.Identifier): number => {
    try {
      return ts.getOriginalNode(id).getStart();
    } catch {
      return id.end - id.text.length; // no parent chain to the source file
    }
  };
  // References to boxed names → `<box>.v` (a called one `(0, <box>.v)`, so it gets no `this`).
  const boxRefs = <T extends TS.Node>(node: T): T => ts.visitEachChild(node, rewrite, context);
  const rewrite = (node: TS.Node): TS.Node => {
    if (ts.isIdentifier(node)) {
      const use = boxes.refs.get(node);
      if (use === undefined) return node;
      const value = ts.setTextRange(boxValue(node.text), node);
      if (use === Use.Value) return value;
      const callee = ts.setTextRange(f.createParenthesizedExpression(f.createComma(f.createNumericLiteral(0), value)), node);
      // V8 places the call at its `(`, which follows the callee's end: map that end to the name
      // (as fast-emit.ts maps the `(`), where the call `f(` was placed.
      if (use === Use.Call) ts.setSourceMapRange(callee, { pos: node.pos, end: nameStart(node) });
      return callee;
    }
    const name = boxes.named.get(node as TS.Expression);
    if (name !== undefined) {
      // `f = () => 1` names the function "f"; a box's property would not: `{ f: () => 1 }.f` does.
      const inner = boxRefs(node as TS.Expression);
      return ts.setTextRange(f.createPropertyAccessExpression(f.createObjectLiteralExpression([f.createPropertyAssignment(name, inner)]), name), node);
    }
    if (ts.isShorthandPropertyAssignment(node) && boxes.refs.has(node.name)) {
      const value = ts.setTextRange(boxValue(node.name.text), node.name);
      const init = node.objectAssignmentInitializer && (ts.visitNode(node.objectAssignmentInitializer, rewrite) as TS.Expression);
      return ts.setTextRange(f.createPropertyAssignment(node.name.text, init ? f.createAssignment(value, init) : value), node);
    }
    return boxRefs(node);
  };
  const withoutModuleModifiers = (mods: readonly TS.ModifierLike[] | undefined) =>
    mods?.filter((m) => m.kind !== ts.SyntaxKind.ExportKeyword && m.kind !== ts.SyntaxKind.DefaultKeyword);

  const importStatements = (st: TS.ImportDeclaration): TS.Statement[] => {
    const spec = (st.moduleSpecifier as TS.StringLiteral).text;
    const load = f.createAwaitExpression(
      f.createCallExpression(globalProp(IMPORT_FUNCTION), undefined, [f.createStringLiteral(spec)]),
    );
    const clause = st.importClause;
    const assigns: TS.Statement[] = [];
    const mod = () => f.createIdentifier(MODULE_TEMP);
    if (clause?.name) {
      // Default-import interop: an ES module's default export, else the CommonJS exports object.
      const dflt = f.createPropertyAccessExpression(mod(), "default");
      assigns.push(assignGlobal(clause.name.text, f.createBinaryExpression(dflt, ts.SyntaxKind.QuestionQuestionToken, mod())));
    }
    const nb = clause?.namedBindings;
    if (nb && ts.isNamespaceImport(nb)) assigns.push(assignGlobal(nb.name.text, mod()));
    if (nb && ts.isNamedImports(nb)) {
      for (const el of nb.elements) {
        const imported = el.propertyName ?? el.name;
        const importedName = ts.isIdentifier(imported) ? imported.text : imported.text;
        assigns.push(assignGlobal(el.name.text, f.createElementAccessExpression(mod(), f.createStringLiteral(importedName))));
      }
    }
    if (assigns.length === 0) return [ts.setTextRange(f.createExpressionStatement(load), st)];
    const decl = f.createVariableStatement(undefined, f.createVariableDeclarationList(
      [f.createVariableDeclaration(MODULE_TEMP, undefined, undefined, load)], ts.NodeFlags.Const));
    return [ts.setTextRange(f.createBlock([ts.setTextRange(decl, st), ...assigns], true), st)];
  };

  const variableStatements = (st: TS.VariableStatement): TS.Statement[] => {
    const list = st.declarationList;
    const names = list.declarations.flatMap((d) => bindingNames(d.name));
    // `var` would hoist to the function wrapping the cell and shadow the global for the whole
    // cell; a block-scoped copy that is published right away behaves like a global `var`.
    const flags = list.flags & ts.NodeFlags.Const ? ts.NodeFlags.Const : ts.NodeFlags.Let;
    const declarations = ts.visitNodes(list.declarations, rewrite, ts.isVariableDeclaration);
    const local = ts.setTextRange(f.createVariableStatement(undefined,
      ts.setTextRange(f.createVariableDeclarationList(declarations, flags), list)), st);
    return [f.createBlock([local, ...names.map((n) => assignGlobal(n, f.createIdentifier(n)))], false)];
  };

  // `import(x)` in a vm script has no module loader behind it (Node throws
  // ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING): route it through the same importer as `import`
  // declarations, so it resolves from the notebook's folder too.
  const importCalls = (node: TS.Node): TS.Node => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const args = ts.visitNodes(node.arguments, importCalls, ts.isExpression);
      return ts.setTextRange(f.createCallExpression(globalProp(IMPORT_FUNCTION), undefined, args.slice(0, 1)), node);
    }
    return ts.visitEachChild(node, importCalls, context);
  };

  const fetchBox = (name: string, reference: boolean) => f.createVariableDeclaration(boxVariable(name), undefined, undefined,
    f.createCallExpression(globalProp(BINDING_FUNCTION), undefined, reference ? [f.createStringLiteral(name), f.createTrue()] : [f.createStringLiteral(name)]));
  const fetchBoxes = (): TS.Statement[] => boxes.names.length + boxes.globals.length === 0 ? [] : [f.createVariableStatement(undefined,
    f.createVariableDeclarationList([...boxes.names.map((n) => fetchBox(n, false)), ...boxes.globals.map((n) => fetchBox(n, true))], ts.NodeFlags.Const))];

  return (source) => {
    const sf = /\bimport\s*\(/.test(source.text) ? ts.visitEachChild(source, importCalls, context) : source;
    boxes = findBoxedReferences(sf.statements);
    const hoisted: TS.Statement[] = [];
    const body: TS.Statement[] = [];
    /** Statements the user wrote as expression statements (candidates for the cell's value). */
    const userStatements = new Set<TS.Statement>();
    for (const original of sf.statements) {
      const st = ts.isImportDeclaration(original) || ts.isExportDeclaration(original) || ts.isVariableStatement(original)
        ? original : boxRefs(original);
      if (ts.isExpressionStatement(st) && ts.isExpressionStatement(ts.getOriginalNode(original))) userStatements.add(st);
      if (ts.isImportDeclaration(st)) body.push(...importStatements(st));
      else if (ts.isExportDeclaration(st)) continue; // `export {}` / re-exports: nothing to run
      else if (ts.isExportAssignment(st)) body.push(ts.setTextRange(f.createExpressionStatement(st.expression), st));
      else if (ts.isFunctionDeclaration(st) && st.body) {
        const fn = ts.setTextRange(f.createFunctionExpression(withoutModuleModifiers(st.modifiers) as TS.Modifier[] | undefined,
          st.asteriskToken, st.name, st.typeParameters, st.parameters, st.type, st.body), st);
        hoisted.push(st.name ? assignGlobal(st.name.text, fn) : f.createExpressionStatement(fn));
      } else if (ts.isClassDeclaration(st)) {
        // TypeScript names an anonymous `export default class {}` (default_1); it stays anonymous
        // here, and parenthesized: a statement starting with `class` would need a name.
        const name = (ts.getOriginalNode(st) as TS.ClassDeclaration).name ? st.name : undefined;
        const cls = ts.setTextRange(f.createClassExpression(withoutModuleModifiers(st.modifiers), name,
          st.typeParameters, st.heritageClauses, st.members), st);
        body.push(ts.setTextRange(name ? assignGlobal(name.text, cls) : f.createExpressionStatement(f.createParenthesizedExpression(cls)), st));
      } else if (ts.isVariableStatement(st)) body.push(...variableStatements(st));
      else if (ts.isExpressionStatement(st) && ts.isStringLiteral(st.expression) && st.expression.text === "use strict") continue;
      else if (ts.isEmptyStatement(st)) continue; // e.g. the `;` before the appended export list
      // What TypeScript erased (type aliases, interfaces, declare, overloads) is no statement:
      // `x\ntype T = …` still has x's value, as `x\nfunction f() {}` does.
      else if (st.kind === ts.SyntaxKind.NotEmittedStatement) continue;
      else body.push(st);
    }
    // Only an expression statement the user wrote is a value (not a lowered enum's IIFE).
    const userExpression = (st: TS.Statement | undefined): st is TS.ExpressionStatement =>
      !!st && ts.isExpressionStatement(st) && userStatements.has(st);
    const last = body[body.length - 1];
    if (userExpression(last)) {
      body[body.length - 1] = ts.setTextRange(f.createReturnStatement(
        f.createCallExpression(f.createIdentifier(RESULT_PARAM), undefined, [last.expression])), last);
    } else {
      body.push(f.createReturnStatement(f.createCallExpression(f.createIdentifier(RESULT_PARAM), undefined, [])));
    }
    // The result maker is a parameter (not a temporary in the cell) so no user function can
    // pick up its name in a stack trace: V8 infers anonymous functions' names from nearby bindings.
    const resultFn = f.createArrowFunction(undefined, undefined, [f.createParameterDeclaration(undefined, f.createToken(ts.SyntaxKind.DotDotDotToken), "v")],
      undefined, f.createToken(ts.SyntaxKind.EqualsGreaterThanToken),
      f.createParenthesizedExpression(f.createObjectLiteralExpression([
        f.createPropertyAssignment("value", f.createElementAccessExpression(f.createIdentifier("v"), 0)),
        f.createPropertyAssignment("hasValue", f.createStrictInequality(f.createElementAccessExpression(f.createIdentifier("v"), 0), f.createVoidZero())),
      ], false)));
    const arrow = f.createArrowFunction([f.createModifier(ts.SyntaxKind.AsyncKeyword)], undefined,
      [f.createParameterDeclaration(undefined, undefined, RESULT_PARAM)], undefined,
      f.createToken(ts.SyntaxKind.EqualsGreaterThanToken),
      f.createBlock([f.createExpressionStatement(f.createStringLiteral("use strict")), ...fetchBoxes(), ...hoisted, ...body], true));
    const run = f.createExpressionStatement(f.createCallExpression(f.createParenthesizedExpression(arrow), undefined, [resultFn]));
    return f.updateSourceFile(sf, [run]);
  };
}
