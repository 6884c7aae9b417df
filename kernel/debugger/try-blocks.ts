// Whether a position in a script is inside a `try` block (with a `catch`) of its own function:
// how "Uncaught Exceptions" tells an exception user code will catch from one that ends the
// cell. V8 cannot: the kernel catches every cell's exception, so to V8 all are caught.
// TypeScript's parser is loaded only when that filter first meets an exception.
import { createRequire } from "node:module";
import type TS from "typescript";

let ts: typeof TS | null = null;

export class TryBlocks {
  private readonly files = new Map<string, TS.SourceFile>();

  /** `source` is the script's JavaScript; line and column are 0-based (V8's). */
  insideTryCatch(scriptId: string, source: string, line: number, column: number): boolean {
    ts ??= createRequire(import.meta.url)("typescript") as typeof TS;
    let file = this.files.get(scriptId);
    if (file === undefined) {
      file = ts.createSourceFile("script.js", source, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
      this.files.set(scriptId, file);
    }
    const starts = file.getLineStarts();
    if (line >= starts.length) return false;
    const pos = Math.min(starts[line]! + column, file.end);
    // The chain of nodes from the file down to the innermost one holding the position.
    const chain: TS.Node[] = [file];
    for (let node: TS.Node = file; ; ) {
      const child = node.getChildren(file).find((c) => c.getStart(file) <= pos && pos < c.end);
      if (child === undefined) break;
      chain.push(child);
      node = child;
    }
    for (let i = chain.length - 1; i > 0; i--) {
      const n = chain[i]!;
      if (ts.isFunctionLike(n)) return false; // a try around the function is its caller's business
      if (ts.isTryStatement(n) && n.catchClause !== undefined && chain[i + 1] === n.tryBlock) return true;
    }
    return false;
  }
}
