// zeromq.js allows one send in flight per socket; this serialises sends so callers can fire
// and forget while preserving order.
export interface Sendable {
  send(frames: Buffer[]): Promise<void>;
}

export class SendQueue {
  private tail: Promise<void> = Promise.resolve();
  constructor(
    private readonly socket: Sendable,
    private readonly onError: (e: unknown) => void,
  ) {}

  send(frames: Buffer[]): Promise<void> {
    this.tail = this.tail.then(
      () => this.socket.send(frames),
    ).catch(this.onError);
    return this.tail;
  }

  /** Resolves once everything queued so far has been handed to the socket. */
  drained(): Promise<void> {
    return this.tail;
  }
}
