import type { AllocatorStats } from '@pymem/core';

/** Default {@link TlsfOptions.trimThreshold}: 256 KiB (glibc's M_TRIM_THRESHOLD is 128 KiB). */
export const DEFAULT_TRIM_THRESHOLD = 256 * 1024;

/** Options of a {@link Tlsf} allocator. */
export interface TlsfOptions {
  /**
   * Shrink the heap when the free block at its top reaches this many bytes
   * (after a free() or a realloc()). The heap is also shrunk whenever the last
   * live block is freed, so an emptied heap always returns to its initial
   * size. Only heaps that can shrink (backend `arraybuffer`) are affected.
   *
   * `trim()` gives the free top back at any time, whatever this says.
   *
   * MUST be a non-negative integer, or `Infinity` to trim only an emptied heap.
   * Anything else throws InvalidSizeError from the constructor.
   *
   * @defaultValue 262144
   */
  trimThreshold?: number;
}

/**
 * What {@link Tlsf.stats} reports: the common {@link AllocatorStats} plus
 * TLSF's own figures. All are read from (or derived from) the control
 * structure and the top block's header in O(1), except largestFreeBlock.
 *
 * Invariant (checked by checkHeap):
 *   controlBytes + overheadBytes + allocatedBytes + freeBytes == heapBytes
 */
export interface TlsfStats extends AllocatorStats {
  /** Blocks in the free lists. */
  freeBlocks: number;
  /** Size of the largest free block (0 if none). Walks one free list. */
  largestFreeBlock: number;
  /** Size of the free block at the top of the heap, the one growth extends and trim gives back (0 if none). */
  topFreeBytes: number;
  /** Bytes of the control structure at offset 0. */
  controlBytes: number;
  /** Bytes spent on block headers, the sentinel included: BLOCK_OVERHEAD per block. */
  overheadBytes: number;
  /**
   * External fragmentation: `1 - largestFreeBlock / freeBytes` (0 when there
   * is no free memory). 0 means all free memory is one block.
   */
  fragmentation: number;
  /** The trim threshold in force. */
  trimThreshold: number;
}
