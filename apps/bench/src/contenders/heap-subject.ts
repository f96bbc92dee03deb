import type { Allocator } from '@pymem/core';
import { OP_CALLOC, OP_FREE, OP_MALLOC } from '@pymem/trace';
import { ContenderError } from '../errors.js';
import type { MeasureResult, ProgressSink, ReplayJob, ReplaySubject } from './api.js';

/*
 * The subject for every pymem allocator (pool, pool-unchecked, tlsf): the
 * trace's id -> pointer table is a Uint32Array of nids slots, calloc goes to
 * calloc, realloc to realloc. Peak reserved is the heap's high-water size on
 * the first (fresh-heap) pass: `heap.peakByteLength`.
 *
 * Invariants (between passes):
 *   every block the previous pass allocated is free again
 *   allocator.stats().allocatedBlocks == 0   (checked after each release)
 */
export class HeapSubject implements ReplaySubject {
  private readonly ptrs: Uint32Array;

  constructor(
    readonly allocator: Allocator,
    private readonly job: ReplayJob,
  ) {
    this.ptrs = new Uint32Array(job.trace.nids);
  }

  measure(progress: ProgressSink): MeasureResult {
    this.replay();
    const peakReservedBytes = this.allocator.heap.peakByteLength;
    this.releaseLeftovers();
    progress(this.job.trace.nevents);
    return { peakReservedBytes };
  }

  replay(): void {
    const { ops, ids, sizes, nevents } = this.job.trace;
    replayAllocator(this.allocator, ops, ids, sizes, nevents, this.ptrs);
  }

  releaseLeftovers(): void {
    const live = this.job.liveAtEnd;
    for (let i = 0; i < live.length; i++) this.allocator.free(this.ptrs[live[i]]);
    const left = this.allocator.stats().allocatedBlocks;
    if (left !== 0) {
      throw new ContenderError(this.allocator.name, `${left} blocks still allocated after freeing the trace's leftovers`);
    }
  }
}

/**
 * The timed loop: one event per iteration, straight from the decoded arrays.
 * Only this worker's allocator class ever reaches these call sites.
 */
function replayAllocator(
  allocator: Allocator,
  ops: Uint8Array,
  ids: Uint32Array,
  sizes: Uint32Array,
  nevents: number,
  ptrs: Uint32Array,
): void {
  for (let i = 0; i < nevents; i++) {
    const op = ops[i];
    const id = ids[i];
    if (op === OP_FREE) allocator.free(ptrs[id]);
    else if (op === OP_MALLOC) ptrs[id] = allocator.malloc(sizes[i]);
    else if (op === OP_CALLOC) ptrs[id] = allocator.calloc(1, sizes[i]);
    else ptrs[id] = allocator.realloc(ptrs[id], sizes[i]);
  }
}
