/**
 * Block surgery: taking a free block for use (with a split), and freeing a
 * used block (with immediate coalescing). Every function keeps the block
 * invariants of layout.ts and the counters of the control structure;
 * pictures show headers as `|h|`.
 *
 * ```
 * takeHead, split:     |h| need |h| rest - 16 (free, listed) |
 * freeBlock, merge:    |h| prev (free) |h| block |h| next (free) |
 *                  ->  |h| prev + 16 + block + 16 + next (free)   |
 * ```
 *
 * takeHead and freeBlock are the hot paths of malloc and free: they index
 * the heap's words directly (`b` is a header's word index, `block >>> 2`)
 * and write each word once. What one call touches, in cache lines: the
 * control line (counters, flMap), a bitmap line and a list-head line, the
 * block's header, the header after it, and the list neighbours that
 * unlinking / pushing rewrites.
 */
/* eslint-disable @typescript-eslint/no-unsafe-enum-comparison --
   Sc, Blk, Tag, Ctl and Chk are named numbers (const enums, so that the bundler writes
   them into the code as literals), not sets of choices: comparing a number
   with them is the point. */
import { clearListBit, insertBlock, linkBlock, removeBlock, replaceInList, unlinkBlock } from './freelist.js';
import { Blk, Ctl, Sc, Tag, checkWord, listOf, tombstoneWord } from './layout.js';

/**
 * Malloc's fast path: pop the head of non-empty list `list` (every block in
 * it holds `need` bytes) and use it, splitting the tail off as a free block
 * when it can be one. Returns the data pointer.
 *
 * Tricky: a listed block is free, so its left neighbour is used (no two free
 * blocks touch) and its size word is exactly `size | FREE`; and its right
 * neighbour already carries PREV_FREE, which stays right for a split-off
 * tail (free too).
 */
export function takeHead(u32: Uint32Array, list: number, need: number): number {
  const block = u32[Ctl.W_HEADS + list];
  const b = block >>> Sc.WORD_SHIFT;
  const size = (u32[b + Blk.W_INFO] & Tag.SIZE_MASK) >>> 0;
  const rest = size - need;
  if (rest < Blk.MIN_TOTAL) {
    unlinkHead(u32, block, list);
    u32[b + Blk.W_INFO] = size; // drops FREE; the size and so the check word are unchanged
    u32[b + Blk.W_OVERHEAD + (size >>> Sc.WORD_SHIFT) + Blk.W_INFO] &= ~Tag.PREV_FREE;
    u32[Ctl.W_FREE_BLOCKS]--;
    countUsed(u32, size);
    return block + Blk.OVERHEAD;
  }
  // Split: the tail replaces the block among the free blocks (the count
  // stays), in the same list when it still maps there (a big block shrinking
  // a little, e.g. the top of a growing heap): then no bitmap changes.
  const spare = block + Blk.OVERHEAD + need;
  const spareSize = rest - Blk.OVERHEAD;
  const s = spare >>> Sc.WORD_SHIFT;
  u32[s + Blk.W_PREV_PHYS] = block;
  u32[s + Blk.W_INFO] = spareSize | Tag.FREE;
  u32[s + Blk.W_CHECK] = checkWord(spare, spareSize);
  u32[s + Blk.W_RESERVED] = 0;
  u32[s + Blk.W_OVERHEAD + (spareSize >>> Sc.WORD_SHIFT) + Blk.W_PREV_PHYS] = spare;
  if (listOf(spareSize) === list) {
    replaceInList(u32, block, spare, list);
  } else {
    unlinkHead(u32, block, list);
    linkBlock(u32, spare, spareSize);
  }
  u32[b + Blk.W_INFO] = need;
  u32[b + Blk.W_CHECK] = checkWord(block, need);
  countUsed(u32, need);
  return block + Blk.OVERHEAD;
}

/** Unlink `block`, the head of list `list`. */
function unlinkHead(u32: Uint32Array, block: number, list: number): void {
  const next = u32[(block >>> Sc.WORD_SHIFT) + Blk.W_NEXT_FREE];
  u32[Ctl.W_HEADS + list] = next;
  if (next !== 0) {
    u32[(next >>> Sc.WORD_SHIFT) + Blk.W_PREV_FREE] = 0;
  } else {
    clearListBit(u32, list);
  }
}

/** One more used block of `size` bytes. */
function countUsed(u32: Uint32Array, size: number): void {
  u32[Ctl.W_USED_BLOCKS]++;
  u32[Ctl.W_USED_BYTES] += size;
}

/**
 * Make the `spareSize + BLOCK_OVERHEAD` bytes at `spare` (right after `left`)
 * a free block and list it. The block after it must already carry PREV_FREE
 * and must not be free (no merge is attempted).
 */
function splitOff(u32: Uint32Array, spare: number, left: number, spareSize: number): void {
  const s = spare >>> Sc.WORD_SHIFT;
  u32[s + Blk.W_PREV_PHYS] = left;
  u32[s + Blk.W_INFO] = spareSize | Tag.FREE;
  u32[s + Blk.W_CHECK] = checkWord(spare, spareSize);
  u32[s + Blk.W_RESERVED] = 0;
  u32[s + Blk.W_OVERHEAD + (spareSize >>> Sc.WORD_SHIFT) + Blk.W_PREV_PHYS] = spare;
  insertBlock(u32, spare, spareSize);
}

/**
 * Mark free block `block` (data size `size`, already out of its list) used
 * for a request of `need` bytes. The tail becomes a free block of its own
 * when it can hold one (MIN_BLOCK_TOTAL bytes); otherwise the block keeps
 * it. PREV_FREE is kept. Counts the block as used; returns its data size.
 * (The general form of takeHead, for blocks found off the fast path.)
 */
export function takeBlock(u32: Uint32Array, block: number, size: number, need: number): number {
  const b = block >>> Sc.WORD_SHIFT;
  const tags = u32[b + Blk.W_INFO] & Tag.PREV_FREE;
  const rest = size - need;
  if (rest >= Blk.MIN_TOTAL) {
    u32[b + Blk.W_INFO] = need | tags;
    u32[b + Blk.W_CHECK] = checkWord(block, need);
    splitBlock(u32, block, need, rest);
    countUsed(u32, need);
    return need;
  }
  u32[b + Blk.W_INFO] = size | tags;
  u32[b + Blk.W_OVERHEAD + (size >>> Sc.WORD_SHIFT) + Blk.W_INFO] &= ~Tag.PREV_FREE;
  countUsed(u32, size);
  return size;
}

/**
 * Carve the last `rest` bytes of `block` (which keeps `keep` data bytes) into
 * a new free block and list it. The block after it must not be free (no
 * merge is attempted); it gets PREV_FREE.
 */
export function splitBlock(u32: Uint32Array, block: number, keep: number, rest: number): void {
  const spare = block + Blk.OVERHEAD + keep;
  const spareSize = rest - Blk.OVERHEAD;
  u32[(spare >>> Sc.WORD_SHIFT) + Blk.W_OVERHEAD + (spareSize >>> Sc.WORD_SHIFT) + Blk.W_INFO] |= Tag.PREV_FREE;
  splitOff(u32, spare, block, spareSize);
}

/**
 * Free used block `block` (validated): merge it with a free right and a free
 * left neighbour, list the result, count it and return its header address.
 *
 * ```
 *   start            block            end (header after the merged block)
 *   ├──┬─────────────┼──┬─────────────┼──┬───────────┼──┬──
 *   │h │ prev (free) │h │ block       │h │ next(free) │h │ ...
 * ```
 */
export function freeBlock(u32: Uint32Array, block: number): number {
  const b = block >>> Sc.WORD_SHIFT;
  const info = u32[b + Blk.W_INFO];
  const used = (info & Tag.SIZE_MASK) >>> 0;
  const next = block + Blk.OVERHEAD + used;
  let end = next;
  let merges = 0;
  // The right neighbour is absorbed but stays listed until the end: the
  // merged block may take its place in the same list.
  let nextList = -1;
  const nextInfo = u32[(next >>> Sc.WORD_SHIFT) + Blk.W_INFO];
  if ((nextInfo & Tag.FREE) !== 0) {
    const nextSize = (nextInfo & Tag.SIZE_MASK) >>> 0;
    nextList = listOf(nextSize);
    u32[(next >>> Sc.WORD_SHIFT) + Blk.W_CHECK] = tombstoneWord(next);
    end += Blk.OVERHEAD + nextSize;
    merges = 1;
  }
  let start = block;
  if ((info & Tag.PREV_FREE) !== 0) {
    start = u32[b + Blk.W_PREV_PHYS];
    unlinkBlock(u32, start, (u32[(start >>> Sc.WORD_SHIFT) + Blk.W_INFO] & Tag.SIZE_MASK) >>> 0);
    u32[b + Blk.W_CHECK] = tombstoneWord(block);
    merges++;
  }
  const size = end - start - Blk.OVERHEAD;
  const s = start >>> Sc.WORD_SHIFT;
  u32[s + Blk.W_INFO] = size | Tag.FREE; // a free block's left is used: no PREV_FREE
  u32[s + Blk.W_CHECK] = checkWord(start, size);
  const e = end >>> Sc.WORD_SHIFT;
  u32[e + Blk.W_PREV_PHYS] = start;
  u32[e + Blk.W_INFO] |= Tag.PREV_FREE;
  const list = listOf(size);
  if (list === nextList) {
    replaceInList(u32, next, start, list);
  } else {
    if (nextList >= 0) unlinkBlock(u32, next, end - next - Blk.OVERHEAD);
    linkBlock(u32, start, size);
  }
  u32[Ctl.W_FREE_BLOCKS] += 1 - merges;
  u32[Ctl.W_USED_BLOCKS]--;
  u32[Ctl.W_USED_BYTES] -= used;
  return start;
}

/**
 * If the block after `block` (data size `size`) is free, unlist it and
 * absorb it (its header becomes a tombstone). Returns the new data size;
 * the caller rewrites `block`'s header.
 */
export function mergeRight(u32: Uint32Array, block: number, size: number): number {
  const next = block + Blk.OVERHEAD + size;
  const n = next >>> Sc.WORD_SHIFT;
  const nextInfo = u32[n + Blk.W_INFO];
  if ((nextInfo & Tag.FREE) === 0) return size;
  const nextSize = (nextInfo & Tag.SIZE_MASK) >>> 0;
  removeBlock(u32, next, nextSize);
  u32[n + Blk.W_CHECK] = tombstoneWord(next);
  return size + Blk.OVERHEAD + nextSize;
}
