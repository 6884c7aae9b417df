// What the type bundles (type-bundles.ts) save on the kernel's first program (not a test).
// After `npm run build` (which writes the type bundles):
//   node dist/bench/measure-type-bundles.js [runs=5]
// Each run is a fresh process (cold JIT, as at kernel start) that loads TypeScript (not
// timed), then times, through the kernel's LanguageHost and compiler options:
//   text:  getting the lib's and the prelude's text (bundledLib() / reading the bundles)
//   parse: building the first program (parsing and resolving every file)
//   bind:  creating its checker (binding every file, initialising the checker)
//   check: the prelude's exports, the program with them as globals, a small cell's diagnostics
//   total: the four, wall clock; cpu: the process's CPU time over them (all threads, so GC and
//          compiler threads count; less disturbed by other processes than wall time)
// for (a) today's setup (bundledLib() + the prelude's files), (b) the bundles with comments,
// (c) the comment-free bundles. Prints the median (and min: the machine is shared) of each phase.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type TS from "typescript";
import { bundledLib } from "../kernel/compiler/host-types.js";
import { KERNEL_GLOBALS, MINIMAL_HOST_GLOBALS } from "../kernel/compiler/kernel-globals.js";
import { LanguageHost } from "../kernel/compiler/language-host.js";
import { bundleEntrySymbol, findLibBundle, findPreludeBundle } from "../kernel/compiler/type-bundles.js";
import { typescript } from "../kernel/compiler/typescript-loader.js";

type Setup = "a" | "b" | "c";
interface Phases { text: number; parse: number; bind: number; check: number; total: number; cpu: number; files: number }

const prelude = fileURLToPath(new URL("../visualizers/prelude.d.ts", import.meta.url));
const SAMPLE = "const __gradlab_warm = [1, 2, 3].map((v) => v * 2);\nconsole.log(__gradlab_warm.length);\ntypeof tensor;\n";

function run(setup: Setup): Phases {
  const ts = typescript();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let lib: string, bundleFile: string | undefined, bundleText: string | undefined, entry: string | undefined;
  if (setup === "a") lib = bundledLib();
  else {
    const libBundle = findLibBundle();
    const preludeBundle = findPreludeBundle(prelude);
    if (!libBundle || !preludeBundle) throw new Error("measure: no type bundles (run npm run build)");
    lib = readFileSync(setup === "b" ? libBundle.full : libBundle.nocomments, "utf8");
    bundleFile = preludeBundle.full;
    bundleText = readFileSync(setup === "b" ? preludeBundle.full : preludeBundle.nocomments, "utf8");
    entry = preludeBundle.entry;
  }
  const t1 = performance.now();
  const options: TS.CompilerOptions = {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
    moduleDetection: ts.ModuleDetectionKind.Force, noLib: true, types: [], strict: true, skipLibCheck: true, esModuleInterop: true,
    allowImportingTsExtensions: true, resolveJsonModule: true, declaration: false, verbatimModuleSyntax: true, sourceMap: true,
    useDefineForClassFields: true, noEmitOnError: false,
  };
  const host = new LanguageHost(mkdtempSync(path.join(tmpdir(), "gradlab-measure-")), options);
  host.isOpaque = (specifier, containingFile) => !specifier.startsWith(".") && !specifier.startsWith("/") && !specifier.startsWith("node:") &&
    /\.d\.[cm]?ts$/.test(containingFile) && !containingFile.includes(`${path.sep}node_modules${path.sep}`) && !path.basename(containingFile).startsWith("__gradlab_");
  host.set(host.path("__gradlab_lib__.d.ts"), lib);
  host.set(host.path("__gradlab_host_globals__.d.ts"), MINIMAL_HOST_GLOBALS);
  host.set(host.path("__gradlab_ctx_kernel__.d.ts"), KERNEL_GLOBALS.map((g) => g.text).join("\n"));
  if (bundleFile !== undefined) host.set(bundleFile, bundleText!);
  const specifier = entry ?? prelude.replace(/\.d\.ts$/, ".js");
  host.set(host.path("__gradlab_prelude__.d.ts"), `export * from ${JSON.stringify(specifier)};\nexport as namespace __gradlab_prelude__;\n`);
  const cell = host.path("__gradlab_cell__.ts");
  host.set(cell, SAMPLE);
  const first = host.checkProgram();
  const t2 = performance.now();
  const checker = first.getTypeChecker();
  const t3 = performance.now();
  const module = entry !== undefined ? bundleEntrySymbol(checker, entry) : checker.getSymbolAtLocation(first.getSourceFile(prelude)!);
  if (!module) throw new Error(`measure: no prelude module in setup ${setup}`);
  const names = checker.getExportsOfModule(module).map((s) => s.name).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== "var");
  host.set(host.path("__gradlab_ctx_prelude__.d.ts"), names.map((n) => `import ${n} = __gradlab_prelude__.${n};`).join("\n"));
  const program = host.checkProgram();
  const diagnostics = program.getSemanticDiagnostics(program.getSourceFile(cell));
  if (diagnostics.length > 0) throw new Error(`measure: the sample cell has errors: ${ts.flattenDiagnosticMessageText(diagnostics[0]!.messageText, "\n")}`);
  const t4 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  return { text: t1 - t0, parse: t2 - t1, bind: t3 - t2, check: t4 - t3, total: t4 - t0, cpu: (cpu.user + cpu.system) / 1000, files: program.getSourceFiles().length };
}

const child = process.argv.indexOf("--child");
if (child >= 0) {
  const setup = process.argv[child + 1] as Setup;
  typescript();
  console.log(JSON.stringify(run(setup)));
} else {
  if (!existsSync(prelude)) throw new Error(`measure: ${prelude} not found (npm run build first)`);
  const runs = Number(process.argv[2] ?? 5);
  const results: Record<Setup, Phases[]> = { a: [], b: [], c: [] };
  // Interleaved, so a burst of load on the machine hits every setup alike.
  for (let i = 0; i < runs; i++) {
    for (const setup of ["a", "b", "c"] as const) {
      const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), "--child", setup], { encoding: "utf8" });
      results[setup].push(JSON.parse(out) as Phases);
    }
  }
  const sorted = (xs: number[]) => [...xs].sort((x, y) => x - y);
  const median = (xs: number[]) => Number(sorted(xs)[Math.floor(xs.length / 2)]!.toFixed(1));
  const min = (xs: number[]) => Number(sorted(xs)[0]!.toFixed(1));
  const label: Record<Setup, string> = { a: "(a) today: bundledLib() + prelude files", b: "(b) bundles with comments", c: "(c) comment-free bundles" };
  for (const setup of ["a", "b", "c"] as const) {
    const r = results[setup];
    const phases = ["text", "parse", "bind", "check", "total", "cpu"] as const;
    const m = Object.fromEntries(phases.map((k) => [k, median(r.map((x) => x[k]))]));
    const lo = Object.fromEntries(phases.map((k) => [k, min(r.map((x) => x[k]))]));
    console.log(`${label[setup].padEnd(42)} files ${r[0]!.files}  ms median of ${runs}: ${JSON.stringify(m)}  min: ${JSON.stringify(lo)}`);
  }
}
