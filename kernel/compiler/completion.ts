// complete and inspect from the language service, in Jupyter's terms. Jupyter counts cursor
// positions in Unicode code points; TypeScript in UTF-16 units.
import type TS from "typescript";
import { typescript } from "./typescript-loader.js";

export interface Completion { matches: string[]; cursorStart: number; cursorEnd: number; metadata: Record<string, unknown> }
export interface Inspection { found: boolean; data: Record<string, string> }

export function utf16Offset(text: string, codePoints: number): number {
  let units = 0;
  for (let cp = 0; cp < codePoints && units < text.length; cp++) {
    const c = text.charCodeAt(units);
    units += c >= 0xd800 && c <= 0xdbff && units + 1 < text.length ? 2 : 1;
  }
  return Math.min(units, text.length);
}

export function codePointOffset(text: string, units: number): number {
  let cp = 0;
  for (let i = 0; i < units && i < text.length; cp++) {
    const c = text.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ? 2 : 1;
  }
  return cp;
}

const IDENTIFIER_PART = /[\p{ID_Continue}$\u200c\u200d]/u;

function identifierStart(text: string, offset: number): number {
  let i = offset;
  while (i > 0 && IDENTIFIER_PART.test(text[i - 1]!)) i--;
  return i;
}

const HIDDEN = /^__gradlab/;

export function completeAt(ls: TS.LanguageService, file: string, code: string, cursorPos: number): Completion {
  const offset = utf16Offset(code, cursorPos);
  cursorPos = codePointOffset(code, offset); // clamped to the text
  const info = ls.getCompletionsAtPosition(file, offset, {
    includeCompletionsWithInsertText: true,
    includeCompletionsForModuleExports: false,
  });
  let start = identifierStart(code, offset);
  // Inside a string (an import specifier, say) TypeScript says what is being completed; an
  // entry's own replacement span (`.x` → `["x"]`) is not the word being typed.
  const span = info?.optionalReplacementSpan;
  if (span && span.start < start && span.start + span.length >= offset && !/[.\s]/.test(code.slice(span.start, offset))) start = span.start;
  const entries = (info?.entries ?? []).filter((e) => !HIDDEN.test(e.name));
  let prefix = code.slice(start, offset);
  let chosen = entries.filter((e) => e.name.startsWith(prefix));
  if (chosen.length === 0) {
    // A module specifier (`"node:pa"`, `"./src/ut"`) is more than an identifier.
    let wide = start;
    while (wide > 0 && /[\w$@/.:-]/.test(code[wide - 1]!)) wide--;
    const widePrefix = code.slice(wide, offset);
    const widened = wide < start ? entries.filter((e) => e.name.startsWith(widePrefix)) : [];
    if (widened.length > 0) { start = wide; prefix = widePrefix; chosen = widened; }
  }
  if (chosen.length === 0) chosen = entries.filter((e) => e.name.toLowerCase().startsWith(prefix.toLowerCase()));
  chosen.sort((a, b) => (a.sortText < b.sortText ? -1 : a.sortText > b.sortText ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const seen = new Set<string>();
  const unique = chosen.filter((e) => !seen.has(e.name) && (seen.add(e.name), true));
  const cursorStart = codePointOffset(code, start);
  return {
    matches: unique.map((e) => e.name),
    cursorStart,
    cursorEnd: cursorPos,
    metadata: {
      _jupyter_types_experimental: unique.map((e) => ({ start: cursorStart, end: cursorPos, text: e.name, type: jupyterKind(e.kind) })),
    },
  };
}

function jupyterKind(kind: string): string {
  switch (kind) {
    case "method": case "function": case "local function": case "construct": case "call": return "function";
    case "class": case "local class": return "class";
    case "interface": return "interface";
    case "type": return "type";
    case "enum": return "enum";
    case "module": case "external module name": return "module";
    case "keyword": return "keyword";
    case "property": case "getter": case "setter": return "property";
    case "const": case "let": case "var": case "local var": case "parameter": return "variable";
    default: return kind || "text";
  }
}

export function inspectAt(ls: TS.LanguageService, file: string, code: string, cursorPos: number, _detailLevel: number): Inspection {
  const ts = typescript();
  const offset = utf16Offset(code, cursorPos);
  let signature = "";
  let docs: TS.SymbolDisplayPart[] = [];
  let tags: TS.JSDocTagInfo[] = [];
  const quick = ls.getQuickInfoAtPosition(file, offset) ?? (offset > 0 ? ls.getQuickInfoAtPosition(file, offset - 1) : undefined);
  if (quick && quick.kind !== "") { // kind "" is a name TypeScript cannot resolve
    // Earlier cells' imports and the prelude's names are global aliases: show what they alias.
    signature = ts.displayPartsToString(quick.displayParts).replace(/^\(alias\) /, "").replace(/\nimport [\w$]+ = [\w$.]+$/, "");
    docs = quick.documentation ?? [];
    tags = quick.tags ?? [];
  } else {
    // Inside a call's arguments (Shift-Tab after `f(`): the signature being called.
    const help = ls.getSignatureHelpItems(file, offset, undefined);
    const item = help?.items[help.selectedItemIndex];
    if (!item) return { found: false, data: {} };
    signature = [...item.prefixDisplayParts, ...item.parameters.flatMap((p, i) =>
      i === 0 ? p.displayParts : [...item.separatorDisplayParts, ...p.displayParts]), ...item.suffixDisplayParts]
      .map((p) => p.text).join("");
    docs = item.documentation;
    tags = item.tags;
  }
  const doc = ts.displayPartsToString(docs);
  const tagLines = tags.map((t) => `@${t.name}${t.text ? " " + ts.displayPartsToString(t.text) : ""}`);
  const plain = [signature, doc, tagLines.join("\n")].filter((s) => s).join("\n\n");
  const markdown = ["```typescript\n" + signature + "\n```", doc, tagLines.map((l) => `*${l}*`).join("  \n")].filter((s) => s).join("\n\n");
  return { found: true, data: { "text/plain": plain, "text/markdown": markdown } };
}
