/**
 * Pointer validation: is `ptr` a live block of this heap? Answered in O(1)
 * from the bytes, before free / realloc / usableSize touch anything.
 *
 * findBlock returns the block's header address, or a negative PTR_* code
 * (no exception on the hot path); throwBadPointer turns a code into the
 * typed error, on the cold path.
 *
 * What is deterministic:
 *   - NULL, non-integers, pointers outside the heap, inside the control
 *     structure, or not 16-byte aligned: always rejected.
 *   - A double free of a block whose header is intact (FREE bit set) or was
 *     absorbed by coalescing (tombstone check word): always DoubleFreeError,
 *     until those bytes are handed out again.
 *   - A pointer whose 16 bytes before are not a header: rejected unless they
 *     happen to hold a valid check word for their own address and size AND
 *     consistent links to both physical neighbours.
 * What is probabilistic:
 *   - For an interior pointer into a block's data, the "header" before it
 *     is user data. A random word matches the check word with probability
 *     2^-31, and the neighbour back-links must agree as well, so accidental
 *     acceptance needs forged headers; a program that deliberately copies
 *     valid-looking headers into its data can fool the check (it is a
 *     debugging aid, not a security boundary).
 *   - Freeing a block twice after its bytes were handed out again as a new
 *     block at the same address frees the new block (ABA; no allocator
 *     without per-allocation ids can tell).
 */
import { DoubleFreeError, InvalidFreeError, formatPtr } from '@pymem/core';
import {
  AL_MASK,
  AL_SIZE,
  BLOCK_MINSIZE,
  BLOCK_OVERHEAD,
  FIRST_BLOCK,
  FREE,
  PREV_FREE,
  SIZE_MASK,
  checkWord,
  getCheck,
  getInfo,
  getPrevPhys,
  tombstoneWord,
} from './layout.js';

/** `ptr` is 0. */
export const PTR_NULL = -1;
/** `ptr` is not a number or not an integer. */
export const PTR_NOT_INTEGER = -2;
/** `ptr` is negative or past the end of the heap. */
export const PTR_OUTSIDE = -3;
/** `ptr` lies inside the control structure. */
export const PTR_CONTROL = -4;
/** `ptr` is not a multiple of AL_SIZE. */
export const PTR_MISALIGNED = -5;
/** No valid header before `ptr`: an interior pointer or never allocated. */
export const PTR_NOT_BLOCK = -6;
/** `ptr` is a block that is already free (or was merged into a free one). */
export const PTR_FREED = -7;

/**
 * Header address of the live (used) block whose data starts at `ptr`, or a
 * negative PTR_* code. `tail` is the sentinel's address, `heapBytes` the
 * heap's size. Reads only; never throws.
 */
export function findBlock(u32: Uint32Array, ptr: number, tail: number, heapBytes: number): number {
  if (typeof ptr !== 'number') return PTR_NOT_INTEGER;
  if (ptr === 0) return PTR_NULL;
  if (ptr >>> 0 !== ptr) return Number.isInteger(ptr) ? PTR_OUTSIDE : PTR_NOT_INTEGER;
  if (ptr >= heapBytes) return PTR_OUTSIDE;
  if (ptr < FIRST_BLOCK) return PTR_CONTROL;
  if ((ptr & AL_MASK) !== 0) return PTR_MISALIGNED;
  if (ptr + BLOCK_MINSIZE > tail) return PTR_NOT_BLOCK;
  const block = ptr - BLOCK_OVERHEAD;
  const info = getInfo(u32, block);
  const size = (info & SIZE_MASK) >>> 0;
  const check = getCheck(u32, block);
  if (check !== checkWord(block, size)) {
    return check === tombstoneWord(block) ? PTR_FREED : PTR_NOT_BLOCK;
  }
  if ((info & FREE) !== 0) return PTR_FREED;
  const next = ptr + size;
  if (size < BLOCK_MINSIZE || next > tail || getPrevPhys(u32, next) !== block) return PTR_NOT_BLOCK;
  return leftLinkHolds(u32, block, info) ? block : PTR_NOT_BLOCK;
}

/** The back-link of `block` names a real left neighbour that ends at `block` and agrees on PREV_FREE. */
function leftLinkHolds(u32: Uint32Array, block: number, info: number): boolean {
  const prev = getPrevPhys(u32, block);
  if (prev === 0) return block === FIRST_BLOCK && (info & PREV_FREE) === 0;
  if (prev < FIRST_BLOCK || prev >= block || (prev & AL_MASK) !== 0) return false;
  const prevInfo = getInfo(u32, prev);
  const prevSize = (prevInfo & SIZE_MASK) >>> 0;
  if (prev + BLOCK_OVERHEAD + prevSize !== block) return false;
  if (getCheck(u32, prev) !== checkWord(prev, prevSize)) return false;
  return ((prevInfo & FREE) !== 0) === ((info & PREV_FREE) !== 0);
}

/** Cold path: throw the typed error for a PTR_* code from findBlock. */
export function throwBadPointer(ptr: number, code: number, heapBytes: number): never {
  switch (code) {
    case PTR_FREED:
      throw new DoubleFreeError(ptr);
    case PTR_NULL:
      throw new InvalidFreeError(0, 'NULL is not a block');
    case PTR_NOT_INTEGER:
      throw new InvalidFreeError(ptr, 'not a pointer (expected a non-negative integer)');
    case PTR_OUTSIDE:
      throw new InvalidFreeError(ptr, `outside the heap [0x0, ${formatPtr(heapBytes)})`);
    case PTR_CONTROL:
      throw new InvalidFreeError(ptr, `inside the TLSF control structure [0x0, ${formatPtr(FIRST_BLOCK)})`);
    case PTR_MISALIGNED:
      throw new InvalidFreeError(ptr, `not ${AL_SIZE}-byte aligned`);
    default:
      throw new InvalidFreeError(ptr, 'not the start of a block (an interior pointer, or never allocated)');
  }
}
