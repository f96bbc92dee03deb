/**
 * list: a growable sequence. The object is fixed-size; the items live in a
 * separate array block of the runtime's allocator, grown and shrunk like
 * CPython's list_resize.
 *
 * ```
 *   GC head (8 bytes, before the pointer)
 *   ptr ──> +0  ob_refcnt (i32)
 *           +4  ob_type   (u32)
 *           +8  size      (u32)  items in use
 *           +12 ob_item   (u32) ───> +0 items[0] (u32)   one allocator block,
 *           +16 allocated (u32)      +4 items[1]         not an object;
 *                                    ...                 allocated * 4 bytes
 *                                    +4*(size-1) items[size-1]
 *                                    +4*size ... spare slots (garbage) up to allocated
 * ```
 *
 * States:
 *   empty, no array      size 0, ob_item 0, allocated 0 (fresh, cleared, or
 *                        resized to 0)
 *   in use               0 <= size <= allocated, ob_item != 0
 *
 * Invariants:
 * - `ob_item === 0` iff `allocated === 0`;
 * - `0 <= size <= allocated`; slots [0, size) hold strong references to live
 *   objects, never 0; slots [size, allocated) are garbage and never read;
 * - the array block is at least `allocated * 4` bytes.
 *
 * Growth (CPython 3.9+ list_resize): a new size inside [allocated / 2,
 * allocated] only moves `size`. Otherwise the array is reallocated to
 * `(n + (n >> 3) + 6) & ~3` slots (12.5% over, plus a few for small lists),
 * or to exactly `(n + 3) & ~3` when one call grows by more than that
 * over-allocation (a big extend); a size of 0 frees the array. Appending
 * one by one from empty gives allocated = 0, 4, 8, 16, 24, 32, 40, 52, 64, 76, ...
 *
 * Tricky: dropping a reference can run arbitrary code (a finalizer or weakref
 * callback of the dying object) that looks at this very list, or allocates
 * and so replaces the heap's views. So every operation leaves the list
 * consistent *before* its decrefs, and re-reads the views after each one.
 */
import { HeapCorruptionError, IndexError, ObjectTypeError, OutOfMemoryError, TypeFlags, formatPtr, type ObjectContext, type Ptr, type VisitProc } from '@pymem/core';
import { objectsEqual } from './keys.js';
import { LIST_ALLOCATED, LIST_BASIC_SIZE, LIST_ITEMS, LIST_SIZE, TUPLE_ITEMS, TUPLE_SIZE, WORD } from './layout.js';
import type { Objects } from './objects.js';

/** Bytes per item slot in the array: one u32 pointer. */
const ITEM_SIZE = WORD;
/** log2(ITEM_SIZE). */
const WORD_SHIFT = 2;
/** Over-allocation: newsize >> GROWTH_SHIFT extra slots (1/8th)... */
const GROWTH_SHIFT = 3;
/** ...plus this many for small lists... */
const GROWTH_EXTRA = 6;
/** ...rounded down to a multiple of 4 slots (16 bytes, the allocator's alignment). */
const SLOT_ROUND_MASK = ~3;
/** Rounding up to that multiple: (n + SLOT_ROUND_UP) & SLOT_ROUND_MASK. */
const SLOT_ROUND_UP = 3;

/**
 * The capacity list_resize picks for `newsize` items when the current array
 * cannot hold them or is more than twice too big; `oldsize` is the current
 * size (a jump past the over-allocation gets exactly what it asked for).
 */
export function listCapacity(newsize: number, oldsize: number): number {
  if (newsize === 0) return 0;
  let capacity = (newsize + (newsize >>> GROWTH_SHIFT) + GROWTH_EXTRA) & SLOT_ROUND_MASK;
  if (newsize - oldsize > capacity - newsize) capacity = (newsize + SLOT_ROUND_UP) & SLOT_ROUND_MASK;
  return capacity;
}

export class ListOps {
  readonly type: number;

  constructor(readonly o: Objects) {
    this.type = o.rt.registerType({
      name: 'list',
      basicSize: LIST_BASIC_SIZE,
      flags: TypeFlags.GC,
      dealloc: (ctx, l) => this.deallocSlot(ctx, l),
      traverse: (l, visit, arg) => this.traverseSlot(l, visit, arg),
      clear: (ctx, l) => this.clearSlot(ctx, l),
    });
  }

  // ------------------------------------------------------------- creation

  /**
   * A new list of `items` (each increfed), with exactly `items.length`
   * slots allocated, as PyList_New. A new reference. A dead or invalid item
   * throws (checked mode) with nothing changed.
   */
  new(items: readonly Ptr[] = []): Ptr {
    const rt = this.o.rt;
    const n = items.length;
    const l = rt.newObject(this.type);
    if (n === 0) return l;
    try {
      const array = rt.allocator.malloc(n * ITEM_SIZE);
      const u32 = rt.heap.u32;
      u32[(l + LIST_ITEMS) >>> 2] = array;
      u32[(l + LIST_ALLOCATED) >>> 2] = n;
      for (let i = 0; i < n; i++) {
        const item = items[i];
        rt.incref(item);
        rt.heap.u32[(array >>> WORD_SHIFT) + i] = item;
        rt.heap.u32[(l + LIST_SIZE) >>> 2] = i + 1;
      }
    } catch (error) {
      rt.decref(l); // drops the items stored so far and the array
      throw error;
    }
    return l;
  }

  // --------------------------------------------------------------- access

  /** Number of items. */
  size(l: Ptr): number {
    this.o.expect(l, this.type, 'list.size');
    return this.o.rt.heap.u32[(l + LIST_SIZE) >>> 2];
  }

  /** Slots in the item array (>= size). */
  allocated(l: Ptr): number {
    this.o.expect(l, this.type, 'list.allocated');
    return this.o.rt.heap.u32[(l + LIST_ALLOCATED) >>> 2];
  }

  /** Item `i` (negative counts from the end), borrowed. IndexError out of range. */
  get(l: Ptr, i: number): Ptr {
    this.o.expect(l, this.type, 'list.get');
    const u32 = this.o.rt.heap.u32;
    const k = this.index(l, u32, i, 'list index');
    return u32[(u32[(l + LIST_ITEMS) >>> 2] >>> WORD_SHIFT) + k];
  }

  /** The items, borrowed, as a JS array (a copy). */
  items(l: Ptr): Ptr[] {
    this.o.expect(l, this.type, 'list.items');
    const u32 = this.o.rt.heap.u32;
    const size = u32[(l + LIST_SIZE) >>> 2];
    if (size === 0) return [];
    const first = u32[(l + LIST_ITEMS) >>> 2] >>> WORD_SHIFT;
    return Array.from(u32.subarray(first, first + size));
  }

  /**
   * Index of the first item identical or equal (o.equals) to `item`, or -1.
   * (Equality is ours and runs no user code, so the list cannot change
   * under the scan.)
   */
  indexOf(l: Ptr, item: Ptr): number {
    this.o.expect(l, this.type, 'list.indexOf');
    const u32 = this.o.rt.heap.u32;
    const size = u32[(l + LIST_SIZE) >>> 2];
    const first = u32[(l + LIST_ITEMS) >>> 2] >>> WORD_SHIFT;
    for (let i = 0; i < size; i++) if (objectsEqual(this.o, u32[first + i], item)) return i; // identity first inside
    return -1;
  }

  /** a == b: same size and pairwise equal items. ObjectTypeError unless both are lists. */
  equals(a: Ptr, b: Ptr): boolean {
    this.o.expect(a, this.type, 'list.equals');
    this.o.expect(b, this.type, 'list.equals');
    if (a === b) return true;
    const u32 = this.o.rt.heap.u32;
    const size = u32[(a + LIST_SIZE) >>> 2];
    if (u32[(b + LIST_SIZE) >>> 2] !== size) return false;
    const ia = u32[(a + LIST_ITEMS) >>> 2] >>> WORD_SHIFT;
    const ib = u32[(b + LIST_ITEMS) >>> 2] >>> WORD_SHIFT;
    for (let i = 0; i < size; i++) {
      const x = u32[ia + i];
      const y = u32[ib + i];
      if (x !== y && !objectsEqual(this.o, x, y)) return false;
    }
    return true;
  }

  // ------------------------------------------------------------ mutation

  /** l[i] = item (negative i counts from the end): increfs item, then drops the old one. IndexError out of range. */
  set(l: Ptr, i: number, item: Ptr): void {
    this.o.expect(l, this.type, 'list.set');
    const rt = this.o.rt;
    const k = this.index(l, rt.heap.u32, i, 'list assignment index');
    rt.incref(item);
    const u32 = rt.heap.u32;
    const slot = (u32[(l + LIST_ITEMS) >>> 2] >>> WORD_SHIFT) + k;
    const old = u32[slot];
    u32[slot] = item;
    rt.decref(old); // after storing: the old item's dealloc may look at this list
  }

  /** l.append(item): increfs item. OutOfMemoryError (nothing changed) when the array cannot grow. */
  append(l: Ptr, item: Ptr): void {
    this.o.expect(l, this.type, 'list.append');
    const rt = this.o.rt;
    rt.incref(item);
    let u32 = rt.heap.u32;
    const size = u32[(l + LIST_SIZE) >>> 2];
    if (size === u32[(l + LIST_ALLOCATED) >>> 2]) {
      this.growOrRelease(l, size + 1, item);
      u32 = rt.heap.u32;
    }
    u32[(u32[(l + LIST_ITEMS) >>> 2] >>> WORD_SHIFT) + size] = item;
    u32[(l + LIST_SIZE) >>> 2] = size + 1;
  }

  /**
   * l.insert(i, item) with Python's clamping: a negative i counts from the
   * end, and anything past either end inserts at that end. Increfs item.
   */
  insert(l: Ptr, i: number, item: Ptr): void {
    this.o.expect(l, this.type, 'list.insert');
    if (typeof i !== 'number' || Number.isNaN(i)) throw new IndexError(i, `list.insert: index must be a number, got ${String(i)}`);
    const rt = this.o.rt;
    rt.incref(item);
    const size = rt.heap.u32[(l + LIST_SIZE) >>> 2];
    const where = clampInsertIndex(Math.trunc(i), size);
    if (size === rt.heap.u32[(l + LIST_ALLOCATED) >>> 2]) this.growOrRelease(l, size + 1, item);
    const u32 = rt.heap.u32;
    const first = u32[(l + LIST_ITEMS) >>> 2] >>> WORD_SHIFT;
    u32.copyWithin(first + where + 1, first + where, first + size);
    u32[first + where] = item;
    u32[(l + LIST_SIZE) >>> 2] = size + 1;
  }

  /** l.pop(i): removes and returns item i (default the last) as a new reference. IndexError when empty or out of range. */
  pop(l: Ptr, i = -1): Ptr {
    this.o.expect(l, this.type, 'list.pop');
    return this.take(l, this.index(l, this.o.rt.heap.u32, i, 'pop index'));
  }

  /** del l[i] (negative counts from the end): removes item i and drops the list's reference. IndexError out of range. */
  delete(l: Ptr, i: number): void {
    this.o.expect(l, this.type, 'list.delete');
    const item = this.take(l, this.index(l, this.o.rt.heap.u32, i, 'list deletion index'));
    this.o.rt.decref(item);
  }

  /** l.clear(): empties the list (frees the array), then drops the items, last first. */
  clear(l: Ptr): void {
    this.o.expect(l, this.type, 'list.clear');
    this.clearSlot(this.o.rt, l);
  }

  /**
   * l.extend(other) for a list or tuple `other` (which may be `l` itself):
   * increfs each item. ObjectTypeError for other types, OutOfMemoryError,
   * both with nothing changed.
   */
  extend(l: Ptr, other: Ptr): void {
    this.o.expect(l, this.type, 'list.extend');
    const rt = this.o.rt;
    const otherType = rt.typeIdOf(other);
    if (otherType !== this.type && otherType !== this.o.tuple.type) {
      throw new ObjectTypeError(other, `list.extend: expected a list or tuple, got '${rt.typeOf(other).name}' at ${formatPtr(other)}`);
    }
    const sizeField = otherType === this.type ? LIST_SIZE : TUPLE_SIZE;
    const n = rt.heap.u32[(other + sizeField) >>> 2];
    if (n === 0) return;
    const size = rt.heap.u32[(l + LIST_SIZE) >>> 2];
    this.resize(l, size + n); // may move `other`'s items when other === l: read them after
    const u32 = rt.heap.u32;
    const from = otherType === this.type ? u32[(other + LIST_ITEMS) >>> 2] >>> WORD_SHIFT : (other + TUPLE_ITEMS) >>> WORD_SHIFT;
    const to = (u32[(l + LIST_ITEMS) >>> 2] >>> WORD_SHIFT) + size;
    for (let i = 0; i < n; i++) {
      const item = u32[from + i];
      rt.incref(item); // a live item of a container: cannot throw, allocates nothing
      u32[to + i] = item;
    }
  }

  // ------------------------------------------------------------ checking

  /**
   * Verify the invariants of the header: throws HeapCorruptionError naming
   * the first one broken. Cost O(size); for tests and debugging.
   */
  checkInvariants(l: Ptr): void {
    this.o.expect(l, this.type, 'list.checkInvariants');
    const rt = this.o.rt;
    const u32 = rt.heap.u32;
    const size = u32[(l + LIST_SIZE) >>> 2];
    const array = u32[(l + LIST_ITEMS) >>> 2];
    const allocated = u32[(l + LIST_ALLOCATED) >>> 2];
    const fail = (invariant: string, detail: string): never => {
      throw new HeapCorruptionError(invariant, l, detail);
    };
    if ((array === 0) !== (allocated === 0)) fail('ob_item === 0 iff allocated === 0', `ob_item ${formatPtr(array)}, allocated ${allocated}`);
    if (size > allocated) fail('size <= allocated', `size ${size}, allocated ${allocated}`);
    if (array === 0) return;
    if (rt.allocator.usableSize(array) < allocated * ITEM_SIZE) fail('the array holds allocated slots', `${rt.allocator.usableSize(array)} bytes`);
    for (let i = 0; i < size; i++) {
      const item = u32[(array >>> WORD_SHIFT) + i];
      if (!rt.isObject(item)) fail('items [0, size) are live objects', `item ${i}: ${formatPtr(item)}`);
    }
  }

  // ---------------------------------------------------------- type slots

  /** Drop the items (from the last, as CPython does) and free the array. */
  private deallocSlot(ctx: ObjectContext, l: Ptr): void {
    const array = ctx.heap.u32[(l + LIST_ITEMS) >>> 2];
    if (array === 0) return;
    const first = array >>> WORD_SHIFT;
    for (let i = ctx.heap.u32[(l + LIST_SIZE) >>> 2] - 1; i >= 0; i--) ctx.decref(ctx.heap.u32[first + i]);
    ctx.allocator.free(array);
  }

  private traverseSlot(l: Ptr, visit: VisitProc, arg: number): number {
    // Traverse never allocates (the slot's contract), so the view stays valid.
    const u32 = this.o.rt.heap.u32;
    const size = u32[(l + LIST_SIZE) >>> 2];
    const first = u32[(l + LIST_ITEMS) >>> 2] >>> WORD_SHIFT;
    for (let i = 0; i < size; i++) {
      const item = u32[first + i];
      if (item !== 0) {
        const result = visit(item, arg);
        if (result !== 0) return result;
      }
    }
    return 0;
  }

  /**
   * Empty the list first (size, array and capacity to 0), then drop the
   * items from the last, then free the old array: a dealloc that runs in
   * between sees a valid empty list (it may even refill it: the new items
   * go to a new array).
   */
  private clearSlot(ctx: ObjectContext, l: Ptr): void {
    let u32 = ctx.heap.u32;
    const array = u32[(l + LIST_ITEMS) >>> 2];
    if (array === 0) return;
    const size = u32[(l + LIST_SIZE) >>> 2];
    u32[(l + LIST_SIZE) >>> 2] = 0;
    u32[(l + LIST_ITEMS) >>> 2] = 0;
    u32[(l + LIST_ALLOCATED) >>> 2] = 0;
    const first = array >>> WORD_SHIFT;
    for (let i = size - 1; i >= 0; i--) {
      ctx.decref(u32[first + i]);
      u32 = ctx.heap.u32;
    }
    ctx.allocator.free(array);
  }

  // ------------------------------------------------------------- helpers

  /**
   * Normalize a Python index (negative counts from the end) against the
   * current size; IndexError naming `what` when out of range or not an integer.
   */
  private index(l: Ptr, u32: Uint32Array, i: number, what: string): number {
    const size = u32[(l + LIST_SIZE) >>> 2];
    const k = i < 0 ? i + size : i;
    if (k >>> 0 !== k || k >= size) {
      const detail = size === 0 ? 'the list is empty' : `size ${size}`;
      throw new IndexError(i, `${what} ${String(i)} out of range (${detail}) for list at ${formatPtr(l)}`);
    }
    return k;
  }

  /** Remove slot k and return its item, whose reference passes to the caller. */
  private take(l: Ptr, k: number): Ptr {
    const u32 = this.o.rt.heap.u32;
    const size = u32[(l + LIST_SIZE) >>> 2];
    const first = u32[(l + LIST_ITEMS) >>> 2] >>> WORD_SHIFT;
    const item = u32[first + k];
    u32.copyWithin(first + k, first + k + 1, first + size);
    this.resize(l, size - 1);
    return item;
  }

  /**
   * resize for one more item (size becomes `newsize`; the caller fills the
   * new slot). On OutOfMemoryError, first give back the reference the
   * caller took on `item`, so the failed operation changes nothing.
   */
  private growOrRelease(l: Ptr, newsize: number, item: Ptr): void {
    try {
      this.resize(l, newsize);
    } catch (error) {
      this.o.rt.decref(item);
      throw error;
    }
  }

  /**
   * CPython's list_resize: make room for `newsize` items and set size to
   * it. Slots past the old size are left for the caller to fill. Growing
   * may throw OutOfMemoryError with nothing changed; shrinking never fails
   * (when the smaller block cannot be had, the bigger one is kept).
   */
  private resize(l: Ptr, newsize: number): void {
    const rt = this.o.rt;
    const u32 = rt.heap.u32;
    const allocated = u32[(l + LIST_ALLOCATED) >>> 2];
    if (allocated >= newsize && newsize >= allocated >>> 1) {
      u32[(l + LIST_SIZE) >>> 2] = newsize;
      return;
    }
    this.reallocate(l, newsize, listCapacity(newsize, u32[(l + LIST_SIZE) >>> 2]));
  }

  /** The slow half of resize: a new array block of `capacity` slots (0: none). */
  private reallocate(l: Ptr, newsize: number, capacity: number): void {
    const rt = this.o.rt;
    const array = rt.heap.u32[(l + LIST_ITEMS) >>> 2];
    let next = 0;
    if (capacity === 0) {
      rt.allocator.free(array);
    } else {
      try {
        next = rt.allocator.realloc(array, capacity * ITEM_SIZE);
      } catch (error) {
        const shrinking = newsize <= rt.heap.u32[(l + LIST_SIZE) >>> 2];
        if (!(error instanceof OutOfMemoryError) || !shrinking) throw error;
        rt.heap.u32[(l + LIST_SIZE) >>> 2] = newsize; // keep the bigger array
        return;
      }
    }
    const u32 = rt.heap.u32;
    u32[(l + LIST_ITEMS) >>> 2] = next;
    u32[(l + LIST_ALLOCATED) >>> 2] = capacity;
    u32[(l + LIST_SIZE) >>> 2] = newsize;
  }
}

/** Python's list.insert clamping: negative counts from the end; past either end means that end. */
function clampInsertIndex(i: number, size: number): number {
  if (i < 0) return i + size < 0 ? 0 : i + size;
  return i > size ? size : i;
}
