/**
 * The TLSF allocator: the malloc family over a pymem Heap.
 *
 * All state is in the heap's bytes (layout.ts draws it); this class only
 * holds the heap, the options and figures derived from the heap's limits.
 *
 * malloc:  listAtLeast + firstListFrom (two bit scans) -> takeHead (pop,
 *          split the tail off); slow path mallocSlow: the request's own
 *          list, then growHeap.
 * free:    findBlock (validate in O(1)) -> freeBlock (merge right, merge
 *          left, list) -> trimHeap when the top got big or the heap empty.
 *
 * The hot methods read `this.heap.u32` once into a local and re-read it
 * only after something that may grow the heap (the slow paths).
 * realloc: shrink in place (split the tail off), grow in place into a free
 *          right neighbour or the heap top, else malloc + copy + free.
 *
 * Every operation validates its arguments before it writes a byte, so a bad
 * pointer or size throws with the heap exactly as it was.
 */
/* eslint-disable @typescript-eslint/no-unsafe-enum-comparison --
   Sc, Blk, Tag, Ctl and Chk are named numbers (const enums, so that the bundler writes
   them into the code as literals), not sets of choices: comparing a number
   with them is the point. */
import type { Heap, HeapOptions, Ptr, RawAllocator } from '@pymem/core';
import { Heap as HeapClass, HeapCorruptionError, InvalidSizeError, OutOfMemoryError, checkSize } from '@pymem/core';
import { DEFAULT_TRIM_THRESHOLD, type TlsfOptions, type TlsfStats } from './api.js';
import { alignedHeader, carveAligned, findAlignedFit } from './aligned.js';
import { freeBlock, mergeRight, takeBlock, takeHead } from './block.js';
import { checkHeap } from './check.js';
import { firstListFrom, insertBlock, largestFree, removeBlock, searchOwnList } from './freelist.js';
import {
  Blk,
  Ctl,
  Sc,
  Tag,
  adjustSize,
  getControl,
  getInfo,
  getSize,
  listAtLeast,
  setControl,
  setHeader,
  setInfo,
  setPrevPhys,
} from './layout.js';
import { findBlock, throwBadPointer } from './pointer.js';
import { growHeap, placeSentinel, topFreeBlock, topStart, trimHeap } from './top.js';
import { zeroBytes } from './zero.js';

/** Largest alignment mallocAligned accepts: 2 GiB (half the u32 address space). */
export const MAX_ALIGN = 2 ** (Sc.ADDRESS_BITS - 1);

/** Set by Tlsf.attach around its `new Tlsf` so the constructor adopts the heap instead of formatting it. */
let adopting = false;

export class Tlsf implements RawAllocator {
  readonly name = 'tlsf' as const;
  readonly heap: Heap;
  /** See {@link TlsfOptions.trimThreshold}. */
  readonly trimThreshold: number;
  /** Largest request that could ever fit in this heap; anything above is OutOfMemoryError. */
  private readonly maxRequest: number;
  /** heap.canShrink, read once: whether a free may trim the heap. */
  private readonly canTrim: boolean;

  /**
   * Take over `heap`: the control structure goes at offset 0 and the rest
   * becomes one free block. Whatever the heap held is forgotten.
   * Throws InvalidSizeError on a bad option.
   */
  constructor(heap: Heap, options: TlsfOptions = {}) {
    this.heap = heap;
    this.trimThreshold = checkTrimThreshold(options.trimThreshold ?? DEFAULT_TRIM_THRESHOLD);
    this.canTrim = heap.canShrink;
    const room = Math.max(0, heap.maxByteLength - Ctl.FIRST_BLOCK - 2 * Blk.OVERHEAD);
    this.maxRequest = room - (room % Sc.AL_SIZE);
    if (!adopting) formatHeap(heap);
  }

  /**
   * Open a heap that already holds a TLSF layout (one a Tlsf formatted, e.g.
   * handed over from another worker or restored from a file): nothing is
   * written; checkHeap() runs first and throws HeapCorruptionError if the
   * bytes are not a sound TLSF heap.
   */
  static attach(heap: Heap, options: TlsfOptions = {}): Tlsf {
    checkHeap(heap);
    adopting = true;
    try {
      return new Tlsf(heap, options);
    } finally {
      adopting = false;
    }
  }

  // ───────────────────────────── malloc / free ─────────────────────────────

  /** `size` bytes, 16-byte aligned. Throws InvalidSizeError on a bad size, OutOfMemoryError when the heap cannot grow. */
  malloc(size: number): Ptr {
    if (typeof size !== 'number' || size >>> 0 !== size || size > this.maxRequest) this.rejectSize(size);
    const need = size <= Blk.MIN_SIZE ? Blk.MIN_SIZE : ((size + Sc.AL_MASK) & Tag.SIZE_MASK) >>> 0;
    const u32 = this.heap.u32;
    const want = listAtLeast(need);
    const list = want < Sc.LIST_COUNT ? firstListFrom(u32, want) : -1;
    if (list < 0) return this.mallocSlow(need, size);
    return takeHead(u32, list, need);
  }

  /**
   * Give back a block. free(0) does nothing. Throws InvalidFreeError for a
   * pointer that is not a block, DoubleFreeError for one already free.
   */
  free(ptr: Ptr): void {
    if (ptr === 0) return;
    const heap = this.heap;
    const u32 = heap.u32;
    const block = findBlock(u32, ptr, u32[Ctl.W_TAIL], heap.byteLength);
    if (block < 0) throwBadPointer(ptr, block, heap.byteLength);
    const merged = freeBlock(u32, block);
    if (this.canTrim) this.trimAfterFree(u32, merged);
  }

  /** No list guarantees a fit: try the request's own list, then grow the heap. */
  private mallocSlow(need: number, size: number): Ptr {
    const heap = this.heap;
    let block = searchOwnList(heap.u32, need);
    if (block === 0) {
      block = growHeap(heap, topStart(heap.u32) + Blk.OVERHEAD + need + Blk.OVERHEAD);
      if (block === 0) throw new OutOfMemoryError(size, heap.byteLength, heap.maxByteLength);
    }
    const u32 = heap.u32;
    const blockSize = getSize(u32, block);
    removeBlock(u32, block, blockSize);
    takeBlock(u32, block, blockSize, need);
    return block + Blk.OVERHEAD;
  }

  /** Free used block `block` (already validated) and trim the heap if that freed its top. */
  private release(u32: Uint32Array, block: number): void {
    const merged = freeBlock(u32, block);
    if (this.canTrim) this.trimAfterFree(u32, merged);
  }

  /** `merged` was just freed: shrink the heap if it is the top and big enough, or the heap is empty. */
  private trimAfterFree(u32: Uint32Array, merged: number): void {
    const size = getSize(u32, merged);
    if (merged + Blk.OVERHEAD + size !== u32[Ctl.W_TAIL]) return;
    if (size >= this.trimThreshold || u32[Ctl.W_USED_BLOCKS] === 0) trimHeap(this.heap, merged);
  }

  /** Cold path: throw InvalidSizeError for a bad size, OutOfMemoryError for one that can never fit. */
  private rejectSize(size: number): never {
    checkSize(size, this.heap.maxByteLength);
    throw new OutOfMemoryError(size, this.heap.byteLength, this.heap.maxByteLength, 'larger than any block this heap can hold');
  }

  // ──────────────────────────── calloc / realloc ───────────────────────────

  /** `count * size` bytes, all zero (the whole usable size). Throws InvalidSizeError when either is bad or the product passes the heap maximum. */
  calloc(count: number, size: number): Ptr {
    const max = this.heap.maxByteLength;
    const total = count * size;
    if (typeof count !== 'number' || typeof size !== 'number' || count >>> 0 !== count || size >>> 0 !== size || count > max || size > max || total > max) {
      rejectCalloc(count, size, max);
    }
    const ptr = this.malloc(total);
    const heap = this.heap;
    zeroBytes(heap, ptr, getSize(heap.u32, ptr - Blk.OVERHEAD));
    return ptr;
  }

  /**
   * Resize a block, keeping its contents up to the smaller size.
   * realloc(0, n) is malloc(n); realloc(p, 0) keeps a minimal block. Grows
   * and shrinks in place when it can, else moves the block. Throws like
   * free() for a bad pointer and like malloc() for a bad size; on any error
   * the block is untouched.
   */
  realloc(ptr: Ptr, size: number): Ptr {
    if (ptr === 0) return this.malloc(size);
    const heap = this.heap;
    const u32 = heap.u32;
    const block = findBlock(u32, ptr, u32[Ctl.W_TAIL], heap.byteLength);
    if (block < 0) throwBadPointer(ptr, block, heap.byteLength);
    if (typeof size !== 'number' || size >>> 0 !== size || size > this.maxRequest) this.rejectSize(size);
    const need = adjustSize(size);
    const cur = getSize(u32, block);
    if (need <= cur) {
      this.shrinkInPlace(u32, block, cur, need);
      return ptr;
    }
    if (this.growInPlace(u32, block, cur, need)) return ptr;
    return this.moveBlock(ptr, cur, size);
  }

  /** Split the tail of used block `block` off and free it, when it can be a block. */
  private shrinkInPlace(u32: Uint32Array, block: number, cur: number, need: number): void {
    const rest = cur - need;
    if (rest < Blk.MIN_TOTAL) return;
    setHeader(u32, block, need, getInfo(u32, block) & Tag.PREV_FREE);
    // The tail becomes a used block for a moment (counted: one more block,
    // BLOCK_OVERHEAD bytes fewer), then goes through the ordinary free path
    // (merge with a free right neighbour, trim).
    const spare = block + Blk.OVERHEAD + need;
    const spareSize = rest - Blk.OVERHEAD;
    setPrevPhys(u32, spare, block);
    setHeader(u32, spare, spareSize, 0);
    setPrevPhys(u32, spare + Blk.OVERHEAD + spareSize, spare);
    u32[Ctl.W_USED_BLOCKS]++;
    u32[Ctl.W_USED_BYTES] -= Blk.OVERHEAD;
    this.release(u32, spare);
  }

  /**
   * Grow used block `block` to at least `need` bytes without moving it: into
   * a free right neighbour, growing the heap first when the block (or that
   * neighbour) is at the top. Returns false, changing nothing, when it cannot.
   */
  private growInPlace(u32: Uint32Array, block: number, cur: number, need: number): boolean {
    const next = block + Blk.OVERHEAD + cur;
    const nextInfo = getInfo(u32, next);
    const room = (nextInfo & Tag.FREE) !== 0 ? cur + Blk.OVERHEAD + ((nextInfo & Tag.SIZE_MASK) >>> 0) : cur;
    if (room < need) {
      // Only the top can grow; `next` is then the free top block or the sentinel.
      if (topStart(u32) !== next) return false;
      if (growHeap(this.heap, block + Blk.OVERHEAD + need + Blk.OVERHEAD) === 0) return false;
      u32 = this.heap.u32;
    }
    const size = mergeRight(u32, block, cur);
    setHeader(u32, block, size, getInfo(u32, block) & Tag.PREV_FREE);
    const after = block + Blk.OVERHEAD + size;
    setPrevPhys(u32, after, block);
    setInfo(u32, after, getInfo(u32, after) & ~Tag.PREV_FREE);
    u32[Ctl.W_USED_BYTES] += size - cur;
    this.shrinkInPlace(u32, block, size, need);
    return true;
  }

  /** malloc a new block, copy `cur` bytes over, free the old one. */
  private moveBlock(ptr: Ptr, cur: number, size: number): Ptr {
    const fresh = this.malloc(size);
    const heap = this.heap;
    heap.u8.copyWithin(fresh, ptr, ptr + cur);
    this.release(heap.u32, ptr - Blk.OVERHEAD);
    return fresh;
  }

  // ──────────────────────────────── aligned ────────────────────────────────

  /**
   * `size` bytes at a data pointer p with `(p - headroom) % align === 0`.
   * `align`: a power of two from 16 to 2^31; `headroom`: a multiple of 16
   * below `align`. Throws InvalidSizeError on a bad size, align or
   * headroom, OutOfMemoryError when the heap cannot grow. free() takes the
   * block back like any other.
   */
  mallocAligned(size: number, align: number, headroom = 0): Ptr {
    checkAlign(align, headroom);
    if (align === Sc.AL_SIZE) return this.malloc(size);
    if (typeof size !== 'number' || size >>> 0 !== size || size > this.maxRequest) this.rejectSize(size);
    const need = adjustSize(size);
    const heap = this.heap;
    let block = findAlignedFit(heap.u32, need, align, headroom);
    if (block === 0) {
      const at = alignedHeader(topStart(heap.u32), align, headroom);
      block = growHeap(heap, at + Blk.OVERHEAD + need + Blk.OVERHEAD);
      if (block === 0) throw new OutOfMemoryError(size, heap.byteLength, heap.maxByteLength, `aligned to ${align}`);
    }
    return carveAligned(heap.u32, block, need, align, headroom);
  }

  // ──────────────────────────────── trim ───────────────────────────────────

  /**
   * Give back the free block at the top of the heap now, whatever
   * trimThreshold says (C's `malloc_trim(0)`): the heap shrinks to the first
   * page boundary past the last used block, never below its initial size.
   * A free() trims on its own only once the top reaches trimThreshold (or
   * the heap is empty), so a top smaller than that stays until this call.
   * Returns the bytes given back: 0 when the top block is used, no whole
   * page is free, or the heap cannot shrink (backends other than
   * `arraybuffer`). Never throws.
   */
  trim(): number {
    if (!this.canTrim) return 0;
    const heap = this.heap;
    const top = topFreeBlock(heap.u32);
    if (top === 0) return 0;
    const before = heap.byteLength;
    trimHeap(heap, top);
    return before - heap.byteLength;
  }

  // ─────────────────────────────── queries ─────────────────────────────────

  /** Data bytes of live block `ptr` (its size, at least what was asked). Throws like free() on a bad pointer, NULL included. */
  usableSize(ptr: Ptr): number {
    const heap = this.heap;
    const u32 = heap.u32;
    const block = findBlock(u32, ptr, u32[Ctl.W_TAIL], heap.byteLength);
    if (block < 0) throwBadPointer(ptr, block, heap.byteLength);
    return getSize(u32, block);
  }

  /** Whether `ptr` is a live block of this heap. Never throws. */
  owns(ptr: Ptr): boolean {
    const heap = this.heap;
    const u32 = heap.u32;
    return findBlock(u32, ptr, u32[Ctl.W_TAIL], heap.byteLength) >= 0;
  }

  /** Figures from the control structure; see {@link TlsfStats}. */
  stats(): TlsfStats {
    const heap = this.heap;
    const u32 = heap.u32;
    const usedBlocks = getControl(u32, Ctl.USED_BLOCKS);
    const usedBytes = getControl(u32, Ctl.USED_BYTES);
    const freeBlocks = getControl(u32, Ctl.FREE_BLOCKS);
    const tail = u32[Ctl.W_TAIL];
    const overheadBytes = Blk.OVERHEAD * (usedBlocks + freeBlocks + 1);
    const freeBytes = tail + Blk.OVERHEAD - Ctl.FIRST_BLOCK - overheadBytes - usedBytes;
    const largest = largestFree(u32);
    const top = topFreeBlock(u32);
    return {
      allocatedBlocks: usedBlocks,
      allocatedBytes: usedBytes,
      freeBytes,
      heapBytes: heap.byteLength,
      peakHeapBytes: heap.peakByteLength,
      freeBlocks,
      largestFreeBlock: largest,
      topFreeBytes: top === 0 ? 0 : getSize(u32, top),
      controlBytes: Ctl.FIRST_BLOCK,
      overheadBytes,
      fragmentation: freeBytes === 0 ? 0 : 1 - largest / freeBytes,
      trimThreshold: this.trimThreshold,
    };
  }

  /** Verify every invariant; throws HeapCorruptionError naming the first broken one. */
  checkHeap(): void {
    checkHeap(this.heap);
  }

  // ─────────────────────────────── anchors ─────────────────────────────────

  /** Anchor slot `i` (0..ANCHOR_COUNT-1); 0 until set. Throws InvalidSizeError on a bad index. */
  getAnchor(i: number): number {
    checkAnchorIndex(i);
    return getControl(this.heap.u32, Ctl.ANCHORS + i * Sc.WORD_SIZE);
  }

  /** Store a u32 in anchor slot `i`. Throws InvalidSizeError on a bad index or value. */
  setAnchor(i: number, value: number): void {
    checkAnchorIndex(i);
    if (typeof value !== 'number' || value >>> 0 !== value) {
      throw new InvalidSizeError(value, 'an anchor holds a u32 (an integer in 0..2^32-1)');
    }
    setControl(this.heap.u32, Ctl.ANCHORS + i * Sc.WORD_SIZE, value);
  }
}

/** A new Heap with `heapOptions`, taken over by a new Tlsf. */
export function createTlsf(heapOptions?: HeapOptions, options?: TlsfOptions): Tlsf {
  return new Tlsf(new HeapClass(heapOptions), options);
}

// ─────────────────────────────── cold helpers ──────────────────────────────

/** Write an empty TLSF layout: control structure, one free block, the sentinel. */
function formatHeap(heap: Heap): void {
  const u32 = heap.u32;
  const end = heap.byteLength;
  if (end < Ctl.FIRST_BLOCK + Blk.MIN_TOTAL + Blk.OVERHEAD) {
    throw new HeapCorruptionError('heap too small for the TLSF control structure', end);
  }
  u32.fill(0, 0, Ctl.FIRST_BLOCK >>> 2);
  setControl(u32, Ctl.MAGIC, Ctl.MAGIC_VALUE);
  setControl(u32, Ctl.VERSION, Ctl.LAYOUT_VERSION);
  const tail = end - Blk.OVERHEAD;
  const size = tail - Ctl.FIRST_BLOCK - Blk.OVERHEAD;
  setPrevPhys(u32, Ctl.FIRST_BLOCK, 0);
  setHeader(u32, Ctl.FIRST_BLOCK, size, Tag.FREE);
  placeSentinel(u32, tail, Ctl.FIRST_BLOCK, Tag.PREV_FREE);
  insertBlock(u32, Ctl.FIRST_BLOCK, size);
}

/** Cold path of calloc: throw InvalidSizeError for whichever argument (or their product) is bad. */
function rejectCalloc(count: number, size: number, max: number): never {
  checkSize(count, max);
  checkSize(size, max);
  throw new InvalidSizeError(count * size, `count * size (${count} * ${size}) is larger than the heap's maximum of ${max} bytes`);
}

function checkTrimThreshold(t: number): number {
  if (t === Infinity) return t;
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 0) {
    throw new InvalidSizeError(t, 'trimThreshold must be a non-negative integer or Infinity');
  }
  return t;
}

function checkAlign(align: number, headroom: number): void {
  if (typeof align !== 'number' || !Number.isInteger(align) || align < Sc.AL_SIZE || align > MAX_ALIGN || (align & (align - 1)) !== 0) {
    throw new InvalidSizeError(align, `align must be a power of two from ${Sc.AL_SIZE} to 2^31`);
  }
  if (typeof headroom !== 'number' || !Number.isInteger(headroom) || headroom < 0 || headroom % Sc.AL_SIZE !== 0 || headroom >= align) {
    throw new InvalidSizeError(headroom, `headroom must be a multiple of ${Sc.AL_SIZE} below align (${align})`);
  }
}

function checkAnchorIndex(i: number): void {
  if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= Ctl.ANCHOR_COUNT) {
    throw new InvalidSizeError(i, `anchor index must be an integer in 0..${Ctl.ANCHOR_COUNT - 1}`);
  }
}
