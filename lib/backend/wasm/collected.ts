// Learning, inside one synchronous training loop, which objects the garbage collector has
// collected. FinalizationRegistry callbacks normally wait for the event loop, which a loop in
// one cell never reaches; V8's FinalizationRegistry.prototype.cleanupSome (behind the flag
// --harmony-weak-refs-with-cleanup-some) runs them on demand. The flag only shapes contexts
// created after it is set, so when this context lacks the method the registry class comes
// from a fresh vm context (the same heap; only the prototype differs). WeakRef cannot do
// this job: deref() and construction keep the target alive until the current job ends.
// V8 notices collected objects in full collections only, which it schedules by its own heap's
// growth; memory it cannot see (the resident heap) may ask for one with `collectNow`.

import { setFlagsFromString } from "node:v8";
import { createContext, runInContext } from "node:vm";

export interface CollectedNotices<H> {
  /** Calls back with `held` once `target` has been collected (at a later `poll`). */
  watch(target: object, held: H): void;
  /** Runs the callbacks of everything collected so far. */
  poll(): void;
  /** Runs a full collection now and then `poll`; false where V8 does not offer one. */
  collectNow(): boolean;
}

/**
 * The V8 flags this module sets when it first needs them. A host that caches compiled code
 * should set them before it loads anything: a flag set later changes V8's flag hash, and a
 * cache saved after that is rejected (the kernel's KERNEL_V8_FLAGS has them).
 */
export const LAZY_V8_FLAGS = { cleanupSome: "--harmony-weak-refs-with-cleanup-some", exposeGc: "--expose-gc" } as const;

interface CleanupSomeRegistry<H> {
  register(target: object, held: H): void;
  cleanupSome(cb?: (held: H) => void): void;
}
type RegistryClass = new <H>(cb: (held: H) => void) => CleanupSomeRegistry<H>;

function registryClass(): RegistryClass | null {
  const hasIt = (c: unknown) => typeof (c as { prototype?: { cleanupSome?: unknown } } | undefined)?.prototype?.cleanupSome === "function";
  if (hasIt(FinalizationRegistry)) return FinalizationRegistry as unknown as RegistryClass;
  if (process.env.GRADLAB_SYNC_FINALIZATION === "0") return null;
  const c = withFlag(LAZY_V8_FLAGS.cleanupSome, "FinalizationRegistry");
  return hasIt(c) ? (c as RegistryClass) : null;
}

/** The global `name` of a vm context created after setting the V8 `flag`; undefined if that fails. */
function withFlag(flag: string, name: string): unknown {
  try {
    setFlagsFromString(flag);
    return runInContext(name, createContext({})) as unknown;
  } catch {
    return undefined;
  }
}

let cls: RegistryClass | null | undefined;
let gc: (() => void) | null | undefined;

/** V8's `gc` (as under --expose-gc), taken from a fresh vm context when this one lacks it. */
function fullGc(): (() => void) | null {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === "function") return exposed as () => void;
  const f = withFlag(LAZY_V8_FLAGS.exposeGc, "gc");
  return typeof f === "function" ? (f as () => void) : null;
}

/** Notices of collected objects, or null where this V8 cannot give them synchronously. */
export function collectedNotices<H>(onCollected: (held: H) => void): CollectedNotices<H> | null {
  if (cls === undefined) cls = registryClass();
  if (!cls) return null;
  const registry = new cls<H>(onCollected);
  return {
    watch: (target, held) => registry.register(target, held),
    poll: () => registry.cleanupSome(),
    collectNow: () => {
      if (gc === undefined) gc = fullGc();
      if (!gc) return false;
      gc();
      registry.cleanupSome();
      return true;
    },
  };
}
