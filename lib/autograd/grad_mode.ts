// Whether ops record the autograd graph. `noGrad` is the TypeScript spelling of
// `with torch.no_grad():`.
import { onRecover } from "../recover.js";

let enabled = true;
/** Grad mode from before each noGrad/enableGrad call still running, innermost last. */
const open: boolean[] = [];

export function isGradEnabled(): boolean {
  return enabled;
}

/** Sets grad mode until changed again (PyTorch's torch.set_grad_enabled). */
export function setGradEnabled(on: boolean): void {
  enabled = on;
}

function scoped<T>(on: boolean, fn: () => T): T {
  open.push(enabled);
  enabled = on;
  try {
    return fn();
  } finally {
    enabled = open.pop()!;
  }
}

/** Runs `fn` without recording the graph (results have requiresGrad false). */
export function noGrad<T>(fn: () => T): T {
  return scoped(false, fn);
}

/** Runs `fn` with graph recording on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  return scoped(true, fn);
}

// A scope cut short (its finally never ran) leaves grad mode as it was before the outermost one.
onRecover(() => {
  if (open.length === 0) return;
  enabled = open[0]!;
  open.length = 0;
});
