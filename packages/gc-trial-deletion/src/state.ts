/**
 * The collector's state block: one block from the runtime's allocator that
 * holds the three list sentinels and every figure the collector keeps, so
 * its state lives in the heap with the objects.
 *
 * ```
 *   state block (STATE_BYTES = 80, 16-aligned)
 *   +0   ┌ gc_next ┐ buffer sentinel: the purple candidates   (list = state + 8)
 *   +4   └ gc_prev ┘
 *   +8   length       u32  candidates in the buffer (the sentinel's "refcount" word)
 *   +12  bufferSize   u32  automatic collection when length reaches it
 *   +16  ┌ gc_next ┐ held sentinel: survivors of the last disposal (list = state + 24)
 *   +20  └ gc_prev ┘
 *   +24  flags        u32  COLLECTING
 *   +28  collections  u32  collections run
 *   +32  ┌ gc_next ┐ garbage sentinel: the whites being disposed of (list = state + 40)
 *   +36  └ gc_prev ┘
 *   +40  automatic    u32  collections a full buffer started
 *   +44  maxBuffer    u32  high-water mark of length
 *   +48  collected    f64  objects freed by all collections
 *   +56  examined     f64  objects coloured gray by all collections
 *   +64  lastExamined u32  ┐ the last collection
 *   +68  lastCollected u32 ┘
 *   +72  (unused)
 * ```
 *
 * A sentinel is the GC head of a pretend object at `list`: its gc_next and
 * gc_prev sit at list - 8 and list - 4 like an object's, so gc-common's list
 * functions take it as they take newList's sentinels. Nothing reads a
 * sentinel's refcount or type word, which is why the buffer's length and
 * bufferSize can live there.
 *
 * Invariants:
 * - length == the number of objects in the buffer list;
 * - COLLECTING is set exactly while collect() runs;
 * - the garbage list is empty whenever COLLECTING is clear;
 * - maxBuffer >= length.
 */
import type { Ptr } from '@pymem/core';

const WORD = 4;
const F64 = 8;
/** Bytes of one embedded sentinel: its two GC-head words, then two words of its own. */
const SENTINEL_STRIDE = 4 * WORD;
/** Offset of a sentinel's list pointer from the sentinel's first word. */
const SENTINEL_LIST = 2 * WORD;

export const STATE_BUFFER = SENTINEL_LIST;
export const STATE_LENGTH = STATE_BUFFER;
export const STATE_BUFFER_SIZE = STATE_LENGTH + WORD;
export const STATE_HELD = SENTINEL_STRIDE + SENTINEL_LIST;
export const STATE_FLAGS = STATE_HELD;
export const STATE_COLLECTIONS = STATE_FLAGS + WORD;
export const STATE_GARBAGE = 2 * SENTINEL_STRIDE + SENTINEL_LIST;
export const STATE_AUTOMATIC = STATE_GARBAGE;
export const STATE_MAX_BUFFER = STATE_AUTOMATIC + WORD;
export const STATE_COLLECTED = STATE_MAX_BUFFER + WORD;
export const STATE_EXAMINED = STATE_COLLECTED + F64;
export const STATE_LAST_EXAMINED = STATE_EXAMINED + F64;
export const STATE_LAST_COLLECTED = STATE_LAST_EXAMINED + WORD;
/** Rounded up to a multiple of 16 (ALIGNMENT): 80. */
export const STATE_BYTES = (STATE_LAST_COLLECTED + WORD + 15) & ~15;

/** flags: a collection is running (automatic ones are skipped, collect() returns at once). */
export const FLAG_COLLECTING = 1 << 0;

/** u32 index of a u32 field of the state block at `state`. */
export function stateIndex(state: Ptr, field: number): number {
  return (state + field) >>> 2;
}

/** f64 index of an f64 field (8-aligned: the block is 16-aligned and the fields are at multiples of 8). */
export function stateF64Index(state: Ptr, field: number): number {
  return (state + field) >>> 3;
}
