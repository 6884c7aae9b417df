// Per-cell emit time of fastEmitCell (text splicing) vs emitCheckedCell (TypeScript's
// transformers + printer + source map), on the same checked SourceFile (not a test). After
// `npm run build`:
//   node dist/bench/measure-fast-emit.js
// Prints min / median / p90 in ms for a one-line cell, a typical notebook cell and a long cell.
import type TS from "typescript";
import { collectCellNames } from "../kernel/compiler/cell-names.js";
import { fastEmitCell } from "../kernel/compiler/fast-emit.js";
import { emitCheckedCell } from "../kernel/compiler/runtime-transform.js";
import { typescript } from "../kernel/compiler/typescript-loader.js";

const CELLS: Record<string, string> = {
  oneLine: "const v1 = a.length + 3;\nv1 * 2",
  typical: [
    "import { mean } from 'stats';",
    "interface Batch { x: number[]; y: number }",
    "class Linear<T extends number = number> {",
    "  private weights: T[] = [];",
    "  constructor(readonlyWeights: T[], public_bias = 0) { this.weights = readonlyWeights; this.bias = public_bias; }",
    "  bias: number;",
    "  forward(x: readonly number[]): number { return x.reduce((s, v, i) => s + v * (this.weights[i] ?? 0), this.bias); }",
    "}",
    "const model = new Linear<number>([0.5, -0.25]);",
    "const losses: number[] = [];",
    "for (let epoch = 0; epoch < 3; epoch++) losses.push(model.forward([epoch, 1]) as number);",
    "function summary(xs: number[]): string { return `mean ${mean(xs)!}`; }",
    "summary(losses)",
  ].join("\n"),
};
CELLS.long = Array.from({ length: 20 }, (_, i) => CELLS.typical!.replace(/\bLinear\b/g, `Linear${i}`).replace(/^import .*\n/, "")).join("\n");

const CELL_FILE = "/measure/__gradlab_cell__.ts";

function checkedProgram(code: string): { program: TS.Program; sf: TS.SourceFile } {
  const ts = typescript();
  const names = collectCellNames(ts.createSourceFile(CELL_FILE, code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS));
  const list = [...names.declared].filter((n) => !names.exported.has(n));
  const text = list.length === 0 ? code : `${code}\n;export { ${list.join(", ")} };\n`;
  const options: TS.CompilerOptions = {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleDetection: ts.ModuleDetectionKind.Force,
    noLib: true, types: [], strict: true, verbatimModuleSyntax: true, sourceMap: true, useDefineForClassFields: true, noResolve: true,
  };
  const sf = ts.createSourceFile(CELL_FILE, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const host: TS.CompilerHost = {
    getSourceFile: (f) => (f === CELL_FILE ? sf : undefined),
    getDefaultLibFileName: () => "/measure/lib.d.ts",
    writeFile: () => undefined,
    getCurrentDirectory: () => "/measure",
    getCanonicalFileName: (f) => f,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => "\n",
    fileExists: (f) => f === CELL_FILE,
    readFile: () => undefined,
  };
  const program = ts.createProgram([CELL_FILE], options, host);
  program.getSemanticDiagnostics(sf); // the kernel emits right after checking: the checker is warm
  return { program, sf };
}

const ms = (x: number) => Number(x.toFixed(4));
function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return { min: ms(s[0]!), median: ms(s[Math.floor(s.length / 2)]!), p90: ms(s[Math.floor(s.length * 0.9)]!) };
}

const results: Record<string, unknown> = {};
for (const [name, code] of Object.entries(CELLS)) {
  const { program, sf } = checkedProgram(code);
  const fast: number[] = [], slow: number[] = [];
  const fastOut = fastEmitCell(sf, code.length);
  for (let i = 0; i < 300; i++) {
    let t = performance.now();
    fastEmitCell(sf, code.length);
    fast.push(performance.now() - t);
    t = performance.now();
    emitCheckedCell(program, sf);
    slow.push(performance.now() - t);
  }
  results[name] = { chars: code.length, fastPath: fastOut !== undefined, fastEmitCell: stats(fast), emitCheckedCell: stats(slow) };
}
console.log(JSON.stringify(results, null, 1));
