import type { Ptr } from './ptr.js';

/**
 * Type slots: what the registry knows about each object type, like the tp_*
 * slots of a PyTypeObject. A type id is a small integer stored at OB_TYPE in
 * every object; the registry maps it to these slots with an array index.
 */

/** Type flags, as bits. */
export const TypeFlags = {
  /** Objects carry a GC head and are tracked by the cycle collector. */
  GC: 1 << 0,
  /** Objects of this type may be immortal (refcount pinned at IMMORTAL_REFCNT). */
  IMMORTAL_CAPABLE: 1 << 1,
  /** The type has a finalizer (tp_finalize, PEP 442). */
  HAS_FINALIZER: 1 << 2,
  /** Variable-size objects: basicSize + n * itemSize bytes. */
  VAR_SIZED: 1 << 3,
} as const;

/** Called by traverse for each referenced object; a non-zero result stops the walk. */
export type VisitProc = (child: Ptr, arg: number) => number;

/** The context slots receive: enough to read fields, decref children and free memory. */
export interface ObjectContext {
  incref(ptr: Ptr): void;
  decref(ptr: Ptr): void;
}

export interface TypeSlots {
  /** Unique type name, e.g. `list`. */
  name: string;
  /** Bytes from the object pointer to the end of the fixed part (header included). */
  basicSize: number;
  /** Bytes per item for variable-size types, else 0. */
  itemSize: number;
  /** A combination of {@link TypeFlags}. */
  flags: number;
  /** Release what the object owns (decref children, free side buffers). The runtime frees the object itself. */
  dealloc?: (ctx: ObjectContext, ptr: Ptr) => void;
  /** Call `visit` on each object this one references (tp_traverse). */
  traverse?: (ptr: Ptr, visit: VisitProc, arg: number) => number;
  /** Drop references to break cycles (tp_clear). */
  clear?: (ctx: ObjectContext, ptr: Ptr) => void;
  /** Run once before the object is destroyed; may resurrect it (tp_finalize). */
  finalize?: (ctx: ObjectContext, ptr: Ptr) => void;
}
