// `gradlab tutorials`: opens the tutorial notebooks in whichever Jupyter frontend is
// installed (JupyterLab, else classic Notebook). Without one it says how to get one and,
// meanwhile, runs the first tutorial headless and writes it as an HTML page.
import { spawn, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { gradlabPackage } from "../package-root.js";
import { runCommand } from "./run-command.js";

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

/** `--allow-root` when running as root: Jupyter refuses to start as root without it (common in containers). */
function rootFlags(): string[] {
  return process.getuid?.() === 0 ? ["--allow-root"] : [];
}

/** The first http://localhost… address in Jupyter's start-up log (it carries the token). */
export function serverUrl(log: string): string | null {
  return /https?:\/\/(?:localhost|127\.0\.0\.1|\[::1\])(?::\d+)?\/\S*/.exec(log)?.[0] ?? null;
}

/**
 * Runs the frontend's server in `dir` until it exits; Ctrl-C or SIGTERM stop it too. With
 * `announce`, Jupyter's log is watched for its address and that is printed as the line to open.
 */
function runServer(frontend: Frontend, args: string[], dir: string, announce: ((url: string) => void) | null): Promise<number> {
  const child = spawn(frontend.argv[0], [...frontend.argv.slice(1), ...args], { cwd: dir, stdio: ["inherit", "inherit", announce ? "pipe" : "inherit"] });
  if (announce) {
    let log = "", said = false;
    child.stderr!.on("data", (chunk: Buffer) => {
      process.stderr.write(chunk);
      if (said) return;
      log += chunk.toString();
      const url = serverUrl(log);
      if (url) { said = true; announce(url); }
    });
  }
  // Ctrl-C in a terminal reaches the server through the process group; from elsewhere, pass it on.
  const stop = () => void child.kill("SIGTERM");
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  return new Promise<number>((resolve) => child.on("exit", (code) => {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    resolve(code ?? 0);
  }));
}

/**
 * `gradlab tutorials [--dir DIR] [--no-browser] [jupyter options…]`. In a terminal it opens
 * the tutorials in the browser; with `--no-browser` it starts the server wherever it runs
 * (no terminal, CI) and prints the address to open; otherwise, without a terminal, it prints
 * the command to run. Options it does not know go to Jupyter.
 */
export async function tutorialsCommand(args: string[]): Promise<number> {
  const dirFlag = args.indexOf("--dir");
  const dir = dirFlag >= 0 && args[dirFlag + 1] !== undefined ? args[dirFlag + 1] : join(gradlabPackage().root, "notebooks");
  const jupyterArgs = dirFlag < 0 ? args : [...args.slice(0, dirFlag), ...args.slice(dirFlag + 2)];
  const notebooks = tutorialNotebooks(dir);
  if (notebooks.length === 0) throw new Error(`no tutorial notebooks (NN-name.ipynb) in ${dir}`);
  const first = relative(dir, notebooks[0]);
  const frontend = findFrontend();
  if (frontend !== null) {
    const serverArgs = [...jupyterArgs, ...rootFlags()];
    const shown = `cd ${relative(process.cwd(), dir) || "."} && ${[...frontend.argv, ...serverArgs].join(" ")}`;
    if (jupyterArgs.includes("--no-browser")) {
      console.log(`Starting ${frontend.name} in ${dir} without a browser (${shown}). Ctrl-C stops the server.`);
      return await runServer(frontend, serverArgs, dir, (url) => console.log(`\ngradlab: open ${url} in a browser and start with ${first} (kernel "TypeScript (gradlab)").\n`));
    }
    if (!interactive()) {
      console.log(`${frontend.name} is installed. Not starting it (no terminal, or CI is set). To open the tutorials run:\n  ${shown}\n` +
        `and pick ${first} (kernel "TypeScript (gradlab)"), or start the server from here without a browser:\n  npm start -- --no-browser     (or: npx gradlab tutorials --no-browser)`);
      return 0;
    }
    console.log(`Opening the ${notebooks.length} tutorials in ${frontend.name} (${shown}); start with ${first}. Ctrl-C stops the server.`);
    return await runServer(frontend, serverArgs, dir, null);
  }
  console.log(GET_JUPYTER);
  const html = notebooks[0].replace(/\.ipynb$/, ".html");
  console.log(`\nMeanwhile, running the first tutorial headless (gradlab run ${relative(process.cwd(), notebooks[0])}):`);
  const code = await runCommand([notebooks[0], "--html", html]);
  if (code === 0) console.log(`\nOpen ${html} in a browser to read the executed tutorial.`);
  return code;
}
