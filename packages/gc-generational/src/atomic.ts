/**
 * Untracking atomic containers: CPython's untrack_tuples / untrack_dicts.
 *
 * A tuple whose items are all ints and strings can never be part of a
 * cycle, so examining it in every collection is wasted work. After the
 * unreachable set is found, each survivor whose type has
 * TypeFlags.UNTRACK_WHEN_ATOMIC is traversed; if no child "may be tracked",
 * the container is untracked:
 *
 * ```
 *   child                                   may be tracked?
 *   ─────────────────────────────────────   ───────────────
 *   not a GC object (int, str, ...)         no
 *   a tracked GC object                     yes
 *   an immortal GC object                   no   (never garbage)
 *   an untracked immutable atomic container no   (a tuple stays untracked)
 *   any other untracked GC object           yes  (a dict, or a list someone
 *                                                 untracked, may be tracked again)
 * ```
 *
 * Tuples are examined in every collection, dicts only in full ones (CPython
 * issue #14775: re-examining a dict that is being filled is quadratic).
 *
 * Tricky: core's TypeFlags tells a collector that a type *may* be untracked,
 * not whether its objects can change afterwards. As CPython tests
 * PyDict_CheckExact, the `dict` type (by name) is the mutable one here;
 * every other UNTRACK_WHEN_ATOMIC type is treated like tuple. A mutable
 * container must track itself again when it stores a child that may be
 * tracked (CPython's MAINTAIN_TRACKING), or cycles through it leak.
 */
import {
  GC_HEAD_SIZE,
  IMMORTAL_REFCNT,
  OB_REFCNT,
  OB_TYPE,
  OB_TYPE_ID_MASK,
  TypeFlags,
  type GcHost,
  type Ptr,
  type TypeObject,
  type VisitProc,
} from '@pymem/core';
import { listRemove } from '@pymem/gc-common';

/** The mutable container type that is untracked only in full collections. */
export const DICT_TYPE_NAME = 'dict';
/** Visit result: a child that may be tracked was found, stop the traverse. */
const FOUND = 1;
const NOT_FOUND = 0;

export class AtomicUntracker {
  private u32: Uint32Array;
  private i32: Int32Array;
  private readonly types: readonly (TypeObject | null)[];
  /** traverse visit: FOUND for a child that may be tracked. Created once. */
  readonly visitMayBeTracked: VisitProc;

  constructor(private readonly host: GcHost) {
    this.types = host.types;
    this.u32 = host.heap.u32;
    this.i32 = host.heap.i32;
    this.visitMayBeTracked = (child) => this.mayBeTracked(child);
  }

  /**
   * Untrack every atomic container of `list` (tuple-like ones always,
   * dicts when `full`). Returns how many were untracked.
   */
  untrackAtomic(list: Ptr, full: boolean): number {
    this.u32 = this.host.heap.u32;
    this.i32 = this.host.heap.i32;
    const u32 = this.u32;
    const types = this.types;
    let untracked = 0;
    for (let p = u32[(list - GC_HEAD_SIZE) >>> 2]; p !== list; ) {
      const next = u32[(p - GC_HEAD_SIZE) >>> 2];
      const type = types[u32[(p + OB_TYPE) >>> 2] & OB_TYPE_ID_MASK]!;
      if ((type.flags & TypeFlags.UNTRACK_WHEN_ATOMIC) !== 0 && (full || type.name !== DICT_TYPE_NAME) && this.isAtomic(p, type)) {
        listRemove(u32, p);
        untracked++;
      }
      p = next;
    }
    return untracked;
  }

  /** Whether no child of `p` may be tracked. */
  isAtomic(p: Ptr, type: TypeObject): boolean {
    return type.traverse === null || type.traverse(p, this.visitMayBeTracked, 0) === NOT_FOUND;
  }

  /** The table at the top of the file. */
  private mayBeTracked(child: Ptr): number {
    const u32 = this.u32;
    const type = this.types[u32[(child + OB_TYPE) >>> 2] & OB_TYPE_ID_MASK]!;
    if (type.headSize === 0) return NOT_FOUND;
    if (u32[(child - GC_HEAD_SIZE) >>> 2] !== 0) return FOUND;
    if (this.i32[(child + OB_REFCNT) >>> 2] >= IMMORTAL_REFCNT) return NOT_FOUND;
    const immutableAtomic = (type.flags & TypeFlags.UNTRACK_WHEN_ATOMIC) !== 0 && type.name !== DICT_TYPE_NAME;
    return immutableAtomic ? NOT_FOUND : FOUND;
  }
}
