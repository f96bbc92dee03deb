/**
 * The GC head, and the doubly linked lists collectors thread through it.
 *
 * Every object of a GC type has two u32 words before it, owned by the
 * collector. pymem's collectors share CPython's encoding (Include/internal/
 * pycore_gc.h), so the steps of CPython's algorithm can be shared too:
 *
 * ```
 *   ptr-8  gc_next   next object in the list (an object pointer), 0 when untracked
 *                    bit 0: NEXT_UNREACHABLE, only inside moveUnreachable
 *   ptr-4  gc_prev   previous object in the list, low 2 bits are flags:
 *                    bit 0: PREV_COLLECTING (in the set being collected)
 *                    bit 1: PREV_SPARE (free for a strategy: a mark bit, ...)
 *                    while a set is being examined (updateRefs .. moveUnreachable)
 *                    the pointer bits hold gc_refs << PREV_SHIFT instead
 *   ptr    ob_refcnt, ob_type, payload ...
 * ```
 *
 * Object pointers are 8-aligned (a GC object starts 8 bytes into a
 * 16-aligned block), so the low bits of a pointer are free for the flags.
 *
 * A list is circular around a sentinel: a 16-byte block whose "object
 * pointer" is block + 8, so the sentinel's own gc_next / gc_prev sit where
 * an object's would. An empty list's sentinel points at itself.
 *
 * Invariants (outside the steps that say otherwise):
 * - an object is tracked iff gc_next != 0, and then it is in exactly one list;
 * - along a list, prev(next(x)) == x, and no gc_next carries NEXT_UNREACHABLE.
 */
import { GC_HEAD_SIZE, type Allocator, type Ptr } from '@pymem/core';

export const NEXT_UNREACHABLE = 1;
export const PREV_COLLECTING = 1;
export const PREV_SPARE = 2;
export const PREV_FLAGS = PREV_COLLECTING | PREV_SPARE;
export const PREV_SHIFT = 2;
/** One gc_ref in the shifted encoding. */
export const REFS_UNIT = 1 << PREV_SHIFT;
const POINTER_MASK = ~PREV_FLAGS >>> 0;
/** A sentinel: its GC head plus the 8 bytes a header would take. */
const SENTINEL_BYTES = GC_HEAD_SIZE * 2;

/** u32 index of the gc_next word of object `p`. */
export function nextIndex(p: Ptr): number {
  return (p - GC_HEAD_SIZE) >>> 2;
}

/** u32 index of the gc_prev word of object `p`. */
export function prevIndex(p: Ptr): number {
  return (p - 4) >>> 2;
}

export function gcNext(u32: Uint32Array, p: Ptr): Ptr {
  return u32[(p - GC_HEAD_SIZE) >>> 2];
}

/** The previous object, without the flag bits. */
export function gcPrev(u32: Uint32Array, p: Ptr): Ptr {
  return u32[(p - 4) >>> 2] & POINTER_MASK;
}

export function isTracked(u32: Uint32Array, p: Ptr): boolean {
  return u32[(p - GC_HEAD_SIZE) >>> 2] !== 0;
}

/** A new empty list: a sentinel block from `allocator`. */
export function newList(allocator: Allocator): Ptr {
  const head = allocator.malloc(SENTINEL_BYTES) + GC_HEAD_SIZE;
  listInit(allocator.heap.u32, head);
  return head;
}

export function listInit(u32: Uint32Array, head: Ptr): void {
  u32[(head - GC_HEAD_SIZE) >>> 2] = head;
  u32[(head - 4) >>> 2] = head;
}

export function listIsEmpty(u32: Uint32Array, head: Ptr): boolean {
  return u32[(head - GC_HEAD_SIZE) >>> 2] === head;
}

/** Append `p` (not in any list) at the tail; keeps p's prev flags clear. */
export function listAppend(u32: Uint32Array, head: Ptr, p: Ptr): void {
  const last = u32[(head - 4) >>> 2] & POINTER_MASK;
  u32[(last - GC_HEAD_SIZE) >>> 2] = p;
  u32[(p - 4) >>> 2] = last;
  u32[(p - GC_HEAD_SIZE) >>> 2] = head;
  u32[(head - 4) >>> 2] = p;
}

/** Unlink `p` from its list and mark it untracked (gc_next 0, flags cleared). */
export function listRemove(u32: Uint32Array, p: Ptr): void {
  const prev = u32[(p - 4) >>> 2] & POINTER_MASK;
  const next = u32[(p - GC_HEAD_SIZE) >>> 2];
  u32[(prev - GC_HEAD_SIZE) >>> 2] = next;
  u32[(next - 4) >>> 2] = (u32[(next - 4) >>> 2] & PREV_FLAGS) | prev;
  u32[(p - GC_HEAD_SIZE) >>> 2] = 0;
  u32[(p - 4) >>> 2] = 0;
}

/** Move `p` from its list to the tail of `head`'s list, keeping its prev flags. */
export function listMove(u32: Uint32Array, p: Ptr, head: Ptr): void {
  const flags = u32[(p - 4) >>> 2] & PREV_FLAGS;
  const prev = u32[(p - 4) >>> 2] & POINTER_MASK;
  const next = u32[(p - GC_HEAD_SIZE) >>> 2];
  u32[(prev - GC_HEAD_SIZE) >>> 2] = next;
  u32[(next - 4) >>> 2] = (u32[(next - 4) >>> 2] & PREV_FLAGS) | prev;
  const last = u32[(head - 4) >>> 2] & POINTER_MASK;
  u32[(last - GC_HEAD_SIZE) >>> 2] = p;
  u32[(p - 4) >>> 2] = last | flags;
  u32[(p - GC_HEAD_SIZE) >>> 2] = head;
  u32[(head - 4) >>> 2] = p;
}

/** Move every object of `from` to the tail of `to`; `from` ends empty. */
export function listMerge(u32: Uint32Array, from: Ptr, to: Ptr): void {
  if (listIsEmpty(u32, from)) return;
  const toLast = u32[(to - 4) >>> 2] & POINTER_MASK;
  const first = u32[(from - GC_HEAD_SIZE) >>> 2];
  const last = u32[(from - 4) >>> 2] & POINTER_MASK;
  u32[(toLast - GC_HEAD_SIZE) >>> 2] = first;
  u32[(first - 4) >>> 2] = (u32[(first - 4) >>> 2] & PREV_FLAGS) | toLast;
  u32[(last - GC_HEAD_SIZE) >>> 2] = to;
  u32[(to - 4) >>> 2] = last;
  listInit(u32, from);
}

export function listSize(u32: Uint32Array, head: Ptr): number {
  let n = 0;
  for (let p = u32[(head - GC_HEAD_SIZE) >>> 2]; p !== head; p = u32[(p - GC_HEAD_SIZE) >>> 2]!) n++;
  return n;
}

/** The objects of a list, in order (cold: allocates). */
export function listToArray(u32: Uint32Array, head: Ptr): Ptr[] {
  const out: Ptr[] = [];
  for (let p = u32[(head - GC_HEAD_SIZE) >>> 2]; p !== head; p = u32[(p - GC_HEAD_SIZE) >>> 2]!) out.push(p);
  return out;
}

/** Clear PREV_COLLECTING on `p`. */
export function clearCollecting(u32: Uint32Array, p: Ptr): void {
  u32[(p - 4) >>> 2] &= ~PREV_COLLECTING;
}

export function isCollecting(u32: Uint32Array, p: Ptr): boolean {
  return (u32[(p - 4) >>> 2] & PREV_COLLECTING) !== 0;
}
