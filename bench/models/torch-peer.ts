// Debian's PyTorch as a peer process: bench/torch/twins.py answers one timing request a line,
// so PyTorch and gradlab can be measured in turn in the same run. OPENBLAS_CORETYPE and
// OPENBLAS_L2_SIZE are unset for this process only (they slow a current OpenBLAS; tests and
// CI keep them).

import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface, type Interface } from "node:readline";
import type { ModelName } from "./gradlab-models.js";

const PYTHON = "/usr/bin/python3";
const TWINS = new URL("../../../bench/torch/twins.py", import.meta.url).pathname;

export interface PeerTiming { ms: number; median: number; reps: number; items: number }

export class TorchPeer {
  private constructor(private proc: ChildProcessWithoutNullStreams, private lines: Interface, readonly version: string) {}

  /** Starts the twin process, or says why PyTorch is not available. */
  static async start(): Promise<TorchPeer | string> {
    if (!existsSync(PYTHON)) return `${PYTHON} not found`;
    const env = { ...process.env };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    const proc = spawn(PYTHON, [TWINS], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    proc.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
    const lines = createInterface({ input: proc.stdout });
    const first = await new Promise<string | null>((resolve) => {
      lines.once("line", resolve);
      proc.once("exit", () => resolve(null));
    });
    if (first === null) return `python3-torch not usable: ${stderr.trim().split("\n").pop() ?? "exited"}`;
    const hello = JSON.parse(first) as { torch: string };
    return new TorchPeer(proc, lines, hello.torch);
  }

  /** Times `model`'s training step on `threads` threads; a string says why it could not. */
  async time(model: ModelName, threads: number, budgetMs: number): Promise<PeerTiming | string> {
    const answer = new Promise<string>((resolve) => this.lines.once("line", resolve));
    this.proc.stdin.write(JSON.stringify({ model, threads, budget_ms: budgetMs }) + "\n");
    const out = JSON.parse(await answer) as PeerTiming & { error?: string };
    return out.error ?? out;
  }

  close(): void {
    this.proc.stdin.end();
    this.proc.kill();
  }
}
