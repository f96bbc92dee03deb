/**
 * PoolAllocator: CPython's obmalloc over a pymem Heap. This file holds the
 * entry points and the hot paths; the layout they walk is drawn in layout.ts,
 * in short:
 *
 * ```
 *  arena (1 MiB, on a pool boundary)  | pool 0 | pool 1 | ... | pool 63 |
 *  pool (16 KiB, aligned)   | header (48 B) | block | block | ... | virgin ... | tail |
 *  header words             count freeblock nextpool prevpool arenaindex szidx nextoffset maxnextoffset
 *                           bitmap_word bitmap_shift limit
 *  free block               +0: next free block of the pool (0 ends the list)
 * ```
 *
 * malloc(1..512) pops the free list of the first pool in usedpools[szidx];
 * everything else is a named slow path (allocateFromNewPool, poolExtend,
 * insertToUsedpool, insertToFreepool). Requests of 0 or more than 512 bytes
 * go to the raw allocator, as CPython sends them to PyMem_RawMalloc.
 *
 * free and realloc route a pointer with CPython's address_in_range
 * (inArena below): read the arenaindex of the pool header at
 * `p & ~POOL_MASK` and check that arena object's address range.
 *
 * Tricky: when p is not a pool block, that "pool header" is somebody else's
 * bytes (a raw block's data, tlsf's own structure), so the arenaindex read is
 * garbage. The answer is still right: p is in no arena, so whichever arena
 * object the garbage names (if any: an index past the table fails the first
 * test), p is not inside its range. The read itself is always inside the
 * heap for a p inside the heap, since the heap is a whole number of pools;
 * for a p past the end it reads undefined and every comparison is false.
 * Raw blocks therefore never need a pool header, pool blocks never need a
 * raw header, and every pool header of a live arena (virgin ones too) holds
 * its arenaindex, so any pointer into an arena routes to it.
 *
 * Pointers are u32; `p >>> 0 === ptr` both coerces and rejects anything that
 * is not a u32 integer on the fast paths.
 */
/* eslint-disable @typescript-eslint/no-unsafe-enum-comparison --
   Geo, Hdr, Arena, Ao and St are named numbers (const enums, so that the
   bundler folds them into the code), not sets of choices: comparing a number
   with them is the point. */
import {
  Heap,
  HeapCorruptionError,
  InvalidFreeError,
  InvalidSizeError,
  checkSize,
  type Allocator,
  type HeapOptions,
  type Ptr,
  type PymemError,
} from '@pymem/core';
import { Tlsf } from '@pymem/tlsf';
import type { PoolOptions, PoolRawAllocator, PoolStats } from './api.js';
import { checkPoolHeap } from './check-heap.js';
import { Ao, Arena, Geo, Hdr, St } from './layout.js';
import { growArenaTable } from './arena.js';
import { allocateFromNewPool, insertToFreepool, insertToUsedpool, poolExtend } from './pool.js';
import { STATE_ANCHOR, createState, getState, type PoolContext } from './state.js';
import { collectStats, formatDebugMallocStats } from './stats.js';
import { releaseFreeArenas } from './usable-arenas.js';
import { poolPointerProblem, rawPointerProblem } from './validate.js';

/** Set by PoolAllocator.attach around its constructor call: the state block to adopt. */
let adopting: Ptr = 0;

/**
 * Bit index of block p (pool header at word pw) from the first word of its
 * pool's bitmap slice: the slice's starting bit plus p's granule after the
 * header (layout.ts).
 */
function bitIndex(u32: Uint32Array, pw: number, p: number): number {
  return u32[pw + Hdr.W_BITMAP_SHIFT] + ((p & Geo.POOL_MASK) >>> Geo.ALIGNMENT_SHIFT) - Arena.FIRST_GRANULE;
}

/** Set block bp's allocated-block bit (checks on). */
function mark(u32: Uint32Array, pw: number, bp: number): void {
  const g = bitIndex(u32, pw, bp);
  u32[u32[pw + Hdr.W_BITMAP_WORD] + (g >>> Arena.BITS_PER_WORD_SHIFT)] |= 1 << (g & Arena.BIT_INDEX_MASK);
}

/**
 * The checked fast test of free and realloc, for a pointer inside an arena:
 * 16-byte aligned, past its pool's header, and its allocated-block bit set.
 * That is all it takes: bits are set only for the first granule of an
 * allocated block. Returns the bitmap word index, or -1.
 */
function markedWord(u32: Uint32Array, pw: number, p: number): number {
  if ((p & Geo.ALIGNMENT_MASK) !== 0 || (p & Geo.POOL_MASK) < Hdr.OVERHEAD) return -1;
  const g = bitIndex(u32, pw, p);
  const w = u32[pw + Hdr.W_BITMAP_WORD] + (g >>> Arena.BITS_PER_WORD_SHIFT);
  return (u32[w] & (1 << (g & Arena.BIT_INDEX_MASK))) !== 0 ? w : -1;
}

/** pymalloc_realloc keeps a block in place unless it shrinks by at least a quarter. */
const enum Shrink {
  NUMERATOR = 3,
  DENOMINATOR = 4,
}

export class PoolAllocator implements Allocator, PoolContext {
  /** `pool` with the allocated-block checks, `pool-unchecked` without. */
  readonly name: 'pool' | 'pool-unchecked';
  readonly heap: Heap;
  /** The allocator under the pools (tlsf by default). */
  readonly raw: PoolRawAllocator;
  /** Whether the allocated-block bitmap is kept and every free validated. */
  readonly checks: boolean;
  /** Address of the state block (also in raw anchor slot 0). */
  readonly statePtr: Ptr;
  // Caches of state-block values (PoolContext); growArenaTable updates them.
  /** Word index of the arena table. */
  arenaTableWord = 0;
  /** Arena objects in the table. */
  maxArenas = 0;
  /** Word index of usedpools[0].nextpool (fixed for the allocator's life). */
  private readonly usedWord: number;

  /**
   * Format a pool allocator in `heap`: a fresh raw allocator (unless one is
   * given), the state block and the first arena table.
   */
  constructor(heap: Heap, options: PoolOptions = {}) {
    this.heap = heap;
    if (adopting !== 0) {
      this.raw = options.raw!;
      this.statePtr = adopting;
      this.checks = (getState(heap.u32, adopting, St.FLAGS) & St.FLAG_CHECKS) !== 0;
      this.arenaTableWord = getState(heap.u32, adopting, St.ARENAS) >>> Geo.WORD_SHIFT;
      this.maxArenas = getState(heap.u32, adopting, St.MAXARENAS);
    } else {
      this.checks = options.checks ?? true;
      this.raw = options.raw ?? new Tlsf(heap);
      this.statePtr = createState(heap, this.raw, this.checks);
      growArenaTable(this);
    }
    this.name = this.checks ? 'pool' : 'pool-unchecked';
    this.usedWord = (this.statePtr + St.USEDPOOLS) >>> Geo.WORD_SHIFT;
  }

  /**
   * Open a heap that already holds a pool allocator (handed over from another
   * worker, or restored from a file): the raw allocator is attached
   * (`Tlsf.attach` unless `options.raw` is given), the state block found
   * through its anchor slot 0, and checkHeap() run before anything else.
   * `checks` comes from the bytes. Throws HeapCorruptionError when the bytes
   * are not a sound pool heap.
   */
  static attach(heap: Heap, options: Omit<PoolOptions, 'checks'> = {}): PoolAllocator {
    const raw = options.raw ?? Tlsf.attach(heap);
    const st = raw.getAnchor?.(STATE_ANCHOR) ?? 0;
    if (st === 0 || st + St.BYTES > heap.byteLength || getState(heap.u32, st, St.MAGIC) !== St.MAGIC_VALUE) {
      throw new HeapCorruptionError('raw anchor slot 0 holds the address of a pool state block', st);
    }
    adopting = st;
    let pool: PoolAllocator;
    try {
      pool = new PoolAllocator(heap, { raw });
    } finally {
      adopting = 0;
    }
    pool.checkHeap();
    return pool;
  }

  /* ------------------------------------------------------------ malloc */

  malloc(size: number): Ptr {
    // `size | 0` keeps the test in int32 arithmetic; sizes of 2 GiB and more
    // take the raw path, as any size above 512 does.
    const n = size | 0;
    if (n === size && n > 0 && n <= Geo.SMALL_REQUEST_THRESHOLD) return this.pymallocAlloc(n);
    return this.mallocRaw(size);
  }

  /** CPython's pymalloc_alloc, for 1 <= nbytes <= 512. */
  private pymallocAlloc(nbytes: number): Ptr {
    const u32 = this.heap.u32;
    const szidx = (nbytes - 1) >>> Geo.ALIGNMENT_SHIFT;
    const slot = this.usedWord + (szidx << 1);
    const pool = u32[slot];
    // No used pool (the list head points at itself): the slow path.
    if (pool === slot * Geo.WORD - Hdr.NEXTPOOL) return this.mallocFromNewPool(szidx);
    // Pop the free list of the first used pool.
    const pw = pool >>> Geo.WORD_SHIFT;
    u32[pw + Hdr.W_COUNT]++;
    const bp = u32[pw + Hdr.W_FREEBLOCK];
    const next = u32[bp >>> Geo.WORD_SHIFT];
    u32[pw + Hdr.W_FREEBLOCK] = next;
    // The list ran dry: carve a virgin block, or the pool is now full.
    if (next === 0) poolExtend(u32, pool, szidx);
    if (this.checks) mark(u32, pw, bp);
    return bp;
  }

  /** No used pool for szidx: take an empty or virgin one (may get a new arena). */
  private mallocFromNewPool(szidx: number): Ptr {
    const bp = allocateFromNewPool(this, szidx);
    const u32 = this.heap.u32;
    if (this.checks) mark(u32, (bp >>> Geo.POOL_BITS) << Geo.POOL_WORD_SHIFT, bp);
    return bp;
  }

  private mallocRaw(size: number): Ptr {
    checkSize(size, this.heap.maxByteLength);
    return this.raw.malloc(size);
  }

  calloc(count: number, size: number): Ptr {
    const nbytes = count * size;
    if ((count | 0) === count && (size | 0) === size && nbytes > 0 && nbytes <= Geo.SMALL_REQUEST_THRESHOLD) {
      const p = this.pymallocAlloc(nbytes);
      this.heap.u8.fill(0, p, p + nbytes);
      return p;
    }
    return this.callocRaw(count, size);
  }

  private callocRaw(count: number, size: number): Ptr {
    checkSize(count, Number.MAX_SAFE_INTEGER);
    checkSize(size, Number.MAX_SAFE_INTEGER);
    checkSize(count * size, this.heap.maxByteLength);
    return this.raw.calloc(count, size);
  }

  /* -------------------------------------------------------------- free */

  free(ptr: Ptr): void {
    const p = ptr >>> 0;
    const u32 = this.heap.u32;
    if (p === ptr && this.inArena(u32, p)) this.pymallocFree(u32, p);
    else this.freeRaw(ptr);
  }

  /** CPython's pymalloc_free, for a pointer inside an arena. */
  private pymallocFree(u32: Uint32Array, p: number): void {
    const pw = (p >>> Geo.POOL_BITS) << Geo.POOL_WORD_SHIFT;
    if (this.checks) this.unmark(u32, pw, p);
    const last = u32[pw + Hdr.W_FREEBLOCK];
    u32[p >>> Geo.WORD_SHIFT] = last;
    u32[pw + Hdr.W_FREEBLOCK] = p;
    const count = u32[pw + Hdr.W_COUNT] - 1;
    u32[pw + Hdr.W_COUNT] = count;
    // The pool was full: it is used again.
    if (last === 0) insertToUsedpool(u32, this.statePtr, pw * Geo.WORD);
    // The pool is now empty: back to its arena's freepools.
    else if (count === 0) insertToFreepool(this, u32, pw * Geo.WORD);
  }

  /**
   * Clear p's allocated-block bit; throw, changing nothing, when it is not an
   * allocated block (markedWord's test, written out so that each value is
   * loaded once).
   */
  private unmark(u32: Uint32Array, pw: number, p: number): void {
    const g = bitIndex(u32, pw, p);
    const w = u32[pw + Hdr.W_BITMAP_WORD] + (g >>> Arena.BITS_PER_WORD_SHIFT);
    const bit = 1 << (g & Arena.BIT_INDEX_MASK);
    const word = u32[w];
    if ((word & bit) === 0 || (p & Geo.ALIGNMENT_MASK) !== 0 || (p & Geo.POOL_MASK) < Hdr.OVERHEAD) {
      throw this.badPoolPointer(p);
    }
    u32[w] = word ^ bit;
  }

  private freeRaw(ptr: Ptr): void {
    if (ptr === 0) return;
    this.checkRawPointer(ptr);
    this.raw.free(ptr); // throws, changing nothing, on a pointer that is not a live raw block
  }

  /* ----------------------------------------------------------- realloc */

  realloc(ptr: Ptr, size: number): Ptr {
    if (this.isArenaPointer(ptr)) return this.pymallocRealloc(ptr, size);
    if (ptr === 0) return this.malloc(size);
    return this.reallocRaw(ptr, size);
  }

  /**
   * CPython's pymalloc_realloc: the block stays where it is when the new size
   * fits and shrinks it by less than a quarter; otherwise allocate, copy, free.
   */
  private pymallocRealloc(p: number, size: number): Ptr {
    const n = size >>> 0;
    if (n !== size) {
      checkSize(size, this.heap.maxByteLength);
      throw new InvalidSizeError(size, 'larger than a u32 heap can hold');
    }
    const u32 = this.heap.u32;
    const pw = (p >>> Geo.POOL_BITS) << Geo.POOL_WORD_SHIFT;
    if (this.checks && markedWord(u32, pw, p) < 0) throw this.badPoolPointer(p);
    const blockSize = (u32[pw + Hdr.W_SZIDX] + 1) << Geo.ALIGNMENT_SHIFT;
    let keep = blockSize;
    if (n <= blockSize) {
      if (Shrink.DENOMINATOR * n > Shrink.NUMERATOR * blockSize) return p;
      keep = n;
    }
    const q = this.malloc(n); // may throw OutOfMemoryError: p is untouched
    this.heap.u8.copyWithin(q, p, p + keep);
    this.pymallocFree(this.heap.u32, p); // p is a live pool block: no routing needed
    return q;
  }

  private reallocRaw(ptr: Ptr, size: number): Ptr {
    this.checkRawPointer(ptr);
    checkSize(size, this.heap.maxByteLength);
    return this.raw.realloc(ptr, size);
  }

  /* ----------------------------------------------------------- queries */

  usableSize(ptr: Ptr): number {
    if (this.isArenaPointer(ptr)) {
      this.validatePoolBlock(ptr);
      return (this.heap.u32[((ptr >>> Geo.POOL_BITS) << Geo.POOL_WORD_SHIFT) + Hdr.W_SZIDX] + 1) << Geo.ALIGNMENT_SHIFT;
    }
    if (ptr === 0) throw new InvalidFreeError(ptr, 'NULL has no size');
    this.checkRawPointer(ptr);
    return this.raw.usableSize(ptr);
  }

  owns(ptr: Ptr): boolean {
    if (this.isArenaPointer(ptr)) return poolPointerProblem(this.heap.u32, this.statePtr, ptr, this.checks) === null;
    if (ptr === 0 || rawPointerProblem(ptr, this.heap.byteLength) !== null || this.isOwnMetadata(ptr)) return false;
    return this.raw.owns(ptr);
  }

  stats(): PoolStats {
    return collectStats(this);
  }

  /** The figures of stats() in the text layout of CPython's `sys._debugmallocstats()`. */
  debugMallocStats(): string {
    return formatDebugMallocStats(this.stats());
  }

  /**
   * Walk the state block, every arena, pool, free list and bitmap, the
   * usedpools and usable_arenas lists, then the raw allocator's own heap.
   * Throws HeapCorruptionError naming the first broken invariant.
   */
  checkHeap(): void {
    checkPoolHeap(this, this.checks);
    this.raw.checkHeap();
  }

  /**
   * Give back every wholly free arena, including the one CPython keeps to
   * avoid thrashing (and, with no arena left, shrink a grown arena table),
   * then have the raw allocator return the heap's free top. Returns the
   * arenas released.
   *
   * Tricky: the raw trim is explicit. A raw free() trims on its own only
   * once the free top reaches the raw trim threshold (tlsf: 256 KiB) or the
   * raw heap is empty, which it never is (the state block and arena table
   * stay); a top smaller than that (a freed raw block, a bitmap block under
   * the last arena) would otherwise keep the heap above its first size.
   */
  trim(): number {
    const released = releaseFreeArenas(this);
    this.raw.trim?.();
    return released;
  }

  /* ----------------------------------------------------------- helpers */

  /**
   * CPython's address_in_range: is the u32 p inside a live arena? The
   * arenaindex of the pool header at `p & ~POOL_MASK` names a candidate
   * arena; p is in it iff that index is in the table, the object has an
   * arena, and p is within ARENA_SIZE bytes of its address. See "Tricky" at
   * the top of this file for why a garbage arenaindex is harmless.
   */
  private inArena(u32: Uint32Array, p: number): boolean {
    const ai = u32[((p >>> Geo.POOL_BITS) << Geo.POOL_WORD_SHIFT) + Hdr.W_ARENAINDEX];
    if (!(ai < this.maxArenas)) return false;
    const base = u32[this.arenaTableWord + (ai << Ao.WORD_SHIFT) + Ao.W_ADDRESS];
    return base !== 0 && ((p - base) >>> 0) < Geo.ARENA_SIZE;
  }

  /** Is ptr a u32 inside a live arena? (The routing test of realloc and the queries.) */
  private isArenaPointer(ptr: Ptr): boolean {
    const p = ptr >>> 0;
    return p === ptr && this.inArena(this.heap.u32, p);
  }

  /** Throw the typed error for a pointer inside an arena that is not an allocated block. */
  private validatePoolBlock(p: number): void {
    const problem = poolPointerProblem(this.heap.u32, this.statePtr, p, this.checks);
    if (problem) throw problem;
  }

  private badPoolPointer(p: number): PymemError {
    return (
      poolPointerProblem(this.heap.u32, this.statePtr, p, this.checks) ??
      new InvalidFreeError(p, 'the allocated-block bitmap does not mark it allocated')
    );
  }

  /** Throw for a pointer no raw block can have: not an offset, outside the heap, or the pool's own state. */
  private checkRawPointer(ptr: Ptr): void {
    const problem = rawPointerProblem(ptr, this.heap.byteLength);
    if (problem) throw problem;
    if (this.isOwnMetadata(ptr)) throw new InvalidFreeError(ptr, "it is the pool allocator's own state, not a block");
  }

  /** The state block, the arena table, or an arena's bitmap block (whose first word names its arena). */
  private isOwnMetadata(ptr: Ptr): boolean {
    const u32 = this.heap.u32;
    if (ptr === this.statePtr || ptr === getState(u32, this.statePtr, St.ARENAS)) return true;
    const ai = u32[(ptr >>> Geo.WORD_SHIFT) + Arena.W_BITMAP_ARENAINDEX];
    return ai < this.maxArenas && u32[this.arenaTableWord + (ai << Ao.WORD_SHIFT) + Ao.W_BITMAP] === ptr;
  }
}

/** A heap and a pool allocator over it in one call. */
export function createPool(heapOptions?: HeapOptions, options?: PoolOptions): PoolAllocator {
  return new PoolAllocator(new Heap(heapOptions), options);
}
