// A strict little XML well-formedness checker for the SVG we emit (tags balance, attributes
// quoted and unique, only the predefined/numeric entities, no stray `<` or `&`), plus a
// text extractor so tests can look for labels.

export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

const NAME = /^[A-Za-z_:][\w:.-]*/;

function decode(s: string, where: number): string {
  return s.replace(/&([^;]*);|&/g, (m, ent: string | undefined) => {
    if (ent === undefined) throw new Error(`xml: bare '&' near offset ${where}`);
    const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
    if (ent in named) return named[ent]!;
    if (/^#\d+$/.test(ent)) return String.fromCodePoint(Number(ent.slice(1)));
    if (/^#x[0-9a-fA-F]+$/.test(ent)) return String.fromCodePoint(parseInt(ent.slice(2), 16));
    throw new Error(`xml: unknown entity &${ent}; near offset ${where}`);
  });
}

export function parseXml(src: string): XmlNode {
  let i = 0;
  const root: XmlNode = { name: "#document", attrs: {}, children: [], text: "" };
  const stack: XmlNode[] = [root];
  src = src.replace(/^<\?xml[^?]*\?>/, "");
  while (i < src.length) {
    const lt = src.indexOf("<", i);
    const text = src.slice(i, lt < 0 ? src.length : lt);
    if (text.trim()) {
      if (stack.length === 1) throw new Error(`xml: text outside the root element at ${i}`);
      stack[stack.length - 1]!.text += decode(text, i);
    }
    if (lt < 0) break;
    i = lt;
    if (src.startsWith("<!--", i)) {
      const e = src.indexOf("-->", i);
      if (e < 0) throw new Error("xml: unterminated comment");
      i = e + 3;
      continue;
    }
    if (src.startsWith("<![CDATA[", i)) {
      const e = src.indexOf("]]>", i);
      if (e < 0) throw new Error("xml: unterminated CDATA");
      stack[stack.length - 1]!.text += src.slice(i + 9, e);
      i = e + 3;
      continue;
    }
    if (src.startsWith("<!DOCTYPE", i)) {
      i = src.indexOf(">", i) + 1;
      continue;
    }
    if (src[i + 1] === "/") {
      const m = NAME.exec(src.slice(i + 2));
      if (!m) throw new Error(`xml: bad closing tag at ${i}`);
      const top = stack.pop()!;
      if (top.name !== m[0]) throw new Error(`xml: </${m[0]}> closes <${top.name}> at ${i}`);
      const e = src.indexOf(">", i);
      if (src.slice(i + 2 + m[0].length, e).trim()) throw new Error(`xml: junk in closing tag at ${i}`);
      i = e + 1;
      continue;
    }
    const m = NAME.exec(src.slice(i + 1));
    if (!m) throw new Error(`xml: bad '<' at ${i}: ${JSON.stringify(src.slice(i, i + 20))}`);
    const node: XmlNode = { name: m[0], attrs: {}, children: [], text: "" };
    i += 1 + m[0].length;
    for (;;) {
      const ws = /^\s*/.exec(src.slice(i))![0];
      i += ws.length;
      if (src.startsWith("/>", i)) { i += 2; stack[stack.length - 1]!.children.push(node); if (stack.length === 1 && root.children.length > 1) throw new Error("xml: two roots"); break; }
      if (src[i] === ">") {
        i++;
        stack[stack.length - 1]!.children.push(node);
        if (stack.length === 1 && root.children.length > 1) throw new Error("xml: two roots");
        stack.push(node);
        break;
      }
      if (!ws) throw new Error(`xml: missing space before attribute in <${node.name}> at ${i}`);
      const a = NAME.exec(src.slice(i));
      if (!a) throw new Error(`xml: bad attribute in <${node.name}> at ${i}: ${JSON.stringify(src.slice(i, i + 20))}`);
      i += a[0].length;
      if (src[i] !== "=") throw new Error(`xml: attribute ${a[0]} without value in <${node.name}>`);
      const q = src[i + 1];
      if (q !== '"' && q !== "'") throw new Error(`xml: unquoted attribute ${a[0]} in <${node.name}>`);
      const e = src.indexOf(q, i + 2);
      const raw = src.slice(i + 2, e);
      if (raw.includes("<")) throw new Error(`xml: '<' in attribute ${a[0]}`);
      if (a[0] in node.attrs) throw new Error(`xml: duplicate attribute ${a[0]} in <${node.name}>`);
      node.attrs[a[0]] = decode(raw, i);
      i = e + 1;
    }
  }
  if (stack.length !== 1) throw new Error(`xml: unclosed <${stack[stack.length - 1]!.name}>`);
  if (root.children.length !== 1) throw new Error("xml: expected one root element");
  return root.children[0]!;
}

/** All text content (element text and <title>s), for label checks. */
export function allText(n: XmlNode): string {
  return [n.text, ...n.children.map(allText)].join(" ");
}

export function countElements(n: XmlNode, name: string): number {
  return (n.name === name ? 1 : 0) + n.children.reduce((s, c) => s + countElements(c, name), 0);
}

/** Parses an SVG document and checks its root and size. */
export function parseSvg(svg: string): XmlNode {
  const root = parseXml(svg);
  if (root.name !== "svg") throw new Error(`expected <svg>, got <${root.name}>`);
  return root;
}
