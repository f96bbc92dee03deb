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
import { Blk, Ctl, Sc, getHead, getNextFree, getSize, getSlMap, listOf, fls } from './layout.js';

/** Most blocks walked in the request's own list before the heap grows instead. */
export const EXACT_SCAN_LIMIT = 16;

/** Push free block `block` of data size `size` on the head of its list, and count it. */
export function insertBlock(u32: Uint32Array, block: number, size: number): void {
  linkBlock(u32, block, size);
  u32[Ctl.W_FREE_BLOCKS]++;
}

/** Unlink free block `block` of data size `size` from its list, and stop counting it. */
export function removeBlock(u32: Uint32Array, block: number, size: number): void {
  unlinkBlock(u32, block, size);
  u32[Ctl.W_FREE_BLOCKS]--;
}

/**
 * Push `block` on the head of its list (the hot paths keep freeBlocks
 * themselves, once per operation).
 */
export function linkBlock(u32: Uint32Array, block: number, size: number): void {
  const list = listOf(size);
  const head = u32[Ctl.W_HEADS + list];
  const b = block >>> Sc.WORD_SHIFT;
  u32[b + Blk.W_NEXT_FREE] = head;
  u32[b + Blk.W_PREV_FREE] = 0;
  u32[Ctl.W_HEADS + list] = block;
  if (head !== 0) {
    u32[(head >>> Sc.WORD_SHIFT) + Blk.W_PREV_FREE] = block;
  } else {
    const fl = list >>> Sc.SL_BITS;
    u32[Ctl.W_FL_MAP] |= 1 << fl;
    u32[Ctl.W_SL_MAP + fl] |= 1 << (list & Sc.SL_MASK);
  }
}

/** Unlink `block` from its list (the hot paths keep freeBlocks themselves). */
export function unlinkBlock(u32: Uint32Array, block: number, size: number): void {
  const b = block >>> Sc.WORD_SHIFT;
  const prev = u32[b + Blk.W_PREV_FREE];
  const next = u32[b + Blk.W_NEXT_FREE];
  if (next !== 0) u32[(next >>> Sc.WORD_SHIFT) + Blk.W_PREV_FREE] = prev;
  if (prev !== 0) {
    u32[(prev >>> Sc.WORD_SHIFT) + Blk.W_NEXT_FREE] = next;
  } else {
    const list = listOf(size);
    u32[Ctl.W_HEADS + list] = next;
    if (next === 0) clearListBit(u32, list);
  }
}

/**
 * Free block `neu` takes the place of listed block `old` in list `list`
 * (both belong there): the same neighbours, the same head. Cheaper than an
 * unlink and a push, and the bitmaps stay as they are. `old`'s own header
 * and links are left alone.
 */
export function replaceInList(u32: Uint32Array, old: number, neu: number, list: number): void {
  const o = old >>> Sc.WORD_SHIFT;
  const n = neu >>> Sc.WORD_SHIFT;
  const prev = u32[o + Blk.W_PREV_FREE];
  const next = u32[o + Blk.W_NEXT_FREE];
  u32[n + Blk.W_NEXT_FREE] = next;
  u32[n + Blk.W_PREV_FREE] = prev;
  if (next !== 0) u32[(next >>> Sc.WORD_SHIFT) + Blk.W_PREV_FREE] = neu;
  if (prev !== 0) {
    u32[(prev >>> Sc.WORD_SHIFT) + Blk.W_NEXT_FREE] = neu;
  } else {
    u32[Ctl.W_HEADS + list] = neu;
  }
}

/** List `list` just became empty: clear its slMap bit, and its flMap bit if the level is empty. */
export function clearListBit(u32: Uint32Array, list: number): void {
  const fl = list >>> Sc.SL_BITS;
  const slMap = u32[Ctl.W_SL_MAP + fl] & ~(1 << (list & Sc.SL_MASK));
  u32[Ctl.W_SL_MAP + fl] = slMap;
  if (slMap === 0) u32[Ctl.W_FL_MAP] &= ~(1 << fl);
}

/**
 * The first non-empty list at or above `list` (< LIST_COUNT), or -1: two bit
 * scans. The block to use is its head, `u32[Ctl.W_HEADS + list]`.
 */
export function firstListFrom(u32: Uint32Array, list: number): number {
  let fl = list >>> Sc.SL_BITS;
  let slMap = u32[Ctl.W_SL_MAP + fl] & (~0 << (list & Sc.SL_MASK));
  if (slMap === 0) {
    // fl + 1 <= FL_COUNT < 32, so the shift is always defined.
    const flMap = u32[Ctl.W_FL_MAP] & (~0 << (fl + 1));
    if (flMap === 0) return -1;
    fl = Sc.TOP_BIT - Math.clz32(flMap & -flMap);
    slMap = u32[Ctl.W_SL_MAP + fl];
  }
  return (fl << Sc.SL_BITS) + Sc.TOP_BIT - Math.clz32(slMap & -slMap);
}

/** Head of the first non-empty list at or above `list`, or 0 (two bit scans). */
export function firstFrom(u32: Uint32Array, list: number): number {
  const found = firstListFrom(u32, list);
  return found < 0 ? 0 : u32[Ctl.W_HEADS + found];
}

/**
 * Slow path: walk the request's own list (which the good-fit search skips
 * because not all of its blocks fit) for one that does. At most
 * EXACT_SCAN_LIMIT blocks, so it stays O(1). Returns the block (still
 * listed) or 0.
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
  const flMap = u32[Ctl.W_FL_MAP];
  if (flMap === 0) return 0;
  const fl = fls(flMap);
  let largest = 0;
  for (let b = getHead(u32, (fl << Sc.SL_BITS) | fls(getSlMap(u32, fl))); b !== 0; b = getNextFree(u32, b)) {
    largest = Math.max(largest, getSize(u32, b));
  }
  return largest;
}
