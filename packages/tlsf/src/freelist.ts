/**
 * The segregated free lists: LIST_COUNT doubly linked lists of free blocks,
 * one per size class, with a two-level bitmap saying which are non-empty.
 *
 * ```
 *   flMap ──bit fl──►  slMap[fl] ──bit sl──►  head[fl*SL_SIZE+sl]
 *                                              │
 *                                              ▼
 *                       0 ◄─prevFree─ [block] ─nextFree─► [block] ─► 0
 * ```
 *
 * A block enters a list when it becomes free (insertBlock) and leaves it
 * before it is used, merged or trimmed (removeBlock). Lists are LIFO.
 *
 * Invariants:
 *   bit sl of slMap[fl] is set  iff  head[fl*SL_SIZE+sl] != 0
 *   bit fl of flMap is set      iff  slMap[fl] != 0
 *   every block in list L is free and listOf(size) == L
 *   prevFree(head) == 0; prevFree(nextFree(b)) == b
 *   freeBlocks == total length of all lists
 *
 * Tricky: removeBlock leaves the block's own header and its neighbours'
 * prevPhys / PREV_FREE alone; the caller (split, merge, trim) rewrites them.
 */
import {
  FL_MAP_OFFSET,
  FREE_BLOCKS_OFFSET,
  LIST_COUNT,
  SL_BITS,
  SL_MASK,
  ffs,
  fls,
  getControl,
  getHead,
  getNextFree,
  getPrevFree,
  getSize,
  getSlMap,
  listAtLeast,
  listOf,
  setControl,
  setHead,
  setNextFree,
  setPrevFree,
  setSlMap,
} from './layout.js';

/** Most blocks walked in the request's own list before the heap grows instead. */
export const EXACT_SCAN_LIMIT = 16;

/** Push free block `block` of data size `size` on the head of its list. */
export function insertBlock(u32: Uint32Array, block: number, size: number): void {
  const list = listOf(size);
  const head = getHead(u32, list);
  setNextFree(u32, block, head);
  setPrevFree(u32, block, 0);
  if (head !== 0) setPrevFree(u32, head, block);
  setHead(u32, list, block);
  const fl = list >>> SL_BITS;
  setControl(u32, FL_MAP_OFFSET, getControl(u32, FL_MAP_OFFSET) | (1 << fl));
  setSlMap(u32, fl, getSlMap(u32, fl) | (1 << (list & SL_MASK)));
  setControl(u32, FREE_BLOCKS_OFFSET, getControl(u32, FREE_BLOCKS_OFFSET) + 1);
}

/** Unlink free block `block` of data size `size` from its list. */
export function removeBlock(u32: Uint32Array, block: number, size: number): void {
  const prev = getPrevFree(u32, block);
  const next = getNextFree(u32, block);
  if (next !== 0) setPrevFree(u32, next, prev);
  if (prev !== 0) {
    setNextFree(u32, prev, next);
  } else {
    const list = listOf(size);
    setHead(u32, list, next);
    if (next === 0) clearListBit(u32, list);
  }
  setControl(u32, FREE_BLOCKS_OFFSET, getControl(u32, FREE_BLOCKS_OFFSET) - 1);
}

/** List `list` just became empty: clear its slMap bit, and its flMap bit if the level is empty. */
function clearListBit(u32: Uint32Array, list: number): void {
  const fl = list >>> SL_BITS;
  const slMap = getSlMap(u32, fl) & ~(1 << (list & SL_MASK));
  setSlMap(u32, fl, slMap);
  if (slMap === 0) setControl(u32, FL_MAP_OFFSET, getControl(u32, FL_MAP_OFFSET) & ~(1 << fl));
}

/**
 * A free block of at least `size` data bytes, still in its list, or 0.
 * O(1): the first non-empty list at or above listAtLeast(size).
 */
export function searchBlock(u32: Uint32Array, size: number): number {
  const list = listAtLeast(size);
  if (list >= LIST_COUNT) return 0;
  return firstFrom(u32, list);
}

/** Head of the first non-empty list at or above `list`, or 0 (two bit scans). */
export function firstFrom(u32: Uint32Array, list: number): number {
  let fl = list >>> SL_BITS;
  let slMap = getSlMap(u32, fl) & (~0 << (list & SL_MASK));
  if (slMap === 0) {
    // fl + 1 <= FL_COUNT < 32, so the shift is always defined.
    const flMap = getControl(u32, FL_MAP_OFFSET) & (~0 << (fl + 1));
    if (flMap === 0) return 0;
    fl = ffs(flMap);
    slMap = getSlMap(u32, fl);
  }
  return getHead(u32, (fl << SL_BITS) | ffs(slMap));
}

/**
 * Slow path: walk the request's own list (which searchBlock skips because
 * not all of its blocks fit) for one that does. At most EXACT_SCAN_LIMIT
 * blocks, so it stays O(1). Returns the block (still listed) or 0.
 */
export function searchOwnList(u32: Uint32Array, size: number): number {
  let block = getHead(u32, listOf(size));
  for (let n = 0; block !== 0 && n < EXACT_SCAN_LIMIT; n++) {
    if (getSize(u32, block) >= size) return block;
    block = getNextFree(u32, block);
  }
  return 0;
}

/** Largest data size in the highest non-empty list (0 if every list is empty). Walks that one list. */
export function largestFree(u32: Uint32Array): number {
  const flMap = getControl(u32, FL_MAP_OFFSET);
  if (flMap === 0) return 0;
  const fl = fls(flMap);
  let largest = 0;
  for (let b = getHead(u32, (fl << SL_BITS) | fls(getSlMap(u32, fl))); b !== 0; b = getNextFree(u32, b)) {
    largest = Math.max(largest, getSize(u32, b));
  }
  return largest;
}
