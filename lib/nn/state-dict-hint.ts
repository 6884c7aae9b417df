// Why a state dict does not fit a module, when the cause is a common mix-up rather than a
// different architecture (Module.loadStateDict reports it instead of a list of missing keys).

import { Tensor } from "../tensor.js";

/**
 * What went wrong when a whole checkpoint (`{ model: …, optimizer: …, epoch }`) or a state dict
 * whose keys carry a prefix (PyTorch's DataParallel writes "module.…") is given for this
 * module's state dict; null when it looks like the state dict itself.
 */
export function stateDictHint(ownKeys: string[], given: Record<string, unknown>): string | null {
  if (ownKeys.length === 0 || ownKeys.every((k) => k in given)) return null;
  for (const [k, v] of Object.entries(given)) {
    if (v !== null && typeof v === "object" && !(v instanceof Tensor) && ownKeys.every((o) => o in (v as object))) {
      return `got a checkpoint whose ${JSON.stringify(k)} entry is this model's state dict; pass checkpoint.${k}`;
    }
  }
  const keys = Object.keys(given);
  const first = keys[0] ?? "";
  for (let cut = first.indexOf("."); cut > 0; cut = first.indexOf(".", cut + 1)) {
    const prefix = first.slice(0, cut + 1);
    if (keys.every((k) => k.startsWith(prefix)) && ownKeys.every((o) => prefix + o in given)) {
      return `every key starts with ${JSON.stringify(prefix)} (as PyTorch's DataParallel writes them); strip it: Object.fromEntries(Object.entries(sd).map(([k, v]) => [k.slice(${prefix.length}), v]))`;
    }
  }
  return null;
}
