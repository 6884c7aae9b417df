// A JupyterHub for tests: Debian's jupyterhub (3.x) and configurable-http-proxy on 127.0.0.1,
// LocalProcessSpawner, system users made for the test (useradd; the test runs as root), and
// a service token with the scopes to start, stop and reach their servers. Everything it starts
// or creates, it stops or removes (stop()).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { freePort } from "../../kernel/client/launch.js";

export const hubAvailable = existsSync("/usr/bin/jupyterhub") && existsSync("/usr/bin/configurable-http-proxy") && existsSync("/usr/bin/jupyterhub-singleuser") &&
  existsSync("/usr/sbin/useradd") && process.getuid?.() === 0;

/**
 * Whether other users can reach `dir` (every directory above it searchable by all): the users'
 * servers run the kernelspec's `node <checkout>/bin/gradlab.js` as themselves.
 */
export function reachableByAll(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (dirname(d) === d) return true;
  }
}

export interface HubOptions {
  dir: string;
  users: string[];
  /** Environment of every user's server (JUPYTER_PATH for a kernelspec installed with --prefix). */
  serverEnvironment: Record<string, string>;
}

export interface ServerModel { ready: boolean; pending: string | null; state?: { pid?: number } }

export class TestHub {
  readonly token = randomBytes(24).toString("hex");
  url = "";
  private process: ChildProcess | undefined;
  private log = "";
  private readonly createdUsers: string[] = [];
  /** Servers' pids seen, ended by stop() if the hub did not end them. */
  private readonly serverPids = new Set<number>();

  constructor(private readonly o: HubOptions) {}

  async start(): Promise<void> {
    const { dir, users } = this.o;
    chmodSync(dir, 0o755); // users' servers read their homes and the kernelspec under it
    mkdirSync(join(dir, "home"), { recursive: true });
    for (const u of users) {
      const r = spawnSync("/usr/sbin/useradd", ["-m", "-d", join(dir, "home", u), "-s", "/bin/sh", u], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`useradd ${u}: ${r.stderr}`);
      this.createdUsers.push(u);
    }
    const [port, hubPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    this.url = `http://127.0.0.1:${port}`;
    const py = (v: unknown) => JSON.stringify(v);
    writeFileSync(join(dir, "jupyterhub_config.py"), [
      "c = get_config()",
      `c.JupyterHub.ip = "127.0.0.1"`,
      `c.JupyterHub.port = ${port}`,
      `c.JupyterHub.hub_ip = "127.0.0.1"`,
      `c.JupyterHub.hub_port = ${hubPort}`,
      `c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:${apiPort}"`,
      `c.ConfigurableHTTPProxy.pid_file = ${py(join(dir, "proxy.pid"))}`,
      `c.JupyterHub.pid_file = ${py(join(dir, "hub.pid"))}`,
      `c.JupyterHub.db_url = ${py(`sqlite:///${join(dir, "hub.sqlite")}`)}`,
      `c.JupyterHub.cookie_secret_file = ${py(join(dir, "cookie_secret"))}`,
      `c.JupyterHub.authenticator_class = "dummy"`,
      `c.Authenticator.allowed_users = set(${py(users)})`,
      `c.JupyterHub.services = [{"name": "gradlab-test", "api_token": ${py(this.token)}}]`,
      `c.JupyterHub.load_roles = [{"name": "gradlab-test", "services": ["gradlab-test"], "scopes": ["admin:users", "admin:servers", "admin:server_state", "access:servers"]}]`,
      `c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"`,
      `c.Spawner.cmd = ["/usr/bin/jupyterhub-singleuser"]`,
      `c.Spawner.ip = "127.0.0.1"`,
      `c.Spawner.environment = ${py(this.o.serverEnvironment)}`,
      `c.Spawner.start_timeout = 120`,
      `c.Spawner.http_timeout = 120`,
      `c.JupyterHub.cleanup_servers = True`,
      "",
    ].join("\n"));
    // Debian's configurable-http-proxy finds its modules through Debian's node path, which a
    // Node not from Debian does not search.
    this.process = spawn("/usr/bin/jupyterhub", ["-f", join(dir, "jupyterhub_config.py")], {
      cwd: dir, env: { ...process.env, NODE_PATH: "/usr/share/nodejs" }, stdio: ["ignore", "pipe", "pipe"],
    });
    this.process.stdout!.on("data", (d) => (this.log += d));
    this.process.stderr!.on("data", (d) => (this.log += d));
    await this.until(async () => (await fetch(`${this.url}/hub/api`).catch(() => null))?.ok === true, 60_000, "the hub to answer");
  }

  /** The hub's log so far (for failure messages). */
  output(): string { return this.log; }

  async api(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${this.url}${path}`, {
      method, headers: { Authorization: `token ${this.token}`, "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async server(user: string): Promise<ServerModel | undefined> {
    const r = await this.api("GET", `/hub/api/users/${user}`);
    if (!r.ok) throw new Error(`GET user ${user}: ${r.status} ${await r.text()}`);
    return ((await r.json()) as { servers: Record<string, ServerModel> }).servers[""];
  }

  async startServer(user: string): Promise<ServerModel> {
    const r = await this.api("POST", `/hub/api/users/${user}/server`);
    if (r.status !== 201 && r.status !== 202) throw new Error(`start ${user}'s server: ${r.status} ${await r.text()}\n${this.log}`);
    let model: ServerModel | undefined;
    await this.until(async () => (model = await this.server(user))?.ready === true, 120_000, `${user}'s server to be ready`);
    if (model!.state?.pid !== undefined) this.serverPids.add(model!.state.pid);
    return model!;
  }

  async stopServer(user: string): Promise<void> {
    const r = await this.api("DELETE", `/hub/api/users/${user}/server`);
    if (r.status !== 204 && r.status !== 202) throw new Error(`stop ${user}'s server: ${r.status} ${await r.text()}`);
    await this.until(async () => (await this.server(user)) === undefined, 60_000, `${user}'s server to stop`);
  }

  /** Stops the hub (which stops the servers and the proxy), then removes the users. */
  async stop(): Promise<void> {
    const hub = this.process;
    if (hub !== undefined && hub.exitCode === null && hub.signalCode === null) {
      const exited = new Promise<void>((r) => hub.once("exit", () => r()));
      hub.kill("SIGTERM");
      const timedOut = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 20_000))]);
      if (timedOut) hub.kill("SIGKILL");
    }
    // The proxy outlives a hub that was killed: end it by its pid.
    const proxyPid = readPid(join(this.o.dir, "proxy.pid"));
    if (proxyPid !== undefined && alive(proxyPid)) process.kill(proxyPid, "SIGTERM");
    for (const pid of this.serverPids) if (alive(pid)) process.kill(pid, "SIGTERM");
    if ([...this.serverPids].some(alive)) await new Promise((r) => setTimeout(r, 2_000));
    for (const u of this.createdUsers.splice(0)) {
      const r = spawnSync("/usr/sbin/userdel", ["-r", u], { encoding: "utf8" });
      // (userdel warns that a test user has no mail spool; anything else is worth seeing.)
      if (r.status !== 0) console.warn(`userdel ${u}: ${r.stderr}`);
    }
  }

  private async until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (this.process?.exitCode !== null && this.process?.exitCode !== undefined) throw new Error(`the hub exited while waiting for ${what}:\n${this.log}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A Linux user name for this run: a letter, then lowercase hex (two runs never clash). */
export const testUserName = (tag: string): string => `gl${tag}${randomBytes(3).toString("hex")}`;
