/**
 * The three phases of Bacon and Rajan's synchronous cycle collection, over
 * the heap's bytes, without recursion and without a JS stack.
 *
 * ```
 *   buffer ─┐  markRoots        scanRoots               collectRoots
 *   held  ──┴─> gray roots ──> gray set: count > 0 ──> black ──> left alone (GC head 0, 0)
 *             (markGray from     (trial-deleted)        count 0 ──> white ──> garbage list
 *              every root)
 * ```
 *
 * 1. markRoots. Every purple candidate of the buffer (and every survivor
 *    held over from the last disposal) turns gray with a *gray count* equal
 *    to its refcount, kept in gc_prev; other buffer members just leave
 *    (Bacon and Rajan drop non-purple ones: with no incref hook, a buffered
 *    object here is always purple, but the rule stays). Then markGray: each
 *    gray object's traverse takes one off the gray count of every tracked
 *    child, colouring the child gray first (count = its refcount) if it was
 *    not. That is trial deletion: the internal references of the gray set
 *    are deleted from its counts. The real refcounts are never touched.
 *    What remains of a gray count is the references from outside the set:
 *    JS code, untracked objects, objects the set cannot reach.
 * 2. scanRoots. A gray object with count > 0 is externally referenced:
 *    scanBlack makes it and everything it reaches black again. A gray
 *    object with count 0 turns white; if scanBlack reaches it later it turns
 *    black after all. (The paper restores the counts in scanBlack, RC(T)++,
 *    because it deletes on the real counts; gray counts are just dropped.)
 * 3. collectRoots. The whites are the garbage set: linked into the garbage
 *    list with PREV_COLLECTING, as gc-common's GarbageDisposer expects; the
 *    blacks get their GC head back to 0, 0.
 *
 * No recursion anywhere (chains 10^6 deep are fine):
 * - the gray objects are threaded, in the order they turn gray, into the
 *   `visited` list through gc_next (0 ends it). markGray walks that list as
 *   its work queue, appending as it goes; scanRoots and collectRoots walk
 *   it again. Bacon and Rajan's scan and collectWhite walk the graph from
 *   the roots; every gray object was reached from a root, so walking the
 *   list of gray objects visits the same objects, skips nothing, and needs
 *   no traverse for the whites (same result: black iff reachable from a
 *   gray object with count > 0).
 * - scanBlack's stack is threaded through gc_prev of the objects on it: a
 *   black object's gray count is never read again.
 *
 * The visit callback is created once and reads the heap through fields set
 * at the start of markRoots: traverse functions neither allocate nor call
 * back into the runtime, so no view can be replaced until collectRoots ends.
 * Between markRoots and collectRoots no user code runs, which is what makes
 * borrowing the GC heads safe: the runtime cannot untrack an object then.
 *
 * Tricky: a tracked child of a gray object is always in the gray set (markGray
 * grayed it), so scanBlack never meets a black object that is not in the set,
 * and `TRACKED` alone, without a type lookup, tells a child worth visiting.
 */
import { OB_REFCNT, OB_TYPE_ID_MASK, type GcHost, type Ptr, type TypeObject, type VisitProc } from '@pymem/core';
import { PREV_COLLECTING, listAppend, listInit, nextIndex, prevIndex } from '@pymem/gc-common';
import { BLACK, BUFFERED, COLOUR_MASK, GRAY, PURPLE, TRACKED, WHITE, typeIndex } from './colour.js';

/** Ends the visited list and scanBlack's stack. */
const END = 0;
/** What the one visit callback does (see `visit`). */
const MARK_GRAY = 0;
const SCAN_BLACK = 1;

export class TrialDeletion {
  private u32: Uint32Array;
  private i32: Int32Array;
  private readonly types: readonly (TypeObject | null)[];
  /** First and last object of the visited list. */
  private head: Ptr = END;
  private tail: Ptr = END;
  /** Objects coloured gray by the current collection. */
  private grayed = 0;
  /** Top of scanBlack's stack. */
  private top: Ptr = END;
  /** MARK_GRAY or SCAN_BLACK: the phase `visit` serves. */
  private mode = MARK_GRAY;
  /**
   * The one visit callback handed to every traverse. One function rather
   * than one per phase keeps the types' traverse call sites monomorphic,
   * so V8 inlines the visit into them; a field read picks the phase.
   */
  private readonly visit: VisitProc;

  constructor(private readonly host: GcHost) {
    this.types = host.types;
    this.u32 = host.heap.u32;
    this.i32 = host.heap.i32;
    this.visit = (child) => (this.mode === MARK_GRAY ? this.markGrayChild(child) : this.scanBlackChild(child));
  }

  /**
   * Phase 1: the purple members of the `buffer` and `held` lists turn gray
   * (both lists end empty), then markGray runs over everything they reach.
   * Returns the number of gray objects.
   */
  markRoots(buffer: Ptr, held: Ptr): number {
    this.u32 = this.host.heap.u32;
    this.i32 = this.host.heap.i32;
    this.head = END;
    this.tail = END;
    this.grayed = 0;
    this.drainRoots(buffer);
    this.drainRoots(held);
    this.markGray();
    return this.grayed;
  }

  /** Phase 2: gray with count > 0 -> scanBlack; gray with count 0 -> white. */
  scanRoots(): void {
    const { u32, i32 } = this;
    for (let p = this.head; p !== END; p = u32[nextIndex(p)]) {
      const ti = typeIndex(p);
      const w = u32[ti];
      if ((w & COLOUR_MASK) !== GRAY) continue;
      if (i32[prevIndex(p)] > 0) this.scanBlack(p);
      else u32[ti] = (w & ~COLOUR_MASK) | WHITE;
    }
  }

  /**
   * Phase 3: whites to the tail of `garbage` with PREV_COLLECTING set,
   * blacks out of every list. The visited list is gone afterwards.
   * Returns the number of whites.
   */
  collectRoots(garbage: Ptr): number {
    const u32 = this.u32;
    let whites = 0;
    for (let p = this.head; p !== END; ) {
      const next = u32[nextIndex(p)];
      if ((u32[typeIndex(p)] & COLOUR_MASK) === WHITE) {
        listAppend(u32, garbage, p);
        u32[prevIndex(p)] |= PREV_COLLECTING;
        whites++;
      } else {
        u32[nextIndex(p)] = 0;
        u32[prevIndex(p)] = 0;
      }
      p = next;
    }
    this.head = END;
    this.tail = END;
    return whites;
  }

  /**
   * Unlink every member of a root list; purple ones turn gray (roots), the
   * rest go back to black in no list. The list ends empty.
   */
  private drainRoots(list: Ptr): void {
    const u32 = this.u32;
    for (let p = u32[nextIndex(list)]; p !== list; ) {
      const next = u32[nextIndex(p)];
      const ti = typeIndex(p);
      const w = u32[ti] & ~BUFFERED;
      if ((w & COLOUR_MASK) === PURPLE) {
        this.gray(p, w);
      } else {
        u32[ti] = w & ~COLOUR_MASK;
        u32[nextIndex(p)] = 0;
        u32[prevIndex(p)] = 0;
      }
      p = next;
    }
    listInit(u32, list);
  }

  /** markGray over the visited list, used as the work queue (it grows as children turn gray). */
  private markGray(): void {
    const u32 = this.u32;
    const types = this.types;
    this.mode = MARK_GRAY;
    for (let p = this.head; p !== END; p = u32[nextIndex(p)]) {
      const traverse = types[u32[typeIndex(p)] & OB_TYPE_ID_MASK]!.traverse;
      if (traverse !== null) traverse(p, this.visit, 0);
    }
  }

  /** Colour `p` gray (its type word without colour is `w`), count = refcount, append to visited. */
  private gray(p: Ptr, w: number): void {
    const u32 = this.u32;
    u32[typeIndex(p)] = (w & ~COLOUR_MASK) | GRAY;
    this.i32[prevIndex(p)] = this.i32[(p + OB_REFCNT) >>> 2];
    u32[nextIndex(p)] = END;
    if (this.tail === END) this.head = p;
    else u32[nextIndex(this.tail)] = p;
    this.tail = p;
    this.grayed++;
  }

  /** markGray's visit: one internal reference to `child` deleted. */
  private markGrayChild(child: Ptr): number {
    const w = this.u32[typeIndex(child)];
    if ((w & TRACKED) === 0) return 0;
    if ((w & COLOUR_MASK) !== GRAY) this.gray(child, w);
    this.i32[prevIndex(child)]--;
    return 0;
  }

  /** Make `s` and everything it reaches black; the stack runs through gc_prev. */
  private scanBlack(s: Ptr): void {
    const u32 = this.u32;
    const types = this.types;
    const ti = typeIndex(s);
    u32[ti] = (u32[ti] & ~COLOUR_MASK) | BLACK;
    u32[prevIndex(s)] = END;
    this.top = s;
    this.mode = SCAN_BLACK;
    while (this.top !== END) {
      const p = this.top;
      this.top = u32[prevIndex(p)];
      const traverse = types[u32[typeIndex(p)] & OB_TYPE_ID_MASK]!.traverse;
      if (traverse !== null) traverse(p, this.visit, 0);
    }
  }

  /** scanBlack's visit: a gray or white child turns black and is pushed. */
  private scanBlackChild(child: Ptr): number {
    const u32 = this.u32;
    const ti = typeIndex(child);
    const w = u32[ti];
    if ((w & TRACKED) === 0 || (w & COLOUR_MASK) === BLACK) return 0;
    u32[ti] = (w & ~COLOUR_MASK) | BLACK;
    u32[prevIndex(child)] = this.top;
    this.top = child;
    return 0;
  }
}
