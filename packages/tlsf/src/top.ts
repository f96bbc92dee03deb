/**
 * The top of the heap: the sentinel, growth and trimming.
 *
 * ```
 *                      top (free, or the sentinel itself)      tail      end
 *   … ──┬────────────┬───────────────────────────────────────┬──────────┤
 *       │ used block │ free top block                        │ sentinel │
 *   … ──┴────────────┴───────────────────────────────────────┴──────────┘
 *
 *   growHeap:  heap.grow, then the top block reaches the new sentinel
 *   … ──┬────────────┬──────────────────────────────────────────────── … ──┬──────────┤
 *       │ used block │ free top block (old sentinel absorbed)               │ sentinel │
 *
 *   trimHeap:  heap.shrink, keeping page rounding and initialByteLength
 *   … ──┬────────────┬──────────┤       or  … ──┬────────────┬────────┬──────────┤
 *       │ used block │ sentinel │               │ used block │ free   │ sentinel │
 * ```
 *
 * The sentinel is a zero-size used block at `tail` = end - BLOCK_OVERHEAD:
 * every real block has a right neighbour, and PREV_FREE on the sentinel says
 * whether the block growth extends is free. Its data pointer is `end`, which
 * is outside the heap, so it can never be freed.
 *
 * Invariants:
 *   tail + BLOCK_OVERHEAD == heap.byteLength; size(tail) == 0; tail is not FREE
 *   after trimHeap: the heap ends at the first page boundary (or at
 *   initialByteLength) that leaves room for the sentinel after the last used
 *   block, plus one more page when the room left would be a header without data.
 */
/* eslint-disable @typescript-eslint/no-unsafe-enum-comparison --
   Sc, Blk, Tag, Ctl and Chk are named numbers (const enums, so that the bundler writes
   them into the code as literals), not sets of choices: comparing a number
   with them is the point. */
import type { Heap } from '@pymem/core';
import { HEAP_PAGE_SIZE } from '@pymem/core';
import { insertBlock, removeBlock } from './freelist.js';
import {
  Blk,
  Ctl,
  Tag,
  eraseCheck,
  getControl,
  getInfo,
  getPrevPhys,
  getSize,
  setControl,
  setHeader,
  setPrevPhys,
} from './layout.js';

/** Header address of the sentinel. */
export function getTail(u32: Uint32Array): number {
  return getControl(u32, Ctl.TAIL);
}

/** The block growth extends: the free block before the sentinel, or the sentinel itself. */
export function topStart(u32: Uint32Array): number {
  const tail = getTail(u32);
  return (getInfo(u32, tail) & Tag.PREV_FREE) !== 0 ? getPrevPhys(u32, tail) : tail;
}

/** The free block just below the sentinel, or 0. */
export function topFreeBlock(u32: Uint32Array): number {
  const tail = getTail(u32);
  return (getInfo(u32, tail) & Tag.PREV_FREE) !== 0 ? getPrevPhys(u32, tail) : 0;
}

/** Write the sentinel at `tail`, after block `prev`, and record it in the control structure. */
export function placeSentinel(u32: Uint32Array, tail: number, prev: number, tags: number): void {
  setPrevPhys(u32, tail, prev);
  setHeader(u32, tail, 0, tags);
  setControl(u32, Ctl.TAIL, tail);
}

/**
 * Make `top` (prevPhys set, its left neighbour used) a free block reaching a
 * new sentinel at `end - BLOCK_OVERHEAD`, and list it.
 */
export function placeTop(u32: Uint32Array, top: number, end: number): void {
  const tail = end - Blk.OVERHEAD;
  const size = tail - top - Blk.OVERHEAD;
  setHeader(u32, top, size, Tag.FREE);
  placeSentinel(u32, tail, top, Tag.PREV_FREE);
  insertBlock(u32, top, size);
}

/**
 * Grow the heap so that it is at least `minEnd` bytes long (the heap rounds
 * to pages) and make everything from topStart() to the new sentinel one
 * free block, listed. Returns that block, or 0 when the heap cannot grow so
 * far (then nothing changed). Callers must re-read the heap's views.
 */
export function growHeap(heap: Heap, minEnd: number): number {
  if (minEnd > heap.maxByteLength || !heap.grow(minEnd)) return 0;
  const u32 = heap.u32;
  const tail = getTail(u32);
  let top = tail;
  if ((getInfo(u32, tail) & Tag.PREV_FREE) !== 0) {
    top = getPrevPhys(u32, tail);
    removeBlock(u32, top, getSize(u32, top));
    eraseCheck(u32, tail);
  }
  placeTop(u32, top, heap.byteLength);
  return top;
}

/** Round up to a whole number of heap pages. */
function roundUpPage(n: number): number {
  return Math.ceil(n / HEAP_PAGE_SIZE) * HEAP_PAGE_SIZE;
}

/**
 * Give back the heap above free block `top` (listed, its right neighbour
 * the sentinel). The heap never goes below initialByteLength, and nothing
 * happens when no whole page can be given back.
 */
export function trimHeap(heap: Heap, top: number): void {
  let end = Math.max(roundUpPage(top + Blk.OVERHEAD), heap.initialByteLength);
  const left = end - top;
  // Tricky: `top` becomes the sentinel when left == BLOCK_OVERHEAD; a free
  // block needs MIN_BLOCK_TOTAL + BLOCK_OVERHEAD. Anything between is a
  // header with no room for data, so keep one page more.
  if (left !== Blk.OVERHEAD && left < Blk.MIN_TOTAL + Blk.OVERHEAD) end += HEAP_PAGE_SIZE;
  if (end >= heap.byteLength) return;
  removeBlock(heap.u32, top, getSize(heap.u32, top));
  end = heap.shrink(end);
  const u32 = heap.u32;
  if (end - Blk.OVERHEAD === top) {
    placeSentinel(u32, top, getPrevPhys(u32, top), 0);
  } else {
    placeTop(u32, top, end);
  }
}
