/**
 * The sweep: one walk of the list of tracked objects that splits it in two
 * and makes both halves proper gc-common lists again.
 *
 * ```
 *   before:  all: [a*]<->[b]<->[c*]<->[d]<->[e]      * marked; gc_prev = refs | flags
 *   after:   all: [a]<->[c]                          gc_prev = prev pointer, flags clear
 *            unreachable: [b]<->[d]<->[e]            gc_prev = prev pointer | PREV_COLLECTING
 * ```
 *
 * Survivors stay in place and get their prev pointers back (the pointer the
 * walk just came from); unmarked objects are appended to the unreachable
 * list with PREV_COLLECTING set, which is how gc-common's GarbageDisposer
 * recognises "in the garbage set". Every gc_prev word is rewritten, so the
 * mark bits (PREV_SPARE) and the gc_refs of updateRefs are gone afterwards.
 *
 * Tricky: the walk follows gc_next while it rewrites links behind itself;
 * each object's gc_next is read before any write can reach it (writes only
 * touch the last survivor and the last garbage object, both already passed).
 */
import { PREV_COLLECTING, listInit } from '@pymem/gc-common';
import type { Ptr } from '@pymem/core';
import { MARKED } from './mark.js';

const GC_NEXT_OFFSET = 8;
const GC_PREV_OFFSET = 4;

/** Counts of one sweep. */
export interface SweepCounts {
  survivors: number;
  garbage: number;
}

/**
 * Split `all` (after the mark phase) into marked survivors, left in `all`,
 * and unmarked garbage, moved to `unreachable` (emptied first).
 */
export function sweep(u32: Uint32Array, all: Ptr, unreachable: Ptr, out: SweepCounts): void {
  listInit(u32, unreachable);
  let survivors = 0;
  let garbage = 0;
  let lastLive = all;
  let lastDead = unreachable;
  let p = u32[(all - GC_NEXT_OFFSET) >>> 2];
  while (p !== all) {
    const next = u32[(p - GC_NEXT_OFFSET) >>> 2];
    if ((u32[(p - GC_PREV_OFFSET) >>> 2] & MARKED) !== 0) {
      u32[(lastLive - GC_NEXT_OFFSET) >>> 2] = p;
      u32[(p - GC_PREV_OFFSET) >>> 2] = lastLive;
      lastLive = p;
      survivors++;
    } else {
      u32[(lastDead - GC_NEXT_OFFSET) >>> 2] = p;
      u32[(p - GC_PREV_OFFSET) >>> 2] = lastDead | PREV_COLLECTING;
      lastDead = p;
      garbage++;
    }
    p = next;
  }
  u32[(lastLive - GC_NEXT_OFFSET) >>> 2] = all;
  u32[(all - GC_PREV_OFFSET) >>> 2] = lastLive;
  u32[(lastDead - GC_NEXT_OFFSET) >>> 2] = unreachable;
  u32[(unreachable - GC_PREV_OFFSET) >>> 2] = lastDead;
  out.survivors = survivors;
  out.garbage = garbage;
}
