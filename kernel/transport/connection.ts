// The connection file a Jupyter frontend writes before starting a kernel.
import { readFileSync } from "node:fs";

export interface ConnectionInfo {
  transport: "tcp" | "ipc";
  ip: string;
  shell_port: number;
  control_port: number;
  iopub_port: number;
  stdin_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
  kernel_name?: string;
}

export type ChannelName = "shell" | "control" | "iopub" | "stdin" | "hb";

export function readConnectionFile(path: string): ConnectionInfo {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`connection file ${path}: ${(e as Error).message}`);
  }
  return parseConnectionInfo(raw, path);
}

export function parseConnectionInfo(raw: unknown, origin = "connection info"): ConnectionInfo {
  if (typeof raw !== "object" || raw === null) throw new Error(`${origin}: not a JSON object`);
  const o = raw as Record<string, unknown>;
  const transport = (o.transport ?? "tcp") as string;
  if (transport !== "tcp" && transport !== "ipc") throw new Error(`${origin}: unsupported transport "${transport}"`);
  const scheme = (o.signature_scheme ?? "hmac-sha256") as string;
  if (scheme !== "hmac-sha256") throw new Error(`${origin}: unsupported signature_scheme "${scheme}" (only hmac-sha256)`);
  const port = (name: string): number => {
    const v = o[name];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 65535) throw new Error(`${origin}: ${name} must be a port number, got ${JSON.stringify(v)}`);
    return v;
  };
  return {
    transport,
    ip: typeof o.ip === "string" ? o.ip : "127.0.0.1",
    shell_port: port("shell_port"),
    control_port: port("control_port"),
    iopub_port: port("iopub_port"),
    stdin_port: port("stdin_port"),
    hb_port: port("hb_port"),
    key: typeof o.key === "string" ? o.key : "",
    signature_scheme: scheme,
    kernel_name: typeof o.kernel_name === "string" ? o.kernel_name : undefined,
  };
}

/** The ZeroMQ endpoint of one channel: tcp://ip:port, or ipc://ip-port as jupyter_client names ipc files. */
export function endpoint(info: ConnectionInfo, channel: ChannelName): string {
  const port = info[`${channel}_port` as `${ChannelName}_port`];
  return info.transport === "tcp" ? `tcp://${info.ip}:${port}` : `ipc://${info.ip}-${port}`;
}
