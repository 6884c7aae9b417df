// Issue 14 item 1: modules a cell imports — local .ts and .js files, packages in the notebook
// folder's node_modules — that import "gradlab" or "gradlab/visualizers" get the cells' own
// library instance, and are type-checked against the cells' declarations. Through the real
// kernel over ZeroMQ.
import { describe, expect, it } from "vitest";
import { built, byType } from "../kernel/kernel-harness.js";
import { kernelSession, packageJson } from "./session.js";

const files = {
  "helpers/tensorutil.ts": [
    'import { tensor, Tensor, isGradEnabled, getBackendInfo } from "gradlab";',
    'import { tensorView } from "gradlab/visualizers";',
    "export function ramp(n: number): Tensor { return tensor(Array.from({ length: n }, (_, i) => i)); }",
    "export const gradOn = (): boolean => isGradEnabled();",
    "export const poolThreads = (): number => getBackendInfo().numThreads;",
    "export const view = (t: Tensor) => tensorView(t);",
  ].join("\n"),
  "helpers/plain.js": 'import { ones } from "gradlab";\nexport const twos = (n) => ones([n]).mul(2);\n',
  "helpers/broken.ts": 'import { tensor } from "gradlab";\nexport const bad = tensor([1]).notAMethod();\n',
  // A package that depends on gradlab, with its own declarations.
  "node_modules/gradlab-extras/package.json": packageJson({ name: "gradlab-extras", type: "module", peerDependencies: { gradlab: "*" }, exports: { ".": { types: "./index.d.ts", import: "./index.js" } } }),
  "node_modules/gradlab-extras/index.js": 'import { Tensor, tensor } from "gradlab";\nexport const double = (t) => t.mul(2);\nexport const isTensor = (x) => x instanceof Tensor;\nexport const make = () => tensor([[1, 2], [3, 4]]);\n',
  "node_modules/gradlab-extras/index.d.ts": 'import type { Tensor } from "gradlab";\nexport declare function double(t: Tensor): Tensor;\nexport declare function isTensor(x: unknown): boolean;\nexport declare function make(): Tensor;\n',
  // Another copy of "gradlab" in the notebook folder must not become a second instance.
  "node_modules/gradlab/package.json": packageJson({ name: "gradlab", type: "module", exports: { ".": "./index.js" } }),
  "node_modules/gradlab/index.js": "export const decoy = true;\n",
};

describe.skipIf(!built)("gradlab from anywhere in a session", () => {
  const { run, ok } = kernelSession(files);

  it("a local .ts helper's tensors are the cells' Tensor, type-check as it, and display richly", async () => {
    const r = await ok('import { ramp, view } from "./helpers/tensorutil.ts";\nconst t: Tensor = ramp(4);\n[t instanceof Tensor, t.sum().item()]');
    expect(r.result).toBe("[ true, 6 ]");
    const shown = await run("t");
    const data = (byType(shown.outputs, "execute_result")[0]!.content as { data: Record<string, unknown> }).data;
    expect(Object.keys(data)).toContain("text/html");
    const viewed = await ok("view(t)");
    expect(JSON.stringify(byType(viewed.outputs, "execute_result")[0]!.content)).toContain("gradlab-tensor");
  });

  it("a helper shares the cells' grad mode and worker pool", async () => {
    const r = await ok('import { gradOn, poolThreads } from "./helpers/tensorutil.ts";\nconst inside = noGrad(() => gradOn());\nsetNumThreads(1);\nconst one = poolThreads();\nsetNumThreads(2);\n[inside, gradOn(), one, poolThreads()]');
    expect(r.result).toBe("[ false, true, 1, 2 ]");
  });

  it("a local .js helper and a notebook package importing gradlab get the same instance, typed by their declarations", async () => {
    const r = await ok('import { twos } from "./helpers/plain.js";\nimport { double, isTensor, make } from "gradlab-extras";\nconst m: Tensor = double(make());\n[twos(2) instanceof Tensor, isTensor(tensor([1])), m.sum().item()]');
    expect(r.result).toBe("[ true, true, 20 ]");
    // The package's declarations use the cells' Tensor type: a number is not one.
    const wrong = await run("double(3)");
    expect(wrong.content.ename).toBe("TSError");
    expect(wrong.content.evalue).toMatch(/'number' is not assignable to parameter of type 'Tensor'/);
  });

  it("a cell importing gradlab gets the kernel's package, not another copy in the notebook folder", async () => {
    const r = await ok('import * as g from "gradlab";\nimport { tensorView as tv } from "gradlab/visualizers";\n[g.Tensor === Tensor, "decoy" in g, tv === tensorView]');
    expect(r.result).toBe("[ true, false, true ]");
  });

  it("a type error in a helper against gradlab's declarations is the cell's TSError, naming the helper", async () => {
    const r = await run('import { bad } from "./helpers/broken.ts";\nbad');
    expect(r.content.ename).toBe("TSError");
    expect(r.content.evalue).toMatch(/helpers\/broken\.ts:2:/);
    expect(r.content.evalue).toMatch(/notAMethod/);
  });
});

describe.skipIf(!built)("a notebook package importing gradlab, first thing in a session", () => {
  const { ok } = kernelSession(files);

  it("a package that lists gradlab among its dependencies gets the kernel's instance", async () => {
    const r = await ok('import { isTensor, make } from "gradlab-extras";\n[isTensor(tensor([1])), make() instanceof Tensor]');
    expect(r.result).toBe("[ true, true ]");
  });
});

describe.skipIf(!built)("a notebook package importing gradlab without declaring it", () => {
  const { run } = kernelSession({
    "node_modules/undeclared/package.json": packageJson({ name: "undeclared", type: "module", exports: "./index.js" }),
    "node_modules/undeclared/index.js": 'import { tensor } from "gradlab";\nexport const t = tensor([1]);\n',
  });

  it("is an error that says what to add", async () => {
    const r = await run('// @ts-nocheck\nimport { t } from "undeclared";\nt');
    expect(r.content.evalue).toBe('import "undeclared": it imports "gradlab" without listing it in its package.json; add "gradlab" to its peerDependencies so the kernel gives it its own');
  });
});
