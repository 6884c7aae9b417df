// The names a cell declares at top level: these persist to later cells, and the compiler
// re-exports them from the checked cell so declaration emit describes every one of them.
import type TS from "typescript";
import { typescript } from "./typescript-loader.js";

export interface CellImport {
  specifier: string;
  /** Local name → what it binds: "default", "*" (namespace) or the imported export's name. */
  bindings: Array<{ local: string; imported: string }>;
}

export interface CellNames {
  /** Every top-level declared name (values, types, namespaces, imports). */
  declared: Set<string>;
  /** Names the cell already exports itself (`export const x`, `export { x }`). */
  exported: Set<string>;
  imports: CellImport[];
}

export function bindingNames(name: TS.BindingName, out: string[] = []): string[] {
  const ts = typescript();
  if (ts.isIdentifier(name)) out.push(name.text);
  else for (const el of name.elements) if (!ts.isOmittedExpression(el)) bindingNames(el.name, out);
  return out;
}

function hasModifier(node: TS.Node, kind: TS.SyntaxKind): boolean {
  const ts = typescript();
  return ts.canHaveModifiers(node) && (ts.getModifiers(node)?.some((m) => m.kind === kind) ?? false);
}

export function collectCellNames(sf: TS.SourceFile): CellNames {
  const ts = typescript();
  const declared = new Set<string>();
  const exported = new Set<string>();
  const imports: CellImport[] = [];
  const add = (name: string, node: TS.Node) => {
    declared.add(name);
    if (hasModifier(node, ts.SyntaxKind.ExportKeyword)) exported.add(name);
  };
  for (const st of sf.statements) {
    if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) for (const n of bindingNames(d.name)) add(n, st);
    } else if (
      ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isInterfaceDeclaration(st) ||
      ts.isTypeAliasDeclaration(st) || ts.isEnumDeclaration(st)
    ) {
      if (st.name) add(st.name.text, st);
    } else if (ts.isModuleDeclaration(st)) {
      // `declare global { }` and `declare module "m" { }` are augmentations, not names.
      if (ts.isIdentifier(st.name) && !(st.flags & ts.NodeFlags.GlobalAugmentation)) add(st.name.text, st);
    } else if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
      const clause = st.importClause;
      const imp: CellImport = { specifier: st.moduleSpecifier.text, bindings: [] };
      if (clause?.name) imp.bindings.push({ local: clause.name.text, imported: "default" });
      const nb = clause?.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) imp.bindings.push({ local: nb.name.text, imported: "*" });
      if (nb && ts.isNamedImports(nb)) {
        for (const el of nb.elements) imp.bindings.push({ local: el.name.text, imported: (el.propertyName ?? el.name).text });
      }
      for (const b of imp.bindings) declared.add(b.local);
      imports.push(imp);
    } else if (ts.isImportEqualsDeclaration(st)) {
      declared.add(st.name.text);
    } else if (ts.isExportDeclaration(st) && !st.moduleSpecifier && st.exportClause && ts.isNamedExports(st.exportClause)) {
      for (const el of st.exportClause.elements) exported.add(el.name.text);
    }
  }
  return { declared, exported, imports };
}

// ---- boxed bindings ----
//
// A cell's top-level bindings live in per-name boxes (kernel/execution/bindings.ts): the cell
// fetches each name's box once, at its start, and every reference to the binding becomes
// `<box>.v`, an ordinary property access, instead of a lookup on the vm context's global object
// (which goes through Node's interceptor, far slower in a loop). Both emitters run the same
// scope walk below, fast-emit.ts over the parsed cell and runtime-transform.ts over TypeScript's
// transformed tree (types erased, enums and namespaces lowered), so they box the same
// references. The walk resolves names by JavaScript's scoping rules (a cell's script is strict
// code): an inner declaration of the name (parameter, var, let, const, function, class, catch
// binding, a named function or class expression's own name) shadows the box.
//
// Names the cell uses without declaring them (an earlier cell's, the prelude's, built-ins) get
// boxes too, fetched as references (`__gradlab_binding__(name, true)`): the registry gives the
// name's shared box, or a stand-in that looks the global up (bindings.ts). `typeof name` of such
// a name stays a global lookup (it must not throw for a missing name), as do `eval` (a direct
// eval must stay direct), `arguments`, `undefined`, `NaN`, `Infinity` and `globalThis`.

/** The function the cell's script fetches boxes with (defined in the context by the kernel). */
export const BINDING_FUNCTION = "__gradlab_binding__";
/** The local holding a name's box in a cell's script. */
export const boxVariable = (name: string): string => `__gradlab_b_${name}`;

export interface BoxedReferences {
  /** The cell's boxed top-level names, in order of declaration (each gets a box). */
  names: string[];
  /** Names the cell refers to without declaring them, in order of first use (fetched as references). */
  globals: string[];
  /** Identifiers that refer to a boxed name, with how they are used. */
  refs: Map<TS.Identifier, Use>;
  /**
   * Anonymous functions and classes assigned to a boxed name (`f = () => 1`): JavaScript names
   * them after the identifier, so each is emitted as `{ f: <rhs> }.f` to keep that name.
   */
  named: Map<TS.Expression, string>;
}

/**
 * A called name becomes `(0, <box>.v)`, so the function gets no `this` (a plain call of `f` gives
 * none). V8 places a call whose callee is no name at its `(`: a `Call` callee (`f(`, directly
 * followed by its arguments) has that `(` mapped to the name, as the call `f(` was placed on `f`.
 */
export const enum Use { Value = 0, Called = 1, Call = 2 }

const declared = (node: TS.Node): boolean => hasModifier(node, typescript().SyntaxKind.DeclareKeyword);

/**
 * The name a top-level declaration publishes, if it is boxed. A name TypeScript generated (a
 * temporary of a lowering) has no original text and stays a plain global.
 */
function publishedName(name: TS.Node | undefined): string | undefined {
  const ts = typescript();
  if (!name || !ts.isIdentifier(name)) return undefined;
  return ts.getOriginalNode(name).pos >= 0 ? name.text : undefined;
}

/** The top-level names a cell's statements publish, in order (what the emitters box). */
export function boxedNames(statements: readonly TS.Statement[]): string[] {
  const ts = typescript();
  const out: string[] = [];
  const add = (n: string | undefined) => { if (n !== undefined && !out.includes(n)) out.push(n); };
  for (const st of statements) {
    if (ts.isVariableStatement(st)) {
      if (declared(st)) continue;
      for (const d of st.declarationList.declarations) for (const n of bindingIdentifiers(d.name)) add(publishedName(n));
    } else if (ts.isFunctionDeclaration(st)) {
      // TypeScript names an anonymous `export default` declaration; it stays anonymous.
      if (st.body && !declared(st) && (ts.getOriginalNode(st) as TS.FunctionDeclaration).name) add(publishedName(st.name));
    } else if (ts.isClassDeclaration(st)) {
      if (!declared(st) && (ts.getOriginalNode(st) as TS.ClassDeclaration).name) add(publishedName(st.name));
    } else if (ts.isImportDeclaration(st)) {
      const clause = st.importClause;
      if (!clause || clause.isTypeOnly) continue;
      if (clause.name) add(publishedName(clause.name));
      const nb = clause.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) add(publishedName(nb.name));
      if (nb && ts.isNamedImports(nb)) for (const el of nb.elements) if (!el.isTypeOnly) add(publishedName(el.name));
    }
  }
  return out;
}

function bindingIdentifiers(name: TS.BindingName, out: TS.Identifier[] = []): TS.Identifier[] {
  const ts = typescript();
  if (ts.isIdentifier(name)) out.push(name);
  else for (const el of name.elements) if (!ts.isOmittedExpression(el)) bindingIdentifiers(el.name, out);
  return out;
}

/** Finds the references to the cell's boxed names in its top-level statements. */
export function findBoxedReferences(statements: readonly TS.Statement[]): BoxedReferences {
  const names = boxedNames(statements);
  const walker = new ScopeWalker(new Set(names));
  walker.cell(statements);
  return { names, globals: [...walker.globals], refs: walker.refs, named: walker.named };
}

/** Global names a cell's references keep as plain lookups (see above). */
const UNBOXED_GLOBALS = new Set(["undefined", "NaN", "Infinity", "arguments", "eval", "globalThis"]);

class ScopeWalker {
  private readonly ts = typescript();
  private readonly K = this.ts.SyntaxKind;
  readonly refs = new Map<TS.Identifier, Use>();
  readonly named = new Map<TS.Expression, string>();
  readonly globals = new Set<string>();
  private readonly scopes: Set<string>[] = [];

  constructor(private readonly boxed: ReadonlySet<string>) {}

  cell(statements: readonly TS.Statement[]): void {
    const { ts } = this;
    // The cell runs inside a function: a `var` nested in a top-level block or `for` belongs to
    // it (and shadows a box for the whole cell). Top-level `var` statements are published.
    const wrapper = new Set<string>();
    for (const st of statements) if (!ts.isVariableStatement(st)) this.hoistedVars(st, wrapper);
    this.scopes.push(wrapper);
    for (const st of statements) {
      if (ts.isVariableStatement(st)) {
        if (declared(st)) continue;
        // Published from a block holding the declaration: its initializers see the block's names.
        this.withScope(this.declaredNames(st.declarationList), () => this.declarationList(st.declarationList));
      } else if (ts.isFunctionDeclaration(st)) {
        if (!st.body || declared(st)) continue;
        // Published as a named function expression: its body sees its own name.
        this.withScope(new Set(st.name ? [st.name.text] : []), () => this.functionLike(st));
      } else if (ts.isClassDeclaration(st)) {
        if (!declared(st)) this.classLike(st);
      } else if (ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) {
        continue;
      } else {
        this.visit(st);
      }
    }
    this.scopes.pop();
  }

  private withScope(scope: Set<string>, body: () => void): void {
    this.scopes.push(scope);
    try { body(); } finally { this.scopes.pop(); }
  }

  private shadowed(name: string): boolean {
    for (let i = this.scopes.length - 1; i >= 0; i--) if (this.scopes[i]!.has(name)) return true;
    return false;
  }

  private reference(id: TS.Identifier, use = Use.Value): void {
    const name = id.text;
    if (this.shadowed(name)) return;
    if (!this.boxed.has(name)) {
      // A name TypeScript generated (a helper, a temporary) stays as it is.
      if (UNBOXED_GLOBALS.has(name) || this.ts.getOriginalNode(id).pos < 0) return;
      this.globals.add(name);
    }
    this.refs.set(id, Math.max(use, this.refs.get(id) ?? Use.Value));
  }

  /** The expression under parentheses and erased (or erasable) type syntax. */
  private unwrap(e: TS.Expression): TS.Expression {
    const { K } = this;
    for (;;) {
      switch (e.kind) {
        case K.ParenthesizedExpression: case K.AsExpression: case K.SatisfiesExpression: case K.NonNullExpression:
        case K.TypeAssertionExpression: case K.PartiallyEmittedExpression:
          e = (e as TS.ParenthesizedExpression).expression;
          continue;
      }
      return e;
    }
  }

  private isAnonymousDefinition(e: TS.Expression): boolean {
    const u = this.unwrap(e);
    return u.kind === this.K.ArrowFunction ||
      ((u.kind === this.K.FunctionExpression || u.kind === this.K.ClassExpression) && !(u as TS.FunctionExpression).name);
  }

  private declaredNames(list: TS.VariableDeclarationList): Set<string> {
    const out = new Set<string>();
    for (const d of list.declarations) for (const n of bindingNames(d.name)) out.add(n);
    return out;
  }

  private isLexical(list: TS.VariableDeclarationList): boolean {
    return (list.flags & (this.ts.NodeFlags.Let | this.ts.NodeFlags.Const | this.ts.NodeFlags.Using | this.ts.NodeFlags.AwaitUsing)) !== 0;
  }

  /** `var` names declared in a statement, outside nested functions and classes. */
  private hoistedVars(node: TS.Node, out: Set<string>): void {
    const { ts, K } = this;
    switch (node.kind) {
      case K.VariableStatement:
        if (!declared(node)) this.hoistedVars((node as TS.VariableStatement).declarationList, out);
        return;
      case K.VariableDeclarationList: {
        const list = node as TS.VariableDeclarationList;
        if (!this.isLexical(list)) for (const n of this.declaredNames(list)) out.add(n);
        return;
      }
      case K.Block: case K.IfStatement: case K.DoStatement: case K.WhileStatement: case K.ForStatement:
      case K.ForInStatement: case K.ForOfStatement: case K.TryStatement: case K.CatchClause: case K.SwitchStatement:
      case K.CaseBlock: case K.CaseClause: case K.DefaultClause: case K.LabeledStatement: case K.WithStatement:
        ts.forEachChild(node, (child) => {
          if (ts.isStatement(child) || child.kind === K.VariableDeclarationList || child.kind === K.CatchClause ||
            child.kind === K.CaseBlock || child.kind === K.CaseClause || child.kind === K.DefaultClause) this.hoistedVars(child, out);
        });
        return;
      case K.ModuleDeclaration: case K.EnumDeclaration:
        // Lowered to `var` (a namespace or enum nested in a function or block).
        if (!declared(node) && ts.isIdentifier((node as TS.ModuleDeclaration).name)) out.add(((node as TS.ModuleDeclaration).name as TS.Identifier).text);
        return;
    }
  }

  /** Names a statement list declares for its block: let, const, class, function. */
  private lexicalNames(statements: readonly TS.Statement[], out: Set<string>): Set<string> {
    const { ts } = this;
    for (const st of statements) {
      if (ts.isVariableStatement(st)) {
        if (!declared(st) && this.isLexical(st.declarationList)) for (const n of this.declaredNames(st.declarationList)) out.add(n);
      } else if (ts.isFunctionDeclaration(st)) {
        if (st.body && st.name && !declared(st)) out.add(st.name.text);
      } else if (ts.isClassDeclaration(st)) {
        if (st.name && !declared(st)) out.add(st.name.text);
      }
    }
    return out;
  }

  private block(statements: readonly TS.Statement[]): void {
    this.withScope(this.lexicalNames(statements, new Set()), () => { for (const st of statements) this.visit(st); });
  }

  private declarationList(list: TS.VariableDeclarationList): void {
    for (const d of list.declarations) {
      this.bindingName(d.name);
      if (d.initializer) this.visit(d.initializer);
    }
  }

  /** A binding pattern's computed keys and defaults (its identifiers are declarations). */
  private bindingName(name: TS.BindingName): void {
    const { ts } = this;
    if (ts.isIdentifier(name)) return;
    for (const el of name.elements) {
      if (ts.isOmittedExpression(el)) continue;
      if (el.propertyName && ts.isComputedPropertyName(el.propertyName)) this.visit(el.propertyName.expression);
      this.bindingName(el.name);
      if (el.initializer) this.visit(el.initializer);
    }
  }

  private functionLike(fn: TS.SignatureDeclaration): void {
    const { ts, K } = this;
    const body = (fn as TS.FunctionLikeDeclaration).body;
    if (!body) return; // an overload or abstract member: erased
    // A method's computed name is evaluated outside the method.
    if (fn.name && ts.isComputedPropertyName(fn.name)) this.visit(fn.name.expression);
    const own = new Set<string>();
    if ((fn.kind === K.FunctionExpression) && fn.name) own.add((fn.name as TS.Identifier).text);
    this.withScope(own, () => {
      const params = new Set<string>();
      for (const p of fn.parameters) for (const n of bindingNames(p.name)) params.add(n);
      this.withScope(params, () => {
        for (const p of fn.parameters) {
          this.bindingName(p.name);
          if (p.initializer) this.visit(p.initializer);
        }
        if (ts.isBlock(body)) {
          const scope = new Set<string>();
          for (const st of body.statements) this.hoistedVars(st, scope);
          this.lexicalNames(body.statements, scope);
          this.withScope(scope, () => { for (const st of body.statements) this.visit(st); });
        } else {
          this.visit(body);
        }
      });
    });
  }

  private classLike(cls: TS.ClassLikeDeclaration): void {
    const { ts, K } = this;
    // The class's own name is bound inside it (its heritage included).
    this.withScope(new Set(cls.name ? [cls.name.text] : []), () => {
      for (const h of cls.heritageClauses ?? []) {
        if (h.token === K.ExtendsKeyword) for (const t of h.types) this.visit(t.expression);
      }
      for (const m of cls.members) {
        if (declared(m) || hasModifier(m, K.AbstractKeyword)) continue;
        if (ts.isPropertyDeclaration(m)) {
          if (ts.isComputedPropertyName(m.name)) this.visit(m.name.expression);
          if (m.initializer) this.visit(m.initializer);
        } else if (ts.isClassStaticBlockDeclaration(m)) {
          const scope = new Set<string>();
          for (const st of m.body.statements) this.hoistedVars(st, scope);
          this.lexicalNames(m.body.statements, scope);
          this.withScope(scope, () => { for (const st of m.body.statements) this.visit(st); });
        } else if (ts.isMethodDeclaration(m) || ts.isConstructorDeclaration(m) || ts.isGetAccessorDeclaration(m) || ts.isSetAccessorDeclaration(m)) {
          this.functionLike(m);
        } else if (ts.isIndexSignatureDeclaration(m) || ts.isSemicolonClassElement(m)) {
          continue;
        } else {
          this.visit(m);
        }
      }
    });
  }

  private visit(node: TS.Node): void {
    const { ts, K } = this;
    switch (node.kind) {
      case K.Identifier: this.reference(node as TS.Identifier); return;
      // Declarations and positions that hold no value reference.
      case K.TypeAliasDeclaration: case K.InterfaceDeclaration: case K.ImportDeclaration: case K.ExportDeclaration:
      case K.ImportEqualsDeclaration: case K.MetaProperty: case K.BreakStatement: case K.ContinueStatement:
      case K.PrivateIdentifier: case K.HeritageClause: case K.Decorator:
        if (node.kind === K.Decorator) this.visit((node as TS.Decorator).expression);
        return;
      case K.LabeledStatement: this.visit((node as TS.LabeledStatement).statement); return;
      case K.ExpressionWithTypeArguments: this.visit((node as TS.ExpressionWithTypeArguments).expression); return;
      case K.TypeOfExpression: {
        const operand = this.unwrap((node as TS.TypeOfExpression).expression);
        // `typeof missing` is "undefined", where reading a missing global throws.
        if (ts.isIdentifier(operand) && !this.boxed.has(operand.text)) return;
        break;
      }
      case K.PropertyAccessExpression: this.visit((node as TS.PropertyAccessExpression).expression); return;
      case K.PropertyAssignment: {
        const p = node as TS.PropertyAssignment;
        if (ts.isComputedPropertyName(p.name)) this.visit(p.name.expression);
        this.visit(p.initializer);
        return;
      }
      case K.ShorthandPropertyAssignment: {
        const p = node as TS.ShorthandPropertyAssignment;
        this.reference(p.name);
        if (p.objectAssignmentInitializer) {
          if (this.refs.has(p.name) && this.isAnonymousDefinition(p.objectAssignmentInitializer)) this.named.set(p.objectAssignmentInitializer, p.name.text);
          this.visit(p.objectAssignmentInitializer);
        }
        return;
      }
      case K.BinaryExpression: {
        const b = node as TS.BinaryExpression;
        const op = b.operatorToken.kind;
        if ((op === K.EqualsToken || op === K.BarBarEqualsToken || op === K.AmpersandAmpersandEqualsToken || op === K.QuestionQuestionEqualsToken) &&
          ts.isIdentifier(b.left)) {
          this.reference(b.left);
          if (this.refs.has(b.left) && this.isAnonymousDefinition(b.right)) this.named.set(b.right, b.left.text);
          this.visit(b.right);
          return;
        }
        break;
      }
      case K.CallExpression: case K.TaggedTemplateExpression: {
        const callee = ts.isCallExpression(node) ? node.expression : (node as TS.TaggedTemplateExpression).tag;
        const u = this.unwrap(callee);
        const direct = u === callee && ts.isCallExpression(node) && !node.typeArguments && !node.questionDotToken;
        if (ts.isIdentifier(u)) this.reference(u, direct ? Use.Call : Use.Called);
        break;
      }
      case K.FunctionDeclaration: {
        const fn = node as TS.FunctionDeclaration;
        if (!declared(fn)) this.functionLike(fn);
        return;
      }
      case K.FunctionExpression: case K.ArrowFunction: case K.MethodDeclaration: case K.GetAccessor: case K.SetAccessor:
      case K.Constructor:
        this.functionLike(node as TS.FunctionLikeDeclaration);
        return;
      case K.ClassDeclaration: case K.ClassExpression:
        if (!declared(node)) this.classLike(node as TS.ClassLikeDeclaration);
        return;
      case K.VariableStatement:
        if (!declared(node)) this.declarationList((node as TS.VariableStatement).declarationList);
        return;
      case K.VariableDeclarationList: this.declarationList(node as TS.VariableDeclarationList); return;
      case K.Block: this.block((node as TS.Block).statements); return;
      case K.ForStatement: case K.ForInStatement: case K.ForOfStatement: {
        const init = (node as TS.ForStatement).initializer;
        const scope = init && ts.isVariableDeclarationList(init) && this.isLexical(init) ? this.declaredNames(init) : new Set<string>();
        this.withScope(scope, () => this.children(node));
        return;
      }
      case K.SwitchStatement: {
        const sw = node as TS.SwitchStatement;
        this.visit(sw.expression);
        const scope = new Set<string>();
        for (const c of sw.caseBlock.clauses) this.lexicalNames(c.statements, scope);
        this.withScope(scope, () => {
          for (const c of sw.caseBlock.clauses) {
            if (ts.isCaseClause(c)) this.visit(c.expression);
            for (const st of c.statements) this.visit(st);
          }
        });
        return;
      }
      case K.CatchClause: {
        const c = node as TS.CatchClause;
        const scope = c.variableDeclaration ? new Set(bindingNames(c.variableDeclaration.name)) : new Set<string>();
        this.withScope(scope, () => {
          if (c.variableDeclaration) this.bindingName(c.variableDeclaration.name);
          this.block(c.block.statements);
        });
        return;
      }
      case K.ModuleDeclaration: case K.EnumDeclaration:
        // Only in TypeScript's tree (the fast path falls back on them): the lowered tree is walked instead.
        return;
    }
    if (ts.isTypeNode(node) || (K.FirstTypeNode <= node.kind && node.kind <= K.LastTypeNode)) return;
    this.children(node);
  }

  private children(node: TS.Node): void {
    this.ts.forEachChild(node, (child) => { this.visit(child); });
  }
}
