// Boxes for cells' top-level bindings. A cell's script fetches the box of each name it declares
// (`__gradlab_binding__(name)`) and refers to the binding as `<box>.v`: an ordinary property
// access V8 optimizes, where a global variable of a vm context goes through Node's interceptor
// on every access (a top-level loop ran far slower). There is one box per name for the whole
// session, so functions from earlier cells see a later cell's redeclaration or assignment.
//
// The name stays a property of the context's global object, as an accessor onto the box, so
// `globalThis.x`, `typeof x`, code compiled without boxes, user_expressions and the pager see
// the same value. A global the name had before (a prelude or host global, or one a cell
// assigned) is carried into the box: a declaration shadows it, as before.
//
// A cell also reads the names it does not declare (an earlier cell's, the prelude's, built-ins)
// through boxes: `__gradlab_binding__(name, true)` gives the name's box when it has one or its
// global is a plain (configurable data) property, which then becomes a box the same way; any
// other global (a host getter, a read-only or a missing one) gets a stand-in whose `v` looks
// the name up on the global object each time, throwing ReferenceError for a missing name as a
// global lookup does.

export interface Box { v: unknown }

interface Entry { box: Box; get: () => unknown }

/**
 * The function cells call to get a name's box (defined in the context as `__gradlab_binding__`):
 * for a name the cell declares, or (`reference`) one it only uses. `declared` sees each box a
 * cell declares, before the cell assigns it.
 */
export function bindingRegistry(global: object, declared: (box: Box) => void = () => undefined): (name: string, reference?: boolean) => Box {
  const entries = new Map<string, Entry>();
  const standIns = new Map<string, Box>();
  const scope = global as Record<string, unknown>;
  // The context's own ReferenceError, so `e instanceof ReferenceError` holds in cells.
  const ReferenceErrorOfContext = (scope.ReferenceError ?? ReferenceError) as ErrorConstructor;
  const notDefined = (name: string, from: (...a: never[]) => unknown): Error => {
    const e = new ReferenceErrorOfContext(`${name} is not defined`);
    Error.captureStackTrace(e, from); // the cell's frame first, as for a global lookup
    return e;
  };
  const standIn = (name: string): Box => {
    let box = standIns.get(name);
    if (box === undefined) {
      box = {
        get v() {
          const v = scope[name];
          if (v === undefined && !(name in scope)) throw notDefined(name, Object.getOwnPropertyDescriptor(box, "v")!.get!);
          return v;
        },
        set v(v: unknown) {
          if (!(name in scope)) throw notDefined(name, Object.getOwnPropertyDescriptor(box, "v")!.set!);
          scope[name] = v;
        },
      };
      standIns.set(name, box);
    }
    return box;
  };
  return (name: string, reference = false): Box => {
    let entry = entries.get(name);
    const current = Object.getOwnPropertyDescriptor(global, name);
    if (entry !== undefined && current?.get === entry.get) {
      if (!reference) declared(entry.box);
      return entry.box;
    }
    if (reference && (current === undefined || !current.configurable || !("value" in current))) return standIn(name);
    if (current !== undefined && !current.configurable) {
      throw new TypeError(`Cannot declare '${name}': the global '${name}' is read-only`);
    }
    if (entry === undefined) {
      const box: Box = { v: undefined };
      entry = { box, get: () => box.v };
      entries.set(name, entry);
    }
    // First use, or something redefined the property since (delete, Object.defineProperty):
    // the box takes the property's value and the property becomes the box's accessor again.
    const box = entry.box;
    if (current !== undefined) box.v = "value" in current ? current.value : current.get?.call(global);
    Object.defineProperty(global, name, {
      get: entry.get,
      set: (v: unknown) => { box.v = v; },
      enumerable: current?.enumerable ?? true,
      configurable: true,
    });
    if (!reference) declared(box);
    return box;
  };
}

// V8 writes the code of a failing callee or operand into some messages ("x.f is not a function",
// "Cannot destructure … of 'x'"): with boxes that code reads `__gradlab_b_x.v`. The names shown
// to the user are the cell's own. (The prefix is the compiler's, cell-names.ts `boxVariable`.)
const BOX_CODE = /\(0 , __gradlab_b_([\p{ID_Continue}$\u200c\u200d]+)\.v\)|__gradlab_b_([\p{ID_Continue}$\u200c\u200d]+)\.v\b/gu;

/** Error text with boxed references written back as the names they stand for. */
export function readableBoxNames(text: string): string {
  return text.includes("__gradlab_b_") ? text.replace(BOX_CODE, (_, called?: string, plain?: string) => called ?? plain ?? "") : text;
}
