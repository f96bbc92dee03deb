/**
 * Which objects of a set are garbage: CPython's deduce_unreachable.
 *
 * A set of tracked objects (a generation, or the whole heap) is examined in
 * three passes over its list:
 *
 * 1. updateRefs: gc_refs = refcount, for each object, in gc_prev (shifted,
 *    PREV_COLLECTING set: "in the set").
 * 2. subtractRefs: traverse each object and take one gc_ref off every child
 *    in the set. What remains counts references from *outside* the set (from
 *    JS code, from untracked or older objects).
 * 3. moveUnreachable: walk the list; an object with gc_refs > 0 is reachable,
 *    and so is everything it references (the reach pass of the visit callback pulls those back);
 *    the others move, tentatively, to the unreachable list. One pass
 *    suffices because pulled-back objects are appended to the tail of the
 *    list being walked.
 *
 * ```
 *   before:   young: [a]<->[b]<->[c]<->[d]          a held from outside; a->b; c<->d
 *   refs:            1     0     0     0
 *   after:    young: [a]<->[b]   unreachable: [c]<->[d]
 * ```
 *
 * Afterwards the young list is a proper list again (prev pointers restored,
 * PREV_COLLECTING and PREV_SPARE clear: a strategy's PREV_SPARE bit does not
 * survive an examination); the unreachable objects keep PREV_COLLECTING set,
 * which is how later steps recognise "in the garbage set".
 *
 * The visit callbacks are created once per finder and read the heap through
 * fields refreshed at the start of every pass: traverse functions never
 * allocate, so the views cannot be replaced mid-pass.
 */
import { OB_REFCNT, OB_TYPE, OB_TYPE_ID_MASK, type GcHost, type Ptr, type TypeObject, type VisitProc } from '@pymem/core';
import { NEXT_UNREACHABLE, PREV_COLLECTING, PREV_FLAGS, PREV_SHIFT, REFS_UNIT } from './gc-head.js';

const GC_NEXT_OFFSET = 8;
const GC_PREV_OFFSET = 4;
const POINTER_MASK = ~PREV_FLAGS >>> 0;
const NEXT_POINTER_MASK = ~NEXT_UNREACHABLE >>> 0;
/** `arg` of the visit callback: which pass is visiting. */
const PASS_SUBTRACT = 0;
const PASS_REACH = 1;

export class UnreachableFinder {
  private u32: Uint32Array;
  private i32: Int32Array;
  private readonly types: readonly (TypeObject | null)[];
  /** The list moveUnreachable is walking (the reach pass appends to it). */
  private young = 0;
  /**
   * The one visit callback of both passes; `arg` picks the pass. One
   * function keeps every traverse's call site monomorphic (measured: two
   * callbacks at one site cost about twice as much per edge).
   */
  readonly visit: VisitProc;

  constructor(private readonly host: GcHost) {
    this.types = host.types;
    this.u32 = host.heap.u32;
    this.i32 = host.heap.i32;
    this.visit = (child, pass) => (pass === PASS_SUBTRACT ? this.decrefChild(child) : this.reachChild(child));
  }

  /** Split `young` into reachable objects (left in young) and garbage (moved to `unreachable`, PREV_COLLECTING set). */
  deduceUnreachable(young: Ptr, unreachable: Ptr): void {
    this.refresh();
    this.updateRefs(young);
    this.subtractRefs(young);
    this.moveUnreachable(young, unreachable);
    this.clearUnreachableMask(unreachable);
  }

  /** gc_refs = refcount for every object of the list; PREV_COLLECTING set. */
  updateRefs(list: Ptr): void {
    const { u32, i32 } = this;
    for (let p = u32[(list - GC_NEXT_OFFSET) >>> 2]; p !== list; p = u32[(p - GC_NEXT_OFFSET) >>> 2]!) {
      u32[(p - GC_PREV_OFFSET) >>> 2] = (i32[(p + OB_REFCNT) >>> 2] << PREV_SHIFT) | PREV_COLLECTING;
    }
  }

  /** Take one gc_ref off every in-set child of every object of the list. */
  subtractRefs(list: Ptr): void {
    const { u32, types } = this;
    for (let p = u32[(list - GC_NEXT_OFFSET) >>> 2]; p !== list; p = u32[(p - GC_NEXT_OFFSET) >>> 2]!) {
      const traverse = types[u32[(p + OB_TYPE) >>> 2] & OB_TYPE_ID_MASK]!.traverse;
      if (traverse !== null) traverse(p, this.visit, PASS_SUBTRACT);
    }
  }

  /** CPython's move_unreachable, step for step (see the file comment). */
  moveUnreachable(young: Ptr, unreachable: Ptr): void {
    const u32 = this.u32;
    const types = this.types;
    this.young = young;
    let prev = young;
    let p = u32[(young - GC_NEXT_OFFSET) >>> 2];
    while (p !== young) {
      const prevWord = u32[(p - GC_PREV_OFFSET) >>> 2];
      if (prevWord >>> PREV_SHIFT !== 0) {
        const traverse = types[u32[(p + OB_TYPE) >>> 2] & OB_TYPE_ID_MASK]!.traverse;
        if (traverse !== null) traverse(p, this.visit, PASS_REACH);
        u32[(p - GC_PREV_OFFSET) >>> 2] = prev; // restores the pointer, clears PREV_COLLECTING
        prev = p;
      } else {
        // Tentatively unreachable: move to the unreachable list's tail, flagged.
        u32[(prev - GC_NEXT_OFFSET) >>> 2] = u32[(p - GC_NEXT_OFFSET) >>> 2]!;
        const last = u32[(unreachable - GC_PREV_OFFSET) >>> 2] & POINTER_MASK;
        u32[(last - GC_NEXT_OFFSET) >>> 2] = (p | NEXT_UNREACHABLE) >>> 0;
        u32[(p - GC_PREV_OFFSET) >>> 2] = last | PREV_COLLECTING;
        u32[(p - GC_NEXT_OFFSET) >>> 2] = (unreachable | NEXT_UNREACHABLE) >>> 0;
        u32[(unreachable - GC_PREV_OFFSET) >>> 2] = p;
      }
      p = u32[(prev - GC_NEXT_OFFSET) >>> 2]!;
    }
    u32[(young - GC_PREV_OFFSET) >>> 2] = prev;
    u32[(unreachable - GC_NEXT_OFFSET) >>> 2] &= NEXT_POINTER_MASK;
  }

  /** Drop NEXT_UNREACHABLE from every gc_next of the unreachable list: it is a proper list again. */
  clearUnreachableMask(unreachable: Ptr): void {
    const u32 = this.u32;
    for (let p = u32[(unreachable - GC_NEXT_OFFSET) >>> 2]; p !== unreachable; ) {
      const next = u32[(p - GC_NEXT_OFFSET) >>> 2] & NEXT_POINTER_MASK;
      u32[(p - GC_NEXT_OFFSET) >>> 2] = next;
      p = next;
    }
  }

  /** Re-read the heap views (call after anything that may have grown the heap). */
  refresh(): void {
    this.u32 = this.host.heap.u32;
    this.i32 = this.host.heap.i32;
  }

  /** subtractRefs' visit: one reference from inside the set. */
  private decrefChild(child: Ptr): number {
    const u32 = this.u32;
    if (this.types[u32[(child + OB_TYPE) >>> 2] & OB_TYPE_ID_MASK]!.headSize === 0) return 0;
    const i = (child - GC_PREV_OFFSET) >>> 2;
    const word = u32[i];
    if ((word & PREV_COLLECTING) !== 0) u32[i] = word - REFS_UNIT;
    return 0;
  }

  /** moveUnreachable's visit: `child` is referenced by a reachable object. */
  private reachChild(child: Ptr): number {
    const u32 = this.u32;
    if (this.types[u32[(child + OB_TYPE) >>> 2] & OB_TYPE_ID_MASK]!.headSize === 0) return 0;
    const prevIndex = (child - GC_PREV_OFFSET) >>> 2;
    const word = u32[prevIndex];
    // Not in the set, or already scanned (left of the walk): nothing to do.
    if ((word & PREV_COLLECTING) === 0) return 0;
    const nextWord = u32[(child - GC_NEXT_OFFSET) >>> 2];
    if ((nextWord & NEXT_UNREACHABLE) !== 0) {
      // Moved to unreachable too early: unlink it there, append it to young.
      const prev = word & POINTER_MASK;
      const next = nextWord & NEXT_POINTER_MASK;
      u32[(prev - GC_NEXT_OFFSET) >>> 2] = nextWord; // keeps the flag
      const nextPrev = (next - GC_PREV_OFFSET) >>> 2;
      u32[nextPrev] = (u32[nextPrev] & PREV_FLAGS) | prev;
      const young = this.young;
      const last = u32[(young - GC_PREV_OFFSET) >>> 2] & POINTER_MASK;
      u32[(last - GC_NEXT_OFFSET) >>> 2] = child;
      u32[(child - GC_NEXT_OFFSET) >>> 2] = young;
      u32[(young - GC_PREV_OFFSET) >>> 2] = child;
      u32[prevIndex] = REFS_UNIT | PREV_COLLECTING;
    } else if (word >>> PREV_SHIFT === 0) {
      // Ahead of the walk with gc_refs 0: it is reachable after all.
      u32[prevIndex] = REFS_UNIT | PREV_COLLECTING;
    }
    return 0;
  }
}
