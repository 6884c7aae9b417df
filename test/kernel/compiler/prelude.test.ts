import { describe, expect, it } from "vitest";
import { Notebook, fixturePrelude, tempDir } from "./notebook.js";

class FakeTensor {
  constructor(readonly data: number[]) {}
  get shape() { return [this.data.length]; }
  sum() { return new FakeTensor([this.data.reduce((a, b) => a + b, 0)]); }
  item() { return this.data[0]; }
}

function preludeNotebook(): Notebook {
  return new Notebook(tempDir(), {
    preludeTypes: fixturePrelude,
    globals: { tensor: (d: number[]) => new FakeTensor(d), Tensor: FakeTensor, nn: { Linear: class { constructor(readonly inFeatures: number) {} } } },
  });
}

describe("cell compiler: the prelude's exports are cell globals", () => {
  it("values, classes, namespaces and types of the prelude type-check without imports", async () => {
    const nb = preludeNotebook();
    expect(await nb.value("const t: Tensor = tensor([1, 2, 3]);\nconst s: Shape = t.shape;\nlet layer: nn.Linear = new nn.Linear(2, 3);\nt.sum().item() + s.length + layer.inFeatures")).toBe(6 + 1 + 2);
    expect(nb.compile("const v: number = variance([1, 2]);").ok).toBe(true);
    const r = nb.compile("tensor('abc')");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics[0]).toMatchObject({ line: 1, column: 8, code: 2345 });
  });

  it("a cell may redefine a prelude name", async () => {
    const nb = preludeNotebook();
    await nb.run("const tensor = 5;");
    expect(await nb.value("tensor + 1")).toBe(6);
  });

  it("the kernel's display global type-checks", () => {
    const nb = preludeNotebook();
    expect(nb.compile("const h = display.html('<b>x</b>');\nh.update('y');\ndisplay(1, { displayId: 'a' }).close();").ok).toBe(true);
    expect(nb.compile("display.html(1)").ok).toBe(false);
  });
});

describe("cell compiler: kernel globals", () => {
  it("comms, prompt and input type-check", () => {
    const nb = new Notebook(tempDir());
    expect(nb.compile("const c = comms.open('t', { a: 1 });\nc.send({ b: 2 });\nc.onMsg((data) => data.x);\nconst name: string = prompt('name?');\nconst pw = input('pw', true);").ok).toBe(true);
    expect(nb.compile("const n: number = prompt('x');").ok).toBe(false);
  });
});

describe("cell compiler: packages behind the prelude's declarations", () => {
  it("are not followed (their types are any), but a cell importing the package gets its types", async () => {
    const { mkdirSync, writeFileSync } = await import("node:fs");
    const path = await import("node:path");
    const root = tempDir();
    writeFileSync(path.join(root, "package.json"), "{}");
    mkdirSync(path.join(root, "node_modules", "specs"), { recursive: true });
    writeFileSync(path.join(root, "node_modules", "specs", "package.json"), JSON.stringify({ name: "specs", types: "index.d.ts" }));
    writeFileSync(path.join(root, "node_modules", "specs", "index.d.ts"), "export interface Spec { mark: string }\nexport declare const defaultSpec: Spec;\n");
    mkdirSync(path.join(root, "dist"));
    writeFileSync(path.join(root, "dist", "prelude.d.ts"), "import type { Spec } from 'specs';\nexport declare function plot(spec: Spec): string;\n");
    const nb = new Notebook(root, { preludeTypes: path.join(root, "dist", "prelude.d.ts") });
    expect(nb.compile("plot({ anything: 1 });").ok).toBe(true); // Spec is any behind the prelude
    expect(nb.compile("import { defaultSpec, type Spec } from 'specs';\nconst s: Spec = { mark: 1 };").ok).toBe(false);
    expect(nb.compile("import { defaultSpec, type Spec } from 'specs';\nconst s: Spec = { mark: 'bar' };\nplot(s);").ok).toBe(true);
  });
});
