// `gradlab run NOTEBOOK.ipynb… [--out OUT.ipynb] [--html OUT.html] [--timeout S]`:
// executes notebooks headlessly through the real kernel and reports cell by cell.
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { executeNotebook, type CellReport, type ExecuteSummary } from "./execute-notebook.js";
import { notebookToHtml, stripAnsi } from "./html.js";
import { formatNotebook, readNotebook } from "./notebook.js";

export const RUN_USAGE = "run NOTEBOOK.ipynb… [--out OUT.ipynb] [--html OUT.html] [--timeout S]  execute notebooks through the kernel (no Python needed)";

function excerpt(source: string, max = 60): string {
  const first = source.split("\n").find((l) => l.trim() !== "" && !l.trim().startsWith("//")) ?? source.split("\n")[0] ?? "";
  const t = first.trim();
  return t.length > max ? t.slice(0, max).trimEnd() : t;
}

/** Where a notebook's outputs go: the path itself for one notebook, else a file inside a directory. */
function target(option: string | undefined, notebook: string, ext: string, many: boolean): string | undefined {
  if (option === undefined) return undefined;
  const isDir = many || option.endsWith("/") || (existsSync(option) && statSync(option).isDirectory());
  if (!isDir) return option;
  mkdirSync(option, { recursive: true });
  return join(option, basename(notebook).replace(/\.ipynb$/, "") + ext);
}

export function describeFailure(path: string, r: CellReport): string {
  const lines = r.source.split("\n");
  const shown = lines.slice(0, 12).map((l) => `    ${l}`);
  if (lines.length > 12) shown.push(`    … (${lines.length - 12} more lines)`);
  const e = r.error!;
  const tb = e.traceback.map(stripAnsi).join("\n").trim();
  const head = `${e.ename}: ${e.evalue}`;
  return [
    `\n${path}: cell ${r.cellNumber} (code cell ${r.codeIndex} of ${r.codeCount}) failed${r.status === "timeout" ? " (timeout)" : ""}:`,
    ...shown,
    ``,
    tb.startsWith(head) ? tb : [head, tb].filter((s) => s !== "").join("\n"),
  ].join("\n");
}

export async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: "string", short: "o" }, html: { type: "string" }, timeout: { type: "string", default: "600" }, quiet: { type: "boolean", short: "q" } },
  });
  if (positionals.length === 0) throw new Error(`missing notebook. Usage: gradlab ${RUN_USAGE}`);
  const timeoutSeconds = Number(values.timeout);
  if (!(timeoutSeconds > 0)) throw new Error(`--timeout must be a positive number of seconds, got "${values.timeout}"`);
  const many = positionals.length > 1;
  const results: { path: string; summary: ExecuteSummary }[] = [];
  for (const path of positionals) {
    const nb = readNotebook(path);
    if (many) console.log(`\n${path}`);
    const width = String(nb.cells.filter((c) => c.cell_type === "code").length).length;
    const summary = await executeNotebook(nb, path, {
      timeoutSeconds,
      onCellStart: (r) => {
        if (process.stdout.isTTY === true && values.quiet !== true) process.stdout.write(`[${String(r.codeIndex).padStart(width)}/${r.codeCount}] cell ${r.cellNumber} ${excerpt(r.source)} …`);
      },
      onCellDone: (r) => {
        if (values.quiet === true) return;
        const line = `[${String(r.codeIndex).padStart(width)}/${r.codeCount}] cell ${r.cellNumber} ${excerpt(r.source)} … ${r.status} ${r.seconds.toFixed(1)}s`;
        if (process.stdout.isTTY === true) process.stdout.write(`\r\u001b[2K${line}\n`);
        else console.log(line);
      },
    });
    results.push({ path, summary });
    const out = target(values.out, path, ".ipynb", many);
    if (out !== undefined) {
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, formatNotebook(nb));
      console.log(`wrote ${out}`);
    }
    const html = target(values.html, path, ".html", many);
    if (html !== undefined) {
      mkdirSync(dirname(html), { recursive: true });
      writeFileSync(html, notebookToHtml(nb, basename(path, ".ipynb")));
      console.log(`wrote ${html}`);
    }
    if (summary.failed !== undefined) console.error(describeFailure(path, summary.failed));
    else console.log(`${path}: ${summary.cells.length} cells ok in ${summary.totalSeconds.toFixed(1)}s (kernel ready in ${summary.kernelReadySeconds.toFixed(2)}s)`);
  }
  const failed = results.filter((r) => !r.summary.ok);
  if (many) {
    console.log(`\n${results.length - failed.length}/${results.length} notebooks ran without error`);
    for (const r of results) console.log(`  ${r.summary.ok ? "ok    " : "FAILED"} ${r.summary.totalSeconds.toFixed(1).padStart(6)}s  ${r.path}`);
  }
  return failed.length === 0 ? 0 : 1;
}
