/**
 * Weak references, as heap objects.
 *
 * A weakrefable type reserves a u32 word in its objects (its
 * `weaklistOffset`) that heads a doubly linked list of the weakrefs to that
 * object, as CPython's tp_weaklistoffset does. A weakref is itself a GC
 * object (so a collector can tell whether it is part of a garbage cycle):
 *
 * ```
 *   referent object                    weakref object (type `weakref`)
 *   +----------------+                 ptr+0  refcnt | type word
 *   | ...            |                 ptr+8  wr_object   --> referent (0 once dead)
 *   | weaklist  -----+---> newest wr   ptr+12 wr_callback     callback handle (0: none)
 *   | ...            |                 ptr+16 wr_next     --> older weakref to it, or 0
 *   +----------------+                 ptr+20 wr_prev     --> newer weakref, or 0 (head)
 * ```
 *
 * The callback is a JS function, so it cannot live in the heap: the weakref
 * holds a handle into the runtime's callback table instead.
 *
 * States of a weakref: live (wr_object != 0, linked into its referent's
 * list) and dead (wr_object == 0, unlinked). A weakref dies when its
 * referent is deallocated or a collector clears it; it never comes back.
 *
 * Invariants:
 * - a live weakref is in exactly the list of its wr_object;
 * - a list's head has wr_prev == 0, and `next.prev == this` along it;
 * - a weakref without callback, when there is one for a referent, is the
 *   list head (so `newWeakref(o)` twice returns the same object, as
 *   `weakref.ref(o) is weakref.ref(o)` in CPython).
 */
import { OBJECT_HEADER_SIZE } from '@pymem/core';

export const WR_OBJECT = OBJECT_HEADER_SIZE;
export const WR_CALLBACK = WR_OBJECT + 4;
export const WR_NEXT = WR_CALLBACK + 4;
export const WR_PREV = WR_NEXT + 4;
export const WEAKREF_BASIC_SIZE = WR_PREV + 4;

/** A weakref callback: receives the (dead) weakref, as CPython's do. */
export type WeakrefCallback = (weakref: number) => void;

/**
 * The JS side of weakref callbacks: handle -> function. Handle 0 means no
 * callback; freed handles are reused.
 */
export class CallbackTable {
  private readonly fns: (WeakrefCallback | null)[] = [null];
  private readonly freeHandles: number[] = [];

  add(fn: WeakrefCallback): number {
    const handle = this.freeHandles.pop();
    if (handle !== undefined) {
      this.fns[handle] = fn;
      return handle;
    }
    this.fns.push(fn);
    return this.fns.length - 1;
  }

  get(handle: number): WeakrefCallback | null {
    return this.fns[handle] ?? null;
  }

  release(handle: number): void {
    if (handle === 0) return;
    this.fns[handle] = null;
    this.freeHandles.push(handle);
  }
}

/** Link `wr` into the list headed at word `headIndex` (u32 index), as the new head. */
export function linkAtHead(u32: Uint32Array, headIndex: number, wr: number): void {
  const old = u32[headIndex];
  u32[(wr + WR_NEXT) >>> 2] = old;
  u32[(wr + WR_PREV) >>> 2] = 0;
  if (old !== 0) u32[(old + WR_PREV) >>> 2] = wr;
  u32[headIndex] = wr;
}

/** Link `wr` right after the head of the list (where callback weakrefs go when a plain one heads it). */
export function linkAfterHead(u32: Uint32Array, headIndex: number, wr: number): void {
  const head = u32[headIndex];
  const next = u32[(head + WR_NEXT) >>> 2];
  u32[(wr + WR_NEXT) >>> 2] = next;
  u32[(wr + WR_PREV) >>> 2] = head;
  if (next !== 0) u32[(next + WR_PREV) >>> 2] = wr;
  u32[(head + WR_NEXT) >>> 2] = wr;
}

/** Unlink `wr` from its referent's list (headed at word `headIndex`) and mark it dead. */
export function unlink(u32: Uint32Array, headIndex: number, wr: number): void {
  const next = u32[(wr + WR_NEXT) >>> 2];
  const prev = u32[(wr + WR_PREV) >>> 2];
  if (prev === 0) u32[headIndex] = next;
  else u32[(prev + WR_NEXT) >>> 2] = next;
  if (next !== 0) u32[(next + WR_PREV) >>> 2] = prev;
  u32[(wr + WR_OBJECT) >>> 2] = 0;
  u32[(wr + WR_NEXT) >>> 2] = 0;
  u32[(wr + WR_PREV) >>> 2] = 0;
}
