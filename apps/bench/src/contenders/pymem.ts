import type { Allocator, HeapBackend } from '@pymem/core';
import { createPool } from '@pymem/pool';
import { createTlsf } from '@pymem/tlsf';
import { createDebug, createTracemalloc } from 'pymem';
import type { WorkerContenderSpec } from './api.js';
import { HeapSubject } from './heap-subject.js';

/*
 * pymem's own allocators, each on a fresh pymem Heap of the chosen backend
 * (--heap). Peak reserved is the heap's high-water size on the first pass:
 * everything the allocator took from the Heap, its own state included.
 * `debug` and `tracemalloc` wrap a checked pool: what CPython's
 * PYTHONMALLOC=debug and tracemalloc.start() cost on top of pymalloc.
 */

const HEAP_RESERVED =
  "the heap's high-water byteLength on the first, fresh-heap pass (heap.peakByteLength): arenas, pools, TLSF blocks and the allocator's own state, in 64 KiB pages";

const heapLabel = (backend: HeapBackend): string => backend;

/** pymem's allocators by contender name, each on a fresh heap of `backend` (shared with the runtime contenders). */
export const newPool = (backend: HeapBackend): Allocator => createPool({ backend }, { checks: true });
export const newUncheckedPool = (backend: HeapBackend): Allocator => createPool({ backend }, { checks: false });
export const newTlsf = (backend: HeapBackend): Allocator => createTlsf({ backend });
/** The debug hooks (guard bytes, fills, a quarantine of 16 freed blocks) over a checked pool. */
export const newDebug = (backend: HeapBackend): Allocator => createDebug(newPool(backend));
/** A checked pool wrapped by tracemalloc, tracing on (1 frame per traceback, as `tracemalloc.start()`). */
export function newTraced(backend: HeapBackend): Allocator {
  const tm = createTracemalloc();
  const traced = tm.wrap(newPool(backend));
  tm.start(1);
  return traced;
}

export const poolContender: WorkerContenderSpec = {
  kind: 'worker',
  name: 'pool',
  summary: "@pymem/pool: CPython's obmalloc (arenas, 16 KiB pools, 32 size classes), every free checked",
  reservedMeaning: HEAP_RESERVED,
  heapLabel,
  create: (job) => new HeapSubject(newPool(job.backend), job),
};

export const poolUncheckedContender: WorkerContenderSpec = {
  kind: 'worker',
  name: 'pool-unchecked',
  summary: '@pymem/pool with checks: false (no allocated-block bitmap; frees are trusted)',
  reservedMeaning: HEAP_RESERVED,
  heapLabel,
  create: (job) => new HeapSubject(newUncheckedPool(job.backend), job),
};

export const tlsfContender: WorkerContenderSpec = {
  kind: 'worker',
  name: 'tlsf',
  summary: '@pymem/tlsf: two-level segregated fit, O(1) malloc/free with immediate coalescing',
  reservedMeaning: HEAP_RESERVED,
  heapLabel,
  create: (job) => new HeapSubject(newTlsf(job.backend), job),
};

export const debugContender: WorkerContenderSpec = {
  kind: 'worker',
  name: 'debug',
  summary: "@pymem/debug over pool: CPython's PYTHONMALLOC=debug hooks (guard bytes, 0xCD/0xDD fills, a quarantine of 16 freed blocks)",
  reservedMeaning: HEAP_RESERVED,
  heapLabel,
  create: (job) => new HeapSubject(newDebug(job.backend), job),
};

export const tracemallocContender: WorkerContenderSpec = {
  kind: 'worker',
  name: 'tracemalloc',
  summary: '@pymem/tracemalloc wrapping pool, tracing on (1 frame): a traceback captured and a trace kept per live block',
  reservedMeaning: `${HEAP_RESERVED}; the traces themselves live in JS maps, outside the heap, as CPython keeps them outside pymalloc`,
  heapLabel,
  create: (job) => new HeapSubject(newTraced(job.backend), job),
};
