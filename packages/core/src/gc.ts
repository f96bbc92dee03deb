import type { Ptr } from './ptr.js';
import type { TypeSlots } from './types.js';

/**
 * What a GC strategy may ask of the runtime it is plugged into. The runtime
 * implements it; strategies never reach around it.
 */
export interface GcHost {
  /** Current reference count of an object. */
  refcount(ptr: Ptr): number;
  /** Slots of the object's type. */
  slotsOf(ptr: Ptr): TypeSlots;
  /** Walk the object's references with its type's traverse. */
  traverse(ptr: Ptr, visit: (child: Ptr, arg: number) => number, arg: number): number;
  incref(ptr: Ptr): void;
  decref(ptr: Ptr): void;
  /** Run the object's finalizer if it has one and has not run yet. */
  finalize(ptr: Ptr): void;
  /** Call the type's clear slot. */
  clear(ptr: Ptr): void;
}

/** What one collection did. */
export interface GcResult {
  /** Unreachable objects found and freed. */
  collected: number;
  /** Unreachable objects that could not be freed (moved to `garbage`). */
  uncollectable: number;
}

/**
 * A cycle collector. The runtime calls these hooks; a strategy keeps whatever
 * bookkeeping it needs (GC heads, colours, buffers) in the heap.
 *
 * Hooks on the hot path (`track`, `untrack`, `onDecref`) must not allocate JS
 * objects or throw.
 */
export interface GcStrategy {
  /** `none`, `generational`, `trial-deletion`, `mark-sweep`, ... */
  readonly name: string;
  /** Called once when a runtime is created with this strategy. */
  attach(host: GcHost): void;
  /** A GC-capable object was created (its GC head is at ptr + GC_NEXT). */
  track(ptr: Ptr): void;
  /** A GC-capable object is being deallocated or opted out of tracking. */
  untrack(ptr: Ptr): void;
  /** A decref left the object alive with refcount `newCount` (Bacon-Rajan purple candidates). */
  onDecref(ptr: Ptr, newCount: number): void;
  /** Collect cycles; `generation` is meaningful only to generational strategies. */
  collect(generation?: number): GcResult;
}
