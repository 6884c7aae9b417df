// The committed tutorials stay stripped (no outputs, no execution counts), carry the gradlab
// kernelspec, and match their readable sources in notebooks/src/ (the one place to edit them).
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const dir = join(import.meta.dirname, "..", "..", "notebooks");
const notebooks = readdirSync(dir).filter((f) => f.endsWith(".ipynb")).sort();

interface Cell { cell_type: string; id?: string; outputs?: unknown[]; execution_count?: number | null; source: string[] | string }

describe("committed tutorial notebooks", () => {
  it("are the ten tutorials of the curriculum, numbered in order", () => {
    expect(notebooks.map((f) => f.slice(0, 3))).toEqual(["01-", "02-", "03-", "04-", "05-", "06-", "07-", "08-", "09-", "10-"]);
  });

  it.each(notebooks)("%s has no outputs or execution counts and uses the gradlab kernel", (file) => {
    const nb = JSON.parse(readFileSync(join(dir, file), "utf8")) as { nbformat: number; nbformat_minor: number; metadata: any; cells: Cell[] };
    expect(nb.nbformat).toBe(4);
    expect(nb.nbformat_minor).toBeGreaterThanOrEqual(5);
    expect(nb.metadata.kernelspec).toEqual({ name: "gradlab", display_name: "TypeScript (gradlab)", language: "typescript" });
    expect(nb.metadata.language_info.name).toBe("typescript");
    const withOutputs = nb.cells.map((c, i) => [c, i + 1] as const).filter(([c]) => c.cell_type === "code" && ((c.outputs?.length ?? 0) > 0 || c.execution_count !== null));
    expect(withOutputs.map(([, i]) => `cell ${i}`), `${file} was committed with outputs: rebuild it with node notebooks/src/build.mjs`).toEqual([]);
    const ids = nb.cells.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    // Every lesson ends with a "Try this" list and a final code cell that checks its promise.
    const markdown = nb.cells.filter((c) => c.cell_type === "markdown").map((c) => [c.source].flat().join(""));
    expect(markdown.some((m) => /^## Try this/m.test(m))).toBe(true);
    const last = nb.cells[nb.cells.length - 1];
    expect(last.cell_type).toBe("code");
    expect([last.source].flat().join("")).toMatch(/throw new Error/);
  });

  it("match their sources in notebooks/src (node notebooks/src/build.mjs --check)", async () => {
    const builder = (await import(join(dir, "src", "build.mjs"))) as { sources(): string[]; render(f: string): { path: string; text: string } };
    expect(builder.sources().map((f) => f.replace(/\.md$/, ".ipynb"))).toEqual(notebooks);
    for (const f of builder.sources()) {
      const { path, text } = builder.render(f);
      expect(readFileSync(path, "utf8") === text, `${path} differs from notebooks/src/${f}: run node notebooks/src/build.mjs`).toBe(true);
    }
  });
});
