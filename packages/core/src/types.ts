import type { Allocator } from './allocator.js';
import type { Heap } from './heap.js';
import type { Ptr } from './ptr.js';

/**
 * Type slots: what a registry knows about each object type, like the tp_*
 * slots of a PyTypeObject. A type id is a small integer stored in the low
 * 24 bits of every object's type word; the registry maps it to a
 * {@link TypeObject} with an array index, because dealloc dispatch and
 * traverse sit on hot paths.
 */

/** Type flags, as bits. */
export const TypeFlags = {
  /** Objects carry a GC head (`GC_HEAD_SIZE` bytes before the object) and may be tracked by a cycle collector. */
  GC: 1 << 0,
  /** Objects of this type may be made immortal (refcount pinned at IMMORTAL_REFCNT). */
  IMMORTAL_CAPABLE: 1 << 1,
  /** The type has a finalizer (tp_finalize, PEP 442). Set by the registry when `finalize` is given. */
  HAS_FINALIZER: 1 << 2,
  /** Variable-size objects: basicSize + n * itemSize bytes. */
  VAR_SIZED: 1 << 3,
  /**
   * A container whose contents may all be atomic (tuple, dict): a collector
   * may untrack such an object once a traverse finds only untracked children,
   * as CPython does for tuples and dicts.
   */
  UNTRACK_WHEN_ATOMIC: 1 << 4,
} as const;

/** Called by traverse for each referenced object (never NULL); a non-zero result stops the walk and is returned. */
export type VisitProc = (child: Ptr, arg: number) => number;

/**
 * What type slots are handed when they run: the runtime, seen through the
 * operations a slot may need (read its fields, drop references, free side
 * buffers such as a list's item array).
 */
export interface ObjectContext {
  readonly heap: Heap;
  /** The allocator objects and their side buffers come from. */
  readonly allocator: Allocator;
  incref(ptr: Ptr): void;
  decref(ptr: Ptr): void;
  /** incref that ignores NULL. */
  xincref(ptr: Ptr): void;
  /** decref that ignores NULL. */
  xdecref(ptr: Ptr): void;
}

/** What user code passes to `registerType`. */
export interface TypeSpec {
  /** Unique type name, e.g. `list`. */
  name: string;
  /**
   * Bytes from the object pointer to the end of the fixed part, the 8-byte
   * object header included (the GC head is not counted). A multiple of 4.
   */
  basicSize: number;
  /** Bytes per item for variable-size types, else 0 (the default). */
  itemSize?: number;
  /** A combination of {@link TypeFlags} (default 0). */
  flags?: number;
  /**
   * Byte offset of a u32 slot in the object that heads its list of weak
   * references (tp_weaklistoffset); 0 (the default) means objects of this
   * type cannot be weakly referenced.
   */
  weaklistOffset?: number;
  /**
   * Release what the object owns: decref its children, free side buffers.
   * The runtime frees the object's own block afterwards. Runs when the
   * refcount reaches zero (or a collector breaks the object's cycle).
   */
  dealloc?: (ctx: ObjectContext, ptr: Ptr) => void;
  /**
   * Call `visit(child, arg)` on each object this one holds a strong
   * reference to (tp_traverse); return the first non-zero result, else 0.
   * Must tolerate a freshly created object whose payload is all zeros, and
   * must not allocate, change refcounts or call back into the runtime: a
   * collector calls it for every object it examines, between states in
   * which the heap's GC lists are only partly linked.
   */
  traverse?: (ptr: Ptr, visit: VisitProc, arg: number) => number;
  /** Drop the references this object holds, so a cycle through it falls apart (tp_clear). */
  clear?: (ctx: ObjectContext, ptr: Ptr) => void;
  /**
   * Runs at most once per object before it is destroyed (tp_finalize). It
   * may resurrect the object by storing a new reference to it.
   */
  finalize?: (ctx: ObjectContext, ptr: Ptr) => void;
}

/** A registered type: the spec with its id and every default filled in. */
export interface TypeObject {
  readonly id: number;
  readonly name: string;
  readonly basicSize: number;
  readonly itemSize: number;
  readonly flags: number;
  readonly weaklistOffset: number;
  /** Bytes before the object pointer in its block: GC_HEAD_SIZE for GC types, else 0. */
  readonly headSize: number;
  readonly dealloc: ((ctx: ObjectContext, ptr: Ptr) => void) | null;
  readonly traverse: ((ptr: Ptr, visit: VisitProc, arg: number) => number) | null;
  readonly clear: ((ctx: ObjectContext, ptr: Ptr) => void) | null;
  readonly finalize: ((ctx: ObjectContext, ptr: Ptr) => void) | null;
}
