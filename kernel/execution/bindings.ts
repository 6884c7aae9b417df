// Boxes for cells' top-level bindings. A cell's script fetches the box of each name it declares
// (`__gradlab_binding__(name)`) and refers to the binding as `<box>.v`: an ordinary property
// access V8 optimizes, where a global variable of a vm context goes through Node's interceptor
// on every access (a top-level loop ran ~70x slower). There is one box per name for the whole
// session, so functions from earlier cells see a later cell's redeclaration or assignment.
//
// The name stays a property of the context's global object, as an accessor onto the box, so
// `globalThis.x`, `typeof x`, code compiled without boxes, user_expressions and the pager see
// the same value. A global the name had before (a prelude or host global, or one a cell
// assigned) is carried into the box: a declaration shadows it, as before.

export interface Box { v: unknown }

interface Entry { box: Box; get: () => unknown }

/** The function cells call to get a name's box (defined in the context as `__gradlab_binding__`). */
export function bindingRegistry(global: object): (name: string) => Box {
  const entries = new Map<string, Entry>();
  return (name: string): Box => {
    let entry = entries.get(name);
    const current = Object.getOwnPropertyDescriptor(global, name);
    if (entry !== undefined && current?.get === entry.get) return entry.box;
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
    return box;
  };
}
