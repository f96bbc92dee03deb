/**
 * The keys block of a dict: CPython 3.6+'s compact dict table, in one block
 * of the runtime's allocator (a side buffer, not an object).
 *
 * ```
 *   keys ──> +0   dk_size     (u32)   index slots: a power of two >= DICT_MINSIZE (8)
 *            +4   dk_usable   (u32)   entries that can still be appended
 *            +8   dk_nentries (u32)   entries appended so far (live + deleted)
 *            +12  dk_indices  ──────  dk_size slots of IX bytes each, IX = 1 (i8) if
 *                 │ i │ i │ ... │        dk_size <= 128, 2 (i16) if <= 2^15, else 4 (i32);
 *                 └───┴───┴─────┘        EMPTY (-1), DUMMY (-2) or an entry number
 *            +12 + dk_size * IX
 *                 dk_entries  ──────  usableFraction(dk_size) entries of 12 bytes,
 *                 ┌──────────┬─────────┬───────────┐  in insertion order:
 *                 │ hash i32 │ key u32 │ value u32 │  [0, dk_nentries) written,
 *                 └──────────┴─────────┴───────────┘  the rest never read
 * ```
 *
 * Why two tables: the index table is the sparse hash table (2/3 full at
 * most) but each slot is 1-4 bytes; the 12-byte entries are dense and
 * ordered. So a dict keeps insertion order for free and a small dict costs
 * 12 + 8 + 5 * 12 = 80 bytes.
 *
 * States of an index slot:
 *   EMPTY ──(insert)──> entry number ──(delete)──> DUMMY ──(insert reuses it)──> entry number
 *   (only a rebuild turns DUMMY back into EMPTY; an insert takes the first
 *   EMPTY or DUMMY slot on its probe path, the key being known absent)
 * States of an entry:
 *   unwritten ──(insert)──> live (key != 0) ──(delete)──> deleted (key = value = 0)
 *   (deleted entries stay until the next rebuild compacts them away)
 *
 * Probing (CPython's): start at `hash & mask` with `perturb` = the unsigned
 * hash; then `perturb >>>= 5; i = (i * 5 + perturb + 1) & mask`. Once
 * perturb is 0 the recurrence i -> 5i + 1 (mod 2^k) visits every slot, so
 * every probe ends at an EMPTY slot (there is always one, see below).
 *
 * Invariants:
 * - dk_usable + dk_nentries === usableFraction(dk_size) < dk_size;
 * - each live entry has exactly one index slot, a deleted entry none; each
 *   entry ever written made at most one slot non-EMPTY (a reused DUMMY made
 *   none), so non-EMPTY slots <= dk_nentries < dk_size: some slot is EMPTY;
 * - each live entry is found by probing from its hash, before any EMPTY slot;
 * - the owning dict's `used` === number of live entries.
 *
 * Equality during a lookup is ours (keys.ts) and runs no user code, so a
 * key's __eq__ cannot mutate the dict mid-probe: no CPython-style re-check
 * of the table after each comparison is needed.
 */
import { OB_TYPE, OB_TYPE_ID_MASK, type Allocator, type Heap, type Ptr } from '@pymem/core';
import { objectsEqual } from './keys.js';
import { STR_BYTE_LENGTH, STR_DATA, WORD } from './layout.js';
import type { Objects } from './objects.js';

// ─────────────────────────────── layout ───────────────────────────────

export const DK_SIZE = 0;
export const DK_USABLE = DK_SIZE + WORD;
export const DK_NENTRIES = DK_USABLE + WORD;
export const DK_INDICES = DK_NENTRIES + WORD;

export const ENTRY_HASH = 0;
export const ENTRY_KEY = ENTRY_HASH + WORD;
export const ENTRY_VALUE = ENTRY_KEY + WORD;
export const ENTRY_SIZE = ENTRY_VALUE + WORD;
/** Words per entry (ENTRY_SIZE / WORD). */
const ENTRY_WORDS = ENTRY_SIZE / WORD;
/** Word offsets of the entry fields, for u32/i32 indexing. */
const EW_HASH = ENTRY_HASH / WORD;
const EW_KEY = ENTRY_KEY / WORD;
const EW_VALUE = ENTRY_VALUE / WORD;

/** Index slot values that are not entry numbers. */
export const DKIX_EMPTY = -1;
export const DKIX_DUMMY = -2;
/** Byte that fills a fresh index table: -1 (EMPTY) at every width is all ones. */
const EMPTY_FILL_BYTE = 0xff;

/** Smallest index table (PyDict_MINSIZE). */
export const DICT_MINSIZE = 8;
/** Largest dk_size with i8 index slots, with i16 ones; larger ones use i32. */
export const IX8_MAX_SIZE = 1 << 7;
export const IX16_MAX_SIZE = 1 << 15;
const IX8 = 1;
const IX16 = 2;
const IX32 = 4;
/** Bits shifted out of perturb per probe. */
export const PERTURB_SHIFT = 5;
/** Multiplier of the probe recurrence i = i * PROBE_MULTIPLIER + perturb + 1. */
const PROBE_MULTIPLIER = 5;
/** A full table is rebuilt for used * GROWTH_RATE slots (rounded up to a power of two). */
export const GROWTH_RATE = 3;

/** Entries a table of `size` index slots can hold: 2/3 of it (USABLE_FRACTION). */
export function usableFraction(size: number): number {
  return ((size << 1) / 3) | 0;
}

/** Bytes per index slot for a table of `size` slots. */
export function indexWidth(size: number): number {
  return size <= IX8_MAX_SIZE ? IX8 : size <= IX16_MAX_SIZE ? IX16 : IX32;
}

/** Bytes of a keys block with `size` index slots. */
export function keysBlockBytes(size: number): number {
  return DK_INDICES + size * indexWidth(size) + usableFraction(size) * ENTRY_SIZE;
}

/** Smallest table size (a power of two >= DICT_MINSIZE) that is >= `minsize`. */
export function tableSizeFor(minsize: number): number {
  let size = DICT_MINSIZE;
  while (size < minsize) size <<= 1;
  return size;
}

/** Byte address of the first entry of a keys block of `size` slots. */
export function entriesStart(keys: Ptr, size: number): number {
  return keys + DK_INDICES + size * indexWidth(size);
}

/** Word index (into u32/i32) of entry `ix`. */
export function entryWord(keys: Ptr, size: number, ix: number): number {
  return (entriesStart(keys, size) >>> 2) + ix * ENTRY_WORDS;
}

// ──────────────────────────── header access ───────────────────────────

export function getSize(u32: Uint32Array, keys: Ptr): number {
  return u32[(keys + DK_SIZE) >>> 2];
}
export function getUsable(u32: Uint32Array, keys: Ptr): number {
  return u32[(keys + DK_USABLE) >>> 2];
}
export function getNentries(u32: Uint32Array, keys: Ptr): number {
  return u32[(keys + DK_NENTRIES) >>> 2];
}
export function entryHash(i32: Int32Array, word: number): number {
  return i32[word + EW_HASH];
}
export function entryKey(u32: Uint32Array, word: number): Ptr {
  return u32[word + EW_KEY];
}
export function entryValue(u32: Uint32Array, word: number): Ptr {
  return u32[word + EW_VALUE];
}
export function setEntryValue(u32: Uint32Array, word: number, value: Ptr): void {
  u32[word + EW_VALUE] = value;
}

// ───────────────────────────── index table ────────────────────────────

/** Index slot `i` of the table at byte `base` with `width`-byte slots (sign-extended). */
export function readIndex(heap: Heap, base: number, width: number, i: number): number {
  const u8 = heap.u8;
  if (width === IX8) return (u8[base + i] << 24) >> 24;
  if (width === IX16) {
    const p = base + (i << 1);
    return ((u8[p] | (u8[p + 1] << 8)) << 16) >> 16;
  }
  return heap.i32[(base + (i << 2)) >>> 2];
}

/** Store `ix` in index slot `i` (little-endian, as the heap's views are). */
export function writeIndex(heap: Heap, base: number, width: number, i: number, ix: number): void {
  const u8 = heap.u8;
  if (width === IX8) {
    u8[base + i] = ix;
  } else if (width === IX16) {
    const p = base + (i << 1);
    u8[p] = ix;
    u8[p + 1] = ix >> 8;
  } else {
    heap.i32[(base + (i << 2)) >>> 2] = ix;
  }
}

// ─────────────────────────────── probing ──────────────────────────────

/**
 * The index slot whose entry holds a key equal to `key` (whose hash is
 * `hash`), or -1 when there is none.
 */
export function findSlot(o: Objects, keys: Ptr, key: Ptr, hash: number): number {
  const heap = o.rt.heap;
  const u32 = heap.u32;
  const i32 = heap.i32;
  const size = u32[(keys + DK_SIZE) >>> 2];
  const mask = size - 1;
  const width = indexWidth(size);
  const base = keys + DK_INDICES;
  const entries = (base + size * width) >>> 2;
  let perturb = hash >>> 0;
  let i = perturb & mask;
  for (;;) {
    const ix = readIndex(heap, base, width, i);
    if (ix === DKIX_EMPTY) return -1;
    if (ix >= 0) {
      const word = entries + ix * ENTRY_WORDS;
      const k = u32[word + EW_KEY];
      if (k === key || (i32[word + EW_HASH] === hash && objectsEqual(o, k, key))) return i;
    }
    perturb >>>= PERTURB_SHIFT;
    i = (i * PROBE_MULTIPLIER + perturb + 1) & mask;
  }
}

/**
 * findSlot for a str key given as UTF-8 bytes (`bytes[0, length)`, hash
 * `hash`): compares the bytes of str keys in place, so a lookup by a JS
 * string needs no str object.
 */
export function findStrSlot(heap: Heap, strType: number, keys: Ptr, bytes: Uint8Array, length: number, hash: number): number {
  const u32 = heap.u32;
  const i32 = heap.i32;
  const size = u32[(keys + DK_SIZE) >>> 2];
  const mask = size - 1;
  const width = indexWidth(size);
  const base = keys + DK_INDICES;
  const entries = (base + size * width) >>> 2;
  let perturb = hash >>> 0;
  let i = perturb & mask;
  for (;;) {
    const ix = readIndex(heap, base, width, i);
    if (ix === DKIX_EMPTY) return -1;
    if (ix >= 0) {
      const word = entries + ix * ENTRY_WORDS;
      if (i32[word + EW_HASH] === hash && strKeyEquals(heap, strType, u32[word + EW_KEY], bytes, length)) return i;
    }
    perturb >>>= PERTURB_SHIFT;
    i = (i * PROBE_MULTIPLIER + perturb + 1) & mask;
  }
}

/** Whether `key` is a str whose UTF-8 bytes are `bytes[0, length)`. */
function strKeyEquals(heap: Heap, strType: number, key: Ptr, bytes: Uint8Array, length: number): boolean {
  const u32 = heap.u32;
  if ((u32[(key + OB_TYPE) >>> 2] & OB_TYPE_ID_MASK) !== strType) return false;
  if (u32[(key + STR_BYTE_LENGTH) >>> 2] !== length) return false;
  const u8 = heap.u8;
  const data = key + STR_DATA;
  for (let j = 0; j < length; j++) if (u8[data + j] !== bytes[j]) return false;
  return true;
}

/** The first EMPTY or DUMMY slot on `hash`'s probe path (the key is known to be absent). */
function findEmptySlot(heap: Heap, base: number, width: number, mask: number, hash: number): number {
  let perturb = hash >>> 0;
  let i = perturb & mask;
  while (readIndex(heap, base, width, i) >= 0) {
    perturb >>>= PERTURB_SHIFT;
    i = (i * PROBE_MULTIPLIER + perturb + 1) & mask;
  }
  return i;
}

// ───────────────────────────── mutation ───────────────────────────────

/**
 * Append a new entry (the key is known to be absent; dk_usable > 0) and
 * point an index slot at it. Stores the references as given (the caller
 * has increfed them).
 */
export function appendEntry(heap: Heap, keys: Ptr, hash: number, key: Ptr, value: Ptr): void {
  const u32 = heap.u32;
  const size = u32[(keys + DK_SIZE) >>> 2];
  const width = indexWidth(size);
  const ix = u32[(keys + DK_NENTRIES) >>> 2];
  const slot = findEmptySlot(heap, keys + DK_INDICES, width, size - 1, hash);
  writeIndex(heap, keys + DK_INDICES, width, slot, ix);
  const word = entryWord(keys, size, ix);
  heap.i32[word + EW_HASH] = hash;
  u32[word + EW_KEY] = key;
  u32[word + EW_VALUE] = value;
  u32[(keys + DK_NENTRIES) >>> 2] = ix + 1;
  u32[(keys + DK_USABLE) >>> 2] -= 1;
}

/**
 * Unlink the entry behind index slot `slot`: the slot becomes DUMMY, the
 * entry deleted (key = value = 0). The caller reads the key and value
 * first: their references are now its to drop.
 */
export function deleteEntry(heap: Heap, keys: Ptr, slot: number): void {
  const u32 = heap.u32;
  const size = u32[(keys + DK_SIZE) >>> 2];
  const width = indexWidth(size);
  const ix = readIndex(heap, keys + DK_INDICES, width, slot);
  writeIndex(heap, keys + DK_INDICES, width, slot, DKIX_DUMMY);
  const word = entryWord(keys, size, ix);
  u32[word + EW_KEY] = 0;
  u32[word + EW_VALUE] = 0;
}

/** Word index of the entry behind index slot `slot` (which must hold an entry number). */
export function slotEntryWord(heap: Heap, keys: Ptr, slot: number): number {
  const size = heap.u32[(keys + DK_SIZE) >>> 2];
  return entryWord(keys, size, readIndex(heap, keys + DK_INDICES, indexWidth(size), slot));
}

// ───────────────────────── allocation, rebuild ────────────────────────

/** A fresh, empty keys block of `size` index slots (all EMPTY). OutOfMemoryError, nothing changed, on failure. */
export function newKeys(allocator: Allocator, size: number): Ptr {
  const keys = allocator.malloc(keysBlockBytes(size));
  const heap = allocator.heap;
  const u32 = heap.u32;
  u32[(keys + DK_SIZE) >>> 2] = size;
  u32[(keys + DK_USABLE) >>> 2] = usableFraction(size);
  u32[(keys + DK_NENTRIES) >>> 2] = 0;
  heap.u8.fill(EMPTY_FILL_BYTE, keys + DK_INDICES, keys + DK_INDICES + size * indexWidth(size));
  return keys;
}

/**
 * A new keys block of `size` slots holding the live entries of `old` in
 * their order (deleted ones compacted away, DUMMYs gone); `old` is freed.
 * `used` is the number of live entries. On OutOfMemoryError `old` is
 * untouched.
 */
export function rebuildKeys(allocator: Allocator, old: Ptr, used: number, size: number): Ptr {
  const keys = newKeys(allocator, size);
  const heap = allocator.heap;
  const u32 = heap.u32;
  const i32 = heap.i32;
  const oldSize = u32[(old + DK_SIZE) >>> 2];
  const nentries = u32[(old + DK_NENTRIES) >>> 2];
  const from = entryWord(old, oldSize, 0);
  const to = entryWord(keys, size, 0);
  if (nentries === used) {
    u32.copyWithin(to, from, from + used * ENTRY_WORDS); // no holes: one copy
  } else {
    let n = 0;
    for (let ix = 0; ix < nentries; ix++) {
      const src = from + ix * ENTRY_WORDS;
      if (u32[src + EW_KEY] === 0) continue;
      u32.copyWithin(to + n * ENTRY_WORDS, src, src + ENTRY_WORDS);
      n++;
    }
  }
  const width = indexWidth(size);
  const base = keys + DK_INDICES;
  for (let ix = 0; ix < used; ix++) {
    writeIndex(heap, base, width, findEmptySlot(heap, base, width, size - 1, i32[to + ix * ENTRY_WORDS + EW_HASH]), ix);
  }
  u32[(keys + DK_NENTRIES) >>> 2] = used;
  u32[(keys + DK_USABLE) >>> 2] = usableFraction(size) - used;
  allocator.free(old);
  return keys;
}
