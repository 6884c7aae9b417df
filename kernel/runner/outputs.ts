// Turns iopub messages into nbformat outputs the way nbclient does: consecutive stream
// output of one name is merged; clear_output(wait) clears at the next output; an
// update_display_data replaces every output (in any cell) shown under its display_id.
import { joinSource, splitLines, type CodeCell, type MimeBundle, type Output } from "./notebook.js";

interface IopubMessage {
  header: { msg_type: string };
  content: Record<string, unknown>;
}

type DisplayOutput = Extract<Output, { data: MimeBundle }>;

/** Multi-line MIME values are stored as line lists, like nbformat writers do. */
function storeBundle(data: MimeBundle): MimeBundle {
  const out: MimeBundle = {};
  for (const [mime, v] of Object.entries(data)) {
    const textual = typeof v === "string" && (mime.startsWith("text/") || mime === "image/svg+xml");
    out[mime] = textual ? splitLines(v) : v;
  }
  return out;
}

export class OutputRecorder {
  /** display_id -> outputs showing it (a display may appear in several cells). */
  private readonly displays = new Map<string, DisplayOutput[]>();
  private cell: CodeCell | null = null;
  private clearPending = false;

  /** Starts collecting into a cell (its old outputs are dropped). */
  begin(cell: CodeCell): void {
    this.forgetOutputs(cell.outputs);
    cell.outputs = [];
    cell.execution_count = null;
    this.cell = cell;
    this.clearPending = false;
  }

  end(): void {
    this.cell = null;
    this.clearPending = false;
  }

  handle(msg: IopubMessage): void {
    const cell = this.cell;
    const c = msg.content;
    const type = msg.header.msg_type;
    if (type === "update_display_data") {
      const id = (c.transient as { display_id?: string } | undefined)?.display_id;
      if (id === undefined) return;
      for (const out of this.displays.get(id) ?? []) {
        out.data = storeBundle((c.data ?? {}) as MimeBundle);
        out.metadata = (c.metadata ?? {}) as Record<string, unknown>;
      }
      return;
    }
    if (cell === null) return;
    if (type === "execute_input") {
      if (typeof c.execution_count === "number") cell.execution_count = c.execution_count;
      return;
    }
    if (type === "clear_output") {
      if (c.wait === true) this.clearPending = true;
      else this.clear(cell);
      return;
    }
    const out = this.toOutput(type, c);
    if (out === null) return;
    if (this.clearPending) {
      this.clear(cell);
      this.clearPending = false;
    }
    const last = cell.outputs[cell.outputs.length - 1];
    if (out.output_type === "stream" && last?.output_type === "stream" && last.name === out.name) {
      last.text = splitLines(joinSource(last.text) + joinSource(out.text));
      return;
    }
    cell.outputs.push(out);
    const id = (c.transient as { display_id?: string } | undefined)?.display_id;
    if (id !== undefined && "data" in out) {
      const list = this.displays.get(id) ?? [];
      list.push(out);
      this.displays.set(id, list);
    }
  }

  private toOutput(type: string, c: Record<string, unknown>): Output | null {
    switch (type) {
      case "stream":
        return { output_type: "stream", name: c.name === "stderr" ? "stderr" : "stdout", text: splitLines(String(c.text ?? "")) };
      case "display_data":
        return { output_type: "display_data", data: storeBundle((c.data ?? {}) as MimeBundle), metadata: (c.metadata ?? {}) as Record<string, unknown> };
      case "execute_result":
        return {
          output_type: "execute_result",
          data: storeBundle((c.data ?? {}) as MimeBundle),
          metadata: (c.metadata ?? {}) as Record<string, unknown>,
          execution_count: typeof c.execution_count === "number" ? c.execution_count : null,
        };
      case "error":
        return { output_type: "error", ename: String(c.ename ?? "Error"), evalue: String(c.evalue ?? ""), traceback: Array.isArray(c.traceback) ? c.traceback.map(String) : [] };
      default:
        return null;
    }
  }

  private clear(cell: CodeCell): void {
    this.forgetOutputs(cell.outputs);
    cell.outputs = [];
  }

  private forgetOutputs(outputs: Output[]): void {
    for (const [id, list] of this.displays) {
      const kept = list.filter((o) => !outputs.includes(o));
      if (kept.length === 0) this.displays.delete(id);
      else this.displays.set(id, kept);
    }
  }
}
