import { describe, expect, it } from "vitest";
import { CommRegistry } from "../../kernel/comms/registry.js";

function registry() {
  const sent: { type: string; content: Record<string, any> }[] = [];
  const errors: unknown[] = [];
  const r = new CommRegistry({ publish: (type, content) => sent.push({ type, content }), reportError: (e) => errors.push(e) });
  return { r, sent, errors };
}
const msg = (data: Record<string, unknown> = {}) => ({ data, metadata: {}, buffers: [] });

describe("comm registry", () => {
  it("a frontend-opened comm reaches its target, receives messages and can reply", () => {
    const { r, sent } = registry();
    const got: unknown[] = [];
    r.registerTarget("echo", (comm, data) => {
      got.push(["open", data]);
      comm.onMsg((d) => {
        got.push(["msg", d]);
        comm.send({ echo: d.x });
      });
      comm.onClose((d) => got.push(["close", d]));
    });
    r.handleOpen({ comm_id: "c1", target_name: "echo", data: { a: 1 } }, msg({ a: 1 }));
    expect(r.info()).toEqual({ c1: { target_name: "echo" } });
    r.handleMsg({ comm_id: "c1" }, msg({ x: 7 }));
    expect(sent).toEqual([{ type: "comm_msg", content: { comm_id: "c1", data: { echo: 7 } } }]);
    r.handleClose({ comm_id: "c1" }, msg({ bye: true }));
    expect(got).toEqual([["open", { a: 1 }], ["msg", { x: 7 }], ["close", { bye: true }]]);
    expect(r.info()).toEqual({});
  });

  it("closes a comm for an unknown target straight back", () => {
    const { r, sent } = registry();
    r.handleOpen({ comm_id: "c2", target_name: "nobody" }, msg());
    expect(sent).toEqual([{ type: "comm_close", content: { comm_id: "c2", data: {} } }]);
  });

  it("kernel-opened comms publish comm_open, filter by target in info, and refuse send after close", () => {
    const { r, sent } = registry();
    const a = r.open("plots", { n: 1 });
    r.open("other");
    expect(sent[0]).toEqual({ type: "comm_open", content: { comm_id: a.id, target_name: "plots", data: { n: 1 } } });
    expect(Object.keys(r.info("plots"))).toEqual([a.id]);
    a.close();
    expect(sent[2]).toEqual({ type: "comm_close", content: { comm_id: a.id, data: {} } });
    expect(() => a.send({})).toThrow(/send after close/);
  });

  it("reports errors thrown by user handlers instead of throwing", () => {
    const { r, errors } = registry();
    r.registerTarget("bad", () => {
      throw new Error("handler broke");
    });
    r.handleOpen({ comm_id: "c3", target_name: "bad" }, msg());
    expect((errors[0] as Error).message).toBe("handler broke");
  });
});
