// The pager text for `?name`: the language service's signature and JSDoc when it knows the
// name, else what the value is at run time.
import { inspect } from "node:util";
import type { Kernel } from "../kernel.js";

export function pageFor(k: Kernel, target: string): Record<string, string> {
  const info = k.compiler?.inspect(target, target.length, 1);
  if (info?.found === true && typeof info.data["text/plain"] === "string") return info.data;
  try {
    const value = k.context.evaluate(target);
    const kind = typeof value === "function" ? `function ${(value as { name?: string }).name ?? ""}(${(value as { length: number }).length} parameters)` : typeof value;
    return { "text/plain": `${target}: ${kind}\n\n${inspect(value, { colors: false, depth: 2 })}` };
  } catch (e) {
    return { "text/plain": `${target}: not defined (${(e as Error).message})` };
  }
}
