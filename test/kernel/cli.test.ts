import { execFile } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { removeTempDirs, tempDir } from "../temp-dirs.js";
import { kernelSpec } from "../../kernel/install.js";
import { result, startBuiltKernel } from "./kernel-harness.js";

afterAll(removeTempDirs);

const root = join(import.meta.dirname, "..", "..");
const built = existsSync(join(root, "dist", "kernel", "cli.js"));

function gradlab(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; out: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [join(root, "bin", "gradlab.js"), ...args], { env }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr })),
  );
}

describe("kernelspec", () => {
  it("names the kernel and passes the connection file", () => {
    const spec = kernelSpec({ scope: "user", name: "gradlab" }) as { argv: string[]; display_name: string; language: string; interrupt_mode: string };
    expect(spec.display_name).toBe("TypeScript (gradlab)");
    expect(spec.language).toBe("typescript");
    expect(spec.interrupt_mode).toBe("message");
    expect(spec.argv.slice(-3)).toEqual(["kernel", "--connection-file", "{connection_file}"]);
    // Under the supervisor (a POSIX shell that reports a dead kernel's cell), node and gradlab.js after it.
    expect(spec.argv.slice(0, 4)).toEqual(["/bin/sh", join(root, "bin", "gradlab-supervise.sh"), process.execPath, join(root, "bin", "gradlab.js")]);
    expect((kernelSpec({ scope: "user", name: "gradlab", supervise: false }) as { argv: string[] }).argv.slice(0, 2)).toEqual([process.execPath, join(root, "bin", "gradlab.js")]);
  });

  it("--max-heap becomes node's --max-old-space-size in the kernel's NODE_OPTIONS", () => {
    expect(kernelSpec({ scope: "user", name: "gradlab", maxHeap: "8G" }).env).toEqual({ NODE_OPTIONS: "--max-old-space-size=8192" });
  });

  it("--max-memory becomes the kernel's GRADLAB_MAX_MEMORY", () => {
    expect(kernelSpec({ scope: "user", name: "gradlab", maxMemory: "8G" }).env).toEqual({ GRADLAB_MAX_MEMORY: "8G" });
    expect(kernelSpec({ scope: "user", name: "gradlab" }).env).toEqual({});
  });
});

describe.skipIf(!built)("gradlab CLI", () => {
  it("--help lists the commands", async () => {
    const { code, out } = await gradlab(["--help"]);
    expect(code).toBe(0);
    for (const c of ["install", "kernel", "run"]) expect(out).toContain(c);
  });
  it("install --prefix writes kernel.json and logos, and explains how to get Jupyter when it is missing", async () => {
    const dir = tempDir("gradlab-cli-");
    const { code, out } = await gradlab(["install", "--prefix", dir, "--interrupt-mode", "signal"], { ...process.env, PATH: "/nonexistent" });
    expect(code).toBe(0);
    const specDir = join(dir, "share", "jupyter", "kernels", "gradlab");
    expect(JSON.parse(readFileSync(join(specDir, "kernel.json"), "utf8")).interrupt_mode).toBe("signal");
    for (const size of [32, 64]) {
      // A PNG (signature, IHDR first) of the size its name says.
      const png = readFileSync(join(specDir, `logo-${size}x${size}.png`));
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      expect(png.subarray(12, 16).toString()).toBe("IHDR");
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([size, size]);
    }
    expect(out).toMatch(/apt-get install jupyter-notebook/);
    expect(out).toMatch(/pip install/);
  });
  it("install says which kernelspec it wrote and where it points, and warns when it re-points one", async () => {
    const dir = tempDir("gradlab-cli-");
    const specDir = join(dir, "share", "jupyter", "kernels", "gradlab");
    const bin = join(root, "bin", "gradlab.js");
    const first = await gradlab(["install", "--prefix", dir]);
    expect(first.out).toContain(`Wrote kernelspec "gradlab" in ${specDir}: it runs ${bin}`);
    const again = await gradlab(["install", "--prefix", dir]);
    expect(again.out).toContain(`Rewrote kernelspec "gradlab" in ${specDir}: it runs ${bin}`);
    expect(again.out).not.toContain("Warning");
    const file = join(specDir, "kernel.json");
    const spec = JSON.parse(readFileSync(file, "utf8")) as { argv: string[] };
    spec.argv[spec.argv.indexOf(bin)] = "/elsewhere/gradlab/bin/gradlab.js";
    writeFileSync(file, JSON.stringify(spec));
    const moved = await gradlab(["install", "--prefix", dir]);
    expect(moved.out).toContain("Warning: it ran /elsewhere/gradlab/bin/gradlab.js before");
    expect(moved.out).toContain("gradlab install --name gradlab-2");
  });
  it("interrupt stops a running cell from another process (what jupyter console's Ctrl-C does not do)", async () => {
    const k = await startBuiltKernel();
    try {
      await k.client.execute("const kept = 'still here';");
      const running = k.client.execute("while (true) {}");
      await new Promise((r) => setTimeout(r, 300));
      // no file given: the newest gradlab kernel's connection file in Jupyter's runtime dir
      const runtime = tempDir("gradlab-runtime-");
      copyFileSync(k.connectionFile, join(runtime, "kernel-1234.json"));
      const r = await gradlab(["interrupt"], { ...process.env, JUPYTER_RUNTIME_DIR: runtime });
      expect(r.out).toContain(`Interrupted the kernel of ${join(runtime, "kernel-1234.json")}`);
      expect(r.code).toBe(0);
      expect(((await running).reply.content as { ename: string }).ename).toBe("Interrupted");
      expect(result((await k.client.execute("kept")).outputs)).toBe("'still here'");
    } finally {
      await k.shutdown();
    }
    const none = await gradlab(["interrupt"], { ...process.env, JUPYTER_RUNTIME_DIR: tempDir("gradlab-runtime-") });
    expect(none.code).toBe(1);
    expect(none.out).toMatch(/no gradlab kernel's connection file in .*; pass one/);
  });
  it("rejects bad arguments with a clear message", async () => {
    expect((await gradlab(["install", "--interrupt-mode", "loud"])).out).toMatch(/--interrupt-mode must be "message" or "signal"/);
    expect((await gradlab(["kernel"])).out).toMatch(/--connection-file FILE is required/);
    const r = await gradlab(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/unknown command "frobnicate"/);
  });
});
