// A widget frontend made of the npm packages JupyterLab is made of: @jupyterlab/services talks
// to jupyter-server (and through it to the gradlab kernel), @jupyter-widgets/html-manager with
// @jupyter-widgets/controls renders the widget views. Built by vite in
// test/e2e/browser-widgets.test.ts and served by jupyter-server as a static file.
// The test drives it through window.gradlab: run(code) executes a cell, showing its widget
// views in #widgets and its stream output in #log.
import "@jupyter-widgets/controls/css/widgets.css";
import * as base from "@jupyter-widgets/base";
import { HTMLManager } from "@jupyter-widgets/html-manager";
import { KernelManager, ServerConnection, type Kernel, type KernelMessage } from "@jupyterlab/services";

// The repository's type-check has no DOM lib: the few browser globals used here.
declare const document: any;
declare const location: { origin: string; host: string; search: string };
declare const window: Record<string, unknown>;

class WidgetManager extends HTMLManager {
  constructor(readonly kernel: Kernel.IKernelConnection) {
    super();
    kernel.registerCommTarget(this.comm_target_name, async (comm, msg) => {
      await this.handle_comm_open(new base.shims.services.Comm(comm), msg as never);
    });
  }
  override async _create_comm(target: string, id: string, data?: never, metadata?: never): Promise<base.shims.services.Comm> {
    const comm = this.kernel.createComm(target, id);
    if (data || metadata) comm.open(data, metadata);
    return new base.shims.services.Comm(comm);
  }
  /** Whether restoring had to fall back to a request per widget (no working control comm). */
  fellBack = false;
  protected override _loadFromKernelModels(): Promise<void> {
    this.fellBack = true;
    return super._loadFromKernelModels();
  }
  /** Loads every widget the kernel has, then lists the models (base-manager keeps them private). */
  async restoreFromKernel(): Promise<base.WidgetModel[]> {
    await this._loadFromKernel();
    return Promise.all(Object.values((this as unknown as { _models: Record<string, Promise<base.WidgetModel>> })._models));
  }
  override _get_comm_info(): Promise<Record<string, unknown>> {
    return this.kernel.requestCommInfo({ target_name: this.comm_target_name }).then((r) => (r.content as { comms: Record<string, unknown> }).comms);
  }
}

const WIDGET_VIEW = "application/vnd.jupyter.widget-view+json";
const params = new URLSearchParams(location.search);
const settings = ServerConnection.makeSettings({ baseUrl: `${location.origin}/`, wsUrl: `ws://${location.host}/`, token: params.get("token") ?? "", appendToken: true });
const log = document.getElementById("log")!;
const area = document.getElementById("widgets")!;

async function start(): Promise<void> {
  const kernels = new KernelManager({ serverSettings: settings });
  // ?kernel=<id> reconnects to a running kernel, as a reloaded JupyterLab tab does.
  const existing = params.get("kernel");
  const kernel = existing === null ? await kernels.startNew({ name: "gradlab" }) : kernels.connectTo({ model: { id: existing, name: "gradlab" } });
  const manager = new WidgetManager(kernel);
  /** The kernel's widgets as a reconnecting widget manager restores them (the jupyter.widget.control comm). */
  const restore = async (): Promise<Record<string, unknown>[]> => {
    const models = await manager.restoreFromKernel();
    return models.map((m) => ({ model: m.get("_model_name"), value: m.get("value"), description: m.get("description"), fellBack: manager.fellBack }));
  };
  const run = (code: string): Promise<string> => {
    const future = kernel.requestExecute({ code });
    future.onIOPub = (msg: KernelMessage.IIOPubMessage) => {
      const c = msg.content as { name?: string; text?: string; data?: Record<string, unknown>; ename?: string; evalue?: string };
      if (msg.header.msg_type === "stream") log.textContent += c.text ?? "";
      if (msg.header.msg_type === "error") log.textContent += `ERROR ${c.ename}: ${c.evalue}\n`;
      const view = c.data?.[WIDGET_VIEW] as { model_id: string } | undefined;
      if ((msg.header.msg_type === "display_data" || msg.header.msg_type === "execute_result") && view !== undefined) {
        void manager.get_model(view.model_id).then((model) => manager.create_view(model)).then((v) => manager.display_view(v, area.appendChild(document.createElement("div"))));
      }
    };
    return future.done.then((r) => (r.content as { status: string }).status);
  };
  window.gradlab = { run, restore, kernelId: kernel.id, ready: true };
}

start().catch((e: unknown) => {
  log.textContent += `START FAILED ${String(e)}\n`;
});
