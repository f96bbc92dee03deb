/**
 * tuple: a fixed-size sequence whose items live inline in the object.
 *
 * ```
 *   GC head (8 bytes, before the pointer)
 *   ptr ──> +0  ob_refcnt (i32)
 *           +4  ob_type   (u32)
 *           +8  size      (u32)   number of item slots, fixed at creation
 *           +12 items[0]  (u32)   a strong reference (0 only after clear,
 *           +16 items[1]  (u32)    or while newUninitialized is being filled)
 *           ...
 *           +12 + 4 * (size - 1)
 * ```
 *
 * One block per tuple (basicSize 12 + 4 bytes per item): no side buffer, so
 * creating and freeing a tuple is one malloc and one free. The empty tuple
 * is a singleton, immortal, made once by the constructor (CPython shares
 * `()` the same way): `new([])` hands it back and never allocates.
 *
 * States of a slot:
 *   filled ──(clear: the collector breaking a cycle)──> 0
 *   0 ──(setInitial, only on a fresh tuple from newUninitialized)──> filled
 *
 * Invariants:
 * - `size` never changes after creation;
 * - every non-zero slot holds one strong reference to a live object;
 * - traverse, dealloc and hash/equals of the items skip nothing but 0 slots;
 *   `get` of a 0 slot returns 0 (NULL).
 *
 * Hash: CPython 3.8+'s tuple hash (an xxHash-style lane per item), in 32-bit
 * lanes: see `hash`.
 */
import { IndexError, ObjectTypeError, TypeFlags, formatPtr, type ObjectContext, type Ptr, type VisitProc } from '@pymem/core';
import { hashObject, objectsEqual } from './keys.js';
import { TUPLE_BASIC_SIZE, TUPLE_ITEMS, TUPLE_SIZE, WORD } from './layout.js';
import type { Objects } from './objects.js';

/** Bytes per item slot: one u32 pointer. */
const TUPLE_ITEM_SIZE = WORD;
/** log2(TUPLE_ITEM_SIZE): slot i of tuple t is the word at `((t + TUPLE_ITEMS) >>> 2) + i`. */
const WORD_SHIFT = 2;

/*
 * CPython's tuple hash constants for a 32-bit Py_uhash_t (xxHash32's primes):
 * acc = PRIME_5; per item: acc += lane * PRIME_2; acc = rotl(acc, 13); acc *= PRIME_1.
 */
const XXPRIME_1 = 2654435761;
const XXPRIME_2 = 2246822519;
const XXPRIME_5 = 374761393;
const XXROTATE_BITS = 13;
const WORD_BITS = 32;
/** Mixed into the length at the end, as CPython does (`len ^ (XXPRIME_5 ^ 3527539)`). */
const LENGTH_SALT = XXPRIME_5 ^ 3527539;
/** What an accumulator of -1 (the error value of hash) becomes, as in CPython. */
const HASH_MINUS_ONE_REPLACEMENT = 1546275796;
const HASH_ERROR = -1;

export class TupleOps {
  readonly type: number;
  /** The immortal empty tuple `()`, shared by every `new([])`. */
  readonly empty: Ptr;

  constructor(readonly o: Objects) {
    this.type = o.rt.registerType({
      name: 'tuple',
      basicSize: TUPLE_BASIC_SIZE,
      itemSize: TUPLE_ITEM_SIZE,
      flags: TypeFlags.GC | TypeFlags.VAR_SIZED | TypeFlags.UNTRACK_WHEN_ATOMIC,
      dealloc: (ctx, t) => this.deallocSlot(ctx, t),
      traverse: (t, visit, arg) => this.traverseSlot(t, visit, arg),
      clear: (ctx, t) => this.clearSlot(ctx, t),
    });
    this.empty = o.rt.newObject(this.type);
    o.rt.makeImmortal(this.empty);
  }

  // ------------------------------------------------------------- creation

  /**
   * A new tuple of `items` (each increfed); a new reference. `new([])` is
   * the immortal empty tuple. A dead or invalid item throws (checked mode)
   * with nothing changed; OutOfMemoryError likewise.
   */
  new(items: readonly Ptr[]): Ptr {
    const n = items.length;
    if (n === 0) return this.empty;
    const rt = this.o.rt;
    const t = rt.newObject(this.type, n * TUPLE_ITEM_SIZE);
    rt.heap.u32[(t + TUPLE_SIZE) >>> 2] = n;
    try {
      this.fill(t, items);
    } catch (error) {
      rt.decref(t); // drops the items stored so far, frees the block
      throw error;
    }
    return t;
  }

  /**
   * A tuple of `n` empty (0) slots, for fast construction: fill every slot
   * with `setInitial` before the tuple is used. A new reference.
   */
  newUninitialized(n: number): Ptr {
    if (n >>> 0 !== n) throw new IndexError(n, `tuple size must be a non-negative integer, got ${String(n)}`);
    if (n === 0) return this.empty;
    const rt = this.o.rt;
    const t = rt.newObject(this.type, n * TUPLE_ITEM_SIZE);
    rt.heap.u32[(t + TUPLE_SIZE) >>> 2] = n;
    return t;
  }

  /**
   * Store `item` in empty slot `i` of a tuple from newUninitialized, STEALING
   * the caller's reference (PyTuple_SET_ITEM). IndexError out of range,
   * ObjectTypeError if the slot is already filled.
   */
  setInitial(t: Ptr, i: number, item: Ptr): void {
    this.o.expect(t, this.type, 'tuple.setInitial');
    const u32 = this.o.rt.heap.u32;
    const size = u32[(t + TUPLE_SIZE) >>> 2];
    if (i >>> 0 !== i || i >= size) this.indexError(t, i, size);
    const slot = ((t + TUPLE_ITEMS) >>> WORD_SHIFT) + i;
    if (u32[slot] !== 0) throw new ObjectTypeError(t, `tuple.setInitial: slot ${i} of ${formatPtr(t)} is already filled`);
    u32[slot] = item;
    // A tuple still being filled looks atomic to a collector; track it again
    // if the item may be part of a cycle (CPython refuses to untrack tuples
    // with NULL items instead; traverse cannot show those).
    this.o.maintainTracking(t, item);
  }


  // --------------------------------------------------------------- access

  /** Number of items. */
  size(t: Ptr): number {
    this.o.expect(t, this.type, 'tuple.size');
    return this.o.rt.heap.u32[(t + TUPLE_SIZE) >>> 2];
  }

  /** Item `i` (negative counts from the end), borrowed. IndexError out of range. */
  get(t: Ptr, i: number): Ptr {
    this.o.expect(t, this.type, 'tuple.get');
    const u32 = this.o.rt.heap.u32;
    const size = u32[(t + TUPLE_SIZE) >>> 2];
    const k = i < 0 ? i + size : i;
    if (k >>> 0 !== k || k >= size) this.indexError(t, i, size);
    return u32[((t + TUPLE_ITEMS) >>> WORD_SHIFT) + k];
  }

  /** The items, borrowed, as a JS array (a copy). */
  items(t: Ptr): Ptr[] {
    this.o.expect(t, this.type, 'tuple.items');
    const u32 = this.o.rt.heap.u32;
    const size = u32[(t + TUPLE_SIZE) >>> 2];
    const first = (t + TUPLE_ITEMS) >>> WORD_SHIFT;
    return Array.from(u32.subarray(first, first + size));
  }

  // -------------------------------------------------------- hash, equals

  /**
   * hash(t): CPython 3.8+'s tuplehash with 32-bit lanes. Each item's hash
   * (ObjectTypeError if an item is unhashable) is one lane. Equal tuples
   * hash equal because equal items do. Never -1.
   */
  hash(t: Ptr): number {
    this.o.expect(t, this.type, 'tuple.hash');
    const size = this.o.rt.heap.u32[(t + TUPLE_SIZE) >>> 2];
    let acc = XXPRIME_5 | 0;
    for (let i = 0; i < size; i++) {
      const item = this.o.rt.heap.u32[((t + TUPLE_ITEMS) >>> WORD_SHIFT) + i];
      const lane = hashObject(this.o, item);
      acc = (acc + Math.imul(lane, XXPRIME_2)) | 0;
      acc = (acc << XXROTATE_BITS) | (acc >>> (WORD_BITS - XXROTATE_BITS));
      acc = Math.imul(acc, XXPRIME_1);
    }
    acc = (acc + (size ^ LENGTH_SALT)) | 0;
    return acc === HASH_ERROR ? HASH_MINUS_ONE_REPLACEMENT : acc;
  }

  /** a == b: same size and pairwise equal items (identity first). ObjectTypeError unless both are tuples. */
  equals(a: Ptr, b: Ptr): boolean {
    this.o.expect(a, this.type, 'tuple.equals');
    this.o.expect(b, this.type, 'tuple.equals');
    if (a === b) return true;
    const u32 = this.o.rt.heap.u32;
    const size = u32[(a + TUPLE_SIZE) >>> 2];
    if (u32[(b + TUPLE_SIZE) >>> 2] !== size) return false;
    const ia = (a + TUPLE_ITEMS) >>> WORD_SHIFT;
    const ib = (b + TUPLE_ITEMS) >>> WORD_SHIFT;
    for (let i = 0; i < size; i++) {
      const x = u32[ia + i];
      const y = u32[ib + i];
      if (x !== y && (x === 0 || y === 0 || !objectsEqual(this.o, x, y))) return false;
    }
    return true;
  }

  // ---------------------------------------------------------- type slots

  /** Drop every item (from the last, as CPython does); the runtime frees the block. */
  private deallocSlot(ctx: ObjectContext, t: Ptr): void {
    const first = (t + TUPLE_ITEMS) >>> WORD_SHIFT;
    for (let i = ctx.heap.u32[(t + TUPLE_SIZE) >>> 2] - 1; i >= 0; i--) {
      ctx.xdecref(ctx.heap.u32[first + i]);
    }
  }

  private traverseSlot(t: Ptr, visit: VisitProc, arg: number): number {
    // Traverse never allocates (the slot's contract), so the view stays valid.
    const u32 = this.o.rt.heap.u32;
    const first = (t + TUPLE_ITEMS) >>> WORD_SHIFT;
    const size = u32[(t + TUPLE_SIZE) >>> 2];
    for (let i = 0; i < size; i++) {
      const item = u32[first + i];
      if (item !== 0) {
        const result = visit(item, arg);
        if (result !== 0) return result;
      }
    }
    return 0;
  }

  /** tp_clear: empty each slot, then drop its reference (the tuple stays valid, its size unchanged). */
  private clearSlot(ctx: ObjectContext, t: Ptr): void {
    const first = (t + TUPLE_ITEMS) >>> WORD_SHIFT;
    const size = ctx.heap.u32[(t + TUPLE_SIZE) >>> 2];
    for (let i = 0; i < size; i++) {
      const item = ctx.heap.u32[first + i];
      if (item === 0) continue;
      ctx.heap.u32[first + i] = 0;
      ctx.decref(item); // may run arbitrary deallocs: views re-read next turn
    }
  }

  // ------------------------------------------------------------- helpers

  /** Incref and store each item in turn; throws (leaving the stored ones in place) on a bad item. */
  private fill(t: Ptr, items: readonly Ptr[]): void {
    const rt = this.o.rt;
    const first = (t + TUPLE_ITEMS) >>> WORD_SHIFT;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      rt.incref(item);
      rt.heap.u32[first + i] = item;
    }
  }

  private indexError(t: Ptr, i: number, size: number): never {
    throw new IndexError(i, `tuple index ${String(i)} out of range for tuple of size ${size} at ${formatPtr(t)}`);
  }
}
