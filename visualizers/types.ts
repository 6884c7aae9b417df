// Structural views of lib objects (DESIGN.md contracts). The visualizers accept anything of
// this shape, so they work against lib's real classes and against plain test doubles, and
// stay tolerant while lib evolves.

export type NumericArray = ArrayLike<number>;

export interface TensorLike {
  readonly shape: readonly number[];
  readonly dtype?: string;
  /** Contiguous values (a view or a copy). */
  readonly data: NumericArray;
  readonly requiresGrad?: boolean;
  readonly grad?: TensorLike | null;
  readonly gradFn?: GradFnLike | null;
  readonly isLeaf?: boolean;
}

export interface GradFnLike {
  readonly name: string;
  readonly inputs?: readonly (GradFnLike | null | undefined)[];
  readonly outputShape?: readonly number[];
  /** Set on AccumulateGrad: the leaf tensor the gradient accumulates into. */
  readonly variable?: TensorLike;
}

export interface HookHandle {
  remove(): void;
}

export type ForwardHook = (module: ModuleLike, inputs: unknown, output: unknown) => unknown;

export interface ModuleLike {
  namedParameters(...args: never[]): unknown;
  namedModules?(...args: never[]): unknown;
  namedChildren?(...args: never[]): unknown;
  registerForwardHook?(fn: ForwardHook): HookHandle;
  forward?(...args: never[]): unknown;
  call?(...args: never[]): unknown;
  training?: boolean;
}

export function isTensorLike(x: unknown): x is TensorLike {
  if (x === null || typeof x !== "object") return false;
  const t = x as Partial<TensorLike>;
  return Array.isArray(t.shape) && t.data !== undefined && typeof (t.data as NumericArray).length === "number";
}

export function isModuleLike(x: unknown): x is ModuleLike {
  return x !== null && typeof x === "object" && typeof (x as ModuleLike).namedParameters === "function";
}

/** Pairs from whatever a lib accessor returns: an array/iterable of [name, value], a Map, or a record. */
export function toPairs<V>(x: unknown): [string, V][] {
  if (x === null || x === undefined) return [];
  if (x instanceof Map) return [...(x as Map<string, V>).entries()];
  if (typeof (x as Iterable<unknown>)[Symbol.iterator] === "function") {
    return [...(x as Iterable<[string, V]>)].map((p) => [String(p[0]), p[1]]);
  }
  return Object.entries(x as Record<string, V>);
}

export function namedParameters(m: ModuleLike): [string, TensorLike][] {
  return toPairs<TensorLike>(m.namedParameters());
}

/** [qualified name, module] for the module and all descendants ("" is the root). */
export function namedModules(m: ModuleLike): [string, ModuleLike][] {
  if (typeof m.namedModules === "function") return toPairs<ModuleLike>(m.namedModules());
  const out: [string, ModuleLike][] = [["", m]];
  const walk = (mod: ModuleLike, prefix: string) => {
    for (const [name, child] of namedChildren(mod)) {
      const q = prefix ? `${prefix}.${name}` : name;
      out.push([q, child]);
      walk(child, q);
    }
  };
  walk(m, "");
  return out;
}

export function namedChildren(m: ModuleLike): [string, ModuleLike][] {
  return typeof m.namedChildren === "function" ? toPairs<ModuleLike>(m.namedChildren()) : [];
}

export function className(x: unknown): string {
  return (x as { constructor?: { name?: string } })?.constructor?.name || "Object";
}

export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
