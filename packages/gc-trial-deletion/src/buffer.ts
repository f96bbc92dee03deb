/**
 * The candidate buffer ("Roots" in Bacon and Rajan): the purple objects,
 * possible roots of garbage cycles, threaded through their GC heads as a
 * gc-common list around the buffer sentinel of the state block.
 *
 * ```
 *   state+8 (sentinel) ⇄ [p1] ⇄ [p2] ⇄ ... ⇄ [pn] ⇄ back to the sentinel
 *   state+8 word: length = n
 * ```
 *
 * Why a list and not an array of pointers: the paper leaves a freed object in
 * its buffer (Release: "if not buffered(S) then free(S)") and lets markRoots
 * free it later. Here the runtime frees objects itself the moment their count
 * reaches zero, so a dying object must leave the buffer at once (untrack /
 * onDestroy). In a doubly linked list that is O(1) and needs no search, no
 * tombstones and no compaction, and the buffer costs no memory beyond the GC
 * heads the objects already have.
 *
 * States of an object with respect to the buffer:
 *   out (BLACK, gc_next 0) ──decref to n > 0──> in (PURPLE | BUFFERED)
 *   in ──untrack / destroy──> out;  in ──markRoots (drained)──> out
 *
 * Invariants: BUFFERED <=> in the list; length == list size; every member
 * is PURPLE and TRACKED; gc_prev of a member carries no gc-common flag.
 */
import type { Ptr } from '@pymem/core';
import { listAppend, listRemove, nextIndex } from '@pymem/gc-common';
import { BUFFERED, COLOUR_MASK, GC_BITS, PURPLE, TRACKED, typeIndex } from './colour.js';
import { STATE_BUFFER, STATE_LENGTH, STATE_MAX_BUFFER, stateIndex } from './state.js';

/**
 * Bacon and Rajan's PossibleRoot, for a tracked object that is in no list:
 * colour it purple, buffer it. Returns the new length.
 */
export function bufferAppend(u32: Uint32Array, state: Ptr, p: Ptr): number {
  const ti = typeIndex(p);
  u32[ti] = (u32[ti] & ~COLOUR_MASK) | PURPLE | BUFFERED;
  listAppend(u32, state + STATE_BUFFER, p);
  const li = stateIndex(state, STATE_LENGTH);
  const length = u32[li] + 1;
  u32[li] = length;
  const mi = stateIndex(state, STATE_MAX_BUFFER);
  if (length > u32[mi]) u32[mi] = length;
  return length;
}

/**
 * The object stops taking part (untracked, or being freed): out of whatever
 * list holds it (the buffer, `held`, a disposal list) and every GC bit
 * cleared. The buffer's length follows.
 */
export function forget(u32: Uint32Array, state: Ptr, p: Ptr): void {
  const ti = typeIndex(p);
  const w = u32[ti];
  if ((w & BUFFERED) !== 0) u32[stateIndex(state, STATE_LENGTH)]--;
  if (u32[nextIndex(p)] !== 0) listRemove(u32, p);
  u32[ti] = w & ~GC_BITS;
}

/** Start tracking a GC object (black, in no list). */
export function markTracked(u32: Uint32Array, p: Ptr): void {
  u32[typeIndex(p)] |= TRACKED;
}

/** Empty the buffer's bookkeeping once markRoots has unlinked every member. */
export function resetLength(u32: Uint32Array, state: Ptr): void {
  u32[stateIndex(state, STATE_LENGTH)] = 0;
}

export function bufferLength(u32: Uint32Array, state: Ptr): number {
  return u32[stateIndex(state, STATE_LENGTH)];
}
