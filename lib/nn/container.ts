import type { Tensor } from "../tensor.js";
import { Module, runsPlainForward } from "./module.js";
import { Conv2d } from "./conv.js";
import { ReLU } from "./activation.js";
import { MaxPool2d } from "./pooling.js";

/**
 * Runs its modules in order, each one's output feeding the next:
 * `new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 1))`, or with names
 * `new nn.Sequential({ fc: …, act: … })`. Children are named "0", "1", … (or by the keys).
 *
 * Typing: `model.call(x)` is typed `Out`; `new nn.Sequential<Tensor>(…)` makes it a Tensor.
 * The input stays `any`: TypeScript can't follow a chain of modules given as a list.
 * Why `Out` defaults to `any` and not `Tensor`: the visualizers accept models structurally
 * (`saliency(model, x)` wants `{ call(x: AutogradTensor): AutogradTensor }`), and lib's
 * Tensor is not assignable to their `AutogradTensor` — its `backward(gradient?: Tensor |
 * BackwardOptions | null, opts?)` fails their `backward(gradient?: AutogradTensor | null)`
 * in both directions (BackwardOptions is no AutogradTensor; AutogradTensor lacks most of
 * Tensor). With a Tensor-typed Sequential, test/visualizers/notebook_usage.test.ts stops
 * compiling (as it would for any Tensor-returning module, e.g. a bare nn.Linear). Once that
 * structural type accepts lib's Tensor (e.g. `backward(gradient?: any)`), default to Tensor.
 */
export class Sequential<Out = Tensor> extends Module {
  constructor(...modules: Module[] | [Record<string, Module>]) {
    super();
    if (modules.length === 1 && !(modules[0] instanceof Module)) {
      for (const [name, m] of Object.entries(modules[0] as Record<string, Module>)) this.addModule(name, m);
    } else {
      (modules as Module[]).forEach((m, i) => {
        if (!(m instanceof Module)) throw new Error(`Sequential: argument ${i} is not an nn.Module`);
        this.addModule(String(i), m);
      });
    }
  }

  get length(): number {
    return this.namedChildren().length;
  }

  /** The i-th module (negative counts from the end). */
  at(i: number): Module {
    const c = this.children();
    const k = i < 0 ? i + c.length : i;
    if (k < 0 || k >= c.length) throw new Error(`Sequential.at: index ${i} is out of range for ${c.length} modules`);
    return c[k];
  }

  /** Appends a module at the end (named by its position). */
  append(m: Module): this {
    this.addModule(String(this.length), m);
    return this;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.children()[Symbol.iterator]();
  }

  override forward(x: any): Out {
    const kids = this.children();
    let out = x;
    for (let i = 0; i < kids.length; i++) {
      const m = kids[i]!, next = kids[i + 1], third = kids[i + 2];
      // Conv2d then ReLU (then MaxPool2d): one kernel call, ReLU being the conv's epilogue and
      // the pool done before the conv output leaves the kernel (same values, same graph)
      const convRelu = next !== undefined && runsPlainForward(m, Conv2d) && runsPlainForward(next, ReLU);
      if (convRelu && third !== undefined && runsPlainForward(third, MaxPool2d) && !(third as MaxPool2d).returnIndices) {
        const pool = third as MaxPool2d;
        out = (m as Conv2d).forwardReluMaxPool(out, pool.kernelSize, pool.options);
        i += 2;
        continue;
      }
      if (convRelu) {
        out = (m as Conv2d).forwardRelu(out);
        i++;
        continue;
      }
      out = m.call(out);
    }
    return out as Out;
  }
}

/** A list of submodules, registered so their parameters count (PyTorch's ModuleList). */
export class ModuleList<M extends Module = Module> extends Module {
  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  get length(): number {
    return this.namedChildren().length;
  }

  at(i: number): M {
    const c = this.children() as M[];
    const k = i < 0 ? i + c.length : i;
    if (k < 0 || k >= c.length) throw new Error(`ModuleList.at: index ${i} is out of range for ${c.length} modules`);
    return c[k];
  }

  append(m: M): this {
    if (!(m instanceof Module)) throw new Error("ModuleList.append: expected an nn.Module");
    this.addModule(String(this.length), m);
    return this;
  }

  push(...ms: M[]): number {
    for (const m of ms) this.append(m);
    return this.length;
  }

  extend(ms: Iterable<M>): this {
    for (const m of ms) this.append(m);
    return this;
  }

  [Symbol.iterator](): Iterator<M> {
    return (this.children() as M[])[Symbol.iterator]();
  }

  map<U>(fn: (m: M, i: number) => U): U[] {
    return (this.children() as M[]).map(fn);
  }

  override forward(): never {
    throw new Error("ModuleList.forward: a ModuleList is a container; iterate over it and call its modules");
  }
}

/**
 * Submodules by name, in insertion order (PyTorch's ModuleDict). Keeps its own key order,
 * so keys that look like numbers stay where they were inserted.
 */
export class ModuleDict<M extends Module = Module> extends Module {
  declare private order: string[];

  constructor(modules?: Iterable<readonly [string, M]>);
  constructor(modules?: Record<string, M>);
  constructor(modules: Record<string, M> | Iterable<readonly [string, M]> = {}) {
    super();
    Object.defineProperty(this, "order", { value: [], enumerable: false, writable: true });
    const entries = Symbol.iterator in Object(modules) ? [...(modules as Iterable<readonly [string, M]>)] : Object.entries(modules as Record<string, M>);
    for (const [k, m] of entries) this.set(k, m);
  }

  set(key: string, m: M): this {
    if (!(m instanceof Module)) throw new Error(`ModuleDict.set: value for ${JSON.stringify(key)} is not an nn.Module`);
    if (!this.order.includes(key)) this.order.push(key);
    this.addModule(key, m);
    return this;
  }

  get(key: string): M | undefined {
    return this.order.includes(key) ? ((this as any)[key] as M) : undefined;
  }

  has(key: string): boolean {
    return this.order.includes(key);
  }

  delete(key: string): boolean {
    if (!this.has(key)) return false;
    this.order = this.order.filter((k) => k !== key);
    delete (this as any)[key];
    return true;
  }

  keys(): string[] {
    return [...this.order];
  }

  values(): M[] {
    return this.order.map((k) => (this as any)[k] as M);
  }

  entries(): [string, M][] {
    return this.order.map((k) => [k, (this as any)[k] as M]);
  }

  get size(): number {
    return this.order.length;
  }

  override namedChildren(): [string, Module][] {
    return this.order.filter((k) => (this as any)[k] instanceof Module).map((k) => [k, (this as any)[k] as Module]);
  }

  override forward(): never {
    throw new Error("ModuleDict.forward: a ModuleDict is a container; look modules up with get(key) and call them");
  }
}
