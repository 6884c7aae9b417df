// The `widgets` namespace cells see without an import (visualizers/prelude.ts):
// `new widgets.IntSlider({ value: 3, min: 0, max: 10 })`, `widgets.jslink(...)`; each class is
// also a type (`let s: widgets.IntSlider`). Protocol and live values: widget.ts.
export { HBox, VBox, Tab, Output, Link, jslink, type BoxOptions, type TabOptions } from "./containers.js";
export * from "./controls.js";
export { Widget, WIDGET_VIEW_MIME, type Change } from "./widget.js";
export { interact, type ControlSpec, type Interactive, type SpecValue } from "./interact.js";
