import { ALIGNMENT, HEAP_PAGE_SIZE, formatPtr } from '@pymem/core';
import { MemPool, type MemPoolOpts } from '@thi.ng/malloc';
import { OP_CALLOC, OP_FREE, OP_MALLOC, OP_REALLOC, type Trace } from '@pymem/trace';
import { ContenderError } from '../errors.js';
import { formatBytes, formatCount } from '../report/format.js';
import type { WorkerContenderSpec, MeasureResult, ProgressSink, ReplayJob, ReplaySubject } from './api.js';

/*
 * `thing`: @thi.ng/malloc's MemPool, a first-fit allocator over one fixed
 * ArrayBuffer (address-sorted free list, singly linked used list).
 *
 * ```
 *   0                 STATE_BYTES                        top            end
 *   +-----------------+---------+------+---------+------+--------------+
 *   | pool state (28) | hdr|data| ...  | hdr|data| ...  |  never used  |
 *   +-----------------+---------+------+---------+------+--------------+
 *   |<------------ peak reserved = high-water of top --->|
 *   |<------ buffer (THING_HEADROOM x peak live + realloc leak + ...) -->|
 * ```
 *
 * The buffer is sized up front (MemPool cannot grow); what the trace really
 * needed is the high-water mark of `top`, the end of the carved region.
 * MemPool returns NULL for 0-byte requests, so they are served as 1 byte,
 * which is what CPython does with them too (libc `malloc(1)`).
 *
 * Tricky: MemPool.realloc (6.1.150) leaks the old block when it has to move
 * it: it calls free() with the block's header address instead of its data
 * address, which free() does not find. The leaked blocks stay on the used
 * list, so they make later frees slower and raise the high-water mark. We
 * replay the library as it is, count the leak in the measuring pass (it is
 * reported with the results), and reset the pool with freeAll() after each
 * replay so every run starts from the same empty pool.
 */

/** Block alignment: pymem's, so every contender hands out 16-byte aligned blocks. */
const THING_ALIGN = ALIGNMENT as MemPoolOpts['align'];
/** Buffer size as a multiple of the trace's peak live bytes. */
const THING_HEADROOM = 4;
/** MemPool's per-block header (size + next, two u32). */
const THING_BLOCK_HEADER = 8;
/** Worst-case bytes a block costs beyond its request: header plus alignment padding. */
const THING_BLOCK_OVERHEAD = THING_BLOCK_HEADER + ALIGNMENT;
/** Smallest buffer we hand MemPool, so tiny traces still fit. */
const THING_MIN_BYTES = 16 * HEAP_PAGE_SIZE;
/** MemPool addresses are u32 byte offsets. */
const THING_MAX_BYTES = 2 ** 32 - HEAP_PAGE_SIZE;
/** Events between two progress reports in the measuring pass. */
const PROGRESS_EVERY = 1 << 16;

/** MemPool with its `top` readable: the only way to see its high-water mark per event. */
class ThingPool extends MemPool {
  /** End of the region carved so far (MemPool's STATE_TOP). */
  get topAddress(): number {
    return this.top;
  }
}

/**
 * Bytes MemPool's realloc may leak in one replay of `trace`: every realloc
 * may move its block and leak the old one (see above), so the sum of the
 * old sizes plus a block's overhead each. Realloc-heavy traces
 * (realloc_growth) cannot finish without this room.
 */
export function reallocLeakBound(trace: Trace): number {
  const { ops, ids, sizes, nevents } = trace;
  const current = new Float64Array(trace.nids);
  let bound = 0;
  for (let i = 0; i < nevents; i++) {
    if (ops[i] === OP_REALLOC) bound += current[ids[i]] + THING_BLOCK_OVERHEAD;
    if (ops[i] !== OP_FREE) current[ids[i]] = sizes[i];
  }
  return bound;
}

/** The fixed buffer we give MemPool for this trace, rounded up to a page: headroom over peak live, plus the realloc leak's. */
export function thingBufferBytes(job: Pick<ReplayJob, 'peakLiveBytes' | 'peakLiveBlocks'> & { trace?: Trace }): number {
  const leak = job.trace === undefined ? 0 : reallocLeakBound(job.trace);
  const want = THING_HEADROOM * job.peakLiveBytes + job.peakLiveBlocks * THING_BLOCK_OVERHEAD + leak + THING_MIN_BYTES;
  const bytes = Math.ceil(want / HEAP_PAGE_SIZE) * HEAP_PAGE_SIZE;
  if (bytes > THING_MAX_BYTES) {
    throw new ContenderError('thing', `the trace needs a ${bytes}-byte buffer, above MemPool's u32 address range`);
  }
  return bytes;
}

/**
 * States: empty --replay--> holding the trace's leftovers (+ leaked blocks)
 *         --releaseLeftovers--> empty (freeAll)
 * Invariants (between passes): pool.stats().used.count == 0, top == initial top
 */
class ThingSubject implements ReplaySubject {
  private readonly pool: ThingPool;
  private readonly ptrs: Uint32Array;
  /** Blocks still on MemPool's used list after the last release freed the trace's leftovers. */
  private leakedBlocks = 0;
  private leakedBytes = 0;

  constructor(private readonly job: ReplayJob) {
    this.pool = new ThingPool({ buf: new ArrayBuffer(thingBufferBytes(job)), align: THING_ALIGN });
    this.ptrs = new Uint32Array(job.trace.nids);
  }

  measure(progress: ProgressSink): MeasureResult {
    const { ops, ids, sizes, nevents } = this.job.trace;
    const peakReservedBytes = replayThingMeasured(this.pool, ops, ids, sizes, nevents, this.ptrs, progress);
    this.releaseLeftovers();
    if (this.leakedBlocks === 0) return { peakReservedBytes };
    return {
      peakReservedBytes,
      remark:
        `MemPool leaked ${formatCount(this.leakedBlocks)} blocks (${formatBytes(this.leakedBytes)}) in one replay: ` +
        'its realloc frees a moved block by its header address (a @thi.ng/malloc bug); the pool is reset with freeAll() between runs',
    };
  }

  replay(): void {
    const { ops, ids, sizes, nevents } = this.job.trace;
    replayThing(this.pool, ops, ids, sizes, nevents, this.ptrs);
  }

  releaseLeftovers(): void {
    const live = this.job.liveAtEnd;
    for (let i = 0; i < live.length; i++) {
      if (!this.pool.free(this.ptrs[live[i]])) thingFreeFailed(-1, this.ptrs[live[i]]);
    }
    const { used } = this.pool.stats();
    this.leakedBlocks = used.count;
    this.leakedBytes = used.size;
    this.pool.freeAll();
  }
}

/** The timed loop. */
function replayThing(
  pool: ThingPool,
  ops: Uint8Array,
  ids: Uint32Array,
  sizes: Uint32Array,
  nevents: number,
  ptrs: Uint32Array,
): void {
  for (let i = 0; i < nevents; i++) {
    const op = ops[i];
    const id = ids[i];
    if (op === OP_FREE) {
      if (!pool.free(ptrs[id])) thingFreeFailed(i, ptrs[id]);
      continue;
    }
    const size = sizes[i] || 1;
    let ptr: number;
    if (op === OP_MALLOC) ptr = pool.malloc(size);
    else if (op === OP_CALLOC) ptr = pool.calloc(size);
    else ptr = pool.realloc(ptrs[id], size);
    if (ptr === 0) thingExhausted(i, size, pool);
    ptrs[id] = ptr;
  }
}

/** The measuring loop: the timed loop plus the high-water of `top` and progress reports. */
function replayThingMeasured(
  pool: ThingPool,
  ops: Uint8Array,
  ids: Uint32Array,
  sizes: Uint32Array,
  nevents: number,
  ptrs: Uint32Array,
  progress: ProgressSink,
): number {
  let highWater = pool.topAddress;
  for (let i = 0; i < nevents; i++) {
    if (i % PROGRESS_EVERY === 0) progress(i);
    const op = ops[i];
    const id = ids[i];
    if (op === OP_FREE) {
      if (!pool.free(ptrs[id])) thingFreeFailed(i, ptrs[id]);
      continue;
    }
    const size = sizes[i] || 1;
    let ptr: number;
    if (op === OP_MALLOC) ptr = pool.malloc(size);
    else if (op === OP_CALLOC) ptr = pool.calloc(size);
    else ptr = pool.realloc(ptrs[id], size);
    if (ptr === 0) thingExhausted(i, size, pool);
    ptrs[id] = ptr;
    const top = pool.topAddress;
    if (top > highWater) highWater = top;
  }
  progress(nevents);
  return highWater;
}

function thingExhausted(event: number, size: number, pool: ThingPool): never {
  throw new ContenderError(
    'thing',
    `event ${event}: MemPool returned NULL for ${size} bytes (buffer of ${pool.buf.byteLength} bytes exhausted)`,
  );
}

function thingFreeFailed(event: number, ptr: number): never {
  const where = event < 0 ? 'freeing the leftovers' : `event ${event}`;
  throw new ContenderError('thing', `${where}: MemPool does not know the block at ${formatPtr(ptr)}`);
}

export const thingContender: WorkerContenderSpec = {
  kind: 'worker',
  name: 'thing',
  summary: '@thi.ng/malloc MemPool (first fit, address-sorted free list) over a fixed ArrayBuffer',
  reservedMeaning:
    "high-water mark of MemPool's top (state header + every block header, padding and hole up to the highest byte ever carved); the buffer itself is sized 4x peak live plus what its realloc can leak",
  heapLabel: () => 'fixed',
  create: (job) => new ThingSubject(job),
};
