import type { Heap } from './heap.js';
import type { Ptr } from './ptr.js';

/**
 * Figures every allocator reports. Allocator packages extend this with their
 * own (the pool adds CPython's `_debugmallocstats` figures).
 */
export interface AllocatorStats {
  /** Blocks handed out and not yet freed. */
  allocatedBlocks: number;
  /** Bytes in those blocks (their usable sizes). */
  allocatedBytes: number;
  /** Bytes the allocator could hand out without growing the heap. */
  freeBytes: number;
  /** The heap's current size. */
  heapBytes: number;
  /** The heap's high-water size. */
  peakHeapBytes: number;
}

/**
 * The malloc family over a {@link Heap}. Every implementation follows these rules:
 *
 * - Blocks are ALIGNMENT (16) byte aligned and never overlap; NULL (0) is never returned.
 * - `malloc(0)` returns a valid, unique, freeable block (as CPython does).
 * - Sizes must be non-negative integers: anything else throws InvalidSizeError.
 * - When the heap cannot grow, OutOfMemoryError is thrown and nothing changes.
 * - `free(0)` does nothing. Freeing a pointer that is not a live block throws
 *   InvalidFreeError or DoubleFreeError and leaves the heap as it was.
 * - `realloc(0, n)` is `malloc(n)`; `realloc(p, 0)` keeps a minimal block (it
 *   does not free, matching CPython's PyMem_Realloc). Contents up to the smaller
 *   of the old and new size are preserved.
 */
export interface Allocator {
  /** A short name for reports (`pool`, `tlsf`, ...). */
  readonly name: string;
  /** The heap this allocator carves blocks from. */
  readonly heap: Heap;
  malloc(size: number): Ptr;
  /** `count * size` bytes, all zero. */
  calloc(count: number, size: number): Ptr;
  realloc(ptr: Ptr, size: number): Ptr;
  free(ptr: Ptr): void;
  /** Bytes usable at `ptr` (at least what was requested). Throws on a pointer that is not live. */
  usableSize(ptr: Ptr): number;
  /** Whether `ptr` is a live block of this allocator. Never throws. */
  owns(ptr: Ptr): boolean;
  stats(): AllocatorStats;
  /**
   * Walk every internal structure and throw HeapCorruptionError naming the
   * first broken invariant. Cost is proportional to the heap size.
   */
  checkHeap(): void;
}

/**
 * An allocator that can also serve aligned requests: what the pool allocator
 * needs from the raw allocator to get ARENA_SIZE-aligned arenas.
 */
export interface RawAllocator extends Allocator {
  /**
   * `size` bytes at an address `p` with `(p - headroom) % align === 0`: `align` is a
   * power of two >= 16, `headroom` a multiple of 16 below `align` (default 0, so `p`
   * itself is aligned). Freed with `free`.
   */
  mallocAligned(size: number, align: number, headroom?: number): Ptr;
}
