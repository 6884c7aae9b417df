// `gradlab install`: writes the kernelspec (kernel.json + logos) where Jupyter looks for it.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { gradlabPackage } from "./package-root.js";
import { parseSize } from "./interrupt/memory-budget.js";

export interface InstallOptions {
  scope: "user" | "sys-prefix" | "prefix";
  prefix?: string;
  name: string;
  displayName?: string;
  interruptMode?: "message" | "signal";
  /** Extra arguments for `gradlab kernel` (e.g. --prelude PATH). */
  kernelArgs?: string[];
  /** GRADLAB_MAX_MEMORY for the kernel (kernel/interrupt/memory-budget.ts), e.g. "8G". */
  maxMemory?: string;
  /**
   * The main thread's JavaScript heap limit (node's --max-old-space-size, through NODE_OPTIONS:
   * V8 fixes it when the process starts), e.g. "8G". A cell nearing it is stopped.
   */
  maxHeap?: string;
  /**
   * Run the kernel under its supervisor (bin/gradlab-supervise.sh, a POSIX shell), which
   * answers the running cell when the process dies (V8's heap running out). Default: true
   * where there is a /bin/sh.
   */
  supervise?: boolean;
}

export function userDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JUPYTER_DATA_DIR) return env.JUPYTER_DATA_DIR;
  if (process.platform === "darwin") return join(homedir(), "Library", "Jupyter");
  return join(env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "jupyter");
}

export function kernelsDir(o: InstallOptions): string {
  if (o.scope === "prefix") {
    if (!o.prefix) throw new Error("install: --prefix needs a directory");
    return join(resolve(o.prefix), "share", "jupyter", "kernels");
  }
  if (o.scope === "sys-prefix") {
    const prefix = process.env.VIRTUAL_ENV ?? process.env.CONDA_PREFIX ?? sysPrefix();
    return join(prefix, "share", "jupyter", "kernels");
  }
  return join(userDataDir(), "kernels");
}

function sysPrefix(): string {
  try {
    return execFileSync("/usr/bin/python3", ["-c", "import sys; print(sys.prefix)"], { encoding: "utf8" }).trim();
  } catch {
    return "/usr";
  }
}

export function kernelSpec(o: InstallOptions): Record<string, unknown> {
  const root = gradlabPackage().root;
  const kernel = [process.execPath, join(root, "bin", "gradlab.js"), "kernel", "--connection-file", "{connection_file}", ...(o.kernelArgs ?? [])];
  const supervise = o.supervise ?? process.platform !== "win32";
  return {
    argv: supervise ? ["/bin/sh", join(root, "bin", "gradlab-supervise.sh"), ...kernel] : kernel,
    display_name: o.displayName ?? "TypeScript (gradlab)",
    language: "typescript",
    interrupt_mode: o.interruptMode ?? "message",
    env: {
      ...(o.maxMemory === undefined ? {} : { GRADLAB_MAX_MEMORY: o.maxMemory }),
      ...(o.maxHeap === undefined ? {} : { NODE_OPTIONS: `--max-old-space-size=${Math.max(1, Math.round(parseSize(o.maxHeap)! / 2 ** 20))}` }),
    },
    metadata: { debugger: true },
  };
}

export interface Installed {
  dir: string;
  /** The gradlab.js the spec runs now. */
  bin: string;
  /** What the spec ran before, when one was there already; null for a new spec. */
  previous: { bin: string | null } | null;
}

/** The gradlab.js a kernelspec argv runs (`node gradlab.js kernel ...`, or that under the supervisor), or null. */
export function argvBin(argv: unknown): string | null {
  if (!Array.isArray(argv)) return null;
  const script = argv.find((a): a is string => typeof a === "string" && /gradlab\.js$/.test(a));
  return script ?? (typeof argv[1] === "string" ? argv[1] : null);
}

/** The script a kernelspec runs, or null if it runs something else. */
function specBin(file: string): string | null {
  try {
    return argvBin((JSON.parse(readFileSync(file, "utf8")) as { argv?: unknown }).argv);
  } catch {
    return null;
  }
}

/** Writes the spec, and says where it was and what it replaced. */
export function installKernelSpec(o: InstallOptions): Installed {
  const dir = join(kernelsDir(o), o.name);
  const file = join(dir, "kernel.json");
  const previous = existsSync(file) ? { bin: specBin(file) } : null;
  mkdirSync(dir, { recursive: true });
  const spec = kernelSpec(o);
  writeFileSync(file, JSON.stringify(spec, null, 2) + "\n");
  const assets = join(gradlabPackage().root, "kernel", "assets");
  for (const logo of ["logo-32x32.png", "logo-64x64.png"]) copyFileSync(join(assets, logo), join(dir, logo));
  return { dir, bin: argvBin(spec.argv)!, previous };
}

/** The lines `gradlab install` prints: what was written, where it points, and what it replaced. */
export function installReport(name: string, r: Installed): string[] {
  const lines = [`${r.previous ? "Rewrote" : "Wrote"} kernelspec "${name}" in ${r.dir}: it runs ${r.bin}`];
  if (r.previous && r.previous.bin !== r.bin) {
    lines.push(`Warning: it ran ${r.previous.bin ?? "another command"} before; notebooks using "${name}" now run this checkout. ` +
      `To keep both, install this one under another name: gradlab install --name ${name}-2 --display-name "TypeScript (${name}-2)"`);
  }
  return lines;
}
