/**
 * dict: CPython 3.6+'s compact, insertion-ordered hash table, in the heap.
 *
 * ```
 *   GC head (8 bytes, before the pointer)
 *   ptr ──> +0  ob_refcnt (i32)
 *           +4  ob_type   (u32)
 *           +8  used      (u32)   live entries (len(d))
 *           +12 keys      (u32) ──> keys block (dict-keys.ts: header, index
 *                                    table, ordered entries), or 0
 * ```
 *
 * States:
 *   no keys block   keys 0, used 0 (fresh or cleared: an empty dict costs
 *                   16 bytes + GC head, as CPython's shared empty keys)
 *   keys block      used >= 0 (deleting down to 0 keeps the block, as CPython)
 * Transitions: the first insert allocates a DICT_MINSIZE table; an insert
 * into a table with no usable entry left rebuilds it for used * GROWTH_RATE
 * slots (compacting deleted entries away, so a dict that churns through
 * deletes may also shrink); clear frees the block.
 *
 * Invariants:
 * - keys === 0 implies used === 0;
 * - used === number of live entries of the keys block;
 * - each live entry holds one strong reference to its key and one to its
 *   value, and its hash field === hashObject(key).
 *
 * Reference rules (objects.ts): set increfs key and value; replacing a
 * value keeps the original key object and the entry's position; removal
 * drops both references; pop hands the value's reference to the caller.
 * Every decref happens after the table is consistent again: a dying
 * value's finalizer may look at (or mutate) this dict.
 */
import {
  HeapCorruptionError,
  KeyError,
  TypeFlags,
  formatPtr,
  type ObjectContext,
  type Ptr,
  type VisitProc,
} from '@pymem/core';
import {
  DICT_MINSIZE,
  DKIX_DUMMY,
  DKIX_EMPTY,
  DK_INDICES,
  GROWTH_RATE,
  appendEntry,
  deleteEntry,
  entryHash,
  entryKey,
  entryValue,
  entryWord,
  findSlot,
  findStrSlot,
  getNentries,
  getSize,
  getUsable,
  indexWidth,
  newKeys,
  readIndex,
  rebuildKeys,
  setEntryValue,
  slotEntryWord,
  tableSizeFor,
  usableFraction,
} from './dict-keys.js';
import { hashBytesRange } from './hash.js';
import { hashObject, objectsEqual } from './keys.js';
import { DICT_BASIC_SIZE, DICT_KEYS, DICT_USED } from './layout.js';
import type { Objects } from './objects.js';

/** Largest UTF-8 length of one UTF-16 code unit: a JS string of n units needs at most 3n bytes. */
const UTF8_BYTES_PER_UNIT = 3;
/** Code units below this are one UTF-8 byte each. */
const ASCII_LIMIT = 0x80;
/** Initial size of the scratch buffer names are encoded into. */
const SCRATCH_INITIAL_BYTES = 256;

export class DictOps {
  readonly type: number;
  /** Where getStr/setStr encode a JS string's UTF-8 (JS-side scratch, never state). */
  private scratch = new Uint8Array(SCRATCH_INITIAL_BYTES);
  private readonly encoder = new TextEncoder();

  constructor(readonly o: Objects) {
    this.type = o.rt.registerType({
      name: 'dict',
      basicSize: DICT_BASIC_SIZE,
      flags: TypeFlags.GC | TypeFlags.UNTRACK_WHEN_ATOMIC,
      dealloc: (ctx, d) => this.deallocSlot(ctx, d),
      traverse: (d, visit, arg) => this.traverseSlot(d, visit, arg),
      clear: (ctx, d) => this.clearSlot(ctx, d),
    });
  }

  // ------------------------------------------------------------- creation

  /** A new, empty dict (no keys block yet). A new reference. */
  new(): Ptr {
    return this.o.rt.newObject(this.type);
  }

  // -------------------------------------------------------------- lookup

  /** len(d). */
  size(d: Ptr): number {
    this.o.expect(d, this.type, 'dict.size');
    return this.o.rt.heap.u32[(d + DICT_USED) >>> 2];
  }

  /** d.get(key): the value, borrowed, or 0. ObjectTypeError for an unhashable key. */
  get(d: Ptr, key: Ptr): Ptr {
    this.o.expect(d, this.type, 'dict.get');
    const hash = hashObject(this.o, key);
    const keys = this.o.rt.heap.u32[(d + DICT_KEYS) >>> 2];
    if (keys === 0) return 0;
    const slot = findSlot(this.o, keys, key, hash);
    if (slot < 0) return 0;
    const heap = this.o.rt.heap;
    return entryValue(heap.u32, slotEntryWord(heap, keys, slot));
  }

  /** key in d. ObjectTypeError for an unhashable key. */
  has(d: Ptr, key: Ptr): boolean {
    return this.get(d, key) !== 0;
  }

  // ------------------------------------------------------------ mutation

  /**
   * d[key] = value: increfs both (a replaced value keeps the original key
   * object and position; the old value is dropped after storing).
   * ObjectTypeError for an unhashable key, OutOfMemoryError when the table
   * cannot grow: nothing changed in either case.
   */
  set(d: Ptr, key: Ptr, value: Ptr): void {
    this.o.expect(d, this.type, 'dict.set');
    const rt = this.o.rt;
    const hash = hashObject(this.o, key);
    rt.incref(value);
    this.o.maintainTracking(d, key);
    this.o.maintainTracking(d, value);
    let keys = rt.heap.u32[(d + DICT_KEYS) >>> 2];
    if (keys !== 0) {
      const slot = findSlot(this.o, keys, key, hash);
      if (slot >= 0) return this.replaceValue(keys, slot, value);
    }
    rt.incref(key);
    if (keys === 0 || getUsable(rt.heap.u32, keys) === 0) keys = this.growOrRelease(d, key, value);
    appendEntry(rt.heap, keys, hash, key, value);
    rt.heap.u32[(d + DICT_USED) >>> 2] += 1;
  }

  /** del d[key]: true if it was there (both references dropped), false if not. */
  delete(d: Ptr, key: Ptr): boolean {
    this.o.expect(d, this.type, 'dict.delete');
    const hash = hashObject(this.o, key);
    const keys = this.o.rt.heap.u32[(d + DICT_KEYS) >>> 2];
    if (keys === 0) return false;
    const slot = findSlot(this.o, keys, key, hash);
    if (slot < 0) return false;
    this.o.rt.decref(this.removeSlot(d, keys, slot));
    return true;
  }

  /**
   * d.pop(key): removes the entry and returns its value as a new reference
   * (the dict's reference passes to the caller); the key is dropped.
   * KeyError, nothing changed, when the key is missing.
   */
  pop(d: Ptr, key: Ptr): Ptr {
    this.o.expect(d, this.type, 'dict.pop');
    const hash = hashObject(this.o, key);
    const keys = this.o.rt.heap.u32[(d + DICT_KEYS) >>> 2];
    const slot = keys === 0 ? -1 : findSlot(this.o, keys, key, hash);
    if (slot < 0) throw new KeyError(key, `KeyError: ${this.describeKey(key)} not in dict at ${formatPtr(d)}`);
    return this.removeSlot(d, keys, slot);
  }

  /** d.clear(): frees the keys block, then drops every key and value. */
  clear(d: Ptr): void {
    this.o.expect(d, this.type, 'dict.clear');
    this.clearSlot(this.o.rt, d);
  }

  // --------------------------------------------------- by JS string name

  /**
   * d[name] for a str key given as a JS string: the value, borrowed, or 0.
   * Compares UTF-8 bytes in place; no str object is made.
   */
  getStr(d: Ptr, name: string): Ptr {
    this.o.expect(d, this.type, 'dict.getStr');
    const slot = this.findName(d, name);
    if (slot < 0) return 0;
    const heap = this.o.rt.heap;
    return entryValue(heap.u32, slotEntryWord(heap, heap.u32[(d + DICT_KEYS) >>> 2], slot));
  }

  /**
   * d[name] = value for a str key given as a JS string: an existing key
   * keeps its str object; a new one gets a fresh str (not interned: pass an
   * interned str to `set` for that). Increfs value.
   */
  setStr(d: Ptr, name: string, value: Ptr): void {
    this.o.expect(d, this.type, 'dict.setStr');
    const rt = this.o.rt;
    const slot = this.findName(d, name);
    if (slot >= 0) {
      rt.incref(value);
      this.o.maintainTracking(d, value);
      return this.replaceValue(rt.heap.u32[(d + DICT_KEYS) >>> 2], slot, value);
    }
    const key = this.o.str.new(name);
    try {
      this.set(d, key, value);
    } finally {
      rt.decref(key); // the dict holds its own reference now (or, on error, none)
    }
  }

  /** del d[name] for a str key given as a JS string; true if it was there. */
  deleteStr(d: Ptr, name: string): boolean {
    this.o.expect(d, this.type, 'dict.deleteStr');
    const slot = this.findName(d, name);
    if (slot < 0) return false;
    this.o.rt.decref(this.removeSlot(d, this.o.rt.heap.u32[(d + DICT_KEYS) >>> 2], slot));
    return true;
  }

  // ----------------------------------------------------------- iteration

  /** The keys, borrowed, in insertion order. */
  keys(d: Ptr): Ptr[] {
    return this.collect(d, 'dict.keys', KEYS);
  }

  /** The values, borrowed, in insertion order. */
  values(d: Ptr): Ptr[] {
    return this.collect(d, 'dict.values', VALUES);
  }

  /** The [key, value] pairs, borrowed, in insertion order. */
  entries(d: Ptr): [Ptr, Ptr][] {
    this.o.expect(d, this.type, 'dict.entries');
    const result: [Ptr, Ptr][] = [];
    const heap = this.o.rt.heap;
    const keys = heap.u32[(d + DICT_KEYS) >>> 2];
    if (keys === 0) return result;
    const size = getSize(heap.u32, keys);
    for (let ix = 0, n = getNentries(heap.u32, keys); ix < n; ix++) {
      const word = entryWord(keys, size, ix);
      const key = entryKey(heap.u32, word);
      if (key !== 0) result.push([key, entryValue(heap.u32, word)]);
    }
    return result;
  }

  /**
   * a == b: same length and, for each key of a, b has an equal key with an
   * equal value. ObjectTypeError unless both are dicts.
   */
  equals(a: Ptr, b: Ptr): boolean {
    this.o.expect(a, this.type, 'dict.equals');
    this.o.expect(b, this.type, 'dict.equals');
    if (a === b) return true;
    const heap = this.o.rt.heap;
    if (heap.u32[(a + DICT_USED) >>> 2] !== heap.u32[(b + DICT_USED) >>> 2]) return false;
    const keysA = heap.u32[(a + DICT_KEYS) >>> 2];
    const keysB = heap.u32[(b + DICT_KEYS) >>> 2];
    if (keysA === 0 || keysB === 0) return true; // both empty (same used)
    const size = getSize(heap.u32, keysA);
    for (let ix = 0, n = getNentries(heap.u32, keysA); ix < n; ix++) {
      const word = entryWord(keysA, size, ix);
      const key = entryKey(heap.u32, word);
      if (key === 0) continue;
      const slot = findSlot(this.o, keysB, key, entryHash(heap.i32, word));
      if (slot < 0) return false;
      const mine = entryValue(heap.u32, word);
      const theirs = entryValue(heap.u32, slotEntryWord(heap, keysB, slot));
      if (mine !== theirs && !objectsEqual(this.o, mine, theirs)) return false;
    }
    return true;
  }

  // ------------------------------------------------------------ checking

  /** Index slots of the keys block (dk_size), 0 while there is none: for tests and heap viewers. */
  tableSize(d: Ptr): number {
    this.o.expect(d, this.type, 'dict.tableSize');
    const keys = this.o.rt.heap.u32[(d + DICT_KEYS) >>> 2];
    return keys === 0 ? 0 : getSize(this.o.rt.heap.u32, keys);
  }

  /**
   * Verify the dict and its keys block against the invariants of both
   * headers (dict-keys.ts): throws HeapCorruptionError naming the first one
   * broken. Cost O(size); for tests and debugging.
   */
  checkInvariants(d: Ptr): void {
    this.o.expect(d, this.type, 'dict.checkInvariants');
    const heap = this.o.rt.heap;
    const u32 = heap.u32;
    const used = u32[(d + DICT_USED) >>> 2];
    const keys = u32[(d + DICT_KEYS) >>> 2];
    const fail = (invariant: string, detail = ''): never => {
      throw new HeapCorruptionError(invariant, d, detail);
    };
    if (keys === 0) {
      if (used !== 0) fail('keys === 0 implies used === 0', `used ${used}`);
      return;
    }
    const size = getSize(u32, keys);
    const nentries = getNentries(u32, keys);
    if (size < DICT_MINSIZE || (size & (size - 1)) !== 0) fail('dk_size is a power of two >= DICT_MINSIZE', `size ${size}`);
    if (getUsable(u32, keys) + nentries !== usableFraction(size)) fail('dk_usable + dk_nentries === usableFraction(dk_size)');
    const width = indexWidth(size);
    const seen = new Uint8Array(nentries);
    let filled = 0;
    for (let i = 0; i < size; i++) {
      const ix = readIndex(heap, keys + DK_INDICES, width, i);
      if (ix === DKIX_EMPTY) continue;
      filled++;
      if (ix === DKIX_DUMMY) continue;
      if (ix < 0 || ix >= nentries || seen[ix] !== 0) fail('each index slot names a distinct written entry', `slot ${i}: ${ix}`);
      seen[ix] = 1;
    }
    if (filled > nentries) fail('non-EMPTY index slots <= dk_nentries', `${filled} vs ${nentries}`);
    let live = 0;
    for (let ix = 0; ix < nentries; ix++) {
      const word = entryWord(keys, size, ix);
      const key = entryKey(u32, word);
      if (key === 0) {
        if (seen[ix] !== 0) fail('a deleted entry has no index slot', `entry ${ix}`);
        continue;
      }
      live++;
      if (seen[ix] === 0) fail('a live entry has an index slot', `entry ${ix}`);
      if (entryHash(heap.i32, word) !== hashObject(this.o, key)) fail('entry hash === hash(key)', `entry ${ix}`);
      const slot = findSlot(this.o, keys, key, entryHash(heap.i32, word));
      if (slot < 0 || slotEntryWord(heap, keys, slot) !== word) fail('each live entry is found by probing its hash', `entry ${ix}`);
    }
    if (live !== used) fail('used === live entries', `used ${used}, live ${live}`);
  }

  // ---------------------------------------------------------- type slots

  /** Drop every key and value (in entry order) and free the keys block. */
  private deallocSlot(ctx: ObjectContext, d: Ptr): void {
    const keys = ctx.heap.u32[(d + DICT_KEYS) >>> 2];
    if (keys !== 0) this.releaseKeys(ctx, keys);
  }

  private traverseSlot(d: Ptr, visit: VisitProc, arg: number): number {
    // Traverse never allocates (the slot's contract), so the view stays valid.
    const u32 = this.o.rt.heap.u32;
    const keys = u32[(d + DICT_KEYS) >>> 2];
    if (keys === 0) return 0;
    const size = getSize(u32, keys);
    for (let ix = 0, n = getNentries(u32, keys); ix < n; ix++) {
      const word = entryWord(keys, size, ix);
      const key = entryKey(u32, word);
      if (key === 0) continue;
      let result = visit(key, arg);
      if (result !== 0) return result;
      result = visit(entryValue(u32, word), arg);
      if (result !== 0) return result;
    }
    return 0;
  }

  /**
   * Detach the keys block first (the dict is then a valid empty dict), then
   * drop its references and free it: a dealloc that runs in between sees
   * (and may refill) an empty dict.
   */
  private clearSlot(ctx: ObjectContext, d: Ptr): void {
    const u32 = ctx.heap.u32;
    const keys = u32[(d + DICT_KEYS) >>> 2];
    if (keys === 0) return;
    u32[(d + DICT_KEYS) >>> 2] = 0;
    u32[(d + DICT_USED) >>> 2] = 0;
    this.releaseKeys(ctx, keys);
  }

  /** Decref each live entry's key and value, then free the block (no longer reachable from any dict). */
  private releaseKeys(ctx: ObjectContext, keys: Ptr): void {
    const size = getSize(ctx.heap.u32, keys);
    for (let ix = 0, n = getNentries(ctx.heap.u32, keys); ix < n; ix++) {
      const word = entryWord(keys, size, ix);
      const key = entryKey(ctx.heap.u32, word);
      if (key === 0) continue;
      const value = entryValue(ctx.heap.u32, word);
      ctx.decref(key); // views re-read after each: a dealloc may grow the heap
      ctx.decref(value);
    }
    ctx.allocator.free(keys);
  }

  // ------------------------------------------------------------- helpers

  /** Store `value` (already increfed) in the entry behind `slot`, then drop the old value. */
  private replaceValue(keys: Ptr, slot: number, value: Ptr): void {
    const heap = this.o.rt.heap;
    const word = slotEntryWord(heap, keys, slot);
    const old = entryValue(heap.u32, word);
    setEntryValue(heap.u32, word, value);
    this.o.rt.decref(old);
  }

  /**
   * Unlink the entry behind `slot`, decrement used, drop the key; return the
   * value, whose reference passes to the caller.
   */
  private removeSlot(d: Ptr, keys: Ptr, slot: number): Ptr {
    const heap = this.o.rt.heap;
    const word = slotEntryWord(heap, keys, slot);
    const key = entryKey(heap.u32, word);
    const value = entryValue(heap.u32, word);
    deleteEntry(heap, keys, slot);
    heap.u32[(d + DICT_USED) >>> 2] -= 1;
    this.o.rt.decref(key);
    return value;
  }

  /**
   * Make room for one more entry: a first table of DICT_MINSIZE slots, or a
   * rebuild for used * GROWTH_RATE. On OutOfMemoryError drop the references
   * the caller took on key and value, so the failed set changes nothing.
   */
  private growOrRelease(d: Ptr, key: Ptr, value: Ptr): Ptr {
    const rt = this.o.rt;
    try {
      const old = rt.heap.u32[(d + DICT_KEYS) >>> 2];
      const used = rt.heap.u32[(d + DICT_USED) >>> 2];
      const keys = old === 0 ? newKeys(rt.allocator, DICT_MINSIZE) : rebuildKeys(rt.allocator, old, used, tableSizeFor(used * GROWTH_RATE));
      rt.heap.u32[(d + DICT_KEYS) >>> 2] = keys;
      return keys;
    } catch (error) {
      rt.decref(key);
      rt.decref(value);
      throw error;
    }
  }

  /** The index slot of the str key `name` in d, or -1. */
  private findName(d: Ptr, name: string): number {
    const heap = this.o.rt.heap;
    const keys = heap.u32[(d + DICT_KEYS) >>> 2];
    if (keys === 0) return -1;
    const length = this.encodeName(name);
    const hash = hashBytesRange(this.scratch, 0, length);
    return findStrSlot(heap, this.o.str.type, keys, this.scratch, length, hash);
  }

  /** Encode `name` as UTF-8 into the scratch buffer (as str.new does: lone surrogates become U+FFFD); returns its byte length. */
  private encodeName(name: string): number {
    const n = name.length;
    if (this.scratch.length < n * UTF8_BYTES_PER_UNIT) this.scratch = new Uint8Array(n * UTF8_BYTES_PER_UNIT);
    const scratch = this.scratch;
    for (let i = 0; i < n; i++) {
      const c = name.charCodeAt(i);
      if (c >= ASCII_LIMIT) return this.encoder.encodeInto(name, scratch).written;
      scratch[i] = c;
    }
    return n;
  }

  private collect(d: Ptr, what: string, field: typeof KEYS | typeof VALUES): Ptr[] {
    this.o.expect(d, this.type, what);
    const result: Ptr[] = [];
    const u32 = this.o.rt.heap.u32;
    const keys = u32[(d + DICT_KEYS) >>> 2];
    if (keys === 0) return result;
    const size = getSize(u32, keys);
    for (let ix = 0, n = getNentries(u32, keys); ix < n; ix++) {
      const word = entryWord(keys, size, ix);
      if (entryKey(u32, word) !== 0) result.push(field === KEYS ? entryKey(u32, word) : entryValue(u32, word));
    }
    return result;
  }

  /** A short description of a key for KeyError messages (cold path). */
  private describeKey(key: Ptr): string {
    const t = this.o.rt.typeIdOf(key);
    if (t === this.o.str.type) return JSON.stringify(this.o.str.value(key));
    if (t === this.o.int.type) return String(this.o.int.value(key));
    return `<${this.o.rt.typeOf(key).name} object at ${formatPtr(key)}>`;
  }
}

const KEYS = 0;
const VALUES = 1;
