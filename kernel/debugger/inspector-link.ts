// A V8 inspector session onto the main thread, from the io thread: requests as promises,
// events to one listener. The main thread dispatches the session's messages even while it
// runs a cell or sits paused at a breakpoint (V8 interrupts it for them).
import { Session } from "node:inspector";

export type InspectorEvent = { method: string; params: Record<string, unknown> };

export class InspectorLink {
  private readonly session = new Session();
  private connected = false;

  constructor(onEvent: (e: InspectorEvent) => void) {
    this.session.on("inspectorNotification", (m: InspectorEvent) => onEvent(m));
  }

  connect(): void {
    if (this.connected) return;
    this.session.connectToMainThread();
    this.connected = true;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  post<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    if (!this.connected) return Promise.reject(new Error("the debugger is not attached"));
    return new Promise((resolve, reject) => {
      this.session.post(method, params, (err, result) => (err ? reject(new Error(`${method}: ${err.message}`)) : resolve(result as T)));
    });
  }

  disconnect(): void {
    if (!this.connected) return;
    this.connected = false;
    this.session.disconnect();
  }
}
