/**
 * checkInvariants: walk every list of the collector and verify what the
 * state block's comment promises (tests and debug tools call it; it is
 * O(tracked objects) and allocates).
 *
 * Checked, for each list (gen0, gen1, gen2, permanent, unreachable):
 * - prev(next(x)) == x all along, and the walk returns to the sentinel;
 * - no object carries PREV_COLLECTING / PREV_SPARE or NEXT_UNREACHABLE
 *   (those live only inside a collection);
 * - every member is a GC object, and sits in one list only;
 * and, outside a collection, the unreachable scratch list is empty.
 */
import { GC_HEAD_SIZE, HeapCorruptionError, OB_TYPE, OB_TYPE_ID_MASK, type GcHost, type Ptr } from '@pymem/core';
import { NEXT_UNREACHABLE, PREV_FLAGS, gcNext, gcPrev, listIsEmpty } from '@pymem/gc-common';

export interface NamedList {
  readonly name: string;
  readonly head: Ptr;
}

/** Throws HeapCorruptionError naming the first broken invariant. */
export function checkLists(host: GcHost, lists: readonly NamedList[], unreachable: Ptr, collecting: boolean): void {
  const seen = new Set<Ptr>();
  for (const { name, head } of lists) checkList(host, name, head, seen);
  if (!collecting && !listIsEmpty(host.heap.u32, unreachable)) {
    throw new HeapCorruptionError('the unreachable list is empty between collections', unreachable);
  }
}

function checkList(host: GcHost, name: string, head: Ptr, seen: Set<Ptr>): void {
  const u32 = host.heap.u32;
  let prev = head;
  for (let p = gcNext(u32, head); p !== head; p = gcNext(u32, p)) {
    if ((p & NEXT_UNREACHABLE) !== 0) throw new HeapCorruptionError(`${name}: gc_next carries NEXT_UNREACHABLE`, prev);
    if (gcPrev(u32, p) !== prev) throw new HeapCorruptionError(`${name}: prev(next(x)) == x`, p);
    if ((u32[(p - 4) >>> 2] & PREV_FLAGS) !== 0) throw new HeapCorruptionError(`${name}: no gc_prev flags outside a collection`, p);
    const type = host.types[u32[(p + OB_TYPE) >>> 2] & OB_TYPE_ID_MASK];
    if (!type || type.headSize !== GC_HEAD_SIZE) throw new HeapCorruptionError(`${name}: lists hold GC objects only`, p);
    if (seen.has(p)) throw new HeapCorruptionError(`${name}: an object is in one list only`, p);
    seen.add(p);
    prev = p;
  }
  if (gcPrev(u32, head) !== prev) throw new HeapCorruptionError(`${name}: the sentinel's prev is the last object`, head);
}
