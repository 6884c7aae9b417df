// Issue 14 item 3: notebooks written for tslab run unchanged. `import * as tslab from "tslab"`
// is the kernel's shim (kernel/provided/tslab.ts): tslab 1.0.22's public API, type-checked.
// The fixture notebooks (fixtures/tslab/, kernelspec "tslab") run through the real kernel with
// `gradlab run`; single cells through the kernel over ZeroMQ.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import type { CodeCell, Notebook, Output } from "../../kernel/runner/notebook.js";
import { built, byType, root } from "../kernel/kernel-harness.js";
import { removeTempDirs, tempDir } from "../temp-dirs.js";
import { kernelSession } from "./session.js";

const fixtures = join(import.meta.dirname, "fixtures", "tslab");
afterAll(removeTempDirs);

function runNotebook(name: string): CodeCell[] {
  const out = join(tempDir("gradlab-tslab-"), name);
  const r = spawnSync(process.execPath, [join(root, "bin", "gradlab.js"), "run", join(fixtures, name), "--out", out], { encoding: "utf8", timeout: 120_000 });
  expect(r.status, r.stdout + r.stderr).toBe(0);
  const nb = JSON.parse(readFileSync(out, "utf8")) as Notebook;
  return nb.cells.filter((c): c is CodeCell => c.cell_type === "code");
}

const text = (v: unknown): string => (Array.isArray(v) ? v.join("") : String(v));
const kinds = (outputs: Output[]): string[] => outputs.map((o) => ("data" in o ? Object.keys(o.data).filter((k) => k !== "text/plain").join("+") || "text/plain" : o.output_type));
const data = (o: Output | undefined, mime: string): string => text(o !== undefined && "data" in o ? o.data[mime] : undefined);

describe.skipIf(!built)("tslab notebooks, unchanged", () => {
  it("getting-started: versions, classes, top-level await, every display kind, images from files", () => {
    const cells = runNotebook("getting-started.ipynb");
    expect(text((cells[0]!.outputs[0] as { text: unknown }).text)).toBe("Hello, tslab!\nVersions: gradlab, node, tslab, typescript\n");
    expect(text((cells[2]!.outputs[0] as { text: unknown }).text)).toBe("fib(20) = 10946\n");
    expect(data(cells[4]!.outputs[0], "text/plain")).toBe("'slept at least 45 ms: true'");
    expect(kinds(cells[6]!.outputs)).toEqual(["text/html"]);
    expect(data(cells[6]!.outputs[0], "text/html")).toContain("<b>Type</b>Script");
    expect(kinds(cells[7]!.outputs)).toEqual(["text/markdown", "text/latex", "text/plain"]);
    expect(data(cells[7]!.outputs[1], "text/latex")).toBe("$$e^{i\\pi} + 1 = 0$$");
    expect(kinds(cells[8]!.outputs)).toEqual(["image/svg+xml"]);
    expect(kinds(cells[9]!.outputs)).toEqual(["image/png", "image/gif"]);
    // Bytes go base64-encoded, as tslab sends them.
    expect(data(cells[9]!.outputs[0], "image/png")).toBe(readFileSync(join(fixtures, "images", "square.png")).toString("base64"));
  });

  it("animation: a newDisplay() is one output, overwritten in place, also from a later cell; raw MIME types", () => {
    const cells = runNotebook("animation.ipynb");
    expect(cells[1]!.outputs).toHaveLength(1);
    expect(data(cells[1]!.outputs[0], "text/plain")).toBe("progress: 100%");
    expect(cells[2]!.outputs).toHaveLength(1);
    expect(data(cells[2]!.outputs[0], "text/html")).toBe("<i>done</i>");
    expect(kinds(cells[4]!.outputs)).toEqual(["text/csv", "text/javascript", "image/jpeg", "application/pdf"]);
    expect(data(cells[4]!.outputs[2], "image/jpeg")).toBe(Buffer.from([0xff, 0xd8, 0xff, 0xd9]).toString("base64"));
  });

  it("data-exploration: interfaces, generics, enums, Node's fs, an HTML table and an SVG chart", () => {
    const cells = runNotebook("data-exploration.ipynb");
    expect(data(cells[0]!.outputs[0], "text/plain")).toBe("6");
    expect(data(cells[1]!.outputs[0], "text/plain")).toBe("[ 'Lisbon', 'Oslo', 'Cairo' ]");
    expect(data(cells[2]!.outputs[0], "text/plain")).toContain("{ city: 'Oslo', swing: 20.7 }");
    expect(data(cells[3]!.outputs[0], "text/html")).toContain("<td>Cairo</td><td>14</td>");
    expect(data(cells[4]!.outputs[0], "image/svg+xml").match(/<rect /g)).toHaveLength(6);
    expect(text((cells[5]!.outputs[0] as { text: unknown }).text)).toBe("wettest: Lisbon in Jan\n");
  });
});

describe.skipIf(!built || !existsSync("/usr/bin/jupyter-nbconvert"))("a tslab notebook under Jupyter's own client, kernelspec unchanged", () => {
  it("jupyter nbconvert --execute runs it with gradlab installed under tslab's kernelspec name", () => {
    const tmp = tempDir("gradlab-tslab-nbconvert-");
    const install = spawnSync(process.execPath, [join(root, "bin", "gradlab.js"), "install", "--prefix", join(tmp, "prefix"), "--name", "tslab", "--display-name", "TypeScript"], { encoding: "utf8" });
    expect(install.status, install.stderr).toBe(0);
    const env = { ...process.env, JUPYTER_PATH: join(tmp, "prefix", "share", "jupyter"), JUPYTER_DATA_DIR: join(tmp, "data"), JUPYTER_RUNTIME_DIR: join(tmp, "runtime"), JUPYTER_CONFIG_DIR: join(tmp, "config"), IPYTHONDIR: join(tmp, "ipython") };
    // No kernel_name override: the notebook's own metadata ("tslab") picks the kernel.
    const r = spawnSync("/usr/bin/jupyter", ["nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=120", "--output-dir", tmp, join(fixtures, "animation.ipynb")], { encoding: "utf8", env, cwd: fixtures, timeout: 180_000 });
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    const nb = JSON.parse(readFileSync(join(tmp, "animation.ipynb"), "utf8")) as Notebook;
    const cells = nb.cells.filter((c): c is CodeCell => c.cell_type === "code");
    expect(nb.metadata.kernelspec?.name).toBe("tslab");
    // nbclient keeps the newDisplay() output updated in place, as a frontend does.
    expect(cells[1]!.outputs).toHaveLength(1);
    expect(data(cells[1]!.outputs[0], "text/plain")).toBe("progress: 100%");
    expect(data(cells[2]!.outputs[0], "text/html")).toBe("<i>done</i>");
  }, 200_000);
});

describe.skipIf(!built)("the tslab module in a cell", () => {
  const { run, ok } = kernelSession({ "show.ts": 'import * as tslab from "tslab";\nexport function show(s: string): void { tslab.display.markdown(s); }\n' });

  it("is type-checked: a wrong argument stops the cell before it runs", async () => {
    const r = await run('import * as tslab from "tslab";\nconsole.log("ran");\ntslab.display.png("not bytes");');
    expect(r.content.ename).toBe("TSError");
    expect(r.content.evalue).toMatch(/'string' is not assignable to parameter of type 'Uint8Array/);
    expect(byType(r.outputs, "stream")).toHaveLength(0);
    const missing = await run('import { nothing } from "tslab";');
    expect(missing.content.evalue).toMatch(/has no exported member 'nothing'/);
  });

  it("bad input at run time (type checking off) is a clear TypeError, and the kernel goes on", async () => {
    const r = await run('// @ts-nocheck\nimport * as tslab from "tslab";\ntslab.display.png("not bytes")');
    expect(r.content.ename).toBe("TypeError");
    expect(r.content.evalue).toBe('tslab.display.png: expected bytes (a Uint8Array or Buffer), got "not bytes"');
    expect((await ok("1 + 1")).result).toBe("2");
  });

  it("a local module importing tslab gets the same shim", async () => {
    const r = await ok('import { show } from "./show.ts";\nshow("*from a helper*");\nimport * as tslab from "tslab";\ntslab.isBrowser()');
    expect((byType(r.outputs, "display_data")[0]!.content as { data: Record<string, string> }).data["text/markdown"]).toBe("*from a helper*");
    expect(r.result).toBe("false");
  });
});

describe("the shim's declarations and tslab 1.0.22's", () => {
  it("are assignable both ways (every tslab export, with its type)", () => {
    const shim = join(root, "kernel", "provided", "tslab.ts");
    const real = join(root, "node_modules", "tslab", "dist", "public.d.ts");
    const check = join(tempDir("gradlab-tslab-types-"), "check.ts");
    const source = [
      `import * as real from ${JSON.stringify(real.replace(/\.d\.ts$/, ".js"))};`,
      `import * as shim from ${JSON.stringify(shim.replace(/\.ts$/, ".js"))};`,
      "const fromShim: typeof real = shim;",
      // (The shim adds `isBrowser` and `versions.gradlab`: tslab's own are a narrower type.)
      "const fromReal: Omit<typeof shim, 'isBrowser' | 'versions'> = real;",
      "const d: real.Display = shim.newDisplay();",
      "const e: shim.Display = real.newDisplay();",
      "export { fromShim, fromReal, d, e };",
    ].join("\n");
    const host = ts.createCompilerHost({});
    const readFile = host.readFile.bind(host);
    host.readFile = (f) => (f === check ? source : readFile(f));
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (f) => f === check || fileExists(f);
    const program = ts.createProgram({ rootNames: [check], options: { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, types: ["node"], skipLibCheck: true }, host });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(diagnostics).toEqual([]);
    // Both files were really read (an unresolved import would be `any` and prove nothing).
    expect(program.getSourceFile(real)).toBeDefined();
    expect(program.getSourceFile(shim)).toBeDefined();
  });
});
