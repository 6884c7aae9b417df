// onnx.exportModel: runs the model's forward once on sample inputs (in eval mode), recording
// the layers it calls and the tensor ops between them, then writes the recorded graph as an
// ONNX model (opset 17) whose weights are initializers.
//
// Layers gradlab knows (layers.ts) are exported whole; any other module is traced through, so
// custom modules built from them export too. Only what the outputs depend on is written; ops
// on constants only (a slice of a positional-encoding table) are folded into constants.

import { writeFileSync } from "node:fs";
import { Tensor } from "../tensor.js";
import { enableGrad } from "../autograd/grad_mode.js";
import { setOpObserver } from "../ops/op.js";
import { Module } from "../nn/module.js";
import { ExportError, GraphBuilder, isTensor } from "./builder.js";
import { LAYERS, type LayerEmitter } from "./layers.js";
import { OPS, type OpRecord } from "./ops.js";
import { encodeModel, type ValueInfo } from "./proto.js";

export interface ExportOptions {
  /** Names of the graph inputs (default input_0, input_1, ...). */
  inputNames?: string[];
  /** Names of the graph outputs, in the order the forward returns tensors (default output_0, ...). */
  outputNames?: string[];
  /**
   * Axes whose size may change, per input or output name, as PyTorch's `dynamic_axes`:
   * `{ input: { 0: "batch" }, output: { 0: "batch" } }` or `{ input: [0] }`.
   */
  dynamicAxes?: Record<string, Record<number, string> | number[]>;
  /** ONNX opset (17, the default, or 18). */
  opset?: number;
}

interface LayerRecord {
  kind: "layer";
  module: Module;
  emit: LayerEmitter;
  args: unknown[];
  out: unknown;
  outputs: Tensor[];
  path: string;
}
type Rec = LayerRecord | (OpRecord & { kind: "op" });

/** Every tensor in a (nested) forward result, in order. */
function tensorsIn(v: unknown, into: Tensor[] = []): Tensor[] {
  if (isTensor(v)) into.push(v);
  else if (Array.isArray(v)) for (const e of v) tensorsIn(e, into);
  return into;
}

function emitterFor(m: Module): LayerEmitter | undefined {
  for (let c = m.constructor; c && c !== Module; c = Object.getPrototypeOf(c)) {
    const e = LAYERS.get(c);
    if (e) return e;
  }
  return undefined;
}

function trace(model: Module, inputs: Tensor[]): { recs: Rec[]; result: unknown } {
  const recs: Rec[] = [];
  const stack: { path: string; leaf: boolean }[] = [];
  let inLayer = 0;
  const handles: { remove(): void }[] = [];
  for (const [path, m] of model.namedModules()) {
    const emit = emitterFor(m);
    handles.push(m.registerForwardPreHook(() => {
      const leaf = emit !== undefined && inLayer === 0;
      if (leaf) inLayer++;
      stack.push({ path, leaf });
    }));
    handles.push(m.registerForwardHook((mod, args, out) => {
      const top = stack.pop();
      if (top?.leaf) {
        inLayer--;
        recs.push({ kind: "layer", module: mod, emit: emit!, args: [...args], out, outputs: tensorsIn(out), path });
      }
    }));
  }
  const prev = setOpObserver((out, name, ins) => {
    if (inLayer === 0) recs.push({ kind: "op", name, out, inputs: [...ins], path: stack.length ? stack[stack.length - 1].path : "" });
  });
  try {
    // Grad mode on, so every op records (some skip their record when nothing needs grad).
    const result = enableGrad(() => model.call(...(inputs as [])));
    return { recs, result };
  } finally {
    setOpObserver(prev);
    for (const h of handles) h.remove();
  }
}

function recInputs(r: Rec): Tensor[] {
  return r.kind === "layer" ? tensorsIn(r.args) : r.inputs.filter(isTensor);
}
function recOutputs(r: Rec): Tensor[] {
  return r.kind === "layer" ? r.outputs : [r.out];
}

function dynamicOf(spec: ExportOptions["dynamicAxes"], name: string): Map<number, string> {
  const m = new Map<number, string>();
  const s = spec?.[name];
  if (Array.isArray(s)) for (const a of s) m.set(a, `${name}_dim${a}`);
  else if (s) for (const [a, n] of Object.entries(s)) m.set(Number(a), n);
  return m;
}

function valueInfo(name: string, t: Tensor, dyn: Map<number, string>): ValueInfo {
  return { name, type: t.dtype, shape: t.shape.map((d, i) => dyn.get(i) ?? d) };
}

/** Builds the ONNX model bytes for `model` traced on `sampleInputs`. */
export function exportModelBytes(model: Module, sampleInputs: Tensor[], options: ExportOptions = {}): Uint8Array {
  if (!(model instanceof Module)) throw new Error("onnx.exportModel: the first argument must be an nn.Module");
  if (!Array.isArray(sampleInputs) || !sampleInputs.every(isTensor)) throw new Error("onnx.exportModel: sample inputs must be an array of tensors, e.g. [x]");
  const opset = options.opset ?? 17;
  if (opset !== 17 && opset !== 18) throw new Error(`onnx.exportModel: opset ${opset} is not supported (17 or 18)`);
  const inputNames = options.inputNames ?? sampleInputs.map((_, i) => `input_${i}`);
  if (inputNames.length !== sampleInputs.length) throw new Error(`onnx.exportModel: ${inputNames.length} inputNames for ${sampleInputs.length} inputs`);

  const wasTraining = model.training;
  model.eval();
  // Fresh leaves, so the user's sample tensors are left as they were.
  const ins = sampleInputs.map((t) => (t.dtype === "float32" || t.dtype === "float64" ? t.detach().requiresGrad_() : t.detach()));
  let traced: { recs: Rec[]; result: unknown };
  try {
    traced = trace(model, ins);
  } finally {
    model.train(wasTraining);
  }
  const outputs = tensorsIn(traced.result);
  if (outputs.length === 0) throw new Error("onnx.exportModel: the forward returned no tensor");
  const outputNames = options.outputNames ?? outputs.map((_, i) => `output_${i}`);
  if (outputNames.length !== outputs.length) throw new Error(`onnx.exportModel: ${outputNames.length} outputNames for ${outputs.length} output tensors`);
  for (const name of Object.keys(options.dynamicAxes ?? {})) {
    if (!inputNames.includes(name) && !outputNames.includes(name)) {
      throw new Error(`onnx.exportModel: dynamicAxes names ${JSON.stringify(name)}, which is not an input (${inputNames.join(", ")}) or output (${outputNames.join(", ")})`);
    }
  }

  // Which records compute something from the inputs, and which of those the outputs need.
  const producer = new Map<Tensor, Rec>();
  const dynamic = new Set<Tensor>(ins);
  const live: Rec[] = [];
  for (const r of traced.recs) {
    if (!recInputs(r).some((t) => dynamic.has(t))) continue; // constant: folded into its values
    for (const t of recOutputs(r)) {
      if (dynamic.has(t)) continue; // an input handed back unchanged (Dropout in eval)
      dynamic.add(t);
      producer.set(t, r);
    }
  }
  const needed = new Set<Rec>();
  const todo = outputs.filter((t) => producer.has(t));
  while (todo.length) {
    const r = producer.get(todo.pop()!)!;
    if (needed.has(r)) continue;
    needed.add(r);
    for (const t of recInputs(r)) if (producer.has(t)) todo.push(t);
  }
  for (const r of traced.recs) if (needed.has(r)) live.push(r);

  const names = [...inputNames, ...outputNames];
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated !== undefined) throw new Error(`onnx.exportModel: the name ${JSON.stringify(repeated)} is given to more than one input or output`);
  const b = new GraphBuilder(opset);
  // The user's names first, so nothing the exporter names takes them.
  ins.forEach((t, i) => b.values.set(t, b.fresh(inputNames[i])));
  const outNames = outputNames.map((n) => b.fresh(n));
  for (const r of live) {
    if (r.kind === "layer") {
      r.emit(b, r.module, r.args, r.out, r.path);
      for (const t of r.outputs) if (!b.values.has(t)) throw new ExportError(`onnx.exportModel: ${r.module.constructor.name} ("${r.path}") produced an output the exporter did not map`);
      continue;
    }
    const emit = OPS.get(r.name);
    if (!emit) {
      const op = r.name.replace(/Backward$/, "");
      throw new ExportError(`onnx.exportModel: unsupported op ${op} (autograd node ${r.name})${r.path ? ` in module "${r.path}"` : ""}; export supports ${[...new Set([...OPS.keys()].map((k) => k.replace(/Backward$/, "")))].join(", ")} between layers`);
    }
    b.values.set(r.out, emit(b, r));
  }
  const outInfos = outputs.map((t, i) => {
    // An Identity whose output carries the user's name (the value itself may be shared).
    b.nodes.push({ opType: "Identity", inputs: [b.valueOf(t, "output")], outputs: [outNames[i]], name: b.fresh(`${outNames[i]}_node`), attrs: {} });
    return valueInfo(outNames[i], t, dynamicOf(options.dynamicAxes, outputNames[i]));
  });
  return encodeModel({
    nodes: b.nodes,
    initializers: b.initializers,
    inputs: ins.map((t, i) => valueInfo(b.values.get(t)!, t, dynamicOf(options.dynamicAxes, inputNames[i]))),
    outputs: outInfos,
    graphName: model.constructor.name,
    opset,
    producer: "gradlab",
    producerVersion: "0.1.0",
  });
}

/**
 * Traces `model` on `sampleInputs` and writes it to `path` as an ONNX model (PyTorch's
 * `torch.onnx.export`): `onnx.exportModel(model, [x], "model.onnx", { inputNames: ["x"],
 * outputNames: ["logits"], dynamicAxes: { x: { 0: "batch" }, logits: { 0: "batch" } } })`.
 */
export function exportModel(model: Module, sampleInputs: Tensor[], path: string, options: ExportOptions = {}): void {
  writeFileSync(path, exportModelBytes(model, sampleInputs, options));
}
