import type { Ptr } from '@pymem/core';
import type { Runtime } from '@pymem/refcount';
import type { Objects } from '@pymem/objects';
import type { Facts, Laps, RuntimeWorkloadSpec, WorkloadRun } from '../../runtime/api.js';
import { FIRST_UNCACHED_INT, shortStrings } from './inputs.js';

/*
 * churn: the most common thing a Python program does with memory, making a
 * small object and dropping it a little later. Each step makes one object,
 * the four kinds in turn, and it replaces the object made RING_SIZE steps
 * earlier in a ring of live objects:
 *
 * ```
 *   step i:  kind i % 4      0 int      FIRST_UNCACHED_INT + i (one 30-bit digit, never the small-int cache)
 *                            1 float    i + 0.5
 *                            2 str      one of SHORT_STRINGS texts, 3 to 8 ASCII characters
 *                            3 tuple    (ring[i - 1], ring[i - 2]): a 2-tuple of the two previous objects
 *            ring[i % 64] := it; the object it replaces is decrefed (freed, unless a tuple holds it)
 * ```
 *
 * At most RING_SIZE objects (plus the ones a live tuple holds) are live at
 * once, so the workload measures the allocator's fast paths: a block freed is
 * soon reused by the same size class. One op = one object made (and, in
 * steady state, one freed). Every object is dropped by the end of the run.
 */

/** Objects kept live: a power of two, so the slot is i & RING_MASK. */
const RING_SIZE = 64;
const RING_MASK = RING_SIZE - 1;
/** Object kinds made in turn: int, float, str, tuple. */
const KIND_COUNT = 4;
const KIND_INT = 0;
const KIND_FLOAT = 1;
const KIND_STR = 2;
/** Added to a float's step so it is never integral. */
const FLOAT_OFFSET = 0.5;
/** The texts the str steps take in turn (a power of two). */
const SHORT_STRINGS = 256;
const SHORT_STRING_MASK = SHORT_STRINGS - 1;
/** Steps at --scale 1. */
const CHURN_SIZE = 400_000;

class ChurnRun implements WorkloadRun {
  private readonly rt: Runtime;
  private readonly ring = new Uint32Array(RING_SIZE);
  /** The items of each tuple, reused: tuple.new copies them. */
  private readonly pair: Ptr[] = [0, 0];
  private readonly texts: readonly string[];

  constructor(
    private readonly o: Objects,
    private readonly size: number,
  ) {
    this.rt = o.rt;
    this.texts = shortStrings(SHORT_STRINGS);
  }

  run(_laps: Laps, facts: Facts | null): void {
    const { o, rt, ring, pair, texts, size } = this;
    for (let i = 0; i < size; i++) {
      const kind = i % KIND_COUNT;
      let obj: Ptr;
      if (kind === KIND_INT) obj = o.int.new(FIRST_UNCACHED_INT + i);
      else if (kind === KIND_FLOAT) obj = o.float.new(i + FLOAT_OFFSET);
      else if (kind === KIND_STR) obj = o.str.new(texts[i & SHORT_STRING_MASK]);
      else {
        pair[0] = ring[(i - 1) & RING_MASK];
        pair[1] = ring[(i - 2) & RING_MASK];
        obj = o.tuple.new(pair);
      }
      const slot = i & RING_MASK;
      const old = ring[slot];
      ring[slot] = obj;
      if (old !== 0) rt.decref(old);
    }
    if (facts !== null) facts.ringLiveAtEnd = countLive(ring);
    dropAll(rt, ring);
  }
}

function countLive(ring: Uint32Array): number {
  let n = 0;
  for (let i = 0; i < ring.length; i++) if (ring[i] !== 0) n++;
  return n;
}

/** Decref every object in the ring and empty it. */
function dropAll(rt: Runtime, ring: Uint32Array): void {
  for (let i = 0; i < ring.length; i++) {
    if (ring[i] !== 0) rt.decref(ring[i]);
    ring[i] = 0;
  }
}

export const churnWorkload: RuntimeWorkloadSpec = {
  name: 'churn',
  suite: 'objects',
  summary: `make and drop small objects (int, float, short str, 2-tuple in turn), ${RING_SIZE} live at once; ns/object`,
  unit: 'object',
  phases: ['churn'],
  headline: 0,
  size: CHURN_SIZE,
  ops: (size) => [size],
  prepare: (py, size) => new ChurnRun(py, size),
};
