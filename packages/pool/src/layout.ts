/**
 * The pool allocator's memory layout: every byte it owns, drawn, with the
 * named offsets the code uses. All of it lives inside the heap.
 *
 * ## Arena (ARENA_SIZE = 1 MiB, `base` is ARENA_SIZE-aligned)
 *
 * The raw allocator hands out the arena as one block whose own header starts
 * exactly at `base` (`mallocAligned(ARENA_SIZE - RAW_HEADER_BYTES, ARENA_SIZE,
 * RAW_HEADER_BYTES)`), so arenas pack back to back and `p >>> ARENA_BITS`
 * names the arena of any pointer `p`.
 *
 * ```
 *  base          +16        +128                +8192            +16 KiB      +32 KiB         +1 MiB
 *  +-------------+----------+-------------------+----------------+------------+----- ... -----+
 *  | raw block   | (unused) | allocated-block   | (unused)       |  pool 1    |  pool 2 .. 63 |
 *  | header      |          | bitmaps, pools    |                |            |               |
 *  | (not ours)  |          | 1..63, 128 B each |                |            |               |
 *  +-------------+----------+-------------------+----------------+------------+----- ... -----+
 *  |<------------------ slot 0: metadata, never a pool ---------->|<-- NTOTALPOOLS = 63 pools ->|
 * ```
 *
 * Slot 0 is what CPython loses when an arena is not pool-aligned: it is
 * reported as "bytes lost to arena alignment" and ntotalpools is 63.
 *
 * ## Allocated-block bitmap (option `checks`, on by default)
 *
 * One bit per 16-byte granule of the arena, so a block's bit is found from its
 * address alone, without dividing by the block size:
 *
 * ```
 *   granule g = (p & ARENA_MASK) >>> ALIGNMENT_SHIFT        0 .. 65535
 *   word      = base + (g >>> 5) * 4                        = base + ((p & ARENA_MASK) >>> BITMAP_WORD_SHIFT) * 4
 *   bit       = g & 31                                      = (p >>> ALIGNMENT_SHIFT) & 31
 * ```
 *
 * Pool k's 1024 granules map to bytes [k * 128, k * 128 + 128) of the arena;
 * for k = 1..63 that is [128, 8192), inside slot 0. Pool 0 does not exist, so
 * bytes [0, 128), where the raw header lives, are never read as a bitmap.
 *
 * Invariant: a bit is set iff its granule starts a block that is allocated.
 *
 * ## Pool (POOL_SIZE = 16 KiB, pool-aligned: `pool = p & ~POOL_MASK`)
 *
 * ```
 *  pool          +48                                nextoffset             POOL_SIZE
 *  +-------------+---------+---------+-----+---------+---------------+------+
 *  | pool header | block 0 | block 1 | ... | block k | virgin blocks | tail |
 *  +-------------+---------+---------+-----+---------+---------------+------+
 *                |<-- carved: allocated, or on the freeblock list -->|
 *
 *  pool header (POOL_OVERHEAD = 48 bytes, u32 words):
 *  +0   count          blocks allocated
 *  +4   freeblock      head of the free list (a pointer, 0 = empty)
 *  +8   nextpool       next pool of this size class / next free pool
 *  +12  prevpool       previous pool of this size class
 *  +16  arenaindex     index of the arena object
 *  +20  szidx          size class (DUMMY_SIZE_IDX while being set up)
 *  +24  nextoffset     offset of the first virgin block
 *  +28  maxnextoffset  largest valid nextoffset (POOL_SIZE - block size)
 *  +32  (padding to CPython's 64-bit header size)
 *
 *  free block: +0 next free block of the same pool (0 ends the list)
 * ```
 *
 * ## Arena object (ARENA_OBJECT_SIZE = 32 bytes, in the arena table)
 *
 * ```
 *  +0   address        arena base; 0 = this object has no arena
 *  +4   pool_address   next virgin pool to carve
 *  +8   nfreepools     empty pools + virgin pools
 *  +12  ntotalpools    pools in the arena (63)
 *  +16  freepools      singly linked list of empty pools (through nextpool)
 *  +20  nextarena      arena id (index + 1; 0 = none)
 *  +24  prevarena      arena id
 *  +28  (padding)
 * ```
 *
 * ## State block (one raw block, its address in raw anchor slot 0)
 *
 * ```
 *  +0    magic                 STATE_MAGIC
 *  +4    flags                 FLAG_CHECKS
 *  +8    arenas                the arena table (a raw block, created with the state)
 *  +12   maxarenas             entries in the table
 *  +16   unused_arena_objects  arena id, head of the unused list
 *  +20   usable_arenas         arena id, head of the sorted usable list
 *  +24   narenas_currently_allocated
 *  +28   ntimes_arena_allocated
 *  +32   narenas_highwater
 *  +36   map length            entries in the arena map
 *  +40   usedpools[32]         (nextpool, prevpool) per size class: 256 bytes
 *  +296  nfp2lasta[64]         arena id of the last usable arena with n free pools
 *  +552  arena map[...]        heap MiB index -> arena id (0 = not an arena)
 * ```
 *
 * Tricky: usedpools entry i is the nextpool/prevpool pair of a fake pool
 * header at `st + ST_USEDPOOLS + 8 * i - POOL_NEXTPOOL`, so each list is a
 * circular doubly-linked list headed by that fake pool; only its nextpool and
 * prevpool are ever touched (its count and freeblock overlap other state).
 */
import {
  ALIGNMENT,
  ALIGNMENT_SHIFT,
  ARENA_BITS,
  ARENA_MASK,
  ARENA_SIZE,
  MAX_POOLS_IN_ARENA,
  NB_SMALL_SIZE_CLASSES,
  POOL_BITS,
  POOL_SIZE,
  alignUp,
} from '@pymem/core';
import { BLOCK_OVERHEAD } from '@pymem/tlsf';

/** Bytes in a u32 word, and the shift from a byte offset to a word index. */
export const WORD = 4;
export const WORD_SHIFT = 2;

/* ---------------------------------------------------------------- pools */

/** Byte offsets of the pool header fields. */
export const POOL_COUNT = 0;
export const POOL_FREEBLOCK = POOL_COUNT + WORD;
export const POOL_NEXTPOOL = POOL_FREEBLOCK + WORD;
export const POOL_PREVPOOL = POOL_NEXTPOOL + WORD;
export const POOL_ARENAINDEX = POOL_PREVPOOL + WORD;
export const POOL_SZIDX = POOL_ARENAINDEX + WORD;
export const POOL_NEXTOFFSET = POOL_SZIDX + WORD;
export const POOL_MAXNEXTOFFSET = POOL_NEXTOFFSET + WORD;

/** The same fields as word indices from `pool >>> WORD_SHIFT`. */
export const W_COUNT = POOL_COUNT >>> WORD_SHIFT;
export const W_FREEBLOCK = POOL_FREEBLOCK >>> WORD_SHIFT;
export const W_NEXTPOOL = POOL_NEXTPOOL >>> WORD_SHIFT;
export const W_PREVPOOL = POOL_PREVPOOL >>> WORD_SHIFT;
export const W_ARENAINDEX = POOL_ARENAINDEX >>> WORD_SHIFT;
export const W_SZIDX = POOL_SZIDX >>> WORD_SHIFT;
export const W_NEXTOFFSET = POOL_NEXTOFFSET >>> WORD_SHIFT;
export const W_MAXNEXTOFFSET = POOL_MAXNEXTOFFSET >>> WORD_SHIFT;

/**
 * CPython's 64-bit pool header: four pointer-sized members (count's union,
 * freeblock, nextpool, prevpool) and four uints, rounded up to ALIGNMENT.
 * Using its size keeps the number of blocks per pool identical to CPython's.
 */
const CPYTHON_POINTER_BYTES = 8;
const CPYTHON_POOL_POINTERS = 4;
const CPYTHON_POOL_UINTS = 4;
export const POOL_OVERHEAD = alignUp(CPYTHON_POOL_POINTERS * CPYTHON_POINTER_BYTES + CPYTHON_POOL_UINTS * WORD);

/** Size class of a pool that was just carved and not yet set up. */
export const DUMMY_SIZE_IDX = 0xffff;

/** Blocks in a pool of size class `szidx` (CPython's NUMBLOCKS). */
export function numBlocks(szidx: number): number {
  return ((POOL_SIZE - POOL_OVERHEAD) / ((szidx + 1) << ALIGNMENT_SHIFT)) | 0;
}

/* --------------------------------------------------------------- arenas */

/** Bytes of the raw allocator's block header at the start of each arena. */
export const RAW_HEADER_BYTES = BLOCK_OVERHEAD;
/** Offset of pool 1 in its arena: slot 0 holds the raw header and the bitmaps. */
export const FIRST_POOL_OFFSET = POOL_SIZE;
/** Pools per arena: every slot but the metadata slot. */
export const NTOTALPOOLS = MAX_POOLS_IN_ARENA - FIRST_POOL_OFFSET / POOL_SIZE;
/** Bytes lost per arena to the metadata slot ("bytes lost to arena alignment"). */
export const ARENA_ALIGNMENT_LOSS = FIRST_POOL_OFFSET;

/** Bits per bitmap word. */
export const BITS_PER_WORD = 32;
const BITS_PER_WORD_SHIFT = 5;
export const BIT_INDEX_MASK = BITS_PER_WORD - 1;
/** `(p & ARENA_MASK) >>> BITMAP_WORD_SHIFT` is the bitmap word of p within its arena. */
export const BITMAP_WORD_SHIFT = ALIGNMENT_SHIFT + BITS_PER_WORD_SHIFT;
/** Bitmap bytes per pool: one bit per granule. */
export const BITMAP_BYTES_PER_POOL = POOL_SIZE / ALIGNMENT / 8;
/** Arena-relative byte range of the bitmaps of pools 1..63. */
export const BITMAP_START = (FIRST_POOL_OFFSET / POOL_SIZE) * BITMAP_BYTES_PER_POOL;
export const BITMAP_END = MAX_POOLS_IN_ARENA * BITMAP_BYTES_PER_POOL;

/** Byte offsets of the arena object fields. */
export const AO_ADDRESS = 0;
export const AO_POOL_ADDRESS = AO_ADDRESS + WORD;
export const AO_NFREEPOOLS = AO_POOL_ADDRESS + WORD;
export const AO_NTOTALPOOLS = AO_NFREEPOOLS + WORD;
export const AO_FREEPOOLS = AO_NTOTALPOOLS + WORD;
export const AO_NEXTARENA = AO_FREEPOOLS + WORD;
export const AO_PREVARENA = AO_NEXTARENA + WORD;
/** Arena objects are padded to a power of two so an id becomes an offset with a shift. */
export const ARENA_OBJECT_SHIFT = 5;
export const ARENA_OBJECT_SIZE = 1 << ARENA_OBJECT_SHIFT;
const ARENA_OBJECT_WORD_SHIFT = ARENA_OBJECT_SHIFT - WORD_SHIFT;

export const W_AO_ADDRESS = AO_ADDRESS >>> WORD_SHIFT;
export const W_AO_POOL_ADDRESS = AO_POOL_ADDRESS >>> WORD_SHIFT;
export const W_AO_NFREEPOOLS = AO_NFREEPOOLS >>> WORD_SHIFT;
export const W_AO_NTOTALPOOLS = AO_NTOTALPOOLS >>> WORD_SHIFT;
export const W_AO_FREEPOOLS = AO_FREEPOOLS >>> WORD_SHIFT;
export const W_AO_NEXTARENA = AO_NEXTARENA >>> WORD_SHIFT;
export const W_AO_PREVARENA = AO_PREVARENA >>> WORD_SHIFT;

/** Arena objects in the first table; the table doubles when it runs out. */
export const INITIAL_ARENA_OBJECTS = 16;

/* ---------------------------------------------------------- state block */

export const STATE_MAGIC = 0x504d5950; // 'PYMP' read as a little-endian u32
export const FLAG_CHECKS = 1 << 0;

export const ST_MAGIC = 0;
export const ST_FLAGS = ST_MAGIC + WORD;
export const ST_ARENAS = ST_FLAGS + WORD;
export const ST_MAXARENAS = ST_ARENAS + WORD;
export const ST_UNUSED_ARENAS = ST_MAXARENAS + WORD;
export const ST_USABLE_ARENAS = ST_UNUSED_ARENAS + WORD;
export const ST_NARENAS_CURRENT = ST_USABLE_ARENAS + WORD;
export const ST_NARENAS_TOTAL = ST_NARENAS_CURRENT + WORD;
export const ST_NARENAS_HIGHWATER = ST_NARENAS_TOTAL + WORD;
export const ST_MAP_LENGTH = ST_NARENAS_HIGHWATER + WORD;
export const ST_USEDPOOLS = ST_MAP_LENGTH + WORD;
/** usedpools: a (nextpool, prevpool) pair per size class. */
export const USEDPOOL_ENTRY_BYTES = 2 * WORD;
export const USEDPOOLS_BYTES = NB_SMALL_SIZE_CLASSES * USEDPOOL_ENTRY_BYTES;
export const ST_NFP2LASTA = ST_USEDPOOLS + USEDPOOLS_BYTES;
/** nfp2lasta is indexed by a free-pool count, 0..NTOTALPOOLS. */
export const NFP2LASTA_LENGTH = NTOTALPOOLS + 1;
export const ST_ARENA_MAP = ST_NFP2LASTA + NFP2LASTA_LENGTH * WORD;

/** Entries in the arena map of a heap that can grow to `maxBytes`. */
export function arenaMapLength(maxBytes: number): number {
  return Math.ceil(maxBytes / ARENA_SIZE);
}

/** Bytes of the state block for a heap that can grow to `maxBytes`. */
export function stateBytes(maxBytes: number): number {
  return ST_ARENA_MAP + arenaMapLength(maxBytes) * WORD;
}

/* ------------------------------------------------------------- helpers */

/** Word index of the arena object with id `id` (1-based) in the table at word `tableWord`. */
export function aoWordAt(tableWord: number, id: number): number {
  return tableWord + ((id - 1) << ARENA_OBJECT_WORD_SHIFT);
}

/** Word index of arena `id`'s object, reading the table address from the state block. */
export function aoWord(u32: Uint32Array, st: number, id: number): number {
  return aoWordAt(u32[(st + ST_ARENAS) >>> WORD_SHIFT] >>> WORD_SHIFT, id);
}

/** Address of the fake pool header that heads usedpools[szidx]. */
export function usedpoolsHead(st: number, szidx: number): number {
  return st + ST_USEDPOOLS + szidx * USEDPOOL_ENTRY_BYTES - POOL_NEXTPOOL;
}

/** Word index of p's allocated-block bitmap word. */
export function bitmapWord(p: number): number {
  return ((p & ~ARENA_MASK) >>> WORD_SHIFT) + ((p & ARENA_MASK) >>> BITMAP_WORD_SHIFT);
}

/** p's bit within its bitmap word. */
export function bitmapBit(p: number): number {
  return 1 << ((p >>> ALIGNMENT_SHIFT) & BIT_INDEX_MASK);
}

/** Arena base of p. */
export function arenaBase(p: number): number {
  return (p & ~ARENA_MASK) >>> 0;
}

/** Pool address of p (CPython's POOL_ADDR). */
export function poolAddr(p: number): number {
  return ((p >>> POOL_BITS) << POOL_BITS) >>> 0;
}

/** Arena map index of p: which MiB of the heap it is in. */
export function arenaMapIndex(p: number): number {
  return p >>> ARENA_BITS;
}

/** Slot (0..63) of p within its arena; slot 0 is the metadata slot. */
export function poolSlot(p: number): number {
  return (p & ARENA_MASK) >>> POOL_BITS;
}
