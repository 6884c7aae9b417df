// complete_request, inspect_request and is_complete_request: answered by the cell compiler's
// TypeScript language service.
import type { KernelMessage } from "@jupyterlab/services";
import type { Kernel, Request } from "../kernel.js";

export async function completeRequest(k: Kernel, req: Request): Promise<void> {
  const c = req.content as unknown as KernelMessage.ICompleteRequestMsg["content"];
  await k.ready;
  const code = String(c.code ?? "");
  const pos = clampCursor(c.cursor_pos, code);
  const r = k.compiler!.complete(code, pos);
  k.reply(req, "complete_reply", { status: "ok", matches: r.matches, cursor_start: r.cursorStart, cursor_end: r.cursorEnd, metadata: r.metadata });
}

export async function inspectRequest(k: Kernel, req: Request): Promise<void> {
  const c = req.content as unknown as KernelMessage.IInspectRequestMsg["content"];
  await k.ready;
  const code = String(c.code ?? "");
  const r = k.compiler!.inspect(code, clampCursor(c.cursor_pos, code), c.detail_level === 1 ? 1 : 0);
  k.reply(req, "inspect_reply", { status: "ok", found: r.found, data: r.found ? r.data : {}, metadata: {} });
}

export async function isCompleteRequest(k: Kernel, req: Request): Promise<void> {
  const c = req.content as unknown as KernelMessage.IIsCompleteRequestMsg["content"];
  await k.ready;
  const r = k.compiler!.isComplete(String(c.code ?? ""));
  const content: Record<string, unknown> = { status: r.status };
  if (r.status === "incomplete") content.indent = r.indent ?? "";
  k.reply(req, "is_complete_reply", content);
}

/** Cursor positions are in Unicode code points per the protocol; JavaScript strings count UTF-16 units. */
function clampCursor(pos: unknown, code: string): number {
  if (typeof pos !== "number" || !Number.isFinite(pos)) return code.length;
  const chars = [...code];
  const p = Math.max(0, Math.min(chars.length, Math.floor(pos)));
  return chars.slice(0, p).join("").length;
}
