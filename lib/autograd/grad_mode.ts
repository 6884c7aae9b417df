// Whether ops record the autograd graph. `noGrad` is the TypeScript spelling of
// `with torch.no_grad():`.
import { ScopedSetting } from "../recover.js";

const mode = new ScopedSetting(true);

export function isGradEnabled(): boolean {
  return mode.value;
}

/** Sets grad mode until changed again (PyTorch's torch.set_grad_enabled). */
export function setGradEnabled(on: boolean): void {
  mode.value = on;
}

/** Runs `fn` without recording the graph (results have requiresGrad false). */
export function noGrad<T>(fn: () => T): T {
  return mode.during(false, fn);
}

/** Runs `fn` with graph recording on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  return mode.during(true, fn);
}
