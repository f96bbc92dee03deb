/**
 * The pool allocator's memory layout: every byte it owns, drawn, with the
 * named offsets the code uses. All of it lives inside the heap.
 *
 * ## Arena (ARENA_SIZE = 1 MiB, `base` is POOL_SIZE-aligned)
 *
 * An arena is one raw block of exactly ARENA_SIZE bytes from
 * `raw.mallocAligned(ARENA_SIZE, POOL_SIZE)`: its data starts on a pool
 * boundary, so it holds MAX_POOLS_IN_ARENA whole pools and `p & ~POOL_MASK`
 * is the pool of any block. This is CPython's scheme for an arena that mmap
 * happened to place on a pool boundary (ntotalpools 64, nothing lost to
 * alignment). The raw allocator's block header sits just before `base`, in
 * bytes that belong to the raw allocator, not to the arena.
 *
 * ```
 *       base-16   base        +16 KiB      +32 KiB              +1008 KiB      +1 MiB
 *  ... -+--------+------------+------------+------- ... --------+--------------+- ...
 *       | raw    |  pool 0    |  pool 1    |   pools 2 .. 62    |  pool 63     |
 *       | header |            |            |                    |              |
 *       | (tlsf) |            |            |                    |              |
 *  ... -+--------+------------+------------+------- ... --------+--------------+- ...
 *                |<--------------- NTOTALPOOLS = 64 pools ---------------------->|
 *
 *  bitmap block (option `checks`): a raw block of its own per arena
 *  bitmap     +16         +144        +272                         +8080       +8208
 *  +----------+-----------+-----------+----------- ... -----------+-----------+
 *  | arena-   | pool 0    | pool 1    |   pools 2 .. 62           | pool 63   |
 *  | index    | 1024 bits | 1024 bits |   128 bytes each          | 1024 bits |
 *  +----------+-----------+-----------+----------- ... -----------+-----------+
 * ```
 *
 * The bitmap block's first word is its arena's index, so that free() can
 * tell in O(1) that a pointer handed to it is a bitmap block (the pool's own
 * metadata) and refuse it: `arenas[u32[ptr]].bitmap === ptr`.
 *
 * Arenas are aligned to POOL_SIZE, not ARENA_SIZE: a raw block between two
 * arenas then costs only its own bytes, where an ARENA_SIZE alignment made
 * the next arena skip to the next MiB and left a hole no arena could use.
 * The price is routing: which arena holds p is no longer `p >>> ARENA_BITS`
 * but CPython's address_in_range (allocator.ts): the arenaindex in the pool
 * header at `p & ~POOL_MASK`, checked against that arena's address.
 *
 * Every pool header of an arena, virgin pools included, has its arenaindex
 * and bitmap words written when the arena is created, so every pointer into
 * a live arena routes to it and finds its bitmap.
 *
 * ## Allocated-block bitmap (option `checks`, on by default)
 *
 * One bit per 16-byte granule of a pool, 128 bytes per pool; the pool header
 * holds the address of its pool's 128 bytes, so a block's bit comes from
 * its address and its own pool header:
 *
 * ```
 *   word = (pool.bitmap >>> WORD_SHIFT) + ((p & POOL_MASK) >>> BITMAP_WORD_SHIFT)
 *   bit  = (p >>> ALIGNMENT_SHIFT) & 31
 * ```
 *
 * Invariant: a bit is set iff its granule starts a block that is allocated.
 * Granules of the pool header and tail never start a block, so their bits
 * are always clear: a 16-byte-aligned p in a live arena whose bit is set is
 * an allocated block, with nothing more to check.
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
 *  +16  arenaindex     index of the arena object (written for every pool of the arena)
 *  +20  szidx          size class (DUMMY_SIZE_IDX while being set up)
 *  +24  nextoffset     offset of the first virgin block
 *  +28  maxnextoffset  largest valid nextoffset (POOL_SIZE - block size)
 *  +32  bitmap         address of this pool's 128 bitmap bytes (0 without checks)
 *  +36  (padding to CPython's 64-bit header size)
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
 *  +12  ntotalpools    pools in the arena (64)
 *  +16  freepools      singly linked list of empty pools (through nextpool)
 *  +20  nextarena      arena id (index + 1; 0 = none)
 *  +24  prevarena      arena id
 *  +28  bitmap         the arena's bitmap block (0 without checks)
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
 *  +36   (reserved, 0)
 *  +40   usedpools[32]         (nextpool, prevpool) per size class: 256 bytes
 *  +296  nfp2lasta[65]         arena id of the last usable arena with n free pools
 *  +556  end
 * ```
 *
 * Tricky: usedpools entry i is the nextpool/prevpool pair of a fake pool
 * header at `st + St.USEDPOOLS + 8 * i - Hdr.NEXTPOOL`, so each list is a
 * circular doubly-linked list headed by that fake pool; only its nextpool and
 * prevpool are ever touched (its count and freeblock overlap other state).
 */
/*
 * Every constant below is a member of a `const enum`, so that the bundler
 * (esbuild, through tsup) folds it into the code as a literal. Plain
 * module-level constants, and constants imported from another package, are
 * loaded from memory on every use in V8, which made the hot paths about 40%
 * slower. test/layout.test.ts checks that Geo agrees with @pymem/core.
 */

/** CPython's 64-bit obmalloc geometry (the values of @pymem/core's layout.ts), and u32 words. */
export const enum Geo {
  ALIGNMENT_SHIFT = 4,
  ALIGNMENT = 1 << ALIGNMENT_SHIFT,
  ALIGNMENT_MASK = ALIGNMENT - 1,
  SMALL_REQUEST_THRESHOLD = 512,
  NB_SMALL_SIZE_CLASSES = SMALL_REQUEST_THRESHOLD / ALIGNMENT,
  POOL_BITS = 14,
  POOL_SIZE = 1 << POOL_BITS,
  POOL_MASK = POOL_SIZE - 1,
  ARENA_BITS = 20,
  ARENA_SIZE = 1 << ARENA_BITS,
  ARENA_MASK = ARENA_SIZE - 1,
  MAX_POOLS_IN_ARENA = ARENA_SIZE / POOL_SIZE,
  /** The shift from a byte offset to a u32 word index, and bytes in a word. */
  WORD_SHIFT = 2,
  WORD = 1 << WORD_SHIFT,
  /** Shift from a pointer to the word index of its pool's header. */
  POOL_WORD_SHIFT = POOL_BITS - WORD_SHIFT,
}

/* ---------------------------------------------------------------- pools */

/** The pool header: byte offsets, word indices (from `pool >>> WORD_SHIFT`), size. */
export const enum Hdr {
  COUNT = 0,
  FREEBLOCK = COUNT + Geo.WORD,
  NEXTPOOL = FREEBLOCK + Geo.WORD,
  PREVPOOL = NEXTPOOL + Geo.WORD,
  ARENAINDEX = PREVPOOL + Geo.WORD,
  SZIDX = ARENAINDEX + Geo.WORD,
  NEXTOFFSET = SZIDX + Geo.WORD,
  MAXNEXTOFFSET = NEXTOFFSET + Geo.WORD,
  BITMAP = MAXNEXTOFFSET + Geo.WORD,

  W_COUNT = COUNT >>> Geo.WORD_SHIFT,
  W_FREEBLOCK = FREEBLOCK >>> Geo.WORD_SHIFT,
  W_NEXTPOOL = NEXTPOOL >>> Geo.WORD_SHIFT,
  W_PREVPOOL = PREVPOOL >>> Geo.WORD_SHIFT,
  W_ARENAINDEX = ARENAINDEX >>> Geo.WORD_SHIFT,
  W_SZIDX = SZIDX >>> Geo.WORD_SHIFT,
  W_NEXTOFFSET = NEXTOFFSET >>> Geo.WORD_SHIFT,
  W_MAXNEXTOFFSET = MAXNEXTOFFSET >>> Geo.WORD_SHIFT,
  W_BITMAP = BITMAP >>> Geo.WORD_SHIFT,

  /**
   * CPython's 64-bit pool header: four pointer-sized members (count's union,
   * freeblock, nextpool, prevpool) and four uints, rounded up to ALIGNMENT.
   * Using its size keeps the number of blocks per pool identical to CPython's.
   */
  CPYTHON_POINTER_BYTES = 8,
  CPYTHON_HEADER_BYTES = 4 * CPYTHON_POINTER_BYTES + 4 * Geo.WORD,
  OVERHEAD = (CPYTHON_HEADER_BYTES + Geo.ALIGNMENT_MASK) & ~Geo.ALIGNMENT_MASK,

  /** Size class of a pool that was just carved and not yet set up. */
  DUMMY_SIZE_IDX = 0xffff,
}

/** Blocks in a pool of size class `szidx` (CPython's NUMBLOCKS). */
export function numBlocks(szidx: number): number {
  return ((Geo.POOL_SIZE - Hdr.OVERHEAD) / ((szidx + 1) << Geo.ALIGNMENT_SHIFT)) | 0;
}

/* --------------------------------------------------------------- arenas */

/** The arena's pools and its allocated-block bitmap block. */
export const enum Arena {
  /** Arenas start on a pool boundary (the `align` of raw.mallocAligned). */
  ALIGN = Geo.POOL_SIZE,
  /** Pools per arena: all of them, as the arena is pool-aligned. */
  NTOTALPOOLS = Geo.MAX_POOLS_IN_ARENA,
  /** Bytes per arena before its first pool ("bytes lost to arena alignment"): none. */
  ALIGNMENT_LOSS = Geo.ARENA_SIZE - NTOTALPOOLS * Geo.POOL_SIZE,

  BITS_PER_BYTE_SHIFT = 3,
  BITS_PER_WORD_SHIFT = Geo.WORD_SHIFT + BITS_PER_BYTE_SHIFT,
  BITS_PER_WORD = 1 << BITS_PER_WORD_SHIFT,
  BIT_INDEX_MASK = BITS_PER_WORD - 1,
  /** `(p & POOL_MASK) >>> BITMAP_WORD_SHIFT` is the bitmap word of p within its pool's bitmap. */
  BITMAP_WORD_SHIFT = Geo.ALIGNMENT_SHIFT + BITS_PER_WORD_SHIFT,
  /** Bitmap bytes per pool: one bit per granule. */
  BITMAP_BYTES_PER_POOL = Geo.POOL_SIZE >>> (Geo.ALIGNMENT_SHIFT + BITS_PER_BYTE_SHIFT),
  BITMAP_WORDS_PER_POOL = BITMAP_BYTES_PER_POOL >>> Geo.WORD_SHIFT,
  /** Bitmap bytes of the whole arena (8 KiB). */
  BITMAP_BYTES = NTOTALPOOLS * BITMAP_BYTES_PER_POOL,
  /** The bitmap block starts with its arena's index, padded to ALIGNMENT; then the bitmaps. */
  BITMAP_ARENAINDEX = 0,
  W_BITMAP_ARENAINDEX = BITMAP_ARENAINDEX >>> Geo.WORD_SHIFT,
  BITMAP_HEADER = Geo.ALIGNMENT,
  /** Bytes of an arena's bitmap block. */
  BITMAP_BLOCK_BYTES = BITMAP_HEADER + BITMAP_BYTES,
}

/** The arena object: byte offsets, word indices, size (padded to a power of two). */
export const enum Ao {
  ADDRESS = 0,
  POOL_ADDRESS = ADDRESS + Geo.WORD,
  NFREEPOOLS = POOL_ADDRESS + Geo.WORD,
  NTOTALPOOLS = NFREEPOOLS + Geo.WORD,
  FREEPOOLS = NTOTALPOOLS + Geo.WORD,
  NEXTARENA = FREEPOOLS + Geo.WORD,
  PREVARENA = NEXTARENA + Geo.WORD,
  BITMAP = PREVARENA + Geo.WORD,

  /** A power of two, so that an index becomes an offset with a shift. */
  SHIFT = 5,
  SIZE = 1 << SHIFT,
  WORD_SHIFT = SHIFT - Geo.WORD_SHIFT,

  W_ADDRESS = ADDRESS >>> Geo.WORD_SHIFT,
  W_POOL_ADDRESS = POOL_ADDRESS >>> Geo.WORD_SHIFT,
  W_NFREEPOOLS = NFREEPOOLS >>> Geo.WORD_SHIFT,
  W_NTOTALPOOLS = NTOTALPOOLS >>> Geo.WORD_SHIFT,
  W_FREEPOOLS = FREEPOOLS >>> Geo.WORD_SHIFT,
  W_NEXTARENA = NEXTARENA >>> Geo.WORD_SHIFT,
  W_PREVARENA = PREVARENA >>> Geo.WORD_SHIFT,
  W_BITMAP = BITMAP >>> Geo.WORD_SHIFT,

  /** Arena objects in the first table; the table doubles when it runs out. */
  INITIAL_COUNT = 16,
}

/* ---------------------------------------------------------- state block */

/** The state block: byte offsets of its fields, and its flags. */
export const enum St {
  /** 'PYMP' read as a little-endian u32. */
  MAGIC_VALUE = 0x504d5950,
  FLAG_CHECKS = 1 << 0,

  MAGIC = 0,
  FLAGS = MAGIC + Geo.WORD,
  ARENAS = FLAGS + Geo.WORD,
  MAXARENAS = ARENAS + Geo.WORD,
  UNUSED_ARENAS = MAXARENAS + Geo.WORD,
  USABLE_ARENAS = UNUSED_ARENAS + Geo.WORD,
  NARENAS_CURRENT = USABLE_ARENAS + Geo.WORD,
  NARENAS_TOTAL = NARENAS_CURRENT + Geo.WORD,
  NARENAS_HIGHWATER = NARENAS_TOTAL + Geo.WORD,
  RESERVED = NARENAS_HIGHWATER + Geo.WORD,
  USEDPOOLS = RESERVED + Geo.WORD,
  /** usedpools: a (nextpool, prevpool) pair per size class. */
  USEDPOOL_ENTRY_BYTES = 2 * Geo.WORD,
  USEDPOOLS_BYTES = Geo.NB_SMALL_SIZE_CLASSES * USEDPOOL_ENTRY_BYTES,
  NFP2LASTA = USEDPOOLS + USEDPOOLS_BYTES,
  /** nfp2lasta is indexed by a free-pool count, 0..NTOTALPOOLS. */
  NFP2LASTA_LENGTH = Arena.NTOTALPOOLS + 1,
  /** Bytes of the state block. */
  BYTES = NFP2LASTA + NFP2LASTA_LENGTH * Geo.WORD,
}

/* ------------------------------------------------------------- helpers */

/** Word index of the arena object with id `id` (1-based) in the table at word `tableWord`. */
export function aoWordAt(tableWord: number, id: number): number {
  return tableWord + ((id - 1) << Ao.WORD_SHIFT);
}

/** Word index of arena `id`'s object, reading the table address from the state block. */
export function aoWord(u32: Uint32Array, st: number, id: number): number {
  return aoWordAt(u32[(st + St.ARENAS) >>> Geo.WORD_SHIFT] >>> Geo.WORD_SHIFT, id);
}

/** Address of the fake pool header that heads usedpools[szidx]. */
export function usedpoolsHead(st: number, szidx: number): number {
  return st + St.USEDPOOLS + szidx * St.USEDPOOL_ENTRY_BYTES - Hdr.NEXTPOOL;
}

/** Word index of the header of p's pool. */
export function poolWord(p: number): number {
  return (p >>> Geo.POOL_BITS) << Geo.POOL_WORD_SHIFT;
}

/** Word index of p's allocated-block bitmap word (read from its pool header; checks on). */
export function bitmapWord(u32: Uint32Array, p: number): number {
  return (u32[poolWord(p) + Hdr.W_BITMAP] >>> Geo.WORD_SHIFT) + ((p & Geo.POOL_MASK) >>> Arena.BITMAP_WORD_SHIFT);
}

/** p's bit within its bitmap word. */
export function bitmapBit(p: number): number {
  return 1 << ((p >>> Geo.ALIGNMENT_SHIFT) & Arena.BIT_INDEX_MASK);
}

/** Pool address of p (CPython's POOL_ADDR). */
export function poolAddr(p: number): number {
  return ((p >>> Geo.POOL_BITS) << Geo.POOL_BITS) >>> 0;
}

/* ---------------------------------------------- the layout, as numbers */

/*
 * The same layout as plain exported numbers, for tools that read the heap
 * (the explorer app, debuggers, tests). Code in this package uses the enums.
 */
export const POOL_OVERHEAD: number = Hdr.OVERHEAD;
export const DUMMY_SIZE_IDX: number = Hdr.DUMMY_SIZE_IDX;
export const POOL_COUNT: number = Hdr.COUNT;
export const POOL_FREEBLOCK: number = Hdr.FREEBLOCK;
export const POOL_NEXTPOOL: number = Hdr.NEXTPOOL;
export const POOL_PREVPOOL: number = Hdr.PREVPOOL;
export const POOL_ARENAINDEX: number = Hdr.ARENAINDEX;
export const POOL_SZIDX: number = Hdr.SZIDX;
export const POOL_NEXTOFFSET: number = Hdr.NEXTOFFSET;
export const POOL_MAXNEXTOFFSET: number = Hdr.MAXNEXTOFFSET;
export const POOL_BITMAP: number = Hdr.BITMAP;
export const ARENA_ALIGN: number = Arena.ALIGN;
export const NTOTALPOOLS: number = Arena.NTOTALPOOLS;
export const ARENA_ALIGNMENT_LOSS: number = Arena.ALIGNMENT_LOSS;
export const BITMAP_BYTES_PER_POOL: number = Arena.BITMAP_BYTES_PER_POOL;
export const BITMAP_BYTES: number = Arena.BITMAP_BYTES;
export const AO_ADDRESS: number = Ao.ADDRESS;
export const AO_POOL_ADDRESS: number = Ao.POOL_ADDRESS;
export const AO_NFREEPOOLS: number = Ao.NFREEPOOLS;
export const AO_NTOTALPOOLS: number = Ao.NTOTALPOOLS;
export const AO_FREEPOOLS: number = Ao.FREEPOOLS;
export const AO_NEXTARENA: number = Ao.NEXTARENA;
export const AO_PREVARENA: number = Ao.PREVARENA;
export const AO_BITMAP: number = Ao.BITMAP;
export const ARENA_OBJECT_SIZE: number = Ao.SIZE;
export const INITIAL_ARENA_OBJECTS: number = Ao.INITIAL_COUNT;
export const STATE_MAGIC: number = St.MAGIC_VALUE;
export const STATE_BYTES: number = St.BYTES;
export const ST_ARENAS: number = St.ARENAS;
export const ST_MAXARENAS: number = St.MAXARENAS;
export const ST_UNUSED_ARENAS: number = St.UNUSED_ARENAS;
export const ST_USABLE_ARENAS: number = St.USABLE_ARENAS;
export const ST_NARENAS_CURRENT: number = St.NARENAS_CURRENT;
export const ST_NARENAS_TOTAL: number = St.NARENAS_TOTAL;
export const ST_NARENAS_HIGHWATER: number = St.NARENAS_HIGHWATER;
export const ST_USEDPOOLS: number = St.USEDPOOLS;
export const ST_NFP2LASTA: number = St.NFP2LASTA;
export const NFP2LASTA_LENGTH: number = St.NFP2LASTA_LENGTH;
