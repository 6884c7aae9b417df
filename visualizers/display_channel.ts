// Finding the kernel's display function (DESIGN.md "Displays"): the gradlab kernel puts it at
// globalThis[Symbol.for("gradlab.display")]. Absent (plain Node), callers print text instead.
import type { MimeBundle } from "./bundle.js";

export interface DisplayHandleLike {
  readonly id: string;
  update(value: unknown): void;
}

export interface DisplayChannel {
  (value: unknown, options?: { displayId?: string }): DisplayHandleLike;
  update?(id: string, value: unknown): void;
  bundle?(bundle: MimeBundle, options?: { displayId?: string }): DisplayHandleLike;
}

export const DISPLAY_CHANNEL = Symbol.for("gradlab.display");

export function findDisplay(): DisplayChannel | null {
  const d = (globalThis as Record<symbol, unknown>)[DISPLAY_CHANNEL];
  return typeof d === "function" ? (d as DisplayChannel) : null;
}

let counter = 0;
export function newDisplayId(kind: string): string {
  return `gradlab-${kind}-${process.pid}-${Date.now().toString(36)}-${++counter}`;
}
