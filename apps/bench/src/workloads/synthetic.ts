import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALIGNMENT, SMALL_REQUEST_THRESHOLD } from '@pymem/core';
import { OP_FREE, OP_MALLOC, OP_REALLOC, readTrace, traceStats, type Trace, type TraceStats } from '@pymem/trace';
import type { WorkloadSpec } from './api.js';

/*
 * Synthetic allocation workloads: traces generated in memory, deterministic
 * for a seed, replayed like the bundled ones (ns/event, every contender).
 *
 * ```
 *   same_size_churn   fill a window of WINDOW 64-byte blocks, then: free a random one, malloc a new one
 *   mixed_sizes       the same churn, sizes drawn from the bundled startup trace's size histogram
 *   realloc_growth    LISTS item arrays grown one append at a time as CPython's list_resize grows them
 *                     (8-byte items), round robin; a list that reaches its length is freed, a new one starts
 *   larson            SLOTS "thread slots", round robin: slot t mallocs a block for slot t+1 and frees
 *                     the oldest block handed to it once it holds more than PER_SLOT
 * ```
 *
 * Ids are dense and reused last-freed-first, like the trace recorder's, so a
 * replayer's id -> pointer table stays small. Every trace leaves blocks live
 * at its end; the replayer frees them untimed.
 */

/** Events of one synthetic trace at --scale 1. */
export const SYNTHETIC_EVENTS = 200_000;
/** Fewest events of a scaled-down trace (enough to fill the windows below and churn). */
export const MIN_SYNTHETIC_EVENTS = 2_000;
/** Live blocks the churn workloads keep. */
const WINDOW = 4096;
/** The block size of same_size_churn: a small object (CPython's int/float sit at 32..48). */
const CHURN_SIZE = 64;
/** Lists growing at once in realloc_growth. */
const LISTS = 64;
/** A list's final length is drawn from 1..MAX_LIST_LENGTH. */
const MAX_LIST_LENGTH = 2048;
/** Bytes per list item (a PyObject pointer). */
const ITEM_SIZE = 8;
/** Thread slots in larson, and blocks a slot holds before it frees the oldest. */
const SLOTS = 4;
const PER_SLOT = 1024;
/** larson's request sizes: MIN..MAX bytes, uniform (Larson and Krishnan's small-object range). */
const LARSON_MIN = 16;
const LARSON_MAX = 256;
/** mixed_sizes: large requests are drawn from SMALL_REQUEST_THRESHOLD+1 .. this. */
const LARGE_MAX = 8192;
/** Size classes of the histogram (16-byte classes up to 512). */
const SIZE_CLASSES = SMALL_REQUEST_THRESHOLD / ALIGNMENT;

/** A small seeded PRNG (mulberry32): the same seed gives the same stream. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** An integer in lo..hi (both included). */
function between(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/**
 * Appends events to preallocated arrays and hands out dense ids.
 *
 * Invariants: every free/realloc names a live id; a malloc never binds a live id.
 */
export class TraceBuilder {
  private readonly ops: Uint8Array;
  private readonly ids: Uint32Array;
  private readonly sizes: Uint32Array;
  private readonly freeIds: number[] = [];
  private nids = 0;
  count = 0;

  constructor(readonly capacity: number) {
    this.ops = new Uint8Array(capacity);
    this.ids = new Uint32Array(capacity);
    this.sizes = new Uint32Array(capacity);
  }

  get full(): boolean {
    return this.count >= this.capacity;
  }

  malloc(size: number): number {
    const id = this.freeIds.length > 0 ? this.freeIds.pop()! : this.nids++;
    this.push(OP_MALLOC, id, size);
    return id;
  }

  realloc(id: number, size: number): void {
    this.push(OP_REALLOC, id, size);
  }

  free(id: number, size: number): void {
    this.push(OP_FREE, id, size);
    this.freeIds.push(id);
  }

  build(name: string): Trace {
    const n = this.count;
    return { name, nevents: n, nids: this.nids, flags: 0, ops: this.ops.slice(0, n), ids: this.ids.slice(0, n), sizes: this.sizes.slice(0, n) };
  }

  private push(op: number, id: number, size: number): void {
    this.ops[this.count] = op;
    this.ids[this.count] = id;
    this.sizes[this.count] = size;
    this.count++;
  }
}

/** Events of a synthetic trace at `scale`. */
export function syntheticEvents(scale: number): number {
  return Math.max(MIN_SYNTHETIC_EVENTS, Math.round(SYNTHETIC_EVENTS * scale));
}

/** Fill a window of live blocks, then replace a random one per step until `b` is full. */
function churn(b: TraceBuilder, rand: () => number, size: () => number): void {
  const live: number[] = [];
  const liveSize: number[] = [];
  while (!b.full && live.length < WINDOW) {
    const s = size();
    live.push(b.malloc(s));
    liveSize.push(s);
  }
  while (b.count + 2 <= b.capacity) {
    const k = Math.floor(rand() * live.length);
    b.free(live[k], liveSize[k]);
    const s = size();
    live[k] = b.malloc(s);
    liveSize[k] = s;
  }
}

export function sameSizeChurn(events: number, seed = 1): Trace {
  const b = new TraceBuilder(events);
  churn(b, prng(seed), () => CHURN_SIZE);
  return b.build('same_size_churn');
}

/**
 * A size sampler following a trace's request histogram: 0-byte requests,
 * the 16-byte classes up to 512 (uniform inside a class), and large ones.
 */
export function sizeSampler(stats: TraceStats, rand: () => number): () => number {
  const weights = [stats.size0, ...stats.sizeClassCounts, stats.large];
  const total = weights.reduce((a, w) => a + w, 0);
  const cumulative: number[] = [];
  let sum = 0;
  for (const w of weights) cumulative.push((sum += w));
  return () => {
    const x = rand() * total;
    let i = 0;
    while (i < cumulative.length - 1 && cumulative[i] <= x) i++;
    if (i === 0) return 0;
    if (i > SIZE_CLASSES) return between(rand, SMALL_REQUEST_THRESHOLD + 1, LARGE_MAX);
    return between(rand, (i - 1) * ALIGNMENT + 1, i * ALIGNMENT);
  };
}

export function mixedSizes(events: number, stats: TraceStats, seed = 2): Trace {
  const rand = prng(seed);
  const b = new TraceBuilder(events);
  churn(b, rand, sizeSampler(stats, rand));
  return b.build('mixed_sizes');
}

/** CPython's list_resize: the item capacity a list of `oldCapacity` gets when it must hold `newsize` items. */
export function listCapacity(newsize: number, oldCapacity: number): number {
  // Over-allocate by 1/8 plus 6, rounded down to a multiple of 4; a big jump gets exactly what it asks.
  let capacity = (newsize + (newsize >>> 3) + 6) & ~3;
  if (newsize - oldCapacity > capacity - newsize) capacity = (newsize + 3) & ~3;
  return capacity;
}

/** One list of realloc_growth: its id, items, capacity and the length it grows to. */
interface GrowingList {
  id: number;
  length: number;
  capacity: number;
  target: number;
}

export function reallocGrowth(events: number, seed = 3): Trace {
  const rand = prng(seed);
  const b = new TraceBuilder(events);
  const lists: GrowingList[] = [];
  // Each step appends to one list until its capacity runs out: that append is one realloc.
  for (let k = 0; !b.full; k = (k + 1) % LISTS) {
    let list = lists[k];
    if (list === undefined || list.length === list.target) {
      if (list !== undefined) b.free(list.id, list.capacity * ITEM_SIZE);
      if (b.full) break;
      const capacity = listCapacity(1, 0);
      list = lists[k] = { id: b.malloc(capacity * ITEM_SIZE), length: 1, capacity, target: between(rand, 1, MAX_LIST_LENGTH) };
      continue;
    }
    while (list.length < list.target && list.length < list.capacity) list.length++;
    if (list.length < list.target) {
      list.length++;
      list.capacity = listCapacity(list.length, list.capacity);
      b.realloc(list.id, list.capacity * ITEM_SIZE);
    }
  }
  return b.build('realloc_growth');
}

export function larson(events: number, seed = 4): Trace {
  const rand = prng(seed);
  const b = new TraceBuilder(events);
  // handed[t]: blocks slot t received from slot t-1, oldest first (ids and sizes).
  const handed: { id: number; size: number }[][] = Array.from({ length: SLOTS }, () => []);
  const heads = new Array<number>(SLOTS).fill(0);
  for (let t = 0; b.count + 2 <= b.capacity; t = (t + 1) % SLOTS) {
    const size = between(rand, LARSON_MIN, LARSON_MAX);
    handed[(t + 1) % SLOTS].push({ id: b.malloc(size), size });
    const mine = handed[t];
    if (mine.length - heads[t] > PER_SLOT) {
      const oldest = mine[heads[t]++];
      b.free(oldest.id, oldest.size);
    }
  }
  return b.build('larson');
}

/** The bundled startup trace's request histogram (read once per process). */
let startupStats: TraceStats | null = null;
function bundledStats(tracesDir: string, file: string): TraceStats {
  startupStats ??= traceStats(readTrace(readFileSync(join(tracesDir, file)), file));
  return startupStats;
}

/** The four synthetic workloads at `scale`; `tracesDir()` finds the trace mixed_sizes follows. */
export function syntheticWorkloads(scale: number, tracesDir: () => string, sizeTrace: string): WorkloadSpec[] {
  const n = syntheticEvents(scale);
  const source = (what: string): string => `synthetic: ${what}, ${n} events, seeded`;
  return [
    { name: 'same_size_churn', summary: SYNTHETIC_SUMMARIES.same_size_churn, source: source('same-size churn'), load: () => sameSizeChurn(n) },
    {
      name: 'mixed_sizes',
      summary: SYNTHETIC_SUMMARIES.mixed_sizes,
      source: source(`churn with ${sizeTrace}'s size distribution`),
      load: () => mixedSizes(n, bundledStats(tracesDir(), sizeTrace)),
    },
    { name: 'realloc_growth', summary: SYNTHETIC_SUMMARIES.realloc_growth, source: source('list growth by realloc'), load: () => reallocGrowth(n) },
    { name: 'larson', summary: SYNTHETIC_SUMMARIES.larson, source: source('larson-like producer/consumer'), load: () => larson(n) },
  ];
}

/** One line each for --help and the README. */
export const SYNTHETIC_SUMMARIES = {
  same_size_churn: `synthetic: ${WINDOW} live ${CHURN_SIZE}-byte blocks, a random one freed and replaced per step (200,000 events at --scale 1)`,
  mixed_sizes: `synthetic: the same churn, sizes drawn from the startup trace's histogram (0 B, 16-byte classes, > 512 B)`,
  realloc_growth: `synthetic: ${LISTS} lists' item arrays grown one append at a time by CPython's list_resize rule (realloc), freed at 1..${MAX_LIST_LENGTH} items`,
  larson: `synthetic: larson-like, ${SLOTS} thread slots round robin; blocks (${LARSON_MIN}..${LARSON_MAX} B) are allocated in one slot and freed by the next`,
} as const;
