// Issue 14 item 2: a package without type declarations imports as `any` with a one-line note on
// stderr (as tsc without noImplicitAny and Deno do), CommonJS and ESM alike; packages with
// declarations keep their types. Through the real kernel over ZeroMQ.
import { describe, expect, it } from "vitest";
import { built } from "../kernel/kernel-harness.js";
import { kernelSession, packageJson } from "./session.js";

const files = {
  // CommonJS whose exports Node's source scan (cjs-module-lexer) cannot name.
  "node_modules/chunky/package.json": packageJson({ name: "chunky", main: "lib/main.js" }),
  "node_modules/chunky/lib/main.js": "module.exports = { chunk: (a, n) => { const o = []; for (let i = 0; i < a.length; i += n) o.push(a.slice(i, i + n)); return o; }, version: '1.' + 2 };\n",
  // CommonJS exporting a function with properties, lodash's shape.
  "node_modules/underbar/package.json": packageJson({ name: "underbar", main: "index.cjs" }),
  "node_modules/underbar/index.cjs": "function _(v) { return { value: v }; }\n_.sum = (xs) => xs.reduce((a, b) => a + b, 0);\nmodule.exports = _;\n",
  // ESM-only, like lodash-es.
  "node_modules/esm-untyped/package.json": packageJson({ name: "esm-untyped", type: "module", exports: { ".": "./index.js", "./extra": "./extra.js" } }),
  "node_modules/esm-untyped/index.js": "export const twice = (x) => 2 * x;\nexport default function hello(n) { return `hello ${n}`; }\n",
  "node_modules/esm-untyped/extra.js": "export const three = 3;\n",
  "node_modules/esm-default/package.json": packageJson({ name: "esm-default", type: "module", exports: "./index.js" }),
  "node_modules/esm-default/index.js": "export default { notNamed: 1 };\n",
  "node_modules/typed/package.json": packageJson({ name: "typed", main: "index.js", types: "index.d.ts" }),
  "node_modules/typed/index.js": "exports.inc = (n) => n + 1;\n",
  "node_modules/typed/index.d.ts": "export declare function inc(n: number): number;\n",
  // A local module's imports of a CommonJS package read module.exports too, as a cell's do.
  "helper.ts": 'import chunky, { chunk } from "chunky";\nimport * as ns from "chunky";\nimport _, { sum } from "underbar";\nexport const pairs = (xs: number[]): number[][] => chunk(xs, 2);\nexport const same = [chunky.chunk === chunk, ns.chunk === chunk, ns.default === chunky, sum([1, 2]) === _.sum([1, 2])];\n',
};

describe.skipIf(!built)("packages without type declarations", () => {
  const { run, ok } = kernelSession(files);

  it("a CommonJS package: named, default and namespace imports, typed as any, with a one-line note", async () => {
    const r = await ok('import { chunk, version } from "chunky";\nimport chunky from "chunky";\nimport * as ns from "chunky";\n[chunk([1, 2, 3], 2), version, chunky.version, ns.chunk([1], 1)]');
    expect(r.result).toBe("[ [ [ 1, 2 ], [ 3 ] ], '1.2', '1.2', [ [ 1 ] ] ]");
    const lines = r.stderr.trimEnd().split("\n");
    // One note per import statement of the package, each one line naming it.
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l).toMatch(/^warning \(\d:\d+\) TS7016: "chunky" has no type declarations: it is typed as any/);
  });

  it("a later cell uses what an earlier one imported (any: no type errors)", async () => {
    const r = await ok("chunk('abcde'.split(''), 3).map((p: string[]) => p.join('')).concat(chunky.anything === undefined ? ['ok'] : [])");
    expect(r.result).toBe("[ 'abc', 'de', 'ok' ]");
    expect(r.stderr).toBe("");
  });

  it("a CommonJS function with properties (lodash's shape) and an ESM-only package with subpaths", async () => {
    const r = await ok('import _ from "underbar";\nimport { sum } from "underbar";\nimport hello, { twice } from "esm-untyped";\nimport { three } from "esm-untyped/extra";\n[_(1).value, _.sum([1, 2]), sum([3, 4]), hello("x"), twice(three)]');
    expect(r.result).toBe("[ 1, 3, 7, 'hello x', 6 ]");
    expect(r.stderr).toMatch(/"underbar" has no type declarations/);
    expect(r.stderr).toMatch(/"esm-untyped\/extra" has no type declarations/);
  });

  it("an ES module's default export is not spread into named exports (only CommonJS exports are)", async () => {
    const r = await run('import * as d from "esm-default";\n["notNamed" in d, d.default.notNamed]');
    expect(r.result).toBe("[ false, 1 ]");
  });

  it("dynamic import() of an untyped package is any too", async () => {
    const r = await ok('const m = await import("esm-untyped");\nm.twice(21)');
    expect(r.result).toBe("42");
  });

  it("a local .ts file imports an untyped CommonJS package the same way: named, default, namespace", async () => {
    const r = await ok('import { pairs, same } from "./helper.ts";\n[pairs([1, 2, 3, 4]), same]');
    expect(r.result).toBe("[ [ [ 1, 2 ], [ 3, 4 ] ], [ true, true, true, true ] ]");
  });

  it("a package with declarations keeps its types", async () => {
    const typed = await ok('import { inc } from "typed";\ninc(1)');
    expect(typed.result).toBe("2");
    expect(typed.stderr).toBe("");
    const wrong = await run('inc("one")');
    expect(wrong.content.ename).toBe("TSError");
    expect(wrong.content.evalue).toMatch(/'string' is not assignable to parameter of type 'number'/);
  });

  it("a package that is not installed is still an error", async () => {
    const r = await run('import { x } from "not-installed-anywhere";\nx');
    expect(r.content.ename).toBe("TSError");
    expect(r.content.evalue).toMatch(/Cannot find module 'not-installed-anywhere'/);
  });
});
