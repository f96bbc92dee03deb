/**
 * The collector's state block: one allocator block in the heap that holds
 * every figure the collector keeps, so its state lives with the objects.
 *
 * ```
 *   state block (STATE_BYTES = 64, 16-aligned, from the runtime's allocator)
 *   +0   all            u32  sentinel of the list of every tracked GC object
 *   +4   unreachable    u32  sentinel of the garbage list (empty between collections)
 *   +8   roots          u32  root table block (roots.ts), 0 until the first addRoot
 *   +12  count          u32  GC objects created - destroyed since the last collection
 *   +16  threshold      u32  automatic collection when count reaches it; 0: never
 *   +20  flags          u32  ENABLED | COLLECTING
 *   +24  collections    u32  collections run
 *   +28  marked         u32  ┐
 *   +32  swept          u32  │ figures of the last collection
 *   +36  collected      u32  │
 *   +40  resurrected    u32  ┘
 *   +44  (unused)
 *   +48  totalCollected f64  objects freed by all collections
 *   +56  lastPauseMs    f64  wall time of the last collection
 * ```
 *
 * Flags: ENABLED (automatic collection allowed), COLLECTING (a collection
 * is running: automatic ones are skipped and collect() returns at once, as
 * CPython's gc does when a finalizer calls gc.collect()).
 *
 * Invariants:
 * - count >= 0: a destruction when count is 0 leaves it at 0 (no credit is
 *   built up by freeing old objects), as CPython's count0;
 * - COLLECTING is set exactly while collect() runs;
 * - unreachable is empty whenever COLLECTING is clear.
 */
import type { Ptr } from '@pymem/core';

const WORD = 4;
const F64 = 8;

export const STATE_ALL = 0;
export const STATE_UNREACHABLE = STATE_ALL + WORD;
export const STATE_ROOTS = STATE_UNREACHABLE + WORD;
export const STATE_COUNT = STATE_ROOTS + WORD;
export const STATE_THRESHOLD = STATE_COUNT + WORD;
export const STATE_FLAGS = STATE_THRESHOLD + WORD;
export const STATE_COLLECTIONS = STATE_FLAGS + WORD;
export const STATE_MARKED = STATE_COLLECTIONS + WORD;
export const STATE_SWEPT = STATE_MARKED + WORD;
export const STATE_COLLECTED = STATE_SWEPT + WORD;
export const STATE_RESURRECTED = STATE_COLLECTED + WORD;
/** First f64 field, on an 8-byte boundary after the u32 fields. */
export const STATE_TOTAL_COLLECTED = alignToF64(STATE_RESURRECTED + WORD);
export const STATE_LAST_PAUSE = STATE_TOTAL_COLLECTED + F64;
export const STATE_BYTES = STATE_LAST_PAUSE + F64;

/** flags: automatic collection is enabled. */
export const FLAG_ENABLED = 1 << 0;
/** flags: a collection is running. */
export const FLAG_COLLECTING = 1 << 1;

function alignToF64(offset: number): number {
  return (offset + F64 - 1) & ~(F64 - 1);
}

/** u32 index of a u32 field of the state block at `state`. */
export function stateIndex(state: Ptr, field: number): number {
  return (state + field) >>> 2;
}

/** f64 index of an f64 field of the state block at `state`. */
export function stateF64Index(state: Ptr, field: number): number {
  return (state + field) >>> 3;
}
