// The `tslab` module as gradlab provides it: tslab's public API (tslab 1.0.22, dist/public.d.ts:
// `versions`, `display`, `newDisplay()` and the `Display` interface), over the kernel's display
// channel, so notebooks written for tslab run unchanged. Like tslab's, `display.<kind>(x)` sends
// one display_data each call; a `newDisplay()` display is shown by its first call and updated
// in place (update_display_data) by every later one.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

/** The version strings of the tslab API this module implements and of what runs it. */
interface Versions {
  /** The tslab release whose API this module implements. */
  tslab: string;
  typescript: string;
  node: string;
  gradlab: string;
}

export interface Display {
  javascript(s: string): void;
  html(s: string): void;
  markdown(s: string): void;
  latex(s: string): void;
  svg(s: string): void;
  png(b: Uint8Array): void;
  jpeg(b: Uint8Array): void;
  gif(b: Uint8Array): void;
  pdf(b: Uint8Array): void;
  text(s: string): void;
  /** Shows `b` under MIME type `contentType` (bytes are sent base64-encoded, as Jupyter wants). */
  raw(contentType: string, b: string | Uint8Array): any;
}

/** The kernel's display channel (DESIGN.md "Displays"), as much of it as this module uses. */
interface KernelDisplay {
  bundle(bundle: Record<string, unknown>, options?: { displayId?: string }): unknown;
  update(displayId: string, value: unknown): void;
}

const DISPLAY_HOOK = Symbol.for("Jupyter.display");

function kernelDisplay(): KernelDisplay {
  const d = (globalThis as Record<symbol, unknown>)[Symbol.for("gradlab.display")];
  if (typeof d !== "function") throw new Error("tslab.display: no notebook to display in (this module works inside the gradlab kernel)");
  return d as unknown as KernelDisplay;
}

const TEXT_KINDS = new Set(["text/plain", "text/markdown", "text/latex"]);

class DisplayImpl implements Display {
  private shown = false;

  constructor(private readonly id?: string) {}

  javascript(s: string): void { this.send("javascript", "text/javascript", s, "string"); }
  html(s: string): void { this.send("html", "text/html", s, "string"); }
  markdown(s: string): void { this.send("markdown", "text/markdown", s, "string"); }
  latex(s: string): void { this.send("latex", "text/latex", s, "string"); }
  svg(s: string): void { this.send("svg", "image/svg+xml", s, "string"); }
  png(b: Uint8Array): void { this.send("png", "image/png", b, "bytes"); }
  jpeg(b: Uint8Array): void { this.send("jpeg", "image/jpeg", b, "bytes"); }
  gif(b: Uint8Array): void { this.send("gif", "image/gif", b, "bytes"); }
  pdf(b: Uint8Array): void { this.send("pdf", "application/pdf", b, "bytes"); }
  text(s: string): void { this.send("text", "text/plain", s, "string"); }
  raw(contentType: string, b: string | Uint8Array): any {
    if (typeof contentType !== "string" || contentType === "") throw new TypeError(`tslab.display.raw: the content type must be a MIME type string, got ${describe(contentType)}`);
    this.send("raw", contentType, b, "either");
  }

  private send(method: string, contentType: string, value: unknown, accepts: "string" | "bytes" | "either"): void {
    const isBytes = value instanceof Uint8Array;
    if ((accepts === "string" && typeof value !== "string") || (accepts === "bytes" && !isBytes) || (accepts === "either" && typeof value !== "string" && !isBytes)) {
      const wanted = accepts === "string" ? "a string" : accepts === "bytes" ? "bytes (a Uint8Array or Buffer)" : "a string or bytes (Uint8Array)";
      throw new TypeError(`tslab.display.${method}: expected ${wanted}, got ${describe(value)}`);
    }
    const data = isBytes ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64") : (value as string);
    // A readable fallback, as every gradlab output has one (tslab sends the one type alone).
    const bundle: Record<string, unknown> = { [contentType]: data };
    if (!("text/plain" in bundle)) bundle["text/plain"] = TEXT_KINDS.has(contentType) ? data : `[${contentType}]`;
    const d = kernelDisplay();
    if (this.id === undefined) d.bundle(bundle);
    else if (!this.shown) {
      d.bundle(bundle, { displayId: this.id });
      this.shown = true;
    } else d.update(this.id, { [DISPLAY_HOOK]: () => bundle });
  }
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "object") return v.constructor?.name ?? "an object";
  return typeof v === "string" ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v) : `${typeof v} ${String(v)}`;
}

function packageVersion(require: NodeJS.Require, name: string): string {
  try {
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

const require = createRequire(import.meta.url);

/** The version strings of tslab (the API implemented here) and its dependencies. */
export const versions: Versions = {
  tslab: "1.0.22",
  typescript: packageVersion(require, "typescript"),
  node: process.version,
  gradlab: packageVersion(require, "gradlab"),
};

/**
 * Returns a new `Display` instance which displays and overwrites a single display-entry.
 */
export function newDisplay(): Display {
  return new DisplayImpl(randomBytes(8).toString("hex"));
}

/**
 * Utility functions to display rich contents in the notebook.
 */
export const display: Display = new DisplayImpl();

/** Whether cells run in a browser: never in gradlab (tslab's `%browser` mode is not supported). */
export function isBrowser(): boolean {
  return false;
}
