// `gradlab install`: writes the kernelspec (kernel.json + logos) where Jupyter looks for it.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { gradlabPackage } from "./package-root.js";

export interface InstallOptions {
  scope: "user" | "sys-prefix" | "prefix";
  prefix?: string;
  name: string;
  displayName?: string;
  interruptMode?: "message" | "signal";
  /** Extra arguments for `gradlab kernel` (e.g. --prelude PATH). */
  kernelArgs?: string[];
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
  const bin = join(gradlabPackage().root, "bin", "gradlab.js");
  return {
    argv: [process.execPath, bin, "kernel", "--connection-file", "{connection_file}", ...(o.kernelArgs ?? [])],
    display_name: o.displayName ?? "TypeScript (gradlab)",
    language: "typescript",
    interrupt_mode: o.interruptMode ?? "message",
    env: {},
    metadata: { debugger: true },
  };
}

/** Writes the spec; returns its directory. */
export function installKernelSpec(o: InstallOptions): string {
  const dir = join(kernelsDir(o), o.name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "kernel.json"), JSON.stringify(kernelSpec(o), null, 2) + "\n");
  const assets = join(gradlabPackage().root, "kernel", "assets");
  for (const logo of ["logo-32x32.png", "logo-64x64.png"]) copyFileSync(join(assets, logo), join(dir, logo));
  return dir;
}
