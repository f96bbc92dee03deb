/**
 * The collector's state, kept in one block of the heap (CPython's
 * `struct _gc_runtime_state`): the heads of the generation lists, their
 * thresholds and counts, the flags, the long-lived bookkeeping and the
 * per-generation statistics. JS fields of the collector only cache the
 * sentinel pointers and word indices read from here.
 *
 * ```
 *   state ──> +0   ┌──────────────────────┐
 *   (u32      word │ gen0 head            │ sentinel of generation 0's list
 *    words)   0..2 │ gen0 threshold       │ (newList: a 16-byte block elsewhere)
 *                  │ gen0 count           │
 *             3..5 │ gen1 head/thr./count │
 *             6..8 │ gen2 head/thr./count │
 *             9    │ permanent head       │ gc.freeze()'s list, never collected
 *             10   │ unreachable head     │ scratch list of one collection
 *             11   │ flags                │ ENABLED | COLLECTING
 *             12   │ debug                │ DEBUG_* bits (gc.set_debug)
 *             13   │ long_lived_total     │ objects in gen2 after the last full collection
 *             14   │ long_lived_pending   │ objects promoted to gen2 since then
 *             15   │ (padding)            │
 *   +64  (f64 16..)│ stats[gen][3]        │ collections, collected, uncollectable
 *                  └──────────────────────┘  (f64: may pass 2^32 in a long run)
 * ```
 *
 * What the counts mean (CPython's):
 *   count0 = GC objects created - GC objects destroyed since the last
 *            collection (never below 0);
 *   count1 = collections of generation 0 since generation 1 was collected;
 *   count2 = collections of generation 1 since generation 2 was collected.
 *
 * Invariants:
 * - each head is a sentinel whose list holds only tracked GC objects, and
 *   every tracked object is in exactly one of gen0, gen1, gen2, permanent
 *   (or, during a collection, unreachable);
 * - unreachable is empty between collections;
 * - COLLECTING is set iff a collection is running.
 */
import type { Heap } from '@pymem/core';

/** CPython's NUM_GENERATIONS. */
export const NUM_GENERATIONS = 3;
/** The oldest generation: collecting it is a full collection. */
export const OLDEST = NUM_GENERATIONS - 1;

/** Words per generation record, and their offsets within it. */
export const GEN_HEAD = 0;
export const GEN_THRESHOLD = 1;
export const GEN_COUNT = 2;
export const GEN_WORDS = 3;

export const PERMANENT_HEAD = NUM_GENERATIONS * GEN_WORDS;
export const UNREACHABLE_HEAD = PERMANENT_HEAD + 1;
export const FLAGS = UNREACHABLE_HEAD + 1;
export const DEBUG = FLAGS + 1;
export const LONG_LIVED_TOTAL = DEBUG + 1;
export const LONG_LIVED_PENDING = LONG_LIVED_TOTAL + 1;

const WORD_BYTES = 4;
const F64_BYTES = 8;
/** Stats start at the first 8-aligned word after the fields above. */
const STATS_WORD = (LONG_LIVED_PENDING + 2) & ~1;
/** Per generation: collections, collected, uncollectable. */
export const STAT_COLLECTIONS = 0;
export const STAT_COLLECTED = 1;
export const STAT_UNCOLLECTABLE = 2;
export const STAT_FIELDS = 3;
export const STATE_BYTES = STATS_WORD * WORD_BYTES + NUM_GENERATIONS * STAT_FIELDS * F64_BYTES;

/** Bits of the FLAGS word. */
export const ENABLED = 1 << 0;
export const COLLECTING = 1 << 1;

/** CPython's default thresholds since 3.13: (2000, 10, 10). */
export const DEFAULT_THRESHOLDS: readonly [number, number, number] = [2000, 10, 10];

/** u32 index of word `w` of the state block at `state`. */
export function stateWord(state: number, w: number): number {
  return (state >>> 2) + w;
}

/** u32 index of field `field` (GEN_*) of generation `gen`. */
export function genWord(state: number, gen: number, field: number): number {
  return (state >>> 2) + gen * GEN_WORDS + field;
}

/** f64 index of statistic `stat` (STAT_*) of generation `gen`. */
export function statIndex(state: number, gen: number, stat: number): number {
  return ((state + STATS_WORD * WORD_BYTES) >>> 3) + gen * STAT_FIELDS + stat;
}

/** Zero a freshly allocated state block. */
export function clearState(heap: Heap, state: number): void {
  heap.u8.fill(0, state, state + STATE_BYTES);
}
