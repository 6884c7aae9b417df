// `onnx` namespace: export a model as an ONNX file (runs in onnxruntime, browsers, servers).
export { exportModel, exportModelBytes, type ExportOptions } from "./export.js";
