import { OP_FREE, OP_REALLOC } from '@pymem/trace';
import type { WorkerContenderSpec, MeasureResult, ProgressSink, ReplayJob, ReplaySubject } from './api.js';

/*
 * `native`: no allocator at all, one `new Uint8Array(size)` per malloc and
 * calloc (zeroed either way), a new array plus a copy per realloc, and a
 * dropped reference per free. V8's garbage collector does the real work.
 *
 * The id -> block table is an Array of Uint8Array. Free slots hold one shared
 * empty array instead of null so the table's elements keep a single kind.
 *
 * Peak reserved cannot be read from an allocator here. It is sampled in the
 * untimed measuring pass: every NATIVE_SAMPLE_EVERY events,
 * `process.memoryUsage()` arrayBuffers + heapUsed minus the same sum taken
 * just before the pass. That counts what V8 holds for the blocks at that
 * moment: their bytes (off-heap backing stores, or on-heap for small arrays),
 * the typed-array objects, and garbage not yet collected. It is per worker
 * isolate, so other contenders do not leak into it.
 */

/** Events between two memory samples in the measuring pass. */
const NATIVE_SAMPLE_EVERY = 1 << 12;
/** Samples between two progress reports. */
const SAMPLES_PER_PROGRESS = 16;

/** What a freed slot holds. */
const EMPTY = new Uint8Array(0);

function heldBytes(): number {
  const m = process.memoryUsage();
  return m.arrayBuffers + m.heapUsed;
}

class NativeSubject implements ReplaySubject {
  private readonly blocks: Uint8Array[];

  constructor(private readonly job: ReplayJob) {
    this.blocks = new Array<Uint8Array>(job.trace.nids).fill(EMPTY);
  }

  measure(progress: ProgressSink): MeasureResult {
    const { ops, ids, sizes, nevents } = this.job.trace;
    const base = heldBytes();
    let peak = 0;
    let samples = 0;
    for (let start = 0; start < nevents; start += NATIVE_SAMPLE_EVERY) {
      const end = Math.min(start + NATIVE_SAMPLE_EVERY, nevents);
      replayNativeRange(this.blocks, ops, ids, sizes, start, end);
      const held = heldBytes() - base;
      if (held > peak) peak = held;
      if (++samples % SAMPLES_PER_PROGRESS === 0) progress(end);
    }
    this.releaseLeftovers();
    progress(nevents);
    return { peakReservedBytes: peak };
  }

  replay(): void {
    const { ops, ids, sizes, nevents } = this.job.trace;
    replayNativeRange(this.blocks, ops, ids, sizes, 0, nevents);
  }

  releaseLeftovers(): void {
    this.blocks.fill(EMPTY);
  }
}

/** The timed loop (the measuring pass runs it in slices). */
function replayNativeRange(
  blocks: Uint8Array[],
  ops: Uint8Array,
  ids: Uint32Array,
  sizes: Uint32Array,
  start: number,
  end: number,
): void {
  for (let i = start; i < end; i++) {
    const op = ops[i];
    const id = ids[i];
    if (op === OP_FREE) blocks[id] = EMPTY;
    else if (op === OP_REALLOC) blocks[id] = resized(blocks[id], sizes[i]);
    else blocks[id] = new Uint8Array(sizes[i]);
  }
}

/** realloc: a new array holding the old contents up to the smaller size. */
function resized(old: Uint8Array, size: number): Uint8Array {
  const block = new Uint8Array(size);
  block.set(size < old.length ? old.subarray(0, size) : old);
  return block;
}

export const nativeContender: WorkerContenderSpec = {
  kind: 'worker',
  name: 'native',
  summary: 'new Uint8Array(size) per malloc, dropped on free: V8 and its GC as the allocator',
  reservedMeaning:
    'max of process.memoryUsage() arrayBuffers + heapUsed above a baseline, sampled every 4096 events in an untimed pass (live blocks, typed-array objects and not-yet-collected garbage of the worker isolate)',
  heapLabel: () => 'js',
  create: (job) => new NativeSubject(job),
};
