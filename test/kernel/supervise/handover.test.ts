// The hand-over file the io thread keeps for the death reporter: what it holds after each step
// of a cell's life, identities as bytes.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CellRecord, handoverPaths, type CellRecordFile } from "../../../kernel/supervise/handover.js";
import type { Header } from "../../../kernel/transport/wire.js";

const header = (id: string): Header => ({ msg_id: id, session: "s", username: "u", date: "2026-01-01T00:00:00Z", msg_type: "execute_request", version: "5.3" });
let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("CellRecord", () => {
  it("holds the unanswered execute requests in arrival order, with binary identities and the execution count", () => {
    dir = mkdtempSync(join(tmpdir(), "gradlab-handover-"));
    const file = join(dir, "cells.json");
    const logs: string[] = [];
    const r = new CellRecord(file, "kernel-session", 123 * 2 ** 20, (t) => logs.push(t));
    const read = (): CellRecordFile => JSON.parse(readFileSync(file, "utf8")) as CellRecordFile;
    const id = new Uint8Array([0x00, 0xff, 0x80, 0x41]);
    r.arrive({ ...header("a"), username: "Zoë 学生" }, [id]);
    r.arrive(header("b"), [new Uint8Array([1])]);
    r.counted("a", 7);
    expect(read()).toMatchObject({ session: "kernel-session", heapLimit: 123 * 2 ** 20 });
    expect(read().cells.map((c) => [c.header.msg_id, c.executionCount])).toEqual([["a", 7], ["b", null]]);
    expect([...Buffer.from(read().cells[0]!.identities[0]!, "base64")]).toEqual([0x00, 0xff, 0x80, 0x41]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    r.answered("a");
    // One write at offset 0, padded with spaces over the longer version before it.
    expect(readFileSync(file, "utf8")).toMatch(/\} +$/);
    expect(read().cells.map((c) => c.header.msg_id)).toEqual(["b"]);
    r.answered("unknown");
    r.counted("unknown", 3);
    expect(read().cells.map((c) => c.header.msg_id)).toEqual(["b"]);
    r.close();
    expect(existsSync(file)).toBe(false);
    r.arrive(header("c"), []);
    expect(existsSync(file)).toBe(false);
    expect(logs).toEqual([]);
  });

  it("a folder it cannot write to is logged once, and nothing throws", () => {
    dir = mkdtempSync(join(tmpdir(), "gradlab-handover-"));
    const logs: string[] = [];
    const r = new CellRecord(join(dir, "missing", "cells.json"), "s", 1, (t) => logs.push(t));
    r.arrive(header("a"), []);
    r.arrive(header("b"), []);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/cannot write .*cells\.json.*a kernel death will not be reported/);
  });

  it("lives in a folder named after the connection file", () => {
    expect(handoverPaths("/run/jupyter/kernel-1.json")).toEqual({ dir: "/run/jupyter/kernel-1.json.gradlab", cells: "/run/jupyter/kernel-1.json.gradlab/cells.json", fatalReport: "/run/jupyter/kernel-1.json.gradlab/fatal-report.json" });
  });
});
