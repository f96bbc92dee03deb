/**
 * @pymem/pool: CPython's obmalloc (pymalloc) over the bytes of a pymem Heap.
 * Arenas of 1 MiB (on pool boundaries), pools of 16 KiB, 32 size classes of 16 bytes; requests of
 * 0 or more than 512 bytes go to the raw allocator (tlsf).
 */
export { PoolAllocator, createPool } from './allocator.js';
export type { PoolOptions, PoolRawAllocator, PoolStats, SizeClassStats } from './api.js';
/** The layout as data, for tools that read the heap (explorer, debuggers, tests). */
export {
  AO_ADDRESS,
  AO_BITMAP,
  AO_FREEPOOLS,
  AO_NEXTARENA,
  AO_NFREEPOOLS,
  AO_NTOTALPOOLS,
  AO_POOL_ADDRESS,
  AO_PREVARENA,
  ARENA_ALIGN,
  ARENA_TAIL,
  ARENA_OBJECT_SIZE,
  BITMAP_BLOCK_BYTES,
  BITMAP_BYTES,
  BITS_PER_POOL,
  DUMMY_SIZE_IDX,
  INITIAL_ARENA_OBJECTS,
  NFP2LASTA_LENGTH,
  NTOTALPOOLS,
  POOL_ARENAINDEX,
  POOL_BITMAP_SHIFT,
  POOL_BITMAP_WORD,
  POOL_LIMIT,
  POOL_COUNT,
  POOL_FREEBLOCK,
  POOL_MAXNEXTOFFSET,
  POOL_NEXTOFFSET,
  POOL_NEXTPOOL,
  POOL_OVERHEAD,
  POOL_PREVPOOL,
  POOL_SZIDX,
  STATE_BYTES,
  STATE_MAGIC,
  ST_ARENAS,
  ST_MAXARENAS,
  ST_NARENAS_CURRENT,
  ST_NARENAS_HIGHWATER,
  ST_NARENAS_TOTAL,
  ST_NFP2LASTA,
  ST_USABLE_ARENAS,
  ST_USEDPOOLS,
  ST_UNUSED_ARENAS,
  bitmapBit,
  bitmapIndex,
  bitmapWord,
  blocksIn,
  numBlocks,
  poolAddr,
  poolWord,
  usedpoolsHead,
} from './layout.js';
export { STATE_ANCHOR } from './state.js';
export { formatDebugMallocStats, printone, withCommas } from './stats.js';
