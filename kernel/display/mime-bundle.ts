// Turning a value into a Jupyter MIME bundle: the value's own display hook (Deno's
// `Symbol.for("Jupyter.display")` convention) when it has one, else Node's inspect text.
import { inspect } from "node:util";

export const DISPLAY_HOOK = Symbol.for("Jupyter.display");

export type MimeBundle = Record<string, unknown>;

export function hasDisplayHook(value: unknown): value is { [DISPLAY_HOOK]: () => unknown } {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as Record<symbol, unknown>)[DISPLAY_HOOK] === "function";
}

export function inspectText(value: unknown): string {
  return typeof value === "string" ? inspect(value, { colors: false }) : inspect(value, { colors: false, depth: 4 });
}

/** The bundle for `value`; a hook may return a Promise (as Deno allows), so this may too. */
export function toBundle(value: unknown): MimeBundle | Promise<MimeBundle> {
  if (hasDisplayHook(value)) {
    const b = value[DISPLAY_HOOK]();
    if (b instanceof Promise || (typeof b === "object" && b !== null && typeof (b as { then?: unknown }).then === "function")) {
      return Promise.resolve(b).then((r) => checkBundle(r, value));
    }
    return checkBundle(b, value);
  }
  return { "text/plain": inspectText(value) };
}

function checkBundle(b: unknown, value: unknown): MimeBundle {
  if (typeof b !== "object" || b === null || Array.isArray(b)) {
    throw new TypeError(`display: the Symbol.for("Jupyter.display") hook of ${inspect(value, { depth: 0 })} returned ${inspect(b, { depth: 0 })}, not a MIME bundle object`);
  }
  const out: MimeBundle = { ...(b as MimeBundle) };
  // Frontends fall back to text/plain; keep one so every output has a readable form.
  if (!("text/plain" in out)) out["text/plain"] = inspectText(value);
  return out;
}
