// An executed notebook's outputs rendered the way JupyterLab renders them: a RenderMimeRegistry
// from @jupyterlab/rendermime with its standardRendererFactories, @jupyterlab/vega5-extension's
// renderer, and widget views through @jupyter-widgets/html-manager (the widgets page's manager)
// from the notebook's saved widget state. Each output gets the MIME type JupyterLab's output
// area picks (preferredMimeType, trusted as after running the cell). Built by vite and served
// by jupyter-server in test/e2e/notebooks.test.ts; driven through window.gradlab.render(nb).
// rendermime's style/index.css uses webpack's "~package" imports; its parts, as vite resolves them.
import "@lumino/widgets/style/index.css";
import "@jupyterlab/rendermime/style/base.css";
import "@jupyter-widgets/controls/css/widgets.css";
import { HTMLManager } from "@jupyter-widgets/html-manager";
import { MimeModel, RenderMimeRegistry, standardRendererFactories, type IRenderMime } from "@jupyterlab/rendermime";
import { rendererFactory as vegaRendererFactory } from "@jupyterlab/vega5-extension";
import { Widget } from "@lumino/widgets";

// The repository's type-check has no DOM lib: the few browser globals used here.
declare const document: any;
declare const window: Record<string, unknown>;

const WIDGET_VIEW = "application/vnd.jupyter.widget-view+json";
const WIDGET_STATE = "application/vnd.jupyter.widget-state+json";

interface Output { output_type: string; name?: string; text?: string | string[]; data?: Record<string, unknown>; metadata?: Record<string, unknown>; ename?: string; evalue?: string; traceback?: string[] }
interface Notebook { cells: { cell_type: string; outputs?: Output[] }[]; metadata: { widgets?: Record<string, unknown> } }
/** One rendering of an output; `alternate` marks a vega-lite spec rendered beside the MIME JupyterLab picked. */
export interface Rendered { cell: number; output: number; mime: string | null; alternate: boolean; error: string | null }

const joined = (t: string | string[] | undefined): string => (Array.isArray(t) ? t.join("") : (t ?? ""));

/** An output as the MIME bundle JupyterLab's OutputModel makes of it (streams and errors too). */
function bundle(o: Output): Record<string, unknown> {
  if (o.output_type === "stream") return { [`application/vnd.jupyter.${o.name === "stderr" ? "stderr" : "stdout"}`]: joined(o.text) };
  if (o.output_type === "error") return { "application/vnd.jupyter.stderr": (o.traceback ?? [`${o.ename}: ${o.evalue}`]).join("\n") };
  const data: Record<string, unknown> = {};
  // nbformat stores multi-line strings as lists of lines; JSON bundles (vega-lite) stay objects.
  for (const [k, v] of Object.entries(o.data ?? {})) data[k] = Array.isArray(v) && v.every((x) => typeof x === "string") ? v.join("") : v;
  return data;
}

/** A widget view renderer over html-manager, registered as JupyterLab's widget manager registers its own. */
function widgetFactory(manager: HTMLManager): IRenderMime.IRendererFactory {
  return {
    safe: false,
    mimeTypes: [WIDGET_VIEW],
    createRenderer: () =>
      new (class extends Widget implements IRenderMime.IRenderer {
        async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
          const { model_id } = model.data[WIDGET_VIEW] as { model_id: string };
          if (!manager.has_model(model_id)) throw new Error(`widget model ${model_id} is not in the notebook's saved widget state`);
          const view = await manager.create_view(await manager.get_model(model_id));
          await manager.display_view(view, this.node);
        }
      })(),
  };
}

async function render(nb: Notebook, title: string): Promise<Rendered[]> {
  document.getElementById("title").textContent = title;
  const manager = new HTMLManager();
  const state = nb.metadata.widgets?.[WIDGET_STATE];
  if (state !== undefined) await manager.set_state(state as never);
  const rendermime = new RenderMimeRegistry({ initialFactories: standardRendererFactories });
  rendermime.addFactory(vegaRendererFactory, 57);
  // @jupyter-widgets/jupyterlab-manager adds its factory at rank -10: a widget view wins over its text fallback.
  rendermime.addFactory(widgetFactory(manager), -10);
  const area = document.getElementById("outputs");
  area.textContent = "";
  const results: Rendered[] = [];
  for (const [c, cell] of nb.cells.entries()) {
    for (const [i, o] of (cell.outputs ?? []).entries()) {
      const data = bundle(o);
      const preferred = rendermime.preferredMimeType(data as never, "any") ?? null;
      // gradlab adds an HTML copy of each plot, which JupyterLab ranks above Vega-Lite; the spec
      // is what it shows with displayOptions.interactive, so it is rendered too.
      const vegaLite = vegaRendererFactory.mimeTypes.find((m) => m in data && m !== preferred);
      for (const mime of vegaLite === undefined ? [preferred] : [preferred, vegaLite]) {
        const host = area.appendChild(document.createElement("div"));
        host.className = "gradlab-output";
        host.dataset.cell = String(c + 1);
        host.dataset.mime = mime ?? "";
        const r: Rendered = { cell: c + 1, output: i, mime, alternate: mime !== preferred, error: null };
        results.push(r);
        if (mime === null) continue;
        const renderer = rendermime.createRenderer(mime);
        Widget.attach(renderer, host);
        try {
          await renderer.renderModel(new MimeModel({ data: data as never, metadata: (o.metadata ?? {}) as never, trusted: true }));
        } catch (e) {
          r.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        }
      }
    }
  }
  return results;
}

window.gradlab = { render, ready: true };
