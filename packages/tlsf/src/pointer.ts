/**
 * Pointer validation: is `ptr` a live block of this heap? Answered in O(1)
 * from the bytes, before free / realloc / usableSize touch anything.
 *
 * findBlock returns the block's header address, or a negative Bad code
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
/* eslint-disable @typescript-eslint/no-unsafe-enum-comparison --
   Bad, Sc, Blk, Tag and Ctl are named numbers (const enums, so that the bundler writes
   them into the code as literals), not sets of choices: comparing a number
   with them is the point. */
import { DoubleFreeError, InvalidFreeError, formatPtr } from '@pymem/core';
import { Blk, Ctl, Sc, Tag, checkWord, tombstoneWord } from './layout.js';

/** What findBlock returns for a pointer that is not a live block (all negative). */
export const enum Bad {
  /** `ptr` is 0. */
  NULL = -1,
  /** `ptr` is not a number or not an integer. */
  NOT_INTEGER = -2,
  /** `ptr` is negative or past the end of the heap. */
  OUTSIDE = -3,
  /** `ptr` lies inside the control structure. */
  CONTROL = -4,
  /** `ptr` is not a multiple of AL_SIZE. */
  MISALIGNED = -5,
  /** No valid header before `ptr`: an interior pointer or never allocated. */
  NOT_BLOCK = -6,
  /** `ptr` is a block that is already free (or was merged into a free one). */
  FREED = -7,
}

/**
 * Header address of the live (used) block whose data starts at `ptr`, or a
 * negative Bad code. `tail` is the sentinel's address, `heapBytes` the
 * heap's size. Reads only; never throws.
 */
export function findBlock(u32: Uint32Array, ptr: number, tail: number, heapBytes: number): number {
  if (typeof ptr !== 'number') return Bad.NOT_INTEGER;
  if (ptr >>> 0 !== ptr) return badNumber(ptr);
  if (ptr >= heapBytes) return Bad.OUTSIDE;
  if (ptr < Ctl.FIRST_BLOCK) return ptr === 0 ? Bad.NULL : Bad.CONTROL;
  if ((ptr & Sc.AL_MASK) !== 0) return Bad.MISALIGNED;
  if (ptr + Blk.MIN_SIZE > tail) return Bad.NOT_BLOCK;
  const block = ptr - Blk.OVERHEAD;
  const b = block >>> Sc.WORD_SHIFT;
  const info = u32[b + Blk.W_INFO];
  const size = (info & Tag.SIZE_MASK) >>> 0;
  const check = u32[b + Blk.W_CHECK] | 0;
  if (check !== checkWord(block, size)) return check === tombstoneWord(block) ? Bad.FREED : Bad.NOT_BLOCK;
  if ((info & Tag.FREE) !== 0) return Bad.FREED;
  const next = ptr + size;
  if (size < Blk.MIN_SIZE || next > tail || u32[(next >>> Sc.WORD_SHIFT) + Blk.W_PREV_PHYS] !== block) return Bad.NOT_BLOCK;
  return leftLinkHolds(u32, block, info) ? block : Bad.NOT_BLOCK;
}

/** A number that is not a u32: negative or too big (outside), or not an integer. */
function badNumber(ptr: number): number {
  return Number.isInteger(ptr) ? Bad.OUTSIDE : Bad.NOT_INTEGER;
}

/** The back-link of `block` names a real left neighbour that ends at `block` and agrees on PREV_FREE. */
function leftLinkHolds(u32: Uint32Array, block: number, info: number): boolean {
  const prev = u32[(block >>> Sc.WORD_SHIFT) + Blk.W_PREV_PHYS];
  if (prev === 0) return block === Ctl.FIRST_BLOCK && (info & Tag.PREV_FREE) === 0;
  if (prev < Ctl.FIRST_BLOCK || prev >= block || (prev & Sc.AL_MASK) !== 0) return false;
  const p = prev >>> Sc.WORD_SHIFT;
  const prevInfo = u32[p + Blk.W_INFO];
  const prevSize = (prevInfo & Tag.SIZE_MASK) >>> 0;
  if (prev + Blk.OVERHEAD + prevSize !== block) return false;
  if ((u32[p + Blk.W_CHECK] | 0) !== checkWord(prev, prevSize)) return false;
  return ((prevInfo & Tag.FREE) !== 0) === ((info & Tag.PREV_FREE) !== 0);
}

/** Cold path: throw the typed error for a Bad code from findBlock. */
export function throwBadPointer(ptr: number, code: number, heapBytes: number): never {
  switch (code) {
    case Bad.FREED:
      throw new DoubleFreeError(ptr);
    case Bad.NULL:
      throw new InvalidFreeError(0, 'NULL is not a block');
    case Bad.NOT_INTEGER:
      throw new InvalidFreeError(ptr, 'not a pointer (expected a non-negative integer)');
    case Bad.OUTSIDE:
      throw new InvalidFreeError(ptr, `outside the heap [0x0, ${formatPtr(heapBytes)})`);
    case Bad.CONTROL:
      throw new InvalidFreeError(ptr, `inside the TLSF control structure [0x0, ${formatPtr(Ctl.FIRST_BLOCK)})`);
    case Bad.MISALIGNED:
      throw new InvalidFreeError(ptr, `not ${Sc.AL_SIZE}-byte aligned`);
    default:
      throw new InvalidFreeError(ptr, 'not the start of a block (an interior pointer, or never allocated)');
  }
}
