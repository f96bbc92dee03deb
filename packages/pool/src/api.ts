import type { AllocatorStats, Ptr, RawAllocator } from '@pymem/core';

/**
 * What the pool allocator needs from the allocator under it (tlsf by
 * default): the malloc family for requests of 0 or more than 512 bytes, plus
 * aligned blocks for arenas.
 */
export interface PoolRawAllocator extends RawAllocator {
  /**
   * `size` bytes at a pointer p with `(p - headroom) % align === 0`. The pool
   * asks for `ARENA_SIZE - 16` bytes with `align = POOL_SIZE` (and no
   * headroom) for each arena, and 8176 bytes with `align = 32` for each
   * bitmap block; an arena pointer that is not pool-aligned makes arena
   * creation throw.
   */
  mallocAligned(size: number, align: number, headroom?: number): Ptr;
  /**
   * Give the free top of the heap back now, whatever threshold the raw
   * allocator's own free() trims at (C's `malloc_trim(0)`); returns the
   * bytes given back. The pool's trim() calls it after releasing its arenas:
   * without it, a free top below that threshold stays (the state block and
   * arena table are always live, so the raw heap is never empty).
   */
  trim?(): number;
  /** Store a u32 in the raw allocator's control structure (slot 0 is the pool's). */
  setAnchor?(index: number, value: number): void;
  getAnchor?(index: number): number;
}

export interface PoolOptions {
  /**
   * Keep an allocated-block bitmap and validate every free and realloc with
   * it: double frees, interior pointers and pointers that were never handed
   * out throw before anything changes. With `false`, free checks only what
   * routing needs (is the pointer inside an arena?) and trusts the rest.
   * @defaultValue true
   */
  checks?: boolean;
  /**
   * Allocator for requests of 0 or more than 512 bytes, for arenas and for the
   * pool's own state. It must serve the same heap.
   * @defaultValue `new Tlsf(heap)`
   */
  raw?: PoolRawAllocator;
}

/** One row of CPython's `sys._debugmallocstats()` size class table. */
export interface SizeClassStats {
  /** Size class index, 0..31. */
  sizeClass: number;
  /** Block size in bytes: (sizeClass + 1) * 16. */
  blockSize: number;
  /** Pools of this class that are in use (used or full). */
  pools: number;
  /** Blocks allocated in those pools. */
  blocksInUse: number;
  /** Blocks free in those pools: on free lists or not yet carved. */
  availableBlocks: number;
}

/**
 * AllocatorStats plus every figure of `sys._debugmallocstats()`. The byte
 * figures from `bytesInAllocatedBlocks` to `bytesLostToArenaAlignment` add up
 * to `arenaBytes`.
 */
export interface PoolStats extends AllocatorStats {
  /** Requests up to this many bytes come from pools (512). */
  smallBlockThreshold: number;
  /** All 32 size classes, including those with no pool. */
  sizeClasses: SizeClassStats[];
  /** Arenas ever allocated (CPython's ntimes_arena_allocated). */
  arenasAllocatedTotal: number;
  /** Arenas given back to the raw allocator. */
  arenasReclaimed: number;
  /** Most arenas allocated at one time. */
  arenasHighwater: number;
  /** Arenas allocated now. */
  arenasAllocatedCurrent: number;
  /** arenasAllocatedCurrent * ARENA_SIZE. */
  arenaBytes: number;
  /** Bytes in blocks handed out from pools. */
  bytesInAllocatedBlocks: number;
  /** Bytes in free or not yet carved blocks of used pools. */
  bytesInAvailableBlocks: number;
  /** Empty pools plus pools not yet carved. */
  unusedPools: number;
  /** unusedPools * POOL_SIZE. */
  bytesInUnusedPools: number;
  /** 48 bytes per pool in use. */
  bytesLostToPoolHeaders: number;
  /** The tail of each pool in use too small for one more block (up to its limit). */
  bytesLostToQuantization: number;
  /**
   * Arenas are pool-aligned, so nothing is lost before the first pool; this
   * counts the 16 bytes at the end of each arena whose last pool is in use,
   * where the next raw block's header sits.
   */
  bytesLostToArenaAlignment: number;
  /**
   * Blocks handed out from the raw allocator (requests of 0 or > 512 bytes):
   * the raw allocator's live blocks minus the pool's own (state block, arena
   * table, arenas and their bitmap blocks). Assumes the raw allocator serves this pool only.
   */
  rawAllocatedBlocks: number;
  /** Their usable bytes, on the same terms. */
  rawAllocatedBytes: number;
}
