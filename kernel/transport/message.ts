// Building headers for messages the kernel (or the client) originates.
import { randomUUID } from "node:crypto";
import { userInfo } from "node:os";
import type { Header } from "./wire.js";

export const PROTOCOL_VERSION = "5.3";

let username = "";
function user(): string {
  if (username === "") {
    try {
      username = userInfo().username || "gradlab";
    } catch {
      username = "gradlab";
    }
  }
  return username;
}

export function makeHeader(msgType: string, session: string): Header {
  return {
    msg_id: randomUUID(),
    session,
    username: user(),
    date: new Date().toISOString(),
    msg_type: msgType,
    version: PROTOCOL_VERSION,
  };
}
