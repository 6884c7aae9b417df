import { describe, expect, it } from "vitest";
import { makeHeader } from "../../kernel/transport/message.js";
import { Signer } from "../../kernel/transport/signing.js";
import { decode, DELIMITER, encode, WireError } from "../../kernel/transport/wire.js";
import { endpoint, parseConnectionInfo } from "../../kernel/transport/connection.js";

const signer = new Signer("k");

function frames(content: unknown = { code: "1+1" }, identities = [Buffer.from("id-1"), Buffer.from("id-2")]): Buffer[] {
  return encode({ identities, header: makeHeader("execute_request", "s"), parent_header: {}, metadata: {}, content, buffers: [new Uint8Array([1, 2, 3])] }, signer);
}

describe("wire framing", () => {
  it("puts identities, the delimiter, the signature, four JSON frames and buffers in order", () => {
    const f = frames();
    expect(f[0].toString()).toBe("id-1");
    expect(f[1].toString()).toBe("id-2");
    expect(f[2].equals(DELIMITER)).toBe(true);
    expect(f[3].toString()).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(f[4].toString()).msg_type).toBe("execute_request");
    expect(JSON.parse(f[7].toString())).toEqual({ code: "1+1" });
    expect([...f[8]]).toEqual([1, 2, 3]);
  });

  it("round-trips through decode", () => {
    const m = decode(frames(), signer);
    expect(m.identities.map(String)).toEqual(["id-1", "id-2"]);
    expect(m.header.msg_type).toBe("execute_request");
    expect(m.header.version).toBe("5.3");
    expect(m.content).toEqual({ code: "1+1" });
    expect(m.buffers.map((b) => [...b])).toEqual([[1, 2, 3]]);
  });

  it("rejects a missing delimiter, short messages, bad JSON and bad signatures with a reason", () => {
    const f = frames();
    expect(() => decode(f.filter((x) => !x.equals(DELIMITER)), signer)).toThrow(/delimiter/);
    expect(() => decode(f.slice(0, 6), signer)).toThrow(/expected 5 frames/);
    const resigned = (i: number, value: string): Buffer[] => {
      const g = [...f];
      g[i] = Buffer.from(value);
      g[3] = Buffer.from(signer.sign(g.slice(4, 8)));
      return g;
    };
    expect(() => decode(resigned(7, "{not json"), signer)).toThrow(/content is not valid JSON/);
    expect(() => decode(resigned(7, "[1]"), signer)).toThrow(/not a JSON object/);
    expect(() => decode(resigned(4, "{}"), signer)).toThrow(/header.msg_id/);
    const badSig = [...f];
    badSig[3] = Buffer.from("0".repeat(64));
    expect(() => decode(badSig, signer)).toThrow(WireError);
    const noSig = [...f];
    noSig[3] = Buffer.alloc(0);
    expect(() => decode(noSig, signer)).toThrow(/missing signature/);
    const tampered = [...f];
    tampered[7] = Buffer.from('{"code":"rm()"}');
    expect(() => decode(tampered, signer)).toThrow(/bad signature/);
  });
});

describe("connection info", () => {
  it("parses Jupyter's connection file and builds endpoints", () => {
    const info = parseConnectionInfo({ transport: "tcp", ip: "127.0.0.1", shell_port: 1, control_port: 2, iopub_port: 3, stdin_port: 4, hb_port: 5, key: "x", signature_scheme: "hmac-sha256" });
    expect(endpoint(info, "iopub")).toBe("tcp://127.0.0.1:3");
    expect(endpoint({ ...info, transport: "ipc", ip: "/tmp/k" }, "hb")).toBe("ipc:///tmp/k-5");
  });
  it("names what is wrong", () => {
    expect(() => parseConnectionInfo({ shell_port: "x" })).toThrow(/shell_port must be a port number/);
    expect(() => parseConnectionInfo({ signature_scheme: "hmac-md5" })).toThrow(/unsupported signature_scheme "hmac-md5"/);
  });
});
