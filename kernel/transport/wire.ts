// Framing of a Jupyter message on a ZeroMQ socket:
//   [identity…, "<IDS|MSG>", signature, header, parent_header, metadata, content, buffer…]
import type { Signer } from "./signing.js";

export const DELIMITER = Buffer.from("<IDS|MSG>");

export interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
  [k: string]: unknown;
}

/** A decoded message; shapes of `content` follow @jupyterlab/services' KernelMessage types. */
export interface WireMessage<C = Record<string, unknown>> {
  identities: Buffer[];
  header: Header;
  parent_header: Partial<Header>;
  metadata: Record<string, unknown>;
  content: C;
  buffers: Buffer[];
}

export class WireError extends Error {
  override name = "WireError";
}

const MAX_IDENTITIES = 64;

/**
 * Splits, verifies and parses incoming frames. Throws WireError (naming what is wrong) for
 * anything that is not a correctly signed, well-formed message; never returns a message whose
 * signature does not verify.
 */
export function decode(frames: readonly Buffer[], signer: Signer): WireMessage & { signature: string } {
  let d = -1;
  for (let i = 0; i < frames.length && i <= MAX_IDENTITIES; i++) {
    if (frames[i].equals(DELIMITER)) {
      d = i;
      break;
    }
  }
  if (d < 0) throw new WireError("no <IDS|MSG> delimiter");
  if (frames.length < d + 6) throw new WireError(`expected 5 frames after the delimiter, got ${frames.length - d - 1}`);
  const signature = frames[d + 1];
  const parts = frames.slice(d + 2, d + 6);
  if (!signer.verify(signature, parts)) {
    throw new WireError(signature.length === 0 ? "missing signature" : "bad signature");
  }
  const [header, parent_header, metadata, content] = parts.map((p, i) => parseObject(p, ["header", "parent_header", "metadata", "content"][i]));
  for (const k of ["msg_id", "msg_type"] as const) {
    if (typeof header[k] !== "string" || header[k] === "") throw new WireError(`header.${k} must be a non-empty string`);
  }
  return {
    identities: frames.slice(0, d).map((b) => Buffer.from(b)),
    signature: signature.toString("latin1"),
    header: header as unknown as Header,
    parent_header: parent_header as Partial<Header>,
    metadata,
    content,
    buffers: frames.slice(d + 6).map((b) => Buffer.from(b)),
  };
}

function parseObject(b: Buffer, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(b.toString("utf8"));
  } catch {
    throw new WireError(`${what} is not valid JSON`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new WireError(`${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

export interface OutgoingMessage {
  identities?: Buffer[];
  header: Header;
  parent_header: Partial<Header> | Record<string, never>;
  metadata: Record<string, unknown>;
  content: unknown;
  buffers?: (Buffer | ArrayBuffer | Uint8Array)[];
  /** content / metadata already serialised (by the thread that had the user's values). */
  contentJson?: string;
  metadataJson?: string;
}

export function encode(msg: OutgoingMessage, signer: Signer): Buffer[] {
  const json = (p: unknown, text?: string): string => text ?? JSON.stringify(p ?? {});
  const parts = [json(msg.header), json(msg.parent_header), json(msg.metadata, msg.metadataJson), json(msg.content, msg.contentJson)].map((t) => Buffer.from(t, "utf8"));
  const sig = Buffer.from(signer.sign(parts), "latin1");
  const buffers = (msg.buffers ?? []).map((b) => (Buffer.isBuffer(b) ? b : b instanceof ArrayBuffer ? Buffer.from(b) : Buffer.from(b.buffer, b.byteOffset, b.byteLength)));
  return [...(msg.identities ?? []), DELIMITER, sig, ...parts, ...buffers];
}
