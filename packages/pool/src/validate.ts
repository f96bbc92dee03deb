/**
 * Telling a live pool block from everything else, on cold paths: the typed
 * error a bad free, realloc or usableSize gets, naming the pointer and what
 * it points into. All checks are O(1) except the free-list walk used when the
 * allocated-block bitmap is off (owns/usableSize only).
 */
/* eslint-disable @typescript-eslint/no-unsafe-enum-comparison --
   Geo, Hdr, Arena, Ao and St are named numbers (const enums, so that the
   bundler folds them into the code), not sets of choices: comparing a number
   with them is the point. */
import { DoubleFreeError, InvalidFreeError, formatPtr, type PymemError } from '@pymem/core';
import { Ao, aoWord, bitmapBit, bitmapWord, Geo, Hdr, numBlocks, poolAddr } from './layout.js';

/**
 * Why `p` (a pointer inside a live arena: address_in_range said so) is not an
 * allocated pool block, or null when it is one. With `checks`, liveness comes
 * from the bitmap; without, from a walk of the pool's free list.
 */
export function poolPointerProblem(u32: Uint32Array, st: number, p: number, checks: boolean): PymemError | null {
  const pool = poolAddr(p);
  const pw = pool >>> Geo.WORD_SHIFT;
  const ao = aoWord(u32, st, u32[pw + Hdr.W_ARENAINDEX] + 1);
  const base = u32[ao + Ao.W_ADDRESS];
  if (pool >= u32[ao + Ao.W_POOL_ADDRESS]) {
    return new InvalidFreeError(p, `the pool at ${formatPtr(pool)} has never been used (arena ${formatPtr(base)})`);
  }
  const off = p - pool;
  if (off < Hdr.OVERHEAD) return new InvalidFreeError(p, `it points into the header of the pool at ${formatPtr(pool)}`);
  const szidx = u32[pw + Hdr.W_SZIDX];
  if (szidx >= Geo.NB_SMALL_SIZE_CLASSES) {
    return new InvalidFreeError(p, `the pool at ${formatPtr(pool)} is not set up (size class ${szidx})`);
  }
  const size = (szidx + 1) << Geo.ALIGNMENT_SHIFT;
  const into = (off - Hdr.OVERHEAD) % size;
  if (into !== 0 || (p & Geo.ALIGNMENT_MASK) !== 0) {
    return new InvalidFreeError(
      p,
      `interior pointer: ${into} bytes into the ${size}-byte block at ${formatPtr(p - into)}`,
    );
  }
  if (off + size > u32[pw + Hdr.W_LIMIT]) {
    return new InvalidFreeError(
      p,
      `it lies in the unused tail of the pool at ${formatPtr(pool)}, past its last ${size}-byte block`,
    );
  }
  if (off >= u32[pw + Hdr.W_NEXTOFFSET]) {
    return new InvalidFreeError(p, `never allocated: the pool at ${formatPtr(pool)} has not carved that block yet`);
  }
  if (u32[pw + Hdr.W_COUNT] === 0) return new DoubleFreeError(p); // its pool is empty: every block in it is free
  if (checks ? (u32[bitmapWord(u32, p)] & bitmapBit(u32, p)) === 0 : onFreeList(u32, pool, p, szidx))
    return new DoubleFreeError(p);
  return null;
}

/** Is p on the free list of `pool`? Bounded by the pool's block count, so a corrupt list cannot loop. */
function onFreeList(u32: Uint32Array, pool: number, p: number, szidx: number): boolean {
  let b = u32[(pool >>> Geo.WORD_SHIFT) + Hdr.W_FREEBLOCK];
  for (let n = numBlocks(szidx); b !== 0 && n >= 0; n--) {
    if (b === p) return true;
    b = u32[b >>> Geo.WORD_SHIFT];
  }
  return false;
}

/** The error for a pointer outside every arena that is not even a heap address. */
export function rawPointerProblem(ptr: number, heapBytes: number): PymemError | null {
  if (typeof ptr !== 'number' || !Number.isInteger(ptr) || ptr < 0) {
    return new InvalidFreeError(ptr, 'not a pointer (expected a non-negative integer byte offset)');
  }
  if (ptr >= heapBytes) return new InvalidFreeError(ptr, `outside the heap (${heapBytes} bytes)`);
  return null;
}
