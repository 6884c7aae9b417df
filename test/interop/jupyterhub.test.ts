// Issue 14 item 7: gradlab under Debian's JupyterHub (3.x, configurable-http-proxy,
// LocalProcessSpawner). Two system users each start a server through the hub's REST API; the
// kernelspec installed with `gradlab install --prefix` is found; a notebook runs through the
// hub's proxy (contents REST API + kernel WebSocket, as JupyterLab does); each kernel runs as
// its user, a child of that user's own server; stopping the server ends the kernel. And the
// deployment Dockerfile (deploy/Dockerfile) is checked for syntax (there is no Docker here).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { KernelManager, ServerConnection, SessionManager, type KernelMessage } from "@jupyterlab/services";
import { validate } from "dockerfile-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { built, root } from "../kernel/kernel-harness.js";
import { removeTempDirs, tempDir } from "../temp-dirs.js";
import { alive, hubAvailable, reachableByAll, testUserName, TestHub } from "./hub.js";

const notebook = {
  nbformat: 4, nbformat_minor: 5,
  metadata: { kernelspec: { name: "gradlab", display_name: "TypeScript (gradlab)", language: "typescript" } },
  cells: [
    { id: "who", cell_type: "code", metadata: {}, execution_count: null, outputs: [], source: 'import { userInfo } from "node:os";\nconsole.log(JSON.stringify({ user: userInfo().username, pid: process.pid, ppid: process.ppid, cwd: process.cwd() }));' },
    { id: "grad", cell_type: "code", metadata: {}, execution_count: null, outputs: [], source: "const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });\nx.mul(x).sum().backward();\nx.grad" },
  ],
};

interface Who { user: string; pid: number; ppid: number; cwd: string }

const reachable = reachableByAll(root);
if (hubAvailable && !reachable) console.warn(`jupyterhub test skipped: the checkout ${root} is not searchable by other users, who run its kernel`);

describe.skipIf(!built || !hubAvailable || !reachable)("gradlab under JupyterHub", () => {
  const users = [testUserName("a"), testUserName("b")];
  let dir: string;
  let hub: TestHub;
  const servers = new Map<string, number>();
  const kernels = new Map<string, Who>();

  beforeAll(async () => {
    dir = tempDir("gradlab-hub-");
    // The kernelspec as a deployment installs it: with the CLI, into a prefix the servers search.
    const prefix = join(dir, "prefix");
    const install = spawnSync(process.execPath, [join(root, "bin", "gradlab.js"), "install", "--prefix", prefix], { encoding: "utf8" });
    expect(install.status, install.stderr).toBe(0);
    hub = new TestHub({ dir, users, serverEnvironment: { JUPYTER_PATH: join(prefix, "share", "jupyter") } });
    await hub.start();
  }, 120_000);

  afterAll(async () => {
    await hub?.stop();
    removeTempDirs();
  }, 60_000);

  it("each user starts a server through the hub's REST API; it runs as that user", async () => {
    for (const u of users) {
      const model = await hub.startServer(u);
      const pid = model.state?.pid;
      expect(pid, JSON.stringify(model)).toBeGreaterThan(0);
      servers.set(u, pid!);
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)![1]);
      expect(uid).toBe(Number(spawnSync("id", ["-u", u], { encoding: "utf8" }).stdout.trim()));
    }
    expect(new Set(servers.values()).size).toBe(2);
  }, 240_000);

  it("finds the gradlab kernelspec on every user's server", async () => {
    for (const u of users) {
      const r = await hub.api("GET", `/user/${u}/api/kernelspecs`);
      expect(r.status).toBe(200);
      const specs = (await r.json()) as { kernelspecs: Record<string, { spec: { argv: string[]; language: string } }> };
      expect(specs.kernelspecs.gradlab?.spec.language).toBe("typescript");
      expect(specs.kernelspecs.gradlab?.spec.argv).toContain(join(root, "bin", "gradlab.js"));
    }
  });

  it("runs a notebook through the hub (contents API, session, kernel WebSocket) for each user", async () => {
    for (const u of users) {
      const base = `${hub.url}/user/${u}/`;
      const put = await hub.api("PUT", `/user/${u}/api/contents/hub-check.ipynb`, { type: "notebook", format: "json", content: notebook });
      expect(put.status, await put.clone().text()).toBeLessThan(300);
      const settings = ServerConnection.makeSettings({ baseUrl: base, wsUrl: base.replace(/^http/, "ws"), token: hub.token, appendToken: true });
      const kernelManager = new KernelManager({ serverSettings: settings });
      const sessions = new SessionManager({ kernelManager, serverSettings: settings });
      try {
        await sessions.ready;
        const session = await sessions.startNew({ path: "hub-check.ipynb", type: "notebook", name: "hub-check.ipynb", kernel: { name: "gradlab" } });
        const outputs: Record<string, unknown>[][] = [];
        for (const cell of notebook.cells) {
          const iopub: KernelMessage.IIOPubMessage[] = [];
          const future = session.kernel!.requestExecute({ code: cell.source });
          future.onIOPub = (m) => void iopub.push(m);
          const reply = (await future.done) as KernelMessage.IExecuteReplyMsg;
          expect(reply.content.status, JSON.stringify(reply.content)).toBe("ok");
          outputs.push(iopub.filter((m) => m.header.msg_type === "execute_result" || m.header.msg_type === "stream").map((m) => ({ output_type: m.header.msg_type, ...(m.content as Record<string, unknown>) })));
        }
        const who = JSON.parse(outputs[0]![0]!.text as string) as Who;
        kernels.set(u, who);
        expect(who.user).toBe(u);
        expect(who.cwd).toBe(join(dir, "home", u));
        const grad = outputs[1]![0]!.data as Record<string, string>;
        expect(grad["text/plain"]).toContain("tensor([[2., 4.],\n        [6., 8.]])");
        expect(grad["text/html"]).toContain("gradlab-tensor");
        // The notebook with its outputs saved back, as a frontend saves it.
        const saved = { ...notebook, cells: notebook.cells.map((c, i) => ({ ...c, execution_count: i + 1, outputs: outputs[i] })) };
        const save = await hub.api("PUT", `/user/${u}/api/contents/hub-check.ipynb`, { type: "notebook", format: "json", content: saved });
        expect(save.status).toBeLessThan(300);
        expect(readFileSync(join(dir, "home", u, "hub-check.ipynb"), "utf8")).toContain("gradlab-tensor");
      } finally {
        sessions.dispose();
        kernelManager.dispose();
      }
    }
  }, 240_000);

  it("each user's kernel is a child of that user's own server (through its supervisor shell)", () => {
    for (const u of users) {
      const who = kernels.get(u);
      expect(who, "the notebook ran").toBeDefined();
      // The kernel's parent is bin/gradlab-supervise.sh, whose parent is the server.
      expect(readFileSync(`/proc/${who!.ppid}/cmdline`, "utf8")).toContain("gradlab-supervise.sh");
      expect(Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${who!.ppid}/status`, "utf8"))![1])).toBe(servers.get(u));
    }
    expect(kernels.get(users[0]!)!.pid).not.toBe(kernels.get(users[1]!)!.pid);
  });

  it("stopping a server through the hub ends it and its kernel", async () => {
    for (const u of users) {
      await hub.stopServer(u);
      const deadline = Date.now() + 20_000;
      while ((alive(servers.get(u)!) || alive(kernels.get(u)!.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(alive(servers.get(u)!)).toBe(false);
      expect(alive(kernels.get(u)!.pid)).toBe(false);
    }
  }, 120_000);
});

describe("the deployment image (deploy/Dockerfile)", () => {
  const file = join(root, "deploy", "Dockerfile");
  const text = readFileSync(file, "utf8");

  it("is valid Dockerfile syntax (dockerfile-utils, the Docker language server's validator)", () => {
    expect(validate(text).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it("builds from files the checkout has, installs only runtime dependencies and registers the kernel", () => {
    // What the build stage copies from the context exists; what the final stage copies from the
    // build stage is there or made by the build.
    const fromContext = [...text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/)).filter((p) => p !== ".");
    for (const p of fromContext) expect(existsSync(join(root, p)), p).toBe(true);
    const fromBuild = [...text.matchAll(/^COPY --from=build (.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/)).filter((p) => p.startsWith("/src/"));
    const madeByBuild = new Set(["dist", "node_modules"]);
    for (const p of fromBuild) {
      const rel = p.slice("/src/".length);
      expect(madeByBuild.has(rel) || existsSync(join(root, rel)), p).toBe(true);
    }
    expect(text).toMatch(/npm ci --omit=dev/);
    expect(text).toMatch(/gradlab\.js install --prefix "\$\{CONDA_DIR\}"/);
    // The build context leaves out what the image builds itself.
    const ignored = readFileSync(join(root, ".dockerignore"), "utf8").split("\n");
    expect(ignored).toEqual(expect.arrayContaining(["node_modules", "dist"]));
  });
});
