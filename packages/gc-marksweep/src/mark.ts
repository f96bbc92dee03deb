/**
 * The mark phase: everything reachable from a root gets its mark bit.
 *
 * Runs on the list of every tracked object after gc-common's updateRefs and
 * subtractRefs, so each object's gc_prev word reads
 *
 * ```
 *   bit   31 ............................ 2     1          0
 *        +-----------------------------------+--------+------------+
 *        | gc_refs: references from outside  | MARKED | COLLECTING |
 *        |   the tracked set                 | (SPARE)| (in the set)|
 *        +-----------------------------------+--------+------------+
 * ```
 *
 * Roots, in this order:
 * 1. every object of the root table (an explicit root);
 * 2. every object with gc_refs > 0: something that is not a tracked object
 *    (JS code, an untracked container, a root slot) holds it.
 *
 * From each, marking follows traverse with an explicit stack (a growable
 * Uint32Array), never recursion, so a chain 10^6 deep costs stack entries,
 * not JS frames. An object is marked when it is pushed, so it is pushed at
 * most once and the stack never holds more than the set.
 *
 * Why the mark bit is PREV_SPARE, and only now: PREV_SPARE could not carry a
 * mark *into* this phase, because updateRefs rewrites every gc_prev word
 * whole. Once subtractRefs is done, though, bit 1 is free: gc_refs moves in
 * steps of REFS_UNIT (4) and never touches it. The sweep then rewrites
 * every gc_prev word again (restoring the prev pointers), so a mark never
 * outlives its collection: there is nothing to clear and no colour to flip.
 * (The type word's OB_FLAGS_GC_RESERVED bits would survive, but then every
 * survivor needs a second write to clear them, and any code reading a raw
 * type word would see them.)
 *
 * States of an object during the phase (gc_prev bits 1..0):
 *   01 in the set, not (yet) reached  ──reached──>  11 marked (pushed once, popped once)
 *   00 not in the set (untracked GC object): never marked, never pushed
 *
 * Invariants:
 * - an object is on the stack at most once, and only if marked;
 * - when the phase ends the stack is empty and every object reachable from a
 *   root through tracked objects is marked. (Untracked objects are not
 *   followed: their children got their references counted as outside ones.)
 */
import { OB_TYPE, OB_TYPE_ID_MASK, type Ptr, type TypeObject, type VisitProc, type Heap } from '@pymem/core';
import { PREV_COLLECTING, PREV_SHIFT, PREV_SPARE } from '@pymem/gc-common';
import { SLOT_FREE, SLOT_REF, slotAt } from './roots.js';

/** gc_prev bit: marked (reachable from a root). Valid from the mark phase to the sweep. */
export const MARKED = PREV_SPARE;
/** The two low bits of gc_prev that the mark visit tests at once. */
const MARK_STATE_MASK = PREV_COLLECTING | MARKED;
/** Mark-state bits of an object in the set that is not marked yet. */
const UNMARKED_IN_SET = PREV_COLLECTING;
const GC_NEXT_OFFSET = 8;
const GC_PREV_OFFSET = 4;
/** Entries of a new mark stack (4 KiB). */
export const MARK_STACK_INITIAL = 1024;
/** A stack grown beyond this many entries (4 MiB) is dropped after the collection. */
export const MARK_STACK_KEEP = 1 << 20;

export class Marker {
  private u32: Uint32Array;
  /** The mark stack: objects marked, not yet traversed. */
  private stack = new Uint32Array(MARK_STACK_INITIAL);
  private sp = 0;
  /** The visit callback, created once. */
  private readonly visitMark: VisitProc;

  constructor(
    private readonly heap: Heap,
    private readonly types: readonly (TypeObject | null)[],
  ) {
    this.u32 = heap.u32;
    this.visitMark = (child) => this.markChild(child);
  }

  /**
   * Mark from both kinds of root: the root table `table` (its first `used`
   * slots; 0 when there is none), then the objects of `all` with gc_refs > 0.
   */
  markFromRoots(all: Ptr, table: Ptr, used: number): void {
    this.u32 = this.heap.u32;
    this.markTableRoots(table, used);
    this.markOutsideReferenced(all);
  }

  /** Empty the stack (after a traverse threw mid-phase). */
  reset(): void {
    this.sp = 0;
  }

  /** Drop an oversized stack (after a collection of a huge set). */
  trimStack(): void {
    if (this.stack.length > MARK_STACK_KEEP) this.stack = new Uint32Array(MARK_STACK_INITIAL);
  }

  /** Root kind 1: explicit roots. */
  private markTableRoots(table: Ptr, used: number): void {
    const u32 = this.u32;
    for (let i = 0; i < used; i++) {
      const ref = u32[(slotAt(table, i) + SLOT_REF) >>> 2];
      if ((ref & SLOT_FREE) !== 0) continue;
      this.markChild(ref);
      this.drain();
    }
  }

  /** Root kind 2: objects referenced from outside the tracked set (gc_refs > 0). */
  private markOutsideReferenced(all: Ptr): void {
    const u32 = this.u32;
    for (let p = u32[(all - GC_NEXT_OFFSET) >>> 2]; p !== all; p = u32[(p - GC_NEXT_OFFSET) >>> 2]) {
      const i = (p - GC_PREV_OFFSET) >>> 2;
      const word = u32[i];
      if (word >>> PREV_SHIFT === 0 || (word & MARKED) !== 0) continue;
      u32[i] = word | MARKED;
      this.push(p);
      this.drain();
    }
  }

  /** Pop and traverse until the stack is empty. */
  private drain(): void {
    const u32 = this.u32;
    const types = this.types;
    while (this.sp > 0) {
      const p = this.stack[--this.sp];
      const traverse = types[u32[(p + OB_TYPE) >>> 2] & OB_TYPE_ID_MASK]!.traverse;
      if (traverse !== null) traverse(p, this.visitMark, 0);
    }
  }

  /** The visit: mark and push a GC child of the set that is not marked yet. */
  private markChild(child: Ptr): number {
    const u32 = this.u32;
    if (this.types[u32[(child + OB_TYPE) >>> 2] & OB_TYPE_ID_MASK]!.headSize === 0) return 0;
    const i = (child - GC_PREV_OFFSET) >>> 2;
    const word = u32[i];
    if ((word & MARK_STATE_MASK) !== UNMARKED_IN_SET) return 0;
    u32[i] = word | MARKED;
    this.push(child);
    return 0;
  }

  private push(p: Ptr): void {
    if (this.sp === this.stack.length) this.growStack();
    this.stack[this.sp++] = p;
  }

  private growStack(): void {
    const grown = new Uint32Array(this.stack.length * 2);
    grown.set(this.stack);
    this.stack = grown;
  }
}
