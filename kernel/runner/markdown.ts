// A small Markdown-to-HTML converter for notebook prose: ATX headings, paragraphs, emphasis,
// inline and fenced code, ordered/unordered lists (one level of nesting by indentation),
// block quotes, links, images, horizontal rules. Raw HTML in the source is escaped, so a
// notebook's text can never inject markup into the page.

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function safeUrl(url: string): string {
  return /^\s*javascript:/i.test(url) ? "#" : escapeHtml(url);
}

/**
 * Inline spans: code first (its content is literal), then TeX math (`$…$`, `$$…$$`, kept
 * verbatim for MathJax so `_` and `*` inside it are not emphasis), then links/images, then
 * emphasis.
 */
export function renderInline(text: string): string {
  const parts = text.split(/(`+)([\s\S]*?[^`])\1(?!`)/);
  let html = "";
  for (let i = 0; i < parts.length; i++) {
    if (i % 3 === 0) html += renderTextAndMath(parts[i]);
    else if (i % 3 === 2) html += `<code>${escapeHtml(parts[i].trim())}</code>`;
  }
  return html;
}

function renderTextAndMath(text: string): string {
  return text
    .split(/(\$\$[\s\S]+?\$\$|\$[^$\n]+?\$)/)
    .map((part, i) => (i % 2 === 1 ? `<span class="math">${escapeHtml(part)}</span>` : renderSpans(part)))
    .join("");
}

function renderSpans(text: string): string {
  let s = escapeHtml(text);
  s = s.replace(/!\[([^\]]*)\]\(([^)\s]+)\)/g, (_, alt: string, url: string) => `<img alt="${alt}" src="${safeUrl(url)}">`);
  s = s.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_, label: string, url: string) => `<a href="${safeUrl(url)}">${label}</a>`);
  s = s.replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, "<strong>$2</strong>");
  s = s.replace(/(^|[^\w*])\*(?=\S)([^*]*?\S)\*(?!\*)/g, "$1<em>$2</em>");
  s = s.replace(/(^|[^\w])_(?=\S)([^_]*?\S)_(?!\w)/g, "$1<em>$2</em>");
  return s;
}

interface ListItem {
  lines: string[];
}

const LIST_ITEM = /^(\s*)([-*+]|\d+[.)])\s+(.*)$/;

export function renderMarkdown(source: string): string {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === "") {
      i++;
      continue;
    }
    const fence = /^\s*(```|~~~)\s*([\w+-]*)/.exec(line);
    if (fence !== null) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i].trimStart().startsWith(fence[1])) body.push(lines[i++]);
      i++;
      const cls = fence[2] ? ` class="language-${escapeHtml(fence[2])}"` : "";
      out.push(`<pre><code${cls}>${escapeHtml(body.join("\n"))}</code></pre>`);
      continue;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading !== null) {
      const n = heading[1].length;
      out.push(`<h${n}>${renderInline(heading[2])}</h${n}>`);
      i++;
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      out.push("<hr>");
      i++;
      continue;
    }
    if (/^\s*>/.test(line)) {
      const body: string[] = [];
      while (i < lines.length && /^\s*>/.test(lines[i])) body.push(lines[i++].replace(/^\s*>\s?/, ""));
      out.push(`<blockquote>${renderMarkdown(body.join("\n"))}</blockquote>`);
      continue;
    }
    if (LIST_ITEM.test(line)) {
      const [html, next] = renderList(lines, i);
      out.push(html);
      i = next;
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && lines[i].trim() !== "" && !LIST_ITEM.test(lines[i]) && !/^(#{1,6}\s|\s*(```|~~~)|\s*>)/.test(lines[i])) para.push(lines[i++].trim());
    out.push(`<p>${renderInline(para.join("\n"))}</p>`);
  }
  return out.join("\n");
}

/** A list starting at line `start`; items at deeper indentation become a nested block. */
function renderList(lines: string[], start: number): [string, number] {
  const first = LIST_ITEM.exec(lines[start])!;
  const indent = first[1].length;
  const ordered = /\d/.test(first[2]);
  const items: ListItem[] = [];
  let i = start;
  while (i < lines.length) {
    const line = lines[i];
    const m = LIST_ITEM.exec(line);
    if (m !== null && m[1].length === indent) {
      items.push({ lines: [m[3]] });
      i++;
      continue;
    }
    if (line.trim() === "") {
      // A blank line ends the list unless the next line continues it (indented or a new item).
      const next = lines[i + 1];
      if (next !== undefined && (/^\s{2,}\S/.test(next) || (LIST_ITEM.exec(next)?.[1].length ?? -1) === indent)) {
        items[items.length - 1].lines.push("");
        i++;
        continue;
      }
      break;
    }
    if (m === null && !/^\s/.test(line)) {
      // Lazy continuation of the item's paragraph.
      items[items.length - 1].lines.push(line);
      i++;
      continue;
    }
    if (m !== null && m[1].length < indent) break;
    const item = items[items.length - 1];
    // An indented line right after the item's first line continues its text; after a blank
    // line or a nested item it belongs to the item's nested blocks.
    if (m === null && item.lines.length === 1) {
      item.lines[0] += "\n" + line.trim();
      i++;
      continue;
    }
    item.lines.push(line.slice(Math.min(indent + 2, line.length - line.trimStart().length)));
    i++;
  }
  const tag = ordered ? "ol" : "ul";
  const startAttr = ordered && parseInt(first[2], 10) !== 1 ? ` start="${parseInt(first[2], 10)}"` : "";
  const body = items
    .map((it) => {
      const [head, ...rest] = it.lines;
      const nested = rest.join("\n").trim() === "" ? "" : "\n" + renderMarkdown(rest.join("\n"));
      return `<li>${renderInline(head)}${nested}</li>`;
    })
    .join("\n");
  return [`<${tag}${startAttr}>\n${body}\n</${tag}>`, i];
}
