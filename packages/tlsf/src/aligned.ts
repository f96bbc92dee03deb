/**
 * Aligned allocation: a block whose data pointer p satisfies
 * `(p - headroom) % align == 0`.
 *
 * The pool asks for `mallocAligned(ARENA_SIZE - BLOCK_OVERHEAD, ARENA_SIZE,
 * BLOCK_OVERHEAD)`: the header then starts on a 1 MiB boundary and the whole
 * block covers exactly one arena, so arenas pack back to back:
 *
 * ```
 *  k MiB                                (k+1) MiB                         (k+2) MiB
 *  ├──┬─────────────────────────────────┼──┬──────────────────────────────┤
 *  │h │ arena data (1 MiB - 16)          │h │ arena data (1 MiB - 16)       │
 *  └──┴─────────────────────────────────┴──┴──────────────────────────────┘
 * ```
 *
 * Inside a free block the aligned header may sit some way in; the bytes
 * before it (the gap) become a free block of their own, so a gap is either
 * 0 or at least MIN_BLOCK_TOTAL:
 *
 * ```
 *  block                    at = aligned header
 *  ├──┬─────────────────────┼──┬────────────────────┬──┬──────────┤
 *  │h │ gap (free)           │h │ need (used)        │h │ rest     │
 *  └──┴─────────────────────┴──┴────────────────────┴──┴──────────┘
 * ```
 *
 * This is a cold path (the pool calls it once per arena): the search walks
 * the free lists from the request's own class upwards, looks at up to
 * ALIGNED_SCAN_LIMIT free blocks, and takes the one where the aligned
 * placement lands at the lowest address. Low placements keep the heap's
 * top free, so it can be trimmed or grown into; a hole left by a freed arena
 * is reused before the top is split.
 */
/* eslint-disable @typescript-eslint/no-unsafe-enum-comparison --
   Sc, Blk, Tag, Ctl and Chk are named numbers (const enums, so that the bundler writes
   them into the code as literals), not sets of choices: comparing a number
   with them is the point. */
import { takeBlock } from './block.js';
import { firstFrom, insertBlock, removeBlock } from './freelist.js';
import {
  Blk,
  Sc,
  Tag,
  getNextFree,
  getSize,
  listOf,
  setHeader,
  setPrevPhys,
} from './layout.js';

/**
 * Header address, at or after `block`, of an aligned placement: its data
 * pointer p is the first with `(p - headroom) % align == 0` that leaves
 * either no gap or a gap that can be a block.
 */
export function alignedHeader(block: number, align: number, headroom: number): number {
  const data = block + Blk.OVERHEAD;
  let p = Math.ceil((data - headroom) / align) * align + headroom;
  const gap = p - data;
  if (gap !== 0 && gap < Blk.MIN_TOTAL) p += align;
  return p - Blk.OVERHEAD;
}

/** Whether an aligned placement of `need` bytes fits in free block `block`. */
function fitsAligned(u32: Uint32Array, block: number, need: number, align: number, headroom: number): boolean {
  const at = alignedHeader(block, align, headroom);
  return at + need <= block + getSize(u32, block);
}

/** Most free blocks findAlignedFit looks at: the search stays O(1). */
export const ALIGNED_SCAN_LIMIT = 64;

/**
 * The free block (still listed) where an aligned placement of `need` bytes
 * lands lowest, among the first ALIGNED_SCAN_LIMIT blocks of the lists from
 * the request's own upwards (in increasing size order, skipping empty lists
 * through the bitmaps); 0 when none of them fits.
 */
export function findAlignedFit(u32: Uint32Array, need: number, align: number, headroom: number): number {
  let best = 0;
  let bestAt = Infinity;
  let seen = 0;
  let list = listOf(need);
  while (list < Sc.LIST_COUNT && seen < ALIGNED_SCAN_LIMIT) {
    let block = firstFrom(u32, list);
    if (block === 0) break;
    list = listOf(getSize(u32, block));
    for (; block !== 0 && seen < ALIGNED_SCAN_LIMIT; block = getNextFree(u32, block), seen++) {
      if (!fitsAligned(u32, block, need, align, headroom)) continue;
      const at = alignedHeader(block, align, headroom);
      if (at < bestAt) {
        best = block;
        bestAt = at;
      }
    }
    list++;
  }
  return best;
}

/**
 * Use free block `block` (listed) for an aligned placement of `need` bytes:
 * split the gap before it off as a free block, then take the aligned block
 * (splitting its tail). Returns the data pointer.
 */
export function carveAligned(u32: Uint32Array, block: number, need: number, align: number, headroom: number): number {
  const size = getSize(u32, block);
  removeBlock(u32, block, size);
  const at = alignedHeader(block, align, headroom);
  if (at === block) {
    takeBlock(u32, block, size, need);
    return block + Blk.OVERHEAD;
  }
  const gapSize = at - block - Blk.OVERHEAD;
  const atSize = size - (at - block);
  setHeader(u32, block, gapSize, Tag.FREE);
  setPrevPhys(u32, at, block);
  setHeader(u32, at, atSize, Tag.PREV_FREE);
  setPrevPhys(u32, at + Blk.OVERHEAD + atSize, at);
  insertBlock(u32, block, gapSize);
  takeBlock(u32, at, atSize, need);
  return at + Blk.OVERHEAD;
}
