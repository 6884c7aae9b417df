// What a notebook cell sees without imports: the whole lib API, the visualizer entry points,
// and the display hooks on Tensor and nn.Module (so either, as a cell's last expression,
// shows richly). vega/vega-lite are not loaded here; the first plot loads them.
import { Tensor, nn } from "../lib/index.js";
import { installHooks } from "./hooks.js";
import { settleLives } from "./live.js";
import { recover } from "../lib/recover.js";

export * from "../lib/index.js";
export {
  tensorView, summary, architecture, graph, Live, progress, gradientFlow, HistogramTracker,
  saliency, attention, confusionMatrix, lossSurface, imageGrid, plot, displayOptions, Figure, Rich,
} from "./index.js";
export * as widgets from "./widgets/index.js";
export { interact } from "./widgets/interact.js";

installHooks({ Tensor, Module: nn.Module });

// When a cell ends, however it ends, state it may have left half-changed is put right
// (lib/recover.ts) and live displays show their last values; the notebook kernel offers the
// hook (kernel/execution/cell-end.ts), plain Node does not.
const onCellEnd = (globalThis as Record<symbol, unknown>)[Symbol.for("gradlab.onCellEnd")];
if (typeof onCellEnd === "function") {
  onCellEnd((cause: "ok" | "error" | "interrupt") => {
    try {
      recover(cause);
    } finally {
      settleLives(cause);
    }
  });
}
