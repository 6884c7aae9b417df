// A tight loop calling console.log would otherwise emit one iopub message per line. Text for
// the same (parent, stream) is joined and flushed after a short delay, before any other iopub
// message (to keep order), or when it grows large.
import type { Header } from "../transport/wire.js";

const FLUSH_MS = 20;
const MAX_CHARS = 64 * 1024;

export class StreamCoalescer {
  private name: "stdout" | "stderr" | null = null;
  private parent: Partial<Header> = {};
  private text = "";
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly emit: (name: "stdout" | "stderr", text: string, parent: Partial<Header>) => void) {}

  add(name: "stdout" | "stderr", text: string, parent: Partial<Header>): void {
    if (this.name !== null && (this.name !== name || this.parent.msg_id !== parent.msg_id)) this.flush();
    this.name = name;
    this.parent = parent;
    this.text += text;
    if (this.text.length >= MAX_CHARS) this.flush();
    else if (this.timer === null) this.timer = setTimeout(() => this.flush(), FLUSH_MS);
  }

  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.name !== null && this.text !== "") this.emit(this.name, this.text, this.parent);
    this.name = null;
    this.text = "";
  }
}
