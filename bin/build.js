#!/usr/bin/env node
// `npm run build`: the three build steps, each skipped when its inputs are unchanged, each
// saying what it did. Plain JavaScript: it runs before anything is compiled.
//   1. WebAssembly kernels (asc): keyed on lib/backend/wasm/assembly/* and the op-code table
//      they import (lib/backend/wasm/opcodes.ts), the flags and asc's version
//   2. tsc -b tsconfig.build.json, incremental (dist/.tsbuildinfo)
//   3. the cell compiler's type bundles (dist/types/): keyed on the declarations they bundle
// `--force` rebuilds everything.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const force = process.argv.includes("--force");
const dist = join(root, "dist");
const stampsFile = join(dist, ".build-inputs.json");
const stamps = readStamps();

function readStamps() {
  try {
    return JSON.parse(readFileSync(stampsFile, "utf8"));
  } catch {
    return {};
  }
}

/** Files under `dir` (recursively) whose names end with one of `exts`, sorted. */
function files(dir, exts) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p, exts));
    else if (exts.some((x) => e.name.endsWith(x))) out.push(p);
  }
  return out.sort();
}

/** One hash over the given files' names and contents plus any extra strings. */
function hashOf(paths, extra = []) {
  const h = createHash("sha256");
  for (const s of extra) h.update(s + "\0");
  for (const p of paths) h.update(relative(root, p) + "\0").update(readFileSync(p)).update("\0");
  return h.digest("hex");
}

function version(pkg) {
  return JSON.parse(readFileSync(join(root, "node_modules", pkg, "package.json"), "utf8")).version;
}

/** Runs `fn` unless `key`'s inputs hash to what the last build recorded and `outputs` exist. */
function step(name, key, hash, outputs, fn) {
  if (!force && stamps[key] === hash && outputs.every((o) => existsSync(o))) {
    console.log(`${name}: up to date (inputs unchanged)`);
    return;
  }
  const t0 = performance.now();
  const note = fn();
  stamps[key] = hash;
  mkdirSync(dist, { recursive: true });
  writeFileSync(stampsFile, JSON.stringify(stamps, null, 2) + "\n");
  console.log(`${name}: ${note ?? "built"} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

function run(cmd, args) {
  return execFileSync(cmd, args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
}

const t0 = performance.now();

// 1. WebAssembly: the commands and flags are package.json's build:wasm* scripts, the outputs their -o files
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const wasmScripts = Object.entries(pkg.scripts).filter(([name]) => name === "build:wasm" || name.startsWith("build:wasm:")).map(([name, cmd]) => `${name}=${cmd}`);
const wasmOuts = [...wasmScripts.join(" ").matchAll(/ -o (\S+)/g)].map((m) => join(root, m[1]));
step("wasm", "wasm", hashOf([...files(join(root, "lib/backend/wasm/assembly"), [".ts"]), join(root, "lib/backend/wasm/opcodes.ts")], [...wasmScripts, version("assemblyscript")]), wasmOuts, () => {
  execFileSync("npm", ["run", "--silent", "build:wasm"], { cwd: root, stdio: "inherit" });
  return `compiled lib/backend/wasm/assembly → ${wasmOuts.map((o) => relative(root, o)).join(", ")}`;
});

// 2. TypeScript: tsc's build mode decides what changed (tsBuildInfoFile in tsconfig.build.json)
{
  const t = performance.now();
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const r = spawnSync(process.execPath, [tsc, "-b", "tsconfig.build.json", "--listEmittedFiles", ...(force ? ["--force"] : [])], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const lines = (r.stdout ?? "").split("\n");
  const emitted = lines.filter((l) => l.startsWith("TSFILE: "));
  // type errors and anything else tsc says
  const said = lines.filter((l) => l !== "" && !l.startsWith("TSFILE: "));
  if (said.length) console.log(said.join("\n"));
  if (r.status !== 0) {
    console.error(`tsc: failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
  const js = emitted.filter((l) => l.endsWith(".js")).length;
  const secs = ((performance.now() - t) / 1000).toFixed(1);
  const what = emitted.length === 0 ? "up to date (no source changed)" : js === 0 ? "checked, no module's output changed" : `${js} module${js === 1 ? "" : "s"} re-emitted`;
  console.log(`tsc: ${what} in ${secs} s`);
}

// 3. type bundles: what they bundle is the prelude's declarations, lib's, and TypeScript's ES lib
const declarations = [...files(join(dist, "lib"), [".d.ts"]), ...files(join(dist, "visualizers"), [".d.ts"])];
const bundler = [join(dist, "kernel/compiler/type-bundles.js"), join(dist, "kernel/compiler/build-type-bundles.js")];
const typesDir = join(dist, "types");
step("type bundles", "types", hashOf([...declarations, ...bundler], [version("typescript")]), [join(typesDir, "manifest.json")], () => {
  process.stdout.write(run(process.execPath, [join(dist, "kernel/compiler/build-type-bundles.js")]));
  return `rebuilt ${relative(root, typesDir)}`;
});

console.log(`build: done in ${((performance.now() - t0) / 1000).toFixed(1)} s${force ? " (--force)" : " (npm run build -- --force rebuilds everything)"}`);
