// `gradlab run` end to end: a real kernel process over ZeroMQ executes fixture notebooks;
// plus the pure parts (output recording rules, Markdown rendering) checked by hand-made cases.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderMarkdown } from "../../kernel/runner/markdown.js";
import type { CodeCell, Notebook } from "../../kernel/runner/notebook.js";
import { OutputRecorder } from "../../kernel/runner/outputs.js";

const root = join(import.meta.dirname, "..", "..");
const fixtures = join(import.meta.dirname, "fixtures");
const tmp = mkdtempSync(join(tmpdir(), "gradlab-runner-test-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function gradlab(...args: string[]) {
  return gradlabEnv({}, ...args);
}
function gradlabEnv(env: Record<string, string>, ...args: string[]) {
  return spawnSync(process.execPath, [join(root, "bin", "gradlab.js"), ...args], { encoding: "utf8", timeout: 120_000, env: { ...process.env, CI: "true", ...env } });
}

const text = (v: unknown) => (Array.isArray(v) ? v.join("") : String(v));

describe("gradlab run", () => {
  it("executes a notebook and writes outputs, execution counts and HTML", () => {
    const out = join(tmp, "ok.ipynb");
    const html = join(tmp, "ok.html");
    const r = gradlab("run", join(fixtures, "runner-ok.ipynb"), "--out", out, "--html", html);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    // One progress line per code cell, numbered among code cells and by notebook position.
    expect(r.stdout).toMatch(/\[1\/4\] cell 2 const x = 6 \* 7; … ok \d+\.\ds/);
    expect(r.stdout).toMatch(/\[4\/4\] cell 5 .* ok \d+\.\ds/);
    const nb = JSON.parse(readFileSync(out, "utf8")) as Notebook;
    const code = nb.cells.filter((c): c is CodeCell => c.cell_type === "code");
    expect(code.map((c) => c.execution_count)).toEqual([1, 2, 3, 4]);
    // Two console.log calls become one merged stdout stream.
    expect(code[0].outputs).toEqual([{ output_type: "stream", name: "stdout", text: ["hello 42\n", "again\n"] }]);
    expect(code[1].outputs).toEqual([{ output_type: "execute_result", data: { "text/plain": ["43"] }, metadata: {}, execution_count: 2 }]);
    // The display shown in cell 3 under id d1 was updated from cell 4.
    const first = code[2].outputs[0];
    expect(first.output_type).toBe("display_data");
    expect(JSON.stringify(first)).toContain("updated");
    expect(JSON.stringify(first)).not.toContain("first");
    expect(code[2].outputs[1]).toMatchObject({ output_type: "display_data", data: { "image/svg+xml": [expect.stringContaining("<rect")] } });
    // clear_output(wait) dropped the markdown display once the next output arrived.
    expect(code[3].outputs).toEqual([{ output_type: "stream", name: "stdout", text: ["after clear\n"] }]);
    const page = readFileSync(html, "utf8");
    expect(page).toContain("<h1>Fixture</h1>");
    expect(page).toContain('<a href="https://example.org">link</a>');
    expect(page).toContain("<rect");
    expect(page).toContain("In [2]:");
  });

  it("stops at the first error, exits non-zero and names the cell, source and error", () => {
    const out = join(tmp, "err.ipynb");
    const r = gradlab("run", join(fixtures, "runner-error.ipynb"), "--out", out);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("cell 2 (code cell 2 of 3) failed");
    expect(r.stderr).toContain('throw new RangeError("boom at cell two")');
    expect(r.stderr).toContain("RangeError: boom at cell two");
    expect(r.stdout).toMatch(/\[2\/3\] cell 2 .* error/);
    expect(r.stdout).not.toContain("[3/3]");
    const nb = JSON.parse(readFileSync(out, "utf8")) as Notebook;
    const [, failed, never] = nb.cells as CodeCell[];
    expect(failed.outputs).toHaveLength(1);
    expect(failed.outputs[0]).toMatchObject({ output_type: "error", ename: "RangeError", evalue: "boom at cell two" });
    expect(never.outputs).toEqual([]);
    expect(never.execution_count).toBeNull();
  });

  // `gradlab run` sends every cell's request up front (each runs only if the one before it
  // succeeded): nothing after a failing or timed-out cell may run, however fast it failed.
  const markerNotebook = (name: string, cells: string[]): { path: string; marker: string } => {
    const marker = join(tmp, `${name}.marker`);
    const marking = `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(marker)}, "ran");`;
    const nb = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [...cells, marking].map((source) => ({ cell_type: "code", metadata: {}, source, outputs: [], execution_count: null })) };
    const path = join(tmp, `${name}.ipynb`);
    writeFileSync(path, JSON.stringify(nb));
    return { path, marker };
  };

  for (const [kind, failing] of [["a type error", "const n: number = 'x';"], ["a runtime error", "throw new Error('fails at once');"]] as const) {
    it(`stops at ${kind}: the cells after it, already sent, never run`, () => {
      const { path, marker } = markerNotebook(kind.replace(/ /g, "-"), ["const ok = 1;", failing]);
      const out = join(tmp, `${kind.replace(/ /g, "-")}.out.ipynb`);
      const r = gradlab("run", path, "--out", out);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("cell 2 (code cell 2 of 3) failed");
      expect(existsSync(marker)).toBe(false);
      const never = (JSON.parse(readFileSync(out, "utf8")) as Notebook).cells[2] as CodeCell;
      expect(never.outputs).toEqual([]);
      expect(never.execution_count).toBeNull();
    });
  }

  it("--timeout interrupts a cell that runs too long, says so, and runs nothing after it", () => {
    const { path, marker } = markerNotebook("timeout", ["console.log('before the loop'); while (true) {}"]);
    const r = gradlab("run", path, "--timeout", "2");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("did not finish within 2 s");
    expect(r.stdout).toMatch(/\[1\/2\] cell 1 .* timeout/);
    expect(existsSync(marker)).toBe(false);
  });

  it("rejects a missing notebook with a clear message", () => {
    const r = gradlab("run", join(tmp, "nope.ipynb"));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("nope.ipynb: not a readable notebook");
  });
});

describe("gradlab tutorials", () => {
  it.skipIf(!existsSync("/usr/bin/jupyter"))("with Jupyter installed but CI set, prints how to open the tutorials instead of blocking", () => {
    const r = gradlabEnv({ GRADLAB_JUPYTER: "/usr/bin/jupyter" }, "tutorials");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/(JupyterLab|Notebook) is installed/);
    expect(r.stdout).toMatch(/\/usr\/bin\/jupyter (lab|notebook)/);
    expect(r.stdout).toContain("01-tensors-and-autograd.ipynb");
    // a command that works for this user: Jupyter refuses root without --allow-root
    if (process.getuid?.() === 0) expect(r.stdout).toMatch(/jupyter (lab|notebook) --allow-root/);
    expect(r.stdout).toContain("npm start -- --no-browser");
  });

  it.skipIf(!existsSync("/usr/bin/jupyter"))("--no-browser starts the server without a terminal and prints the address to open", async () => {
    const dir = join(tmp, "served");
    mkdirSync(dir);
    copyFileSync(join(fixtures, "runner-ok.ipynb"), join(dir, "01-fixture.ipynb"));
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const p = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    const child = spawn(process.execPath, [join(root, "bin", "gradlab.js"), "tutorials", "--dir", dir, "--no-browser", `--port=${port}`], {
      env: { ...process.env, CI: "true", GRADLAB_JUPYTER: "/usr/bin/jupyter" }, stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      let out = "";
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no address within 60 s:\n${out}`)), 60_000);
        child.stdout.on("data", (c: Buffer) => {
          out += c.toString();
          const m = /gradlab: open (\S+) in a browser and start with 01-fixture\.ipynb/.exec(out);
          if (m) { clearTimeout(timer); resolve(m[1]!); }
        });
      });
      const api = new URL(url);
      api.pathname = "/api/contents";
      const listing = (await (await fetch(api)).json()) as { content: { name: string }[] };
      expect(listing.content.map((c) => c.name)).toContain("01-fixture.ipynb");
    } finally {
      child.kill("SIGTERM"); // passed on to the server, which shuts down
    }
    expect(await exited).not.toBeNull();
  }, 90_000);

  it("without Jupyter, says how to get it and runs the first tutorial headless to HTML", () => {
    const dir = join(tmp, "tutorials");
    mkdirSync(dir);
    copyFileSync(join(fixtures, "runner-ok.ipynb"), join(dir, "01-fixture.ipynb"));
    copyFileSync(join(fixtures, "runner-error.ipynb"), join(dir, "02-not-run.ipynb"));
    const r = gradlabEnv({ GRADLAB_JUPYTER: "none" }, "tutorials", "--dir", dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("sudo apt-get install jupyter-notebook");
    expect(r.stdout).toContain("pip install --user jupyterlab");
    expect(r.stdout).toContain(`Open ${join(dir, "01-fixture.html")}`);
    expect(readFileSync(join(dir, "01-fixture.html"), "utf8")).toContain("<h1>Fixture</h1>");
    expect(existsSync(join(dir, "02-not-run.html"))).toBe(false);
  });
});

describe("OutputRecorder (nbclient's rules)", () => {
  const msg = (msg_type: string, content: Record<string, unknown>) => ({ header: { msg_type }, content });
  const cell = (): CodeCell => ({ cell_type: "code", metadata: {}, source: "", outputs: [], execution_count: null });

  it("clear_output without wait clears at once; with wait, at the next output only", () => {
    const r = new OutputRecorder();
    const c = cell();
    r.begin(c);
    r.handle(msg("stream", { name: "stdout", text: "a\n" }));
    r.handle(msg("clear_output", { wait: false }));
    expect(c.outputs).toEqual([]);
    r.handle(msg("stream", { name: "stdout", text: "b\n" }));
    r.handle(msg("clear_output", { wait: true }));
    expect(c.outputs).toHaveLength(1);
    r.handle(msg("stream", { name: "stderr", text: "c" }));
    expect(c.outputs).toEqual([{ output_type: "stream", name: "stderr", text: ["c"] }]);
  });

  it("update_display_data reaches every cell showing that display_id, not others", () => {
    const r = new OutputRecorder();
    const a = cell();
    const b = cell();
    r.begin(a);
    r.handle(msg("display_data", { data: { "text/plain": "v1" }, metadata: {}, transient: { display_id: "x" } }));
    r.handle(msg("display_data", { data: { "text/plain": "other" }, metadata: {}, transient: { display_id: "y" } }));
    r.end();
    r.begin(b);
    r.handle(msg("display_data", { data: { "text/plain": "v1" }, metadata: {}, transient: { display_id: "x" } }));
    r.handle(msg("update_display_data", { data: { "text/plain": "v2" }, metadata: { m: 1 }, transient: { display_id: "x" } }));
    expect(a.outputs[0]).toEqual({ output_type: "display_data", data: { "text/plain": ["v2"] }, metadata: { m: 1 } });
    expect(a.outputs[1]).toEqual({ output_type: "display_data", data: { "text/plain": ["other"] }, metadata: {} });
    expect(b.outputs).toEqual([{ output_type: "display_data", data: { "text/plain": ["v2"] }, metadata: { m: 1 } }]);
    // Re-running cell a drops its outputs from the display map: updates then only reach b.
    r.end();
    r.begin(a);
    r.handle(msg("update_display_data", { data: { "text/plain": "v3" }, metadata: {}, transient: { display_id: "x" } }));
    expect(a.outputs).toEqual([]);
    expect(b.outputs[0]).toMatchObject({ data: { "text/plain": ["v3"] } });
  });
});

describe("renderMarkdown", () => {
  it("renders headings, paragraphs, emphasis, code, lists and links", () => {
    expect(renderMarkdown("## Title *here*")).toBe("<h2>Title <em>here</em></h2>");
    expect(renderMarkdown("a **b** _c_ `x*y*`\nnext")).toBe("<p>a <strong>b</strong> <em>c</em> <code>x*y*</code>\nnext</p>");
    expect(renderMarkdown("1. one\n2. two [w](http://w.org)")).toBe('<ol>\n<li>one</li>\n<li>two <a href="http://w.org">w</a></li>\n</ol>');
    expect(renderMarkdown("- a\n  - b\n- c")).toBe("<ul>\n<li>a\n<ul>\n<li>b</li>\n</ul></li>\n<li>c</li>\n</ul>");
    expect(renderMarkdown("- first\n  continued\n- b")).toBe("<ul>\n<li>first\ncontinued</li>\n<li>b</li>\n</ul>");
    expect(renderMarkdown("```ts\nconst a = 1 < 2;\n```")).toBe('<pre><code class="language-ts">const a = 1 &lt; 2;</code></pre>');
  });

  it("keeps TeX math verbatim (no emphasis inside it)", () => {
    expect(renderMarkdown("with $a_1 * b_2 * c$ and $$x_i < y_j$$")).toBe('<p>with <span class="math">$a_1 * b_2 * c$</span> and <span class="math">$$x_i &lt; y_j$$</span></p>');
  });

  it("escapes raw HTML and script URLs", () => {
    expect(renderMarkdown("<script>x</script>")).toBe("<p>&lt;script&gt;x&lt;/script&gt;</p>");
    expect(renderMarkdown("[x](javascript:alert(1))")).not.toContain("javascript:");
  });
});
