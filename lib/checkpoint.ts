// `save` / `load`: state dicts and whole checkpoints as PyTorch users write them,
//
//   save(model.stateDict(), "model.safetensors");
//   save({ model: model.stateDict(), optimizer: opt.stateDict(), scheduler: sched.stateDict(), epoch }, "ckpt");
//   const ckpt = load("ckpt"); model.loadStateDict(ckpt.model); opt.loadStateDict(ckpt.optimizer);
//
// in one format, safetensors (lib/serialization.ts). A flat `{ name: Tensor }` record is a plain
// safetensors file (what `safetensors.torch.load_file` reads). Anything nested is flattened:
// each tensor is stored under its dotted path ("model.0.weight", "optimizer.state.0.expAvg"),
// and the rest of the object — numbers, strings, booleans, null, arrays, plain objects, with
// `{ "$tensor": name }` where a tensor was — goes into the metadata as JSON under
// "gradlab.checkpoint", from which `load` rebuilds the object.

import { Tensor } from "./tensor.js";
import { Module } from "./nn/module.js";
import { Optimizer } from "./optim/optimizer.js";
import { LRScheduler, ReduceLROnPlateau } from "./optim/lr-scheduler.js";
import { loadWithMetadata, saveTensors } from "./serialization.js";

const STRUCTURE_KEY = "gradlab.checkpoint";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };


/** An object literal, from this realm or another (notebook cells run in their own vm context). */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === null || (Object.getPrototypeOf(proto) === null && proto.constructor?.name === "Object");
}

/** The hint for a value that is an object with state, not the state itself. */
function stateHint(v: unknown, where: string): string | null {
  const subject = where === "" ? "the value" : JSON.stringify(where);
  if (v instanceof Module) return `save: ${subject} is an nn.Module (${v.constructor.name}); save its state dict instead: model.stateDict()`;
  if (v instanceof Optimizer) return `save: ${subject} is an optimizer (${v.constructor.name}); save its state dict instead: optimizer.stateDict()`;
  if (v instanceof LRScheduler || v instanceof ReduceLROnPlateau) return `save: ${subject} is an LR scheduler (${v.constructor.name}); save its state dict instead: scheduler.stateDict()`;
  return null;
}

function isFlatTensorRecord(obj: unknown): obj is Record<string, Tensor> {
  return isPlainObject(obj) && Object.values(obj).every((v) => v instanceof Tensor);
}

/**
 * Writes a state dict (`model.stateDict()`) or a whole checkpoint (`{ model, optimizer, epoch }`)
 * to `path` as safetensors: tensors, numbers, strings, booleans, null, arrays and plain objects
 * of them. `metadata` adds string entries to the file's `__metadata__`.
 */
export function save(obj: object, path: string, options: { metadata?: Record<string, string> } = {}): void {
  const metadata = { ...(options.metadata ?? {}) };
  const hint = stateHint(obj, "");
  if (hint) throw new Error(hint);
  if (isFlatTensorRecord(obj)) {
    saveTensors(obj, path, metadata);
    return;
  }
  if (!isPlainObject(obj)) throw new Error(`save: expected a state dict or an object of them, got ${describe(obj)}`);
  if (STRUCTURE_KEY in metadata) throw new Error(`save: metadata key ${JSON.stringify(STRUCTURE_KEY)} is reserved`);
  const tensors: Record<string, Tensor> = {};
  const structure = flatten(obj, "", tensors);
  metadata[STRUCTURE_KEY] = JSON.stringify(structure);
  saveTensors(tensors, path, metadata);
}

/**
 * Reads what `save` wrote — a state dict, or the checkpoint object with its tensors back in
 * place — or any safetensors file (PyTorch's `save_file(model.state_dict(), …)`): a record of
 * name → tensor.
 */
export function load<T = Record<string, any>>(path: string): T {
  const { tensors, metadata } = loadWithMetadata(path);
  const structure = metadata[STRUCTURE_KEY];
  if (structure === undefined) return tensors as T;
  let tree: Json;
  try {
    tree = JSON.parse(structure) as Json;
  } catch (e) {
    throw new Error(`load: ${path} has a malformed ${STRUCTURE_KEY} entry in its metadata: ${(e as Error).message}`);
  }
  return rebuild(tree, tensors, path) as T;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === "object") return Array.isArray(v) ? "an array" : `a ${v.constructor?.name ?? "object"}`;
  return `a ${typeof v}`;
}

function flatten(v: unknown, path: string, tensors: Record<string, Tensor>): Json {
  const hint = stateHint(v, path);
  if (hint) throw new Error(hint);
  if (v instanceof Tensor) {
    if (path in tensors) throw new Error(`save: two tensors would both be stored as ${JSON.stringify(path)}; rename one of the keys`);
    tensors[path] = v;
    return { $tensor: path };
  }
  if (v === null || typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number") return Number.isFinite(v) ? v : { $number: String(v) };
  const child = (k: string | number) => (path === "" ? String(k) : `${path}.${k}`);
  if (Array.isArray(v)) return v.map((e, i) => (e === undefined ? null : flatten(e, child(i), tensors)));
  if (isPlainObject(v)) {
    const out: Record<string, Json> = {};
    let special = false;
    for (const [k, e] of Object.entries(v)) {
      if (e === undefined) continue;
      if (k.startsWith("$")) special = true;
      out[k] = flatten(e, child(k), tensors);
    }
    return special ? { $object: out } : out;
  }
  throw new Error(`save: ${JSON.stringify(path)} is ${describe(v)}, which a checkpoint cannot hold (tensors, numbers, strings, booleans, null, arrays and plain objects can)`);
}

function rebuild(v: Json, tensors: Record<string, Tensor>, file: string): unknown {
  if (Array.isArray(v)) return v.map((e) => rebuild(e, tensors, file));
  if (v === null || typeof v !== "object") return v;
  if (typeof v.$tensor === "string") {
    const t = tensors[v.$tensor];
    if (!t) throw new Error(`load: ${file} refers to a tensor ${JSON.stringify(v.$tensor)} that is not in the file`);
    return t;
  }
  if (typeof v.$number === "string") return Number(v.$number);
  const obj = (v.$object ?? v) as Record<string, Json>;
  const out: Record<string, unknown> = {};
  for (const [k, e] of Object.entries(obj)) out[k] = rebuild(e, tensors, file);
  return out;
}
