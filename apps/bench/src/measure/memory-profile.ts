import type { Allocator, HeapBackend } from '@pymem/core';
import type { PoolStats } from '@pymem/pool';
import { OP_CALLOC, OP_FREE, OP_MALLOC } from '@pymem/trace';
import { newDebug, newPool, newTlsf, newUncheckedPool } from '../contenders/pymem.js';
import type { MemoryProfile, MemorySeries, SizeClassFragmentation } from '../results.js';
import type { LoadedWorkload } from '../workloads/api.js';

/*
 * Memory over time and fragmentation, for report.html: one more replay of a
 * workload per pymem allocator, in the main thread and untimed (stats() and
 * the sampling would distort any clock), on a fresh heap of the run's backend.
 *
 * ```
 *   event 0 ... every ... 2*every ... nevents
 *           sample       sample         sample    (heap.byteLength, stats().allocatedBytes, requested live bytes)
 *                                         └── pool only: stats().sizeClasses, the trace's leftovers still live
 * ```
 */

/** Samples per series (about; the last event is always sampled). */
export const MEMORY_SAMPLES = 300;

/** The pymem allocators a profile can replay, by contender name (tracemalloc's heap is pool's: its traces live outside it). */
const PROFILED: Readonly<Record<string, (backend: HeapBackend) => Allocator>> = {
  pool: newPool,
  'pool-unchecked': newUncheckedPool,
  tlsf: newTlsf,
  debug: newDebug,
};

/** The profile of `workload` for those of `contenders` that are pymem allocators; null when none is. */
export function memoryProfile(workload: LoadedWorkload, contenders: readonly string[], backend: HeapBackend): MemoryProfile | null {
  const names = contenders.filter((name) => name in PROFILED);
  if (names.length === 0) return null;
  const every = Math.max(1, Math.ceil(workload.trace.nevents / MEMORY_SAMPLES));
  let fragmentation: SizeClassFragmentation[] | null = null;
  const series = names.map((name) => {
    const allocator = PROFILED[name](backend);
    const s = sampledReplay(name, allocator, workload, every);
    if (name === 'pool') fragmentation = poolFragmentation(allocator.stats() as PoolStats);
    return s;
  });
  return { workload: workload.name, every, series, fragmentation };
}

/** Replay the whole trace once, sampling every `every` events and after the last; the leftovers stay live. */
function sampledReplay(contender: string, allocator: Allocator, workload: LoadedWorkload, every: number): MemorySeries {
  const { ops, ids, sizes, nevents, nids } = workload.trace;
  const ptrs = new Uint32Array(nids);
  const requested = new Float64Array(nids);
  const out: MemorySeries = { contender, events: [], reservedBytes: [], allocatedBytes: [], liveBytes: [] };
  let live = 0;
  for (let i = 0; i < nevents; i++) {
    const op = ops[i];
    const id = ids[i];
    if (op === OP_FREE) {
      allocator.free(ptrs[id]);
      live -= requested[id];
      requested[id] = 0;
    } else {
      if (op === OP_MALLOC) ptrs[id] = allocator.malloc(sizes[i]);
      else if (op === OP_CALLOC) ptrs[id] = allocator.calloc(1, sizes[i]);
      else ptrs[id] = allocator.realloc(ptrs[id], sizes[i]);
      live += sizes[i] - requested[id];
      requested[id] = sizes[i];
    }
    if ((i + 1) % every === 0 || i === nevents - 1) sample(out, allocator, i + 1, live);
  }
  return out;
}

function sample(out: MemorySeries, allocator: Allocator, events: number, live: number): void {
  out.events.push(events);
  out.reservedBytes.push(allocator.heap.byteLength);
  out.allocatedBytes.push(allocator.stats().allocatedBytes);
  out.liveBytes.push(live);
}

/** Per size class: blocks in use and free in the class's pools in use. */
export function poolFragmentation(stats: PoolStats): SizeClassFragmentation[] {
  return stats.sizeClasses.map((c) => {
    const total = c.blocksInUse + c.availableBlocks;
    return {
      sizeClass: c.sizeClass,
      blockSize: c.blockSize,
      pools: c.pools,
      blocksInUse: c.blocksInUse,
      freeBlocks: c.availableBlocks,
      freeFraction: c.pools > 0 && total > 0 ? c.availableBlocks / total : null,
    };
  });
}
