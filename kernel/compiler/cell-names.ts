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
