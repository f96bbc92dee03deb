/**
 * @pymem/pool: CPython's obmalloc (pymalloc) over the bytes of a pymem Heap.
 * Arenas of 1 MiB, pools of 16 KiB, 32 size classes of 16 bytes; requests of
 * 0 or more than 512 bytes go to the raw allocator (tlsf).
 */
export { PoolAllocator, createPool } from './allocator.js';
export type { PoolOptions, PoolRawAllocator, PoolStats, SizeClassStats } from './api.js';
export {
  ARENA_ALIGNMENT_LOSS,
  DUMMY_SIZE_IDX,
  FIRST_POOL_OFFSET,
  INITIAL_ARENA_OBJECTS,
  NTOTALPOOLS,
  POOL_OVERHEAD,
  numBlocks,
} from './layout.js';
export { STATE_ANCHOR } from './state.js';
export { formatDebugMallocStats, printone } from './stats.js';
