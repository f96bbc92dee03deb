import type { Allocator, HeapBackend } from '@pymem/core';
import { createPool } from '@pymem/pool';
import { createTlsf } from '@pymem/tlsf';
import type { WorkerContenderSpec } from './api.js';
import { HeapSubject } from './heap-subject.js';

/*
 * pymem's own allocators, each on a fresh pymem Heap of the chosen backend
 * (--heap). Peak reserved is the heap's high-water size on the first pass:
 * everything the allocator took from the Heap, its own state included.
 */

const HEAP_RESERVED =
  "the heap's high-water byteLength on the first, fresh-heap pass (heap.peakByteLength): arenas, pools, TLSF blocks and the allocator's own state, in 64 KiB pages";

const heapLabel = (backend: HeapBackend): string => backend;

/** pymem's allocators by contender name, each on a fresh heap of `backend` (shared with the runtime contenders). */
export const newPool = (backend: HeapBackend): Allocator => createPool({ backend }, { checks: true });
export const newUncheckedPool = (backend: HeapBackend): Allocator => createPool({ backend }, { checks: false });
export const newTlsf = (backend: HeapBackend): Allocator => createTlsf({ backend });

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
