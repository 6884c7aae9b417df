#!/usr/bin/env node
// Builds notebooks/NN-name.ipynb from notebooks/src/NN-name.md, the readable home of each
// tutorial: prose is Markdown, and every ```ts fenced block becomes a code cell (a ```ts
// block inside prose that should stay prose is written as ```typescript). The .ipynb files are
// committed without outputs; test/e2e/notebooks-stripped.test.ts checks they match this build.
//
//   node notebooks/src/build.mjs          rebuild every notebook
//   node notebooks/src/build.mjs --check  exit 1 if a committed .ipynb differs from its source
import { readFileSync, readdirSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const srcDir = dirname(fileURLToPath(import.meta.url));
const outDir = dirname(srcDir);

const metadata = {
  kernelspec: { name: "gradlab", display_name: "TypeScript (gradlab)", language: "typescript" },
  language_info: { name: "typescript", file_extension: ".ts", mimetype: "text/typescript", codemirror_mode: "typescript", pygments_lexer: "typescript" },
};

function lines(text) {
  const l = text.split(/(?<=\n)/);
  if (l.length > 0) l[l.length - 1] = l[l.length - 1].replace(/\n$/, "");
  return l.filter((s, i) => !(i === l.length - 1 && s === ""));
}

export function buildNotebook(markdown, slug) {
  const cells = [];
  const push = (type, text) => {
    const t = text.replace(/^\n+|\s+$/g, "");
    if (t === "") return;
    const id = `${slug.slice(0, 2)}-${String(cells.length + 1).padStart(2, "0")}`;
    cells.push(type === "code" ? { cell_type: "code", execution_count: null, id, metadata: {}, outputs: [], source: lines(t) } : { cell_type: "markdown", id, metadata: {}, source: lines(t) });
  };
  let prose = "";
  let code = null;
  for (const line of markdown.split("\n")) {
    if (code === null && /^```ts\s*$/.test(line)) {
      push("markdown", prose);
      prose = "";
      code = "";
    } else if (code !== null && /^```\s*$/.test(line)) {
      push("code", code);
      code = null;
    } else if (code !== null) code += line + "\n";
    else prose += line + "\n";
  }
  if (code !== null) throw new Error(`${slug}: unterminated \`\`\`ts block`);
  push("markdown", prose);
  return { cells, metadata, nbformat: 4, nbformat_minor: 5 };
}

export function sources() {
  return readdirSync(srcDir).filter((f) => /^\d\d-.*\.md$/.test(f)).sort();
}

export function render(file) {
  const slug = file.replace(/\.md$/, "");
  return { path: join(outDir, `${slug}.ipynb`), text: JSON.stringify(buildNotebook(readFileSync(join(srcDir, file), "utf8"), slug), null, 1) + "\n" };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes("--check");
  let stale = 0;
  for (const f of sources()) {
    const { path, text } = render(f);
    if (check) {
      if (!existsSync(path) || readFileSync(path, "utf8") !== text) {
        console.error(`${path} is out of date with notebooks/src/${f} (run node notebooks/src/build.mjs)`);
        stale++;
      }
    } else {
      writeFileSync(path, text);
      console.log(`wrote ${path}`);
    }
  }
  process.exitCode = stale > 0 ? 1 : 0;
}
