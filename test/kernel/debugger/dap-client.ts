// A DAP client over a kernel's control channel (debug_request / debug_reply) and iopub
// (debug_event), for tests that drive the real kernel's debugger.
import type { KernelClient, Message } from "../../../kernel/client/kernel-client.js";

export interface DapReply { success: boolean; command: string; body: any; message?: string; request_seq: number }

export class DapClient {
  private seq = 1;
  constructor(private readonly client: KernelClient) {}

  async request(command: string, args: Record<string, unknown> = {}): Promise<DapReply> {
    const { reply } = await this.client.request("control", "debug_request", { type: "request", seq: this.seq++, command, arguments: args });
    return reply.content as unknown as DapReply;
  }

  /** Like request, failing the test when the kernel reports failure. */
  async ok(command: string, args: Record<string, unknown> = {}): Promise<any> {
    const r = await this.request(command, args);
    if (!r.success) throw new Error(`${command} failed: ${r.message}`);
    return r.body;
  }

  events(name: string): { body: any }[] {
    return this.client.iopubLog.filter((m: Message) => m.header.msg_type === "debug_event" && (m.content as { event: string }).event === name).map((m) => m.content as { body: any });
  }

  /** Resolves once `count` events of that name have arrived in all. */
  async waitForEvent(name: string, count: number, timeoutMs = 20_000): Promise<{ body: any }> {
    const deadline = Date.now() + timeoutMs;
    while (this.events(name).length < count) {
      if (Date.now() > deadline) throw new Error(`no ${count}th ${name} debug_event within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.events(name)[count - 1]!;
  }
}
