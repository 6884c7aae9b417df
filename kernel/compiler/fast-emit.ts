// Emits a checked cell's script by splicing its text instead of running TypeScript's
// transformers and printer, which rebuild and re-print the whole tree; a splice copies text
// (`node dist/bench/measure-fast-emit.js` gives the ratio). The output behaves exactly like
// emitCheckedCell's (runtime-transform.ts): the same wrapper, hoisted function publications,
// published declarations, import rewrites and result; only the layout differs.
//
// How: one walk over the already-parsed SourceFile copies the text between edits verbatim.
// Edits cut TypeScript-only syntax (types, type arguments, `as`, `!`, TS modifiers, type-only
// statements and members) and insert the runtime transform's glue. Every output piece
// remembers where it came from, so the source map is exact for copied text; glue maps to the
// start of the statement it belongs to. The walk is an allow-list: any node kind or modifier
// it does not handle (enums, namespaces, decorators, parameter properties, `<T>x`, `using`,
// `import x = require()`, ...) makes fastEmitCell return undefined, and the caller emits the
// cell with TypeScript instead.
//
// Removing text must not change how the rest parses: every statement (and class field) that
// ended by automatic semicolon insertion gets an explicit `;` (`a as T\n(b)` must stay two
// statements), and a cut between two non-blank characters leaves a space (`1!.x` → `1 .x`).
import type TS from "typescript";
import { BINDING_FUNCTION, bindingNames, boxVariable, findBoxedReferences, Use, type BoxedReferences } from "./cell-names.js";
import { IMPORT_FUNCTION, MODULE_TEMP, RESULT_FACTORY, RESULT_PARAM, type TranspiledCell } from "./runtime-transform.js";
import { vlq } from "./source-map.js";
import { typescript } from "./typescript-loader.js";

/** Why a cell took the slow path (tests and measurements report it). */
export class Unsupported extends Error {}

/**
 * The cell's script, or undefined when it uses syntax this emitter does not handle (the caller
 * then uses emitCheckedCell). `cellLength` is the length of the user's text: what follows it
 * in `sf` (the export list the check appends) is ignored, as the runtime transform ignores it.
 */
export function fastEmitCell(sf: TS.SourceFile, cellLength: number): TranspiledCell | undefined {
  try {
    return new CellSplicer(sf, cellLength).emit();
  } catch {
    // Unsupported syntax, or a bug here: either way the slow path is correct, and the user
    // never loses the cell to this optimization.
    return undefined;
  }
}

/** Like fastEmitCell, but says why a cell is not handled (throws Unsupported). */
export function fastEmitCellOrThrow(sf: TS.SourceFile, cellLength: number): TranspiledCell {
  return new CellSplicer(sf, cellLength).emit();
}

/** JavaScript white space and \n (other line terminators make the cell fall back). */
const isBlank = (c: number) => c === 32 || c === 10 || c === 9 || c === 11 || c === 12 || c === 0xa0 || c === 0xfeff ||
  (c >= 0x1680 && (c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x202f || c === 0x205f || c === 0x3000));
const isWordChar = (c: number) => c > 127 || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36;

/** What a top-level statement becomes. */
const enum Top { Skip, Erase, Hoist, Var, Class, Import, ExportDefault, Expr, Stmt }

interface Kinds {
  /** Nodes whose children need no edit of their own: walk them generically. */
  generic: Set<number>;
  /** Statements ended by a semicolon (or ASI). */
  semicolon: Set<number>;
}
let kinds: Kinds | undefined;
function nodeKinds(): Kinds {
  if (kinds) return kinds;
  const K = typescript().SyntaxKind;
  kinds = {
    generic: new Set([
      K.Block, K.EmptyStatement, K.IfStatement, K.DoStatement, K.WhileStatement, K.ForStatement, K.ForInStatement,
      K.ForOfStatement, K.ContinueStatement, K.BreakStatement, K.ReturnStatement, K.SwitchStatement, K.LabeledStatement,
      K.ThrowStatement, K.TryStatement, K.DebuggerStatement, K.CaseBlock, K.CatchClause, K.ExpressionStatement,
      K.ArrayLiteralExpression, K.ObjectLiteralExpression, K.PropertyAccessExpression, K.ElementAccessExpression,
      K.ParenthesizedExpression, K.DeleteExpression, K.TypeOfExpression, K.VoidExpression, K.AwaitExpression,
      K.PrefixUnaryExpression, K.PostfixUnaryExpression, K.BinaryExpression, K.ConditionalExpression,
      K.TemplateExpression, K.TemplateSpan, K.YieldExpression, K.SpreadElement, K.OmittedExpression,
      K.ComputedPropertyName, K.PropertyAssignment, K.ShorthandPropertyAssignment, K.SpreadAssignment,
      K.ObjectBindingPattern, K.ArrayBindingPattern, K.BindingElement,
    ]),
    semicolon: new Set([
      K.ExpressionStatement, K.VariableStatement, K.ReturnStatement, K.ThrowStatement, K.BreakStatement,
      K.ContinueStatement, K.DebuggerStatement, K.DoStatement,
    ]),
  };
  return kinds;
}

class CellSplicer {
  private readonly ts = typescript();
  private readonly K = this.ts.SyntaxKind;
  private readonly kinds = nodeKinds();
  private readonly text: string;
  private readonly limit: number;
  /** Source text before `pos` has been handled (copied or cut). */
  private pos = 0;
  private js = "";
  private lastOut = 10;
  // Source map state: the generated position and the previous segment's fields.
  private genCol = 0;
  private mappings = "";
  private lineHasSegment = false;
  private prevGenCol = 0;
  private prevSrcLine = 0;
  private prevSrcCol = 0;
  private readonly rewritesImportCalls: boolean;
  private boxes: BoxedReferences = { names: [], globals: [], refs: new Map(), named: new Map() };

  constructor(private readonly sf: TS.SourceFile, cellLength: number) {
    this.text = sf.text;
    this.limit = Math.min(cellLength, sf.text.length);
    this.rewritesImportCalls = /\bimport\s*\(/.test(this.text);
  }

  emit(): TranspiledCell {
    const { K, text, limit } = this;
    const cell = text.slice(0, limit);
    // Line terminators other than \n would make V8's and the map's line numbers disagree;
    // HTML-like comments are comments in a script but operators in the module TS parsed; a
    // `//# sourceURL=` comment copied into the script would rename it in stack traces.
    if (/[\r\u2028\u2029]|<!--|-->|[#@]\s*source(?:Mapping)?URL\s*=/.test(cell) || cell.startsWith("#!")) {
      throw new Unsupported("line terminators, HTML-like comments, a source URL comment or a shebang");
    }

    const statements = this.sf.statements;
    const plan = statements.map((st) => this.classify(st));
    let valueIndex = -1;
    for (let i = plan.length - 1; i >= 0; i--) {
      const p = plan[i]!;
      if (p === Top.Skip || p === Top.Erase || p === Top.Hoist) continue;
      if (p === Top.Expr) valueIndex = i;
      break;
    }

    // Top-level bindings live in boxes (cell-names.ts): each is fetched once, on the wrapper's line.
    this.boxes = findBoxedReferences(statements);
    const fetch = [
      ...this.boxes.names.map((n) => `${boxVariable(n)} = globalThis.${BINDING_FUNCTION}(${JSON.stringify(n)})`),
      ...this.boxes.globals.map((n) => `${boxVariable(n)} = globalThis.${BINDING_FUNCTION}(${JSON.stringify(n)}, true)`),
    ];
    this.raw(`(async (${RESULT_PARAM}) => { "use strict";${fetch.length ? ` const ${fetch.join(", ")};` : ""}\n`);
    // Function declarations first, published to their boxes (as the transform hoists them).
    for (let i = 0; i < statements.length; i++) {
      if (plan[i] !== Top.Hoist) continue;
      const fn = statements[i] as TS.FunctionDeclaration;
      const start = this.start(fn);
      const keyword = this.keywordStart(fn, fn.modifiers);
      if (!text.startsWith("function", keyword) && !text.startsWith("async", keyword)) throw new Unsupported("function keyword not found");
      this.pos = keyword;
      if (fn.name) this.glue(`${this.target(fn.name.text)} = `, start);
      else this.glue("(", start);
      this.functionLike(fn);
      this.copyTo(fn.end);
      this.glue(fn.name ? ";" : ");", start);
      this.raw("\n");
    }

    this.pos = 0;
    for (let i = 0; i < statements.length; i++) {
      const st = statements[i]!;
      const p = plan[i]!;
      const start = this.start(st);
      switch (p) {
        case Top.Skip: case Top.Erase: case Top.Hoist:
          this.copyTo(start);
          this.pos = Math.max(this.pos, Math.min(st.end, limit));
          break;
        case Top.Var: this.topVariables(st as TS.VariableStatement, start); break;
        case Top.Class: {
          const cls = st as TS.ClassDeclaration;
          this.copyTo(start);
          this.glue(cls.name ? `${this.target(cls.name.text)} = ` : "(", start);
          this.pos = this.keywordStart(cls, cls.modifiers);
          if (!text.startsWith("class", this.pos)) throw new Unsupported("class keyword not found");
          this.classLike(cls);
          this.copyTo(cls.end);
          this.glue(cls.name ? ";" : ");", start);
          break;
        }
        case Top.Import:
          this.copyTo(start);
          this.glue(this.importText(st as TS.ImportDeclaration), start);
          this.pos = Math.min(st.end, limit);
          break;
        case Top.ExportDefault: {
          const expr = (st as TS.ExportAssignment).expression;
          this.copyTo(start);
          this.glue("(", start);
          this.pos = this.start(expr);
          this.visit(expr);
          this.copyTo(expr.end);
          this.glue(");", start);
          this.pos = Math.min(st.end, limit);
          break;
        }
        case Top.Expr:
          if (i === valueIndex) {
            const expr = (st as TS.ExpressionStatement).expression;
            const comma = expr.kind === K.BinaryExpression && (expr as TS.BinaryExpression).operatorToken.kind === K.CommaToken;
            this.copyTo(start);
            this.glue(`return ${RESULT_PARAM}(${comma ? "(" : ""}`, start);
            this.visit(expr);
            this.copyTo(expr.end);
            this.glue(comma ? "));" : ");", start);
            this.pos = Math.min(st.end, limit);
          } else {
            this.statement(st, true);
          }
          break;
        case Top.Stmt: this.statement(st, true); break;
      }
    }
    this.copyTo(limit);
    if (valueIndex < 0) this.raw(`\nreturn ${RESULT_PARAM}();`);
    this.raw(`\n})(${RESULT_FACTORY});\n`);
    return { js: this.js, mappings: this.mappings, diagnostics: [] };
  }

  // ---- top level ----

  private classify(st: TS.Statement): Top {
    const { K, ts } = this;
    const start = this.start(st);
    if (start >= this.limit) {
      if (st.kind === K.EmptyStatement || st.kind === K.ExportDeclaration) return Top.Skip;
      throw new Unsupported("a statement after the cell's text");
    }
    if (st.end > this.limit && !/^\s*;$/.test(this.text.slice(this.limit, st.end))) throw new Unsupported("a statement running past the cell's text");
    const mods = ts.canHaveModifiers(st) ? st.modifiers : undefined;
    let declare = false, isDefault = false;
    for (const m of mods ?? []) {
      if (m.kind === K.DeclareKeyword) declare = true;
      else if (m.kind === K.DefaultKeyword) isDefault = true;
      else if (m.kind !== K.ExportKeyword && m.kind !== K.AsyncKeyword && m.kind !== K.AbstractKeyword) throw new Unsupported(`modifier ${K[m.kind]}`);
    }
    switch (st.kind) {
      case K.FunctionDeclaration: {
        const fn = st as TS.FunctionDeclaration;
        if (declare || !fn.body) return Top.Erase;
        if (!fn.name && !isDefault) throw new Unsupported("anonymous function");
        return Top.Hoist;
      }
      case K.ClassDeclaration: return declare ? Top.Erase : Top.Class;
      case K.VariableStatement: {
        if (declare) return Top.Erase;
        const flags = (st as TS.VariableStatement).declarationList.flags;
        if (flags & ts.NodeFlags.Using) throw new Unsupported("using");
        return Top.Var;
      }
      case K.ImportDeclaration: {
        const imp = st as TS.ImportDeclaration;
        if (imp.importClause?.isTypeOnly) return Top.Erase;
        if (!ts.isStringLiteral(imp.moduleSpecifier)) throw new Unsupported("import specifier");
        return Top.Import;
      }
      case K.ExportDeclaration: return Top.Skip;
      case K.ExportAssignment: {
        const ea = st as TS.ExportAssignment;
        // `export default <name>` is elided when the name is only a type: the checker knows.
        if (ea.isExportEquals || ts.isIdentifier(ea.expression) || ts.isPropertyAccessExpression(ea.expression)) throw new Unsupported("export = / export default <name>");
        return Top.ExportDefault;
      }
      case K.TypeAliasDeclaration: case K.InterfaceDeclaration: return Top.Erase;
      case K.EnumDeclaration: case K.ModuleDeclaration:
        if (declare) return Top.Erase;
        throw new Unsupported(K[st.kind]);
      case K.EmptyStatement: return Top.Skip;
      case K.ExpressionStatement: {
        const e = (st as TS.ExpressionStatement).expression;
        if (ts.isStringLiteral(e) && e.text === "use strict") return Top.Skip;
        return Top.Expr;
      }
    }
    if (mods?.length) throw new Unsupported("modifiers on a statement");
    return Top.Stmt;
  }

  private topVariables(st: TS.VariableStatement, start: number): void {
    const { text } = this;
    const list = st.declarationList;
    const keyword = this.start(list);
    this.copyTo(start);
    this.glue("{ ", start);
    if (text.startsWith("var", keyword)) {
      // `var` would hoist to the cell's function and shadow the global for the whole cell.
      this.pos = keyword + 3;
      this.glue("let", keyword);
    } else if (text.startsWith("let", keyword) || text.startsWith("const", keyword)) {
      this.pos = keyword;
    } else {
      throw new Unsupported("declaration keyword");
    }
    for (const d of list.declarations) this.variableDeclaration(d);
    this.terminate(st, list.end);
    const names = list.declarations.flatMap((d) => bindingNames(d.name));
    let publish = "";
    for (const n of names) publish += ` ${this.target(n)} = ${n};`;
    this.glue(`${publish} }`, start);
  }

  private importText(st: TS.ImportDeclaration): string {
    const { ts } = this;
    const load = `await globalThis.${IMPORT_FUNCTION}(${JSON.stringify((st.moduleSpecifier as TS.StringLiteral).text)})`;
    const clause = st.importClause;
    let assigns = "";
    if (clause?.name) assigns += ` ${this.target(clause.name.text)} = ${MODULE_TEMP}.default ?? ${MODULE_TEMP};`;
    const nb = clause?.namedBindings;
    if (nb && ts.isNamespaceImport(nb)) assigns += ` ${this.target(nb.name.text)} = ${MODULE_TEMP};`;
    if (nb && ts.isNamedImports(nb)) {
      for (const el of nb.elements) {
        if (el.isTypeOnly) continue;
        assigns += ` ${this.target(el.name.text)} = ${MODULE_TEMP}[${JSON.stringify((el.propertyName ?? el.name).text)}];`;
      }
    }
    return assigns ? `{ const ${MODULE_TEMP} = ${load};${assigns} }` : `${load};`;
  }

  /** Where a top-level declaration publishes its value: its box. */
  private target(name: string): string {
    return this.boxes.names.includes(name) ? `${boxVariable(name)}.v` : `globalThis.${name}`;
  }

  /** A reference to a boxed name; a called one is detached from the box (`this` stays undefined). */
  private boxReference(id: TS.Identifier, use: Use): void {
    const start = this.start(id);
    this.copyTo(start);
    const value = `${boxVariable(id.text)}.v`;
    this.pos = id.end;
    if (use === Use.Value) this.glue(value, start);
    else if (use === Use.Call && this.text.charCodeAt(id.end) === 40 /* ( */) {
      // The call's `(` is where V8 places the call: map it to the name, as `f(` was placed.
      this.glue(`(0, ${value})`, start);
      this.glue("(", start);
      this.pos = id.end + 1;
    } else this.glue(`(0, ${value})`, start);
  }

  // ---- statements ----

  /** A statement anywhere; `inList` when it sits in a statement list (where type-only statements may be erased). */
  private statement(st: TS.Statement, inList: boolean): void {
    const { K } = this;
    const start = this.start(st);
    if (start >= this.limit) throw new Unsupported("a statement after the cell's text");
    switch (st.kind) {
      case K.Block: this.statementList((st as TS.Block).statements); return;
      case K.TypeAliasDeclaration: case K.InterfaceDeclaration:
        if (!inList) throw new Unsupported("type declaration outside a statement list");
        this.cut(start, st.end);
        return;
      case K.FunctionDeclaration: {
        const fn = st as TS.FunctionDeclaration;
        if (!fn.body) {
          if (!inList || fn.modifiers?.some((m) => m.kind === K.DeclareKeyword)) throw new Unsupported("declare function");
          this.cut(start, st.end);
          return;
        }
        this.functionLike(fn);
        return;
      }
      case K.ClassDeclaration: {
        const cls = st as TS.ClassDeclaration;
        for (const m of cls.modifiers ?? []) {
          if (m.kind !== K.AbstractKeyword) throw new Unsupported("class modifier");
          this.cut(this.start(m), m.end);
        }
        this.classLike(cls);
        return;
      }
      case K.VariableStatement: {
        const vs = st as TS.VariableStatement;
        if (vs.modifiers?.length) throw new Unsupported("variable statement modifiers");
        this.variableList(vs.declarationList);
        this.terminate(st, vs.declarationList.end);
        return;
      }
      case K.ExpressionStatement:
        this.visit((st as TS.ExpressionStatement).expression);
        this.terminate(st, (st as TS.ExpressionStatement).expression.end);
        return;
      case K.ThrowStatement: case K.ReturnStatement: {
        const e = (st as TS.ThrowStatement | TS.ReturnStatement).expression;
        if (e) this.visit(e);
        this.terminate(st, e ? e.end : -1);
        return;
      }
    }
    if (!this.kinds.generic.has(st.kind)) throw new Unsupported(`statement ${K[st.kind]}`);
    this.children(st);
    if (this.kinds.semicolon.has(st.kind)) this.terminate(st, st.end > this.limit ? this.contentEnd(st, start) : -1);
  }

  /** Where a statement's content ends before its `;` (break, continue, debugger, do-while). */
  private contentEnd(st: TS.Statement, start: number): number {
    const { K } = this;
    switch (st.kind) {
      case K.BreakStatement: case K.ContinueStatement: {
        const label = (st as TS.BreakStatement).label;
        return label ? label.end : start + (st.kind === K.BreakStatement ? 5 : 8);
      }
      case K.DebuggerStatement: return start + 8;
      case K.DoStatement: {
        const close = this.skipTrivia((st as TS.DoStatement).expression.end);
        return this.text.charCodeAt(close) === 41 /* ) */ ? close + 1 : -1;
      }
    }
    return -1;
  }

  /**
   * Gives a semicolon-terminated statement an explicit `;` when it ended by ASI, so that text
   * removed after it cannot join it to the next line. `contentEnd` is where its content ends
   * when the `;` that ended it is the one the checker appended after the cell (-1: unknown).
   */
  private terminate(st: TS.Node, contentEnd: number): void {
    const end = st.end;
    if (end <= this.limit) {
      if (this.text.charCodeAt(end - 1) === 59 /* ; */) { this.copyTo(end); return; }
      this.insert(end, ";", end);
      return;
    }
    if (contentEnd < 0) throw new Unsupported("statement ended by the appended semicolon");
    this.insert(contentEnd, ";", contentEnd);
  }

  private statementList(list: readonly TS.Statement[]): void {
    for (const st of list) this.statement(st, true);
  }

  private variableList(list: TS.VariableDeclarationList): void {
    if (list.flags & this.ts.NodeFlags.Using) throw new Unsupported("using");
    for (const d of list.declarations) this.variableDeclaration(d);
  }

  private variableDeclaration(d: TS.VariableDeclaration): void {
    this.visit(d.name);
    const typed = d.type ?? d.exclamationToken;
    if (typed) this.cut(d.name.end, typed.end);
    if (d.initializer) this.visit(d.initializer);
  }

  // ---- generic walk ----

  private readonly visitChild = (node: TS.Node): undefined => { this.visit(node); return undefined; };

  private children(node: TS.Node): void {
    this.ts.forEachChild(node, this.visitChild, this.visitChildren);
  }

  private readonly visitChildren = (nodes: TS.NodeArray<TS.Node>): undefined => {
    for (const n of nodes) this.visit(n);
    return undefined;
  };

  private visit(node: TS.Node): void {
    const { K } = this;
    const kind = node.kind;
    if (kind === K.Identifier) {
      const use = this.boxes.refs.get(node as TS.Identifier);
      if (use !== undefined) this.boxReference(node as TS.Identifier, use);
      return;
    }
    if (kind < K.FirstNode) return; // tokens, literals: copied as they are
    const name = this.boxes.named.get(node as TS.Expression);
    if (name !== undefined) {
      // `f = () => 1` names the function "f"; a box's property would not: `{ f: () => 1 }.f` does.
      const start = this.start(node);
      this.copyTo(start);
      this.glue(`{ ${name}: `, start);
      this.boxes.named.delete(node as TS.Expression);
      this.visit(node);
      this.copyTo(node.end);
      this.glue(` }.${name}`, start);
      return;
    }
    switch (kind) {
      case K.ShorthandPropertyAssignment: {
        const p = node as TS.ShorthandPropertyAssignment;
        if (!this.boxes.refs.has(p.name)) break;
        // `{ acc }` → `{ acc: <box>.v }` (also as a destructuring target, with its default).
        this.copyTo(p.name.end);
        this.glue(`: ${boxVariable(p.name.text)}.v`, this.start(p.name));
        if (p.objectAssignmentInitializer) this.visit(p.objectAssignmentInitializer);
        return;
      }
      case K.Block: this.statementList((node as TS.Block).statements); return;
      case K.CaseClause: this.visit((node as TS.CaseClause).expression); this.statementList((node as TS.CaseClause).statements); return;
      case K.DefaultClause: this.statementList((node as TS.DefaultClause).statements); return;
      case K.VariableDeclarationList: this.variableList(node as TS.VariableDeclarationList); return;
      case K.VariableDeclaration: this.variableDeclaration(node as TS.VariableDeclaration); return;
      case K.CallExpression: this.call(node as TS.CallExpression); return;
      case K.NewExpression: {
        const n = node as TS.NewExpression;
        this.visit(n.expression);
        if (n.typeArguments) this.cutAngles(n.typeArguments);
        if (n.arguments) for (const a of n.arguments) this.visit(a);
        return;
      }
      case K.TaggedTemplateExpression: {
        const n = node as TS.TaggedTemplateExpression;
        this.visit(n.tag);
        if (n.typeArguments) this.cutAngles(n.typeArguments);
        this.visit(n.template);
        return;
      }
      case K.ExpressionWithTypeArguments: {
        const n = node as TS.ExpressionWithTypeArguments;
        this.visit(n.expression);
        if (n.typeArguments) this.cutAngles(n.typeArguments);
        return;
      }
      case K.AsExpression: case K.SatisfiesExpression: case K.NonNullExpression: {
        const e = (node as TS.AsExpression).expression;
        this.visit(e);
        this.cut(e.end, node.end);
        return;
      }
      case K.FunctionExpression: case K.ArrowFunction: case K.MethodDeclaration: case K.GetAccessor: case K.SetAccessor:
        this.functionLike(node as TS.FunctionLikeDeclaration);
        return;
      case K.ClassExpression: this.classLike(node as TS.ClassExpression); return;
      case K.MetaProperty:
        if ((node as TS.MetaProperty).keywordToken !== K.NewKeyword) throw new Unsupported("import.meta");
        return;
    }
    if (this.ts.isStatement(node)) { this.statement(node, false); return; }
    if (!this.kinds.generic.has(kind)) throw new Unsupported(`node ${K[kind]}`);
    this.children(node);
  }

  private call(n: TS.CallExpression): void {
    if (n.expression.kind === this.K.ImportKeyword) {
      // `import(x)` → the kernel's importer (a vm script has no module loader).
      if (!this.rewritesImportCalls) throw new Unsupported("import() the transform would not rewrite");
      const arg = n.arguments[0];
      if (n.arguments.length !== 1 || !arg) throw new Unsupported("import() with options");
      const start = this.start(n);
      this.copyTo(start);
      this.glue(`globalThis.${IMPORT_FUNCTION}(`, start);
      this.pos = this.start(arg);
      this.visit(arg);
      this.copyTo(arg.end);
      this.glue(")", start);
      this.pos = n.end;
      return;
    }
    this.visit(n.expression);
    if (n.typeArguments) this.cutAngles(n.typeArguments);
    for (const a of n.arguments) this.visit(a);
  }

  // ---- functions and classes ----

  /** Functions outside classes (declarations, expressions, arrows, object literal methods). */
  private functionLike(fn: TS.FunctionLikeDeclaration): void {
    const { K } = this;
    for (const m of fn.modifiers ?? []) {
      if (m.kind === K.AsyncKeyword || m.kind === K.ExportKeyword || m.kind === K.DefaultKeyword) continue;
      throw new Unsupported(`function modifier ${K[m.kind]}`);
    }
    this.functionRest(fn);
  }

  /** A function from its name on (its modifiers are handled). */
  private functionRest(fn: TS.FunctionLikeDeclaration): void {
    if (fn.name) this.visit(fn.name);
    if (fn.questionToken) this.cut(fn.name!.end, fn.questionToken.end);
    if (fn.typeParameters) this.cutAngles(fn.typeParameters);
    const params = fn.parameters;
    for (let i = 0; i < params.length; i++) {
      const p = params[i]!;
      if (i === 0 && this.ts.isIdentifier(p.name) && p.name.escapedText === "this") {
        // `this: T` (with its comma) exists only for the checker.
        this.cut(this.start(p), params.length > 1 ? this.start(params[1]!) : params.end);
        continue;
      }
      this.parameter(p);
    }
    if (fn.type) {
      const colon = fn.type.pos - 1;
      if (this.text.charCodeAt(colon) !== 58 /* : */) throw new Unsupported("return type colon");
      this.cut(colon, fn.type.end);
    }
    if (!fn.body) throw new Unsupported("function without a body");
    this.visit(fn.body);
  }

  private parameter(p: TS.ParameterDeclaration): void {
    if (p.modifiers?.length) throw new Unsupported("parameter property or decorator");
    this.visit(p.name);
    const typedEnd = p.type ? p.type.end : p.questionToken ? p.questionToken.end : -1;
    if (typedEnd >= 0) this.cut(p.name.end, typedEnd);
    if (p.initializer) this.visit(p.initializer);
  }

  private classLike(cls: TS.ClassLikeDeclaration): void {
    const { K } = this;
    if (cls.name) this.visit(cls.name);
    if (cls.typeParameters) this.cutAngles(cls.typeParameters);
    for (const h of cls.heritageClauses ?? []) {
      if (h.token === K.ImplementsKeyword) this.cut(this.start(h), h.end);
      else for (const t of h.types) this.visit(t);
    }
    for (const m of cls.members) this.member(m);
  }

  private member(m: TS.ClassElement): void {
    const { K, ts } = this;
    const start = this.start(m);
    const mods = ts.canHaveModifiers(m) ? m.modifiers : undefined;
    const erase = () => this.cut(start, m.end);
    for (const mod of mods ?? []) {
      switch (mod.kind) {
        case K.DeclareKeyword: case K.AbstractKeyword: erase(); return;
        case K.StaticKeyword: case K.AsyncKeyword: case K.PublicKeyword: case K.PrivateKeyword:
        case K.ProtectedKeyword: case K.ReadonlyKeyword: case K.OverrideKeyword: break;
        default: throw new Unsupported(`member modifier ${K[mod.kind]}`);
      }
    }
    switch (m.kind) {
      case K.IndexSignature: erase(); return;
      case K.SemicolonClassElement: return;
      case K.ClassStaticBlockDeclaration: this.visit((m as TS.ClassStaticBlockDeclaration).body); return;
      case K.MethodDeclaration: case K.Constructor: case K.GetAccessor: case K.SetAccessor:
        if (!(m as TS.FunctionLikeDeclaration).body) { erase(); return; }
        break;
      case K.PropertyDeclaration: break;
      default: throw new Unsupported(`class member ${K[m.kind]}`);
    }
    for (const mod of mods ?? []) {
      if (mod.kind !== K.StaticKeyword && mod.kind !== K.AsyncKeyword) this.cut(this.start(mod), mod.end);
    }
    if (m.kind === K.PropertyDeclaration) {
      const p = m as TS.PropertyDeclaration;
      this.visit(p.name);
      const typedEnd = p.type ? p.type.end : (p.questionToken ?? p.exclamationToken)?.end ?? -1;
      if (typedEnd >= 0) this.cut(p.name.end, typedEnd);
      if (p.initializer) this.visit(p.initializer);
      if (this.text.charCodeAt(p.end - 1) !== 59) this.insert(p.end, ";", p.end);
      return;
    }
    this.functionRest(m as TS.MethodDeclaration);
  }

  // ---- text edits ----

  /** Removes `<...>` (type parameters or arguments) around a list. */
  private cutAngles(list: TS.NodeArray<TS.Node>): void {
    const open = list.pos - 1;
    const close = this.skipTrivia(list.end);
    if (this.text.charCodeAt(open) !== 60 || this.text.charCodeAt(close) !== 62) throw new Unsupported("type argument brackets");
    this.cut(open, close + 1);
  }

  /** The start of a node's first token (after comments and blanks). */
  private start(node: TS.Node): number { return this.skipTrivia(node.pos); }

  /** Where a declaration's keyword starts: after `export`/`default`/`abstract`, at `async`. */
  private keywordStart(node: TS.Node, mods: TS.NodeArray<TS.ModifierLike> | undefined): number {
    if (!mods?.length) return this.start(node);
    for (const m of mods) if (m.kind === this.K.AsyncKeyword) return this.start(m);
    return this.skipTrivia(mods.end);
  }

  private skipTrivia(p: number): number {
    const text = this.text;
    for (;;) {
      const c = text.charCodeAt(p);
      if (isBlank(c)) { p++; continue; }
      if (c === 47 /* / */) {
        const d = text.charCodeAt(p + 1);
        if (d === 47) { const nl = text.indexOf("\n", p); p = nl < 0 ? text.length : nl; continue; }
        if (d === 42) { const close = text.indexOf("*/", p + 2); if (close < 0) return p; p = close + 2; continue; }
      }
      return p;
    }
  }

  /** Copies the source up to `to` (never past the cell's text). */
  private copyTo(to: number): void {
    if (to > this.limit) to = this.limit;
    const from = this.pos;
    if (to <= from) return;
    this.pos = to;
    const piece = this.text.slice(from, to);
    const loc = this.sf.getLineAndCharacterOfPosition(from);
    this.segment(loc.line, loc.character);
    let line = loc.line;
    let nl = piece.indexOf("\n");
    let last = -1;
    while (nl >= 0) {
      last = nl;
      line++;
      this.mappings += ";";
      this.lineHasSegment = false;
      this.prevGenCol = 0;
      this.genCol = 0;
      if (nl + 1 < piece.length) this.segment(line, 0);
      nl = piece.indexOf("\n", nl + 1);
    }
    this.genCol = last < 0 ? this.genCol + piece.length : piece.length - last - 1;
    this.js += piece;
    this.lastOut = piece.charCodeAt(piece.length - 1);
  }

  /** Drops source text [from, to). */
  private cut(from: number, to: number): void {
    this.copyTo(from);
    if (to <= this.pos) return;
    this.pos = Math.min(to, this.limit);
    // Keep the neighbours apart: `x!instanceof Y`, `1!.toFixed()`.
    const next = this.pos < this.limit ? this.text.charCodeAt(this.pos) : 32;
    if (!isBlank(this.lastOut) && !isBlank(next)) this.raw(" ");
  }

  /** Inserts generated text at source position `at`, mapped to `anchor`. */
  private insert(at: number, glue: string, anchor: number): void {
    this.copyTo(at);
    this.glue(glue, anchor);
  }

  /** Generated text on one line: every word in it maps to `anchor`. */
  private glue(text: string, anchor: number): void {
    const loc = this.sf.getLineAndCharacterOfPosition(anchor);
    const base = this.genCol;
    for (let i = 0; i < text.length; i++) {
      if (i === 0 || (isWordChar(text.charCodeAt(i)) && !isWordChar(text.charCodeAt(i - 1)))) {
        this.genCol = base + i;
        this.segment(loc.line, loc.character);
      }
    }
    this.genCol = base + text.length;
    this.js += text;
    this.lastOut = text.charCodeAt(text.length - 1);
  }

  /** Generated text that maps nowhere (the wrapper: its stack frames are dropped). */
  private raw(text: string): void {
    let nl = text.indexOf("\n");
    let last = -1;
    while (nl >= 0) {
      last = nl;
      this.mappings += ";";
      this.lineHasSegment = false;
      this.prevGenCol = 0;
      nl = text.indexOf("\n", nl + 1);
    }
    this.genCol = last < 0 ? this.genCol + text.length : text.length - last - 1;
    this.js += text;
    this.lastOut = text.charCodeAt(text.length - 1);
  }

  private segment(srcLine: number, srcCol: number): void {
    const seg = vlq(this.genCol - this.prevGenCol) + "A" + vlq(srcLine - this.prevSrcLine) + vlq(srcCol - this.prevSrcCol);
    this.mappings += this.lineHasSegment ? "," + seg : seg;
    this.lineHasSegment = true;
    this.prevGenCol = this.genCol;
    this.prevSrcLine = srcLine;
    this.prevSrcCol = srcCol;
  }
}
