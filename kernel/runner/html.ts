// A standalone HTML page for an executed notebook: prose rendered from Markdown, code with
// its execution count, and each output in the richest form a plain page can show without
// scripts (SVG, then HTML, then PNG/JPEG, then text).
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { renderMarkdown, escapeHtml } from "./markdown.js";
import { joinSource, type MimeBundle, type Notebook, type Output } from "./notebook.js";

const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

export function stripAnsi(s: string): string {
  return s.replace(ANSI, "");
}

function text(v: unknown): string {
  return Array.isArray(v) ? v.join("") : String(v ?? "");
}

export function renderBundle(data: MimeBundle): string {
  if (data["image/svg+xml"] !== undefined) return `<div class="svg">${text(data["image/svg+xml"])}</div>`;
  if (data["text/html"] !== undefined) return `<div class="html">${text(data["text/html"])}</div>`;
  for (const mime of ["image/png", "image/jpeg", "image/gif"]) {
    if (data[mime] !== undefined) return `<img src="data:${mime};base64,${text(data[mime]).replace(/\s/g, "")}">`;
  }
  if (data["text/markdown"] !== undefined) return `<div class="md">${renderMarkdown(text(data["text/markdown"]))}</div>`;
  if (data["text/plain"] !== undefined) return `<pre>${escapeHtml(stripAnsi(text(data["text/plain"])))}</pre>`;
  return "";
}

function renderOutput(o: Output): string {
  switch (o.output_type) {
    case "stream":
      return `<pre class="stream ${o.name}">${escapeHtml(stripAnsi(text(o.text)))}</pre>`;
    case "error":
      return `<pre class="error">${escapeHtml(stripAnsi(o.traceback.length > 0 ? o.traceback.join("\n") : `${o.ename}: ${o.evalue}`))}</pre>`;
    default:
      return renderBundle(o.data);
  }
}

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em; color: #1d1d1f; line-height: 1.5; }
.cell { margin: 1em 0; }
.input { display: flex; gap: .6em; }
.prompt { color: #303f9f; font-family: monospace; min-width: 5.5em; text-align: right; padding-top: .5em; }
.input pre { flex: 1; background: #f6f8fa; border: 1px solid #e1e4e8; border-radius: 4px; padding: .5em .7em; margin: 0; overflow-x: auto; }
.outputs { margin-left: 6.1em; }
.outputs > * { margin: .4em 0; }
pre { font-size: 13px; white-space: pre-wrap; }
pre.stderr { background: #fff5f5; }
pre.error { background: #ffeef0; border-left: 3px solid #d73a49; padding: .5em; }
code { background: #f3f3f3; padding: 0 .2em; border-radius: 3px; }
pre code { background: none; padding: 0; }
.svg svg, img { max-width: 100%; height: auto; }
table { border-collapse: collapse; } td, th { border: 1px solid #ddd; padding: 2px 6px; }
`;

/** Debian's libjs-mathjax (Jupyter's own dependency): typesets the prose's TeX offline when present. */
const MATHJAX = "/usr/share/javascript/mathjax/MathJax.js";

function mathjax(): string {
  if (!existsSync(MATHJAX)) return "";
  const config = `MathJax.Hub.Config({ tex2jax: { inlineMath: [["$", "$"]], displayMath: [["$$", "$$"]], processEscapes: true }, showMathMenu: false });`;
  return `<script type="text/x-mathjax-config">${config}</script><script src="${pathToFileURL(MATHJAX).href}?config=TeX-AMS_HTML"></script>`;
}

export function notebookToHtml(nb: Notebook, title: string): string {
  const body = nb.cells
    .map((cell) => {
      const src = joinSource(cell.source);
      if (cell.cell_type === "markdown") return `<div class="cell markdown">${renderMarkdown(src)}</div>`;
      if (cell.cell_type !== "code") return `<div class="cell raw"><pre>${escapeHtml(src)}</pre></div>`;
      const prompt = `In [${cell.execution_count ?? " "}]:`;
      const outs = cell.outputs.map(renderOutput).join("\n");
      return `<div class="cell code"><div class="input"><div class="prompt">${prompt}</div><pre><code class="language-typescript">${escapeHtml(src)}</code></pre></div>${outs ? `<div class="outputs">${outs}</div>` : ""}</div>`;
    })
    .join("\n");
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style>${mathjax()}</head>\n<body>\n${body}\n</body></html>\n`;
}
