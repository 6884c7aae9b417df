// history_request: tail, range and search over the JSON-lines history store.
import type { KernelMessage } from "@jupyterlab/services";
import type { Kernel, Request } from "../kernel.js";

export function historyRequest(k: Kernel, req: Request): void {
  const c = req.content as unknown as KernelMessage.IHistoryRequestMsg["content"] & { unique?: boolean; n?: number; pattern?: string; session?: number; start?: number; stop?: number };
  const h = k.history;
  const output = c.output === true;
  let history: unknown[] = [];
  if (h !== null) {
    if (c.hist_access_type === "tail") history = h.tail(Number(c.n ?? 10), output);
    else if (c.hist_access_type === "range") history = h.range(Number(c.session ?? 0), Number(c.start ?? 1), c.stop ?? null, output);
    else if (c.hist_access_type === "search") history = h.search(String(c.pattern ?? "*"), c.n ?? null, c.unique === true, output);
  }
  k.reply(req, "history_reply", { status: "ok", history });
}
