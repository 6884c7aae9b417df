import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { removeTempDirs, tempDir } from "../temp-dirs.js";
import { defaultHistoryPath, globToRegExp, HistoryStore, MAX_HISTORY_FILE, MAX_HISTORY_TEXT } from "../../kernel/history/history-store.js";

afterAll(removeTempDirs);

describe("history glob", () => {
  it("matches like sqlite GLOB: whole string, * ? and sets, case-sensitive", () => {
    expect(globToRegExp("1?2*").test("1+2")).toBe(true);
    expect(globToRegExp("1?2*").test("1+2+3")).toBe(true);
    expect(globToRegExp("1?2*").test("x1+2")).toBe(false);
    expect(globToRegExp("a[bc]d").test("acd")).toBe(true);
    expect(globToRegExp("a[bc]d").test("aed")).toBe(false);
    expect(globToRegExp("A*").test("abc")).toBe(false);
    expect(globToRegExp("f(x).y").test("f(x).y")).toBe(true);
    expect(globToRegExp("f(x).y").test("f(x)zy")).toBe(false);
  });
});

describe("HistoryStore", () => {
  it("uses $JUPYTER_DATA_DIR", () => {
    expect(defaultHistoryPath({ JUPYTER_DATA_DIR: "/d" })).toBe("/d/gradlab/history.jsonl");
  });

  it("persists across restarts, numbering sessions, with tail / range / search", async () => {
    const path = join(tempDir("gradlab-hist-"), "h.jsonl");
    const a = new HistoryStore(path);
    expect(a.session).toBe(1);
    a.append(1, "const x = 1", null);
    a.append(2, "x + 1", "2");
    const b = new HistoryStore(path);
    expect(b.session).toBe(2);
    b.append(1, "x + 1", "2");
    b.append(2, "x * 3", "3");
    expect(b.tail(3, false)).toEqual([[1, 2, "x + 1"], [2, 1, "x + 1"], [2, 2, "x * 3"]]);
    expect(b.tail(1, true)).toEqual([[2, 2, ["x * 3", "3"]]]);
    expect(b.range(1, 1, 2, false)).toEqual([[1, 1, "const x = 1"]]);
    expect(b.range(0, 2, null, false)).toEqual([[2, 2, "x * 3"]]);
    expect(b.range(-1, 1, null, false)).toEqual([[1, 1, "const x = 1"], [1, 2, "x + 1"]]);
    expect(b.search("x ?*", null, false, false)).toHaveLength(3);
    expect(b.search("x + 1", null, true, false)).toEqual([[2, 1, "x + 1"]]);
    expect(b.search("x*", 2, false, false)).toEqual([[2, 1, "x + 1"], [2, 2, "x * 3"]]);
    expect(readFileSync(path, "utf8").trim().split("\n")).toHaveLength(6);
  });

  it("appends through one descriptor opened at start: every line lands, in order, until close()", () => {
    const dir = join(tempDir("gradlab-hist-"), "not", "yet");
    const path = join(dir, "h.jsonl");
    const h = new HistoryStore(path);
    // The directory and file exist from the start (the session line), before any cell ran.
    expect(JSON.parse(readFileSync(path, "utf8"))).toMatchObject({ s: 1 });
    for (let n = 1; n <= 1000; n++) h.append(n, `x${n}`, n % 2 === 0 ? String(n) : null);
    const lines = readFileSync(path, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { n?: number; i?: string; o?: string | null });
    expect(lines).toHaveLength(1001);
    expect(lines.slice(1).map((l) => l.n)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(lines[1000]).toEqual({ s: 1, n: 1000, i: "x1000", o: "1000" });
    h.close();
    h.append(1001, "after close", null);
    expect(readFileSync(path, "utf8").trim().split("\n")).toHaveLength(1001);
    expect(h.tail(1, false)).toEqual([[1, 1001, "after close"]]);
    expect(new HistoryStore(path).session).toBe(2);
  });

  it("keeps history in memory when the file cannot be created", () => {
    const file = join(tempDir("gradlab-hist-"), "a-file");
    writeFileSync(file, "");
    const h = new HistoryStore(join(file, "h.jsonl")); // a directory under a regular file
    h.append(1, "1 + 1", "2");
    expect(h.tail(1, true)).toEqual([[1, 1, ["1 + 1", "2"]]]);
  });

  it("skips a torn line", async () => {
    const dir = tempDir("gradlab-hist-");
    const path = join(dir, "h.jsonl");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(path, '{"s":3,"n":1,"i":"ok","o":null}\n{"s":3,"n":2,"i":"tor');
    const h = new HistoryStore(path);
    expect(h.session).toBe(4);
    expect(h.tail(5, false)).toEqual([[3, 1, "ok"]]);
  });
});

describe("history is bounded", () => {
  it("stores a cell over 1 MB cut, saying how much was left out", () => {
    const path = join(tempDir("gradlab-hist-"), "h.jsonl");
    const h = new HistoryStore(path);
    h.append(1, "x".repeat(MAX_HISTORY_TEXT + 10), "y".repeat(MAX_HISTORY_TEXT * 2));
    h.close();
    const [row] = new HistoryStore(path).tail(1, true) as [number, number, [string, string]][];
    expect(row[2][0]).toMatch(/… \[10 more characters not kept in history\]$/);
    expect(row[2][1].length).toBeLessThan(MAX_HISTORY_TEXT + 100);
  });

  it("moves a file past its size limit aside at start, keeping the session numbers going", () => {
    const path = join(tempDir("gradlab-hist-"), "h.jsonl");
    const line = JSON.stringify({ s: 7, n: 1, i: "z".repeat(1000), o: null }) + "\n";
    writeFileSync(path, line.repeat(Math.ceil(MAX_HISTORY_FILE / line.length) + 1));
    const h = new HistoryStore(path);
    h.close();
    expect(h.session).toBe(8);
    expect(existsSync(`${path}.1`)).toBe(true);
    expect(statSync(path).size).toBeLessThan(1000);
  });

  it("numbers the session after the last one even when the file ends in one huge cell", () => {
    const path = join(tempDir("gradlab-hist-"), "h.jsonl");
    const a = new HistoryStore(path);
    a.append(1, "q".repeat(MAX_HISTORY_TEXT), null); // a line longer than the tail read at start
    a.close();
    const b = new HistoryStore(path);
    expect(b.session).toBe(2);
    expect(b.tail(1, false)[0]![2]).toHaveLength(MAX_HISTORY_TEXT);
    b.close();
  });

  it("reads the history before it at the first query, from the file it opened, even once another kernel moved it aside", () => {
    const path = join(tempDir("gradlab-hist-"), "h.jsonl");
    const a = new HistoryStore(path);
    a.append(1, "a = 1", null);
    a.close();
    const b = new HistoryStore(path);
    // another kernel, starting on a file past the limit, moves it aside and starts a new one
    writeFileSync(`${path}.1`, "");
    renameSync(path, `${path}.1`);
    writeFileSync(path, JSON.stringify({ s: 9, n: 1, i: "elsewhere", o: null }) + "\n");
    b.append(1, "b = 2", null);
    expect(b.tail(5, false)).toEqual([[1, 1, "a = 1"], [2, 1, "b = 2"]]);
    b.close();
    // its own lines went where it opened them
    expect(readFileSync(`${path}.1`, "utf8")).toContain('"i":"b = 2"');
  });
});
