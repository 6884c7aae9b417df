// Synchronous stdin: user code calls prompt() and must get the reply without returning to its
// event loop (which may never run again while the cell is busy). The main thread blocks on an
// Atomics.wait over shared memory; the io thread writes the input_reply there and notifies.
export const INPUT_WAITING = 0;
export const INPUT_READY = 1;
export const INPUT_INTERRUPTED = 2;
export const INPUT_DATA_BYTES = 1 << 20;

export function createInputBuffers(): { state: SharedArrayBuffer; data: SharedArrayBuffer } {
  return { state: new SharedArrayBuffer(8), data: new SharedArrayBuffer(INPUT_DATA_BYTES) };
}

/** io thread side. */
export function deliverInput(state: SharedArrayBuffer, data: SharedArrayBuffer, value: string): void {
  const s = new Int32Array(state);
  const bytes = Buffer.from(value, "utf8");
  // Too long for the shared buffer: a negative length tells prompt() to fail saying so,
  // rather than hand back a silently cut answer.
  if (bytes.length > data.byteLength) Atomics.store(s, 1, -bytes.length);
  else {
    new Uint8Array(data).set(bytes);
    Atomics.store(s, 1, bytes.length);
  }
  Atomics.store(s, 0, INPUT_READY);
  Atomics.notify(s, 0);
}

export function interruptInput(state: SharedArrayBuffer): void {
  const s = new Int32Array(state);
  Atomics.store(s, 0, INPUT_INTERRUPTED);
  Atomics.notify(s, 0);
}

/** main thread side: resets the state, sends the request (callback), waits for the reply. */
export function waitForInput(state: SharedArrayBuffer, data: SharedArrayBuffer, request: () => void): string {
  const s = new Int32Array(state);
  Atomics.store(s, 0, INPUT_WAITING);
  request();
  // Short timed waits return to JS regularly so a SIGINT watchdog can terminate the script.
  while (Atomics.load(s, 0) === INPUT_WAITING) Atomics.wait(s, 0, INPUT_WAITING, 100);
  if (Atomics.load(s, 0) === INPUT_INTERRUPTED) {
    const e = new Error("input interrupted");
    e.name = "Interrupted";
    throw e;
  }
  const n = Atomics.load(s, 1);
  if (n < 0) throw new RangeError(`prompt: the answer is ${-n} bytes long; a prompt can receive at most ${data.byteLength} bytes`);
  return Buffer.from(new Uint8Array(data, 0, n)).toString("utf8");
}
