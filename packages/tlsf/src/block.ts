/**
 * Block surgery: taking a free block for use (with a split), and freeing a
 * used block (with immediate coalescing). Every function keeps the block
 * invariants of layout.ts; pictures show headers as `|h|`.
 *
 * ```
 * takeBlock, split:    |h| need |h| rest - 16 (free, listed) |
 * freeBlock, merge:    |h| prev (free) |h| block |h| next (free) |
 *                  ->  |h| prev + 16 + block + 16 + next (free)   |
 * ```
 */
import { insertBlock, removeBlock } from './freelist.js';
import {
  BLOCK_OVERHEAD,
  FREE,
  MIN_BLOCK_TOTAL,
  PREV_FREE,
  SIZE_MASK,
  getInfo,
  getPrevPhys,
  getSize,
  setHeader,
  setInfo,
  setPrevPhys,
  tombstone,
} from './layout.js';

/**
 * Mark free block `block` (data size `size`, already out of its list) used
 * for a request of `need` bytes. The tail becomes a free block of its own
 * when it can hold one (MIN_BLOCK_TOTAL bytes); otherwise the block keeps
 * it. PREV_FREE is kept. Returns the used block's data size.
 */
export function takeBlock(u32: Uint32Array, block: number, size: number, need: number): number {
  const tags = getInfo(u32, block) & PREV_FREE;
  const rest = size - need;
  if (rest >= MIN_BLOCK_TOTAL) {
    setHeader(u32, block, need, tags);
    splitBlock(u32, block, need, rest);
    return need;
  }
  setInfo(u32, block, size | tags); // drops FREE; the size and so the check word are unchanged
  const next = block + BLOCK_OVERHEAD + size;
  setInfo(u32, next, getInfo(u32, next) & ~PREV_FREE);
  return size;
}

/**
 * Carve the last `rest` bytes of `block` (which keeps `keep` data bytes) into
 * a new free block and list it. The block after it must not be free (no
 * merge is attempted).
 */
export function splitBlock(u32: Uint32Array, block: number, keep: number, rest: number): void {
  const spare = block + BLOCK_OVERHEAD + keep;
  const spareSize = rest - BLOCK_OVERHEAD;
  setPrevPhys(u32, spare, block);
  setHeader(u32, spare, spareSize, FREE);
  const next = spare + BLOCK_OVERHEAD + spareSize;
  setPrevPhys(u32, next, spare);
  setInfo(u32, next, getInfo(u32, next) | PREV_FREE);
  insertBlock(u32, spare, spareSize);
}

/**
 * Free used block `block`: merge it with a free right and a free left
 * neighbour, list the result and return its header address.
 */
export function freeBlock(u32: Uint32Array, block: number): number {
  const info = getInfo(u32, block);
  const size = mergeRight(u32, block, (info & SIZE_MASK) >>> 0);
  const next = block + BLOCK_OVERHEAD + size;
  if ((info & PREV_FREE) !== 0) block = mergeLeft(u32, block);
  const merged = next - block - BLOCK_OVERHEAD;
  setHeader(u32, block, merged, FREE); // a free block's left is used: no PREV_FREE
  setPrevPhys(u32, next, block);
  setInfo(u32, next, getInfo(u32, next) | PREV_FREE);
  insertBlock(u32, block, merged);
  return block;
}

/**
 * If the block after `block` (data size `size`) is free, unlist it and
 * absorb it (its header becomes a tombstone). Returns the new data size;
 * the caller rewrites `block`'s header.
 */
export function mergeRight(u32: Uint32Array, block: number, size: number): number {
  const next = block + BLOCK_OVERHEAD + size;
  const nextInfo = getInfo(u32, next);
  if ((nextInfo & FREE) === 0) return size;
  const nextSize = (nextInfo & SIZE_MASK) >>> 0;
  removeBlock(u32, next, nextSize);
  tombstone(u32, next);
  return size + BLOCK_OVERHEAD + nextSize;
}

/**
 * `block`'s left neighbour is free (PREV_FREE): unlist it and let it absorb
 * `block` (whose header becomes a tombstone). Returns the left neighbour's
 * address; the caller rewrites its header.
 */
export function mergeLeft(u32: Uint32Array, block: number): number {
  const prev = getPrevPhys(u32, block);
  removeBlock(u32, prev, getSize(u32, prev));
  tombstone(u32, block);
  return prev;
}
