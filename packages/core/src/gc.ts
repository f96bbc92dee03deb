import type { Ptr } from './ptr.js';
import type { ObjectContext, TypeObject, VisitProc } from './types.js';

/**
 * The contract between a runtime and a cycle collector.
 *
 * The runtime owns objects: it creates them, counts references and
 * deallocates them. A strategy owns the GC head of every GC object (the two
 * words at GC_NEXT / GC_PREV, zero when the object is created) and whatever
 * else it keeps in the heap, and finds garbage cycles. The runtime tells it
 * what happens through the hooks of {@link GcStrategy}; the strategy acts on
 * objects only through {@link GcHost}. So a generational collector, a
 * Bacon-Rajan trial-deletion collector and a tracing mark-sweep collector all
 * plug into the same runtime without it knowing which one it has.
 *
 * Life of a GC object as the strategy sees it:
 *
 * ```
 *   newObject ──> onCreate(p) ─────> tracked (the strategy links it)
 *                                     │  ▲
 *                            untrack  │  │ track      (explicit, e.g. atomic tuples,
 *                                     ▼  │             or around a finalizer)
 *                                   untracked
 *                                     │
 *   refcount reaches 0 ──> untrack(p) (if tracked) ──> finalizer may resurrect ──>
 *   weakrefs cleared ──> type's dealloc ──> onDestroy(p) ──> block freed
 * ```
 *
 * Invariants the runtime keeps:
 * - Hooks are called with valid objects of GC types only.
 * - An object whose refcount reached 0 is untracked before anything else
 *   runs, so a collection that starts inside a finalizer, a weakref callback
 *   or a dealloc never sees an object that is already dying.
 * - onDestroy(p) is the last hook for p; the block is freed right after it.
 */
export interface GcHost extends ObjectContext {
  /**
   * The registry's types by id (index 0 is null), for the collector's hot
   * loops: `types[u32[(p + OB_TYPE) >>> 2] & OB_TYPE_ID_MASK].headSize !== 0`
   * tells a GC object without a call. Read refcounts straight from the heap
   * too (`i32[(p + OB_REFCNT) >>> 2]`); the methods below validate and are
   * for cold paths.
   */
  readonly types: readonly (TypeObject | null)[];
  /** Type id of `weakref` objects. */
  readonly weakrefType: number;
  /** Current reference count of an object. */
  refcount(ptr: Ptr): number;
  /** The registered type of an object. */
  typeOf(ptr: Ptr): TypeObject;
  /** Whether the object's type carries a GC head. */
  isGc(ptr: Ptr): boolean;
  /** Walk the object's strong references with its type's traverse (0 when it has none). */
  traverse(ptr: Ptr, visit: VisitProc, arg: number): number;
  /**
   * Run the object's finalizer if its type has one and it has not run yet,
   * with the object kept alive (increfed) around the call. Returns whether
   * it ran. Errors from the finalizer go to the runtime's unraisable hook.
   */
  finalize(ptr: Ptr): boolean;
  /** Whether the object's finalizer has run. */
  isFinalized(ptr: Ptr): boolean;
  /** Call the type's clear slot (no-op without one). */
  clear(ptr: Ptr): void;
  /** The weak references to an object, newest first (empty when it has none or its type is not weakrefable). */
  weakrefsTo(ptr: Ptr): Ptr[];
  /** Whether a weak reference has a callback. */
  weakrefHasCallback(weakref: Ptr): boolean;
  /** Detach a weak reference from its referent: it reads NULL from now on. Its callback is not called. */
  clearWeakref(weakref: Ptr): void;
  /** Call a (detached) weak reference's callback, if it has one, with the weakref kept alive around the call. */
  callWeakrefCallback(weakref: Ptr): void;
  /** Report an error that cannot propagate (a finalizer or callback that threw during a collection). */
  unraisable(error: unknown, where: string): void;
}

/** What one collection did. */
export interface GcResult {
  /** Unreachable objects found and freed. */
  collected: number;
  /** Unreachable objects that could not be freed (moved to `garbage`). */
  uncollectable: number;
}

/**
 * A cycle collector, plugged into one runtime. The hooks on the hot path
 * (`onCreate`, `onDestroy`, `track`, `untrack`, `onDecref`) must not
 * allocate JS objects and must not throw on valid input.
 */
export interface GcStrategy {
  /** `none`, `generational`, `trial-deletion`, `mark-sweep`, ... */
  readonly name: string;
  /**
   * Whether the runtime should call {@link onDecref}. Read once at attach;
   * strategies that do not need it (all but trial deletion) say false and
   * cost nothing on decref.
   */
  readonly wantsDecref: boolean;
  /** Called once, when a runtime is created with this strategy. A strategy serves one runtime. */
  attach(host: GcHost): void;
  /**
   * A GC object was created (refcount 1, payload zeroed) and should be
   * tracked. A strategy may run an automatic collection here.
   */
  onCreate(ptr: Ptr): void;
  /** A GC object is about to be freed; it is already untracked. Forget it (counts, candidate buffers). */
  onDestroy(ptr: Ptr): void;
  /** Start tracking an object (no-op when already tracked). */
  track(ptr: Ptr): void;
  /** Stop tracking an object (no-op when not tracked). */
  untrack(ptr: Ptr): void;
  /** Whether the object is tracked. */
  isTracked(ptr: Ptr): boolean;
  /** A decref left a GC object alive with refcount `newCount` > 0 (Bacon-Rajan's purple candidates). */
  onDecref(ptr: Ptr, newCount: number): void;
  /** Collect cycles; `generation` is meaningful only to generational strategies. */
  collect(generation?: number): GcResult;
}
