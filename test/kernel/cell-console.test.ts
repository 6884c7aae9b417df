import { describe, expect, it } from "vitest";
import { createCellConsole } from "../../kernel/execution/cell-console.js";

function capture() {
  const out: [string, string][] = [];
  return { out, console: createCellConsole((name, text) => out.push([name, text])) };
}

describe("cell console", () => {
  it("formats like Node without colours, log to stdout and error/warn to stderr", () => {
    const { out, console: c } = capture();
    c.log("a %d", 5, { k: [1] });
    c.error("bad");
    c.warn("careful");
    expect(out).toEqual([["stdout", "a 5 { k: [ 1 ] }\n"], ["stderr", "bad\n"], ["stderr", "careful\n"]]);
  });
  it("groups indent, count counts, assert reports only failures", () => {
    const { out, console: c } = capture();
    c.group("g");
    c.log("x\ny");
    c.groupEnd();
    c.count();
    c.count();
    c.assert(true, "no");
    c.assert(false, "yes %s", "really");
    expect(out.map((o) => o[1])).toEqual(["g\n", "  x\n  y\n", "default: 1\n", "default: 2\n", "Assertion failed: yes really\n"]);
  });
  it("time/timeEnd print a duration and warn on unknown labels", () => {
    const { out, console: c } = capture();
    c.time("t");
    c.timeEnd("t");
    c.timeEnd("t");
    expect(out[0][1]).toMatch(/^t: \d+\.\d{3}ms\n$/);
    expect(out[1]).toEqual(["stderr", "Warning: No such label 't' for console timer\n"]);
  });
});
