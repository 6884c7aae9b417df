// The `gradlab` command (bin/gradlab.js loads this). A dispatch table of subcommands; each
// parses its own arguments.
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";

type Command = { summary: string; hidden?: boolean; run(args: string[]): Promise<void> | void };

const JUPYTER_HELP = `Jupyter was not found on PATH. To use gradlab in notebooks, install it:
  Debian/Ubuntu:  sudo apt-get install jupyter-notebook     (or: jupyter-server python3-jupyterlab)
  with pip:       python3 -m pip install --user jupyterlab
Then run \`gradlab install\` again (the kernelspec was written anyway) and start \`jupyter lab\`.`;

function jupyterAvailable(): boolean {
  try {
    execFileSync("jupyter", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const commands: Record<string, Command> = {
  install: {
    summary: "install [--user|--sys-prefix|--prefix DIR] [--name N] [--display-name S] [--interrupt-mode message|signal] [--max-memory SIZE] [--max-heap SIZE]  register the kernel with Jupyter",
    async run(args) {
      const { values } = parseArgs({
        args,
        options: {
          user: { type: "boolean" },
          "sys-prefix": { type: "boolean" },
          prefix: { type: "string" },
          name: { type: "string", default: "gradlab" },
          "display-name": { type: "string" },
          "interrupt-mode": { type: "string", default: "message" },
          prelude: { type: "string" },
          "max-memory": { type: "string" },
          "max-heap": { type: "string" },
        },
      });
      const mode = values["interrupt-mode"];
      const maxMemory = values["max-memory"];
      const maxHeap = values["max-heap"];
      const { parseSize } = await import("./interrupt/memory-budget.js");
      for (const [flag, size] of [["--max-memory", maxMemory], ["--max-heap", maxHeap]] as const) {
        if (size !== undefined && parseSize(size) === null) throw new Error(`install: ${flag} must be a size such as 8G or 512M, got "${size}"`);
      }
      if (mode !== "message" && mode !== "signal") throw new Error(`install: --interrupt-mode must be "message" or "signal", got "${mode}"`);
      const { installKernelSpec, installReport } = await import("./install.js");
      const installed = installKernelSpec({
        scope: values.prefix !== undefined ? "prefix" : values["sys-prefix"] ? "sys-prefix" : "user",
        prefix: values.prefix,
        name: values.name!,
        displayName: values["display-name"],
        interruptMode: mode,
        kernelArgs: values.prelude !== undefined ? ["--prelude", values.prelude] : [],
        maxMemory,
        maxHeap,
      });
      for (const line of installReport(values.name!, installed)) console.log(line);
      if (!jupyterAvailable()) console.log(JUPYTER_HELP);
    },
  },
  kernel: {
    summary: "kernel --connection-file FILE [--prelude PATH|none] [--no-typecheck]  run the kernel (Jupyter starts this)",
    async run(args) {
      const { values } = parseArgs({
        args,
        options: { "connection-file": { type: "string", short: "f" }, prelude: { type: "string" }, "no-typecheck": { type: "boolean" } },
      });
      if (values["connection-file"] === undefined) throw new Error("kernel: --connection-file FILE is required (Jupyter passes it)");
      const options = { connectionFile: values["connection-file"], prelude: values.prelude, noTypeCheck: values["no-typecheck"] };
      // Before TypeScript loads (see tuneV8); startKernel starts the io and compiler threads first.
      const { tuneV8 } = await import("./startup/start-options.js");
      await tuneV8();
      const { startKernel } = await import("./main.js");
      await startKernel(options);
    },
  },
  "kernel-died": {
    summary: "kernel-died STATUS died|stopped KERNEL_ARGV…  (the kernel's supervisor runs this after the kernel died: answers the cell it was running)",
    hidden: true,
    async run(args) {
      const { reportDeath } = await import("./supervise/death-report.js");
      await reportDeath(args);
    },
  },
  run: {
    summary: "run NOTEBOOK.ipynb… [--out OUT.ipynb] [--html OUT.html] [--timeout S]  execute notebooks through the kernel (no Python needed)",
    async run(args) {
      const { runCommand } = await import("./runner/run-command.js");
      process.exitCode = await runCommand(args);
    },
  },
  interrupt: {
    summary: "interrupt [CONNECTION_FILE]  interrupt a running kernel (default: the newest gradlab kernel in Jupyter's runtime dir) — for `jupyter console`, whose Ctrl-C does not reach kernels",
    async run(args) {
      const { interruptCommand } = await import("./client/interrupt-command.js");
      process.exitCode = await interruptCommand(args);
    },
  },
  tutorials: {
    summary: "tutorials [--dir DIR] [--no-browser] [jupyter options]  open the tutorial notebooks in JupyterLab or Notebook (headless HTML if neither is installed); --no-browser starts the server anywhere and prints its address",
    async run(args) {
      const { tutorialsCommand } = await import("./runner/tutorials.js");
      process.exitCode = await tutorialsCommand(args);
    },
  },
};

function help(): void {
  console.log("gradlab: a TypeScript deep-learning kernel for Jupyter\n\nUsage: gradlab <command> [options]\n");
  for (const [name, c] of Object.entries(commands)) if (!c.hidden) console.log(`  ${c.summary.startsWith(name) ? c.summary : `${name}  ${c.summary}`}`);
  console.log("\nQuick start: npx gradlab install && jupyter lab   (then pick \"TypeScript (gradlab)\")");
}

export async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") return help();
  const cmd = commands[name];
  if (cmd === undefined) {
    console.error(`gradlab: unknown command "${name}"\n`);
    help();
    process.exitCode = 2;
    return;
  }
  try {
    await cmd.run(rest);
  } catch (e) {
    console.error(`gradlab ${name}: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}

await main(process.argv.slice(2));
