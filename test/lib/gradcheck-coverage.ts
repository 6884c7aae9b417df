// Which differentiable ops exist and which ones a gradcheck table exercises. The ops are
// enumerated from the sources: every backward node an op records is named by a string
// literal "<Name>Backward" (record(out, "ExpBackward", ...)). A table covers a name when
// running one of its rows builds a node of that name, in the forward graph or in the graph
// of the gradient (double backward), so a new op without a row fails the coverage test.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { autograd, type Tensor } from "../../lib/index.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Backward-node names recorded by the .ts files directly in `dir` (relative to the repo root). */
export function backwardNamesIn(dir: string): Set<string> {
  const names = new Set<string>();
  for (const file of readdirSync(join(ROOT, dir))) {
    if (!file.endsWith(".ts")) continue;
    for (const m of readFileSync(join(ROOT, dir, file), "utf8").matchAll(/"([A-Z][A-Za-z0-9]*Backward)"/g)) names.add(m[1]!);
  }
  return names;
}

interface Node { name: string; inputs?: (Node | null)[] }

function walk(fn: Node | null, into: Set<string>, seen: Set<Node>): void {
  if (!fn || seen.has(fn)) return;
  seen.add(fn);
  into.add(fn.name);
  for (const i of fn.inputs ?? []) walk(i, into, seen);
}

/**
 * Runs fn on fresh inputs and adds the names of every node of its graph, and of the graph
 * of its gradient with respect to the inputs (createGraph), to `into`.
 */
export function collectNames(fn: (...xs: Tensor[]) => Tensor | Tensor[], inputs: Tensor[], into: Set<string>): void {
  const out = fn(...inputs);
  const outs = (Array.isArray(out) ? out : [out]).filter((t) => t.requiresGrad);
  const seen = new Set<Node>();
  for (const t of outs) walk(t.gradFn as unknown as Node | null, into, seen);
  if (outs.length === 0) return;
  const wrt = inputs.filter((t) => t.requiresGrad);
  // squared, so the upstream gradient itself requires grad and double-backward nodes appear
  const loss = outs.map((t) => t.square().sum()).reduce((a, b) => a.add(b));
  const grads = autograd.grad(loss, wrt, { createGraph: true, allowUnused: true });
  for (const g of grads) if (g) walk(g.gradFn as unknown as Node | null, into, seen);
}
