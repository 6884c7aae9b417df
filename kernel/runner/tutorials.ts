// `gradlab tutorials`: opens the tutorial notebooks in whichever Jupyter frontend is
// installed (JupyterLab, else classic Notebook). Without one it says how to get one and,
// meanwhile, runs the first tutorial headless and writes it as an HTML page.
import { spawn, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { gradlabPackage } from "../package-root.js";
import { runCommand } from "./run-command.js";

export const TUTORIALS_USAGE = "tutorials [--dir DIR]  open the tutorial notebooks in JupyterLab or Notebook (headless HTML if neither is installed)";

export const GET_JUPYTER = `No Jupyter frontend (JupyterLab or Notebook) was found. Get one with either:
  Debian/Ubuntu:  sudo apt-get install jupyter-notebook
  pip:            python3 -m pip install --user jupyterlab
then run \`npx gradlab tutorials\` again.`;

type Frontend = { name: "JupyterLab" | "Notebook"; argv: string[] };

function works(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: "ignore", timeout: 20_000 });
  return r.status === 0;
}

/**
 * The first frontend that answers `--version`: `jupyter lab`, then `jupyter notebook`.
 * GRADLAB_JUPYTER names the jupyter command to use ("none": behave as if none is installed).
 */
export function findFrontend(): Frontend | null {
  const chosen = process.env.GRADLAB_JUPYTER;
  if (chosen === "none") return null;
  for (const jupyter of chosen ? [chosen] : ["jupyter", "/usr/bin/jupyter"]) {
    if (works(jupyter, ["lab", "--version"])) return { name: "JupyterLab", argv: [jupyter, "lab"] };
    if (works(jupyter, ["notebook", "--version"])) return { name: "Notebook", argv: [jupyter, "notebook"] };
  }
  return null;
}

export function tutorialNotebooks(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /^\d\d-.*\.ipynb$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

export function interactive(): boolean {
  const ci = process.env.CI;
  return process.stdout.isTTY === true && process.stdin.isTTY === true && (ci === undefined || ci === "" || ci === "false" || ci === "0");
}

export async function tutorialsCommand(args: string[]): Promise<number> {
  const dirFlag = args.indexOf("--dir");
  const dir = dirFlag >= 0 && args[dirFlag + 1] !== undefined ? args[dirFlag + 1] : join(gradlabPackage().root, "notebooks");
  const notebooks = tutorialNotebooks(dir);
  if (notebooks.length === 0) throw new Error(`no tutorial notebooks (NN-name.ipynb) in ${dir}`);
  const frontend = findFrontend();
  if (frontend !== null) {
    const shown = `cd ${relative(process.cwd(), dir) || "."} && ${frontend.argv.join(" ")}`;
    if (!interactive()) {
      console.log(`${frontend.name} is installed. Not starting it (no terminal, or CI is set); to open the tutorials run:\n  ${shown}\nand pick ${relative(dir, notebooks[0])} (kernel "TypeScript (gradlab)").`);
      return 0;
    }
    console.log(`Opening the ${notebooks.length} tutorials in ${frontend.name} (${shown}); start with ${relative(dir, notebooks[0])}. Ctrl-C stops the server.`);
    // Jupyter refuses to start as root without --allow-root (common in containers).
    const args = [...frontend.argv.slice(1), ...(process.getuid?.() === 0 ? ["--allow-root"] : [])];
    const child = spawn(frontend.argv[0], args, { cwd: dir, stdio: "inherit" });
    // Ctrl-C reaches the server through the terminal's process group; we just wait for it.
    process.on("SIGINT", () => undefined);
    return await new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? 0)));
  }
  console.log(GET_JUPYTER);
  const html = notebooks[0].replace(/\.ipynb$/, ".html");
  console.log(`\nMeanwhile, running the first tutorial headless (gradlab run ${relative(process.cwd(), notebooks[0])}):`);
  const code = await runCommand([notebooks[0], "--html", html]);
  if (code === 0) console.log(`\nOpen ${html} in a browser to read the executed tutorial.`);
  return code;
}
