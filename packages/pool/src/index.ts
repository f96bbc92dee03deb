/**
 * @pymem/pool: CPython's obmalloc (pymalloc) over the bytes of a pymem Heap.
 * Arenas of 1 MiB, pools of 16 KiB, 32 size classes of 16 bytes; requests of
 * 0 or more than 512 bytes go to the raw allocator (tlsf).
 */
export { PoolAllocator, createPool } from './allocator.js';
export type { PoolOptions, PoolRawAllocator, PoolStats, SizeClassStats } from './api.js';
/** The layout as data, for tools that read the heap (explorer, debuggers, tests). */
export {
  AO_ADDRESS,
  AO_FREEPOOLS,
  AO_NEXTARENA,
  AO_NFREEPOOLS,
  AO_NTOTALPOOLS,
  AO_POOL_ADDRESS,
  AO_PREVARENA,
  ARENA_ALIGNMENT_LOSS,
  ARENA_OBJECT_SIZE,
  BITMAP_BYTES_PER_POOL,
  BITMAP_END,
  BITMAP_START,
  DUMMY_SIZE_IDX,
  FIRST_POOL_OFFSET,
  INITIAL_ARENA_OBJECTS,
  NFP2LASTA_LENGTH,
  NTOTALPOOLS,
  POOL_ARENAINDEX,
  POOL_COUNT,
  POOL_FREEBLOCK,
  POOL_MAXNEXTOFFSET,
  POOL_NEXTOFFSET,
  POOL_NEXTPOOL,
  POOL_OVERHEAD,
  POOL_PREVPOOL,
  POOL_SZIDX,
  RAW_HEADER_BYTES,
  STATE_MAGIC,
  ST_ARENAS,
  ST_ARENA_MAP,
  ST_MAXARENAS,
  ST_NARENAS_CURRENT,
  ST_NARENAS_HIGHWATER,
  ST_NARENAS_TOTAL,
  ST_NFP2LASTA,
  ST_USABLE_ARENAS,
  ST_USEDPOOLS,
  ST_UNUSED_ARENAS,
  bitmapBit,
  bitmapWord,
  numBlocks,
  usedpoolsHead,
} from './layout.js';
export { STATE_ANCHOR } from './state.js';
export { formatDebugMallocStats, printone, withCommas } from './stats.js';
