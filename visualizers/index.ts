// gradlab/visualizers: pure functions from lib objects to MIME bundles, plus live displays.
// Everything returns an object that displays itself in a notebook (Rich: synchronous bundle;
// Figure: Vega-Lite rendered to SVG on display) and prints as text in plain Node.
export { Figure, Rich, JUPYTER_DISPLAY, VEGALITE_MIME, displayOptions, type MimeBundle } from "./bundle.js";
export { compileVegaLite, renderVegaLite, type VegaLiteSpec } from "./vega.js";
export { tensorView, tensorSummary, tensorText, tensorHtml, type TensorViewOptions } from "./tensor_view.js";
export { tensorStats, histogram, type TensorStats } from "./stats.js";
export { summary, summaryData, type SummaryData, type SummaryRow } from "./module_summary.js";
export { architecture, architectureDiagram } from "./architecture.js";
export { graph, autogradGraph, type GraphOptions } from "./autograd_graph.js";
export { Live, progress, type LiveOptions } from "./live.js";
export { gradientFlow, gradientFlowData } from "./gradient_flow.js";
export { HistogramTracker, type HistogramTrackerOptions } from "./weight_histograms.js";
export { saliency, saliencyView } from "./saliency.js";
export { attention, type AttentionOptions } from "./attention.js";
export { confusionMatrix, confusionCounts, type ConfusionOptions } from "./confusion_matrix.js";
export { lossSurface, contourSegments, type LossSurfaceOptions } from "./loss_surface.js";
export { imageGrid, type ImageGridOptions } from "./image_grid.js";
export { plot } from "./plot.js";
export { installHooks, uninstallHooks, tensorBundle, moduleBundle } from "./hooks.js";
export type { TensorLike, ModuleLike, GradFnLike } from "./types.js";
