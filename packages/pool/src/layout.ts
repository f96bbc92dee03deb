/**
 * The pool allocator's memory layout: every byte it owns, drawn, with the
 * named offsets the code uses. All of it lives inside the heap.
 *
 * ## Arena (ARENA_SIZE = 1 MiB, `base` is POOL_SIZE-aligned)
 *
 * An arena is one raw block from `raw.mallocAligned(ARENA_SIZE - TAIL,
 * POOL_SIZE)`: its data starts on a pool boundary, so it holds
 * MAX_POOLS_IN_ARENA pools and `p & ~POOL_MASK` is the pool of any block.
 * This is CPython's scheme for an arena that mmap happened to place on a
 * pool boundary (ntotalpools 64, no pool lost to alignment).
 *
 * ```
 *       base-16   base        +16 KiB            +1008 KiB          +1 MiB-16 +1 MiB
 *  ... -+--------+------------+------- ... -------+------------------+--------+------------ ...
 *       | raw    |  pool 0    |  pools 1 .. 62    |  pool 63         | raw    | next arena
 *       | header |            |                   |  (limit 16368)   | header | (or any raw
 *       | (tlsf) |            |                   |                  | (tlsf) |  block)
 *  ... -+--------+------------+------- ... -------+------------------+--------+------------ ...
 *                |<---------------- the arena's raw block ---------->|
 *                |<------------------- NTOTALPOOLS = 64 pools ------------------>|
 * ```
 *
 * TAIL: the raw block is 16 bytes short of ARENA_SIZE, so that the next raw
 * block's header fits in the arena's last 16 bytes and the next arena can
 * start exactly where this one ends (arenas allocated one after another at
 * the heap's top then tile it with no gap). Only pool 63 is shorter: each
 * pool header holds its `limit` (POOL_SIZE, or POOL_SIZE - TAIL for pool 63),
 * and 16336 = 16 * 1021 with 1021 prime, so only the 16-byte class loses a
 * block there (1020 instead of 1021); every other class loses tail bytes.
 *
 * Arenas are aligned to POOL_SIZE, not ARENA_SIZE: a raw block between two
 * arenas then costs only its own bytes, where an ARENA_SIZE alignment made
 * the next arena skip to the next MiB and left a hole no arena could use.
 * The price is routing: which arena holds p is no longer `p >>> ARENA_BITS`
 * but CPython's address_in_range (allocator.ts): the arenaindex in the pool
 * header at `p & ~POOL_MASK`, checked against that arena's address.
 *
 * Every pool header of an arena, virgin pools included, has its arenaindex,
 * limit and bitmap words written when the arena is created, so every pointer
 * into a live arena routes to it and finds its bitmap.
 *
 * ## Allocated-block bitmap (option `checks`, on by default)
 *
 * A raw block of its own per arena, BITMAP_BLOCK_BYTES = 8176 bytes: one bit
 * per 16-byte granule after each pool's header (BITS_PER_POOL = 1021), the
 * pools' bits packed back to back, then the arena's index:
 *
 * ```
 *  bitmap  +4: bit 0      bit 1021       bit 2042            bit 64323     +8172  +8176
 *  +-------+--------------+--------------+------- ... -------+-------------+------+
 *  | arena | pool 0:      | pool 1       | pools 2 .. 62     | pool 63     | pad  |
 *  | index | 1021 bits    |              |                   |             |      |
 *  +-------+--------------+--------------+------- ... -------+-------------+------+
 *
 *  pool header: bitmap_word  = word index of the word holding the pool's first bit
 *               bitmap_shift = that bit's place in the word: (k * 1021) & 31
 *  block p:     g = bitmap_shift + ((p & POOL_MASK) >>> ALIGNMENT_SHIFT) - FIRST_GRANULE
 *               word = bitmap_word + (g >>> 5), bit = g & 31
 * ```
 *
 * Packing (1021 bits, not 1024, per pool) makes the block 8176 bytes rather
 * than 8192, and that is what lets two of them, with their 16-byte raw
 * headers, fill the 16 KiB - 16 bytes between two arenas when a bitmap
 * block lands on the heap's top between them (it is asked for with
 * BITMAP_ALIGN so that the raw allocator searches first-fit: layout tests
 * check the sizes).
 *
 * The bitmap block's first word is its arena's index, so that free() can
 * tell in O(1) that a pointer handed to it is a bitmap block (the pool's own
 * metadata) and refuse it: `arenas[u32[ptr]].bitmap === ptr`. The word read
 * sits next to the raw block's header, which the raw free reads anyway.
 *
 * Invariant: a bit is set iff its granule starts a block that is allocated.
 * Tail granules never start a block, so their bits are always clear, and
 * header granules have no bit: a 16-byte-aligned p past its pool's header,
 * in a live arena, whose bit is set is an allocated block, with nothing more
 * to check.
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
 *  +28  maxnextoffset  largest valid nextoffset (limit - block size)
 *  +32  bitmap_word    word index of the pool's first bitmap bit (0 without checks)
 *  +36  bitmap_shift   place of that bit in its word (0 without checks)
 *  +40  limit          usable bytes of the pool: POOL_SIZE, TAIL less for pool 63
 *  +44  (padding to CPython's 64-bit header size)
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
  BITMAP_WORD = MAXNEXTOFFSET + Geo.WORD,
  BITMAP_SHIFT = BITMAP_WORD + Geo.WORD,
  LIMIT = BITMAP_SHIFT + Geo.WORD,

  W_COUNT = COUNT >>> Geo.WORD_SHIFT,
  W_FREEBLOCK = FREEBLOCK >>> Geo.WORD_SHIFT,
  W_NEXTPOOL = NEXTPOOL >>> Geo.WORD_SHIFT,
  W_PREVPOOL = PREVPOOL >>> Geo.WORD_SHIFT,
  W_ARENAINDEX = ARENAINDEX >>> Geo.WORD_SHIFT,
  W_SZIDX = SZIDX >>> Geo.WORD_SHIFT,
  W_NEXTOFFSET = NEXTOFFSET >>> Geo.WORD_SHIFT,
  W_MAXNEXTOFFSET = MAXNEXTOFFSET >>> Geo.WORD_SHIFT,
  W_BITMAP_WORD = BITMAP_WORD >>> Geo.WORD_SHIFT,
  W_BITMAP_SHIFT = BITMAP_SHIFT >>> Geo.WORD_SHIFT,
  W_LIMIT = LIMIT >>> Geo.WORD_SHIFT,

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

/** Blocks in a whole pool of size class `szidx` (CPython's NUMBLOCKS). */
export function numBlocks(szidx: number): number {
  return blocksIn(Geo.POOL_SIZE, szidx);
}

/** Blocks of size class `szidx` in a pool whose first `limit` bytes are usable (its LIMIT word). */
export function blocksIn(limit: number, szidx: number): number {
  return ((limit - Hdr.OVERHEAD) / ((szidx + 1) << Geo.ALIGNMENT_SHIFT)) | 0;
}

/* --------------------------------------------------------------- arenas */

/** The arena's pools and its allocated-block bitmap block. */
export const enum Arena {
  /** Arenas start on a pool boundary (the `align` of raw.mallocAligned). */
  ALIGN = Geo.POOL_SIZE,
  /** Pools per arena: all of them, as the arena is pool-aligned. */
  NTOTALPOOLS = Geo.MAX_POOLS_IN_ARENA,
  /**
   * The last TAIL bytes of an arena's span are not the arena's: the raw
   * block is that much shorter, so the next raw block's header (tlsf's
   * BLOCK_OVERHEAD) sits there and the next arena can start right at the end
   * of this one. Only the last pool is shorter: it loses its last 16-byte
   * block, every other class loses only tail bytes (16336 = 16 * 1021 and
   * 1021 is prime, so no other block size divides it).
   */
  TAIL = Geo.ALIGNMENT,
  /** Bytes of the raw block of an arena. */
  BLOCK_BYTES = Geo.ARENA_SIZE - TAIL,
  /** LIMIT of the last pool of an arena. */
  LAST_POOL_LIMIT = Geo.POOL_SIZE - TAIL,

  BITS_PER_WORD_SHIFT = Geo.WORD_SHIFT + 3,
  BITS_PER_WORD = 1 << BITS_PER_WORD_SHIFT,
  BIT_INDEX_MASK = BITS_PER_WORD - 1,
  /** Granules of a pool header: never a block, so they have no bit. */
  FIRST_GRANULE = Hdr.OVERHEAD >>> Geo.ALIGNMENT_SHIFT,
  /** Bits per pool: one per granule after the header (1021). */
  BITS_PER_POOL = (Geo.POOL_SIZE >>> Geo.ALIGNMENT_SHIFT) - FIRST_GRANULE,
  /** The bitmap block starts with its arena's index... */
  BITMAP_ARENAINDEX = 0,
  W_BITMAP_ARENAINDEX = BITMAP_ARENAINDEX >>> Geo.WORD_SHIFT,
  /** ...then come the bits. */
  BITMAP_BITS = BITMAP_ARENAINDEX + Geo.WORD,
  W_BITMAP_BITS = BITMAP_BITS >>> Geo.WORD_SHIFT,
  /** Bitmap bytes of an arena: the pools' bits packed back to back, in whole words (8168). */
  BITMAP_BYTES = ((NTOTALPOOLS * BITS_PER_POOL + BIT_INDEX_MASK) >>> BITS_PER_WORD_SHIFT) << Geo.WORD_SHIFT,
  /** Bytes of an arena's bitmap block (8176). */
  BITMAP_BLOCK_BYTES = (BITMAP_BITS + BITMAP_BYTES + Geo.ALIGNMENT_MASK) & ~Geo.ALIGNMENT_MASK,
  /**
   * Alignment asked for a bitmap block. Any alignment above 16 makes tlsf
   * search first-fit from the block's own size upwards, so a bitmap block
   * lands in the (16 KiB - 32 - 8176)-byte gap another bitmap block left
   * between two arenas, if there is one, rather than at the heap's top.
   */
  BITMAP_ALIGN = 2 * Geo.ALIGNMENT,
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

/**
 * Bit index of block p from the first word of its pool's bitmap slice
 * (checks on; p past its pool's header). Word: `bitmap word + (g >>> 5)`,
 * bit: `g & 31`.
 */
export function bitmapIndex(u32: Uint32Array, p: number): number {
  return u32[poolWord(p) + Hdr.W_BITMAP_SHIFT] + ((p & Geo.POOL_MASK) >>> Geo.ALIGNMENT_SHIFT) - Arena.FIRST_GRANULE;
}

/** Word index of block p's allocated-block bitmap word (checks on; p past its pool's header). */
export function bitmapWord(u32: Uint32Array, p: number): number {
  return u32[poolWord(p) + Hdr.W_BITMAP_WORD] + (bitmapIndex(u32, p) >>> Arena.BITS_PER_WORD_SHIFT);
}

/** Block p's bit within its bitmap word. */
export function bitmapBit(u32: Uint32Array, p: number): number {
  return 1 << (bitmapIndex(u32, p) & Arena.BIT_INDEX_MASK);
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
export const POOL_BITMAP_WORD: number = Hdr.BITMAP_WORD;
export const POOL_BITMAP_SHIFT: number = Hdr.BITMAP_SHIFT;
export const POOL_LIMIT: number = Hdr.LIMIT;
export const ARENA_ALIGN: number = Arena.ALIGN;
export const NTOTALPOOLS: number = Arena.NTOTALPOOLS;
export const ARENA_TAIL: number = Arena.TAIL;
export const BITS_PER_POOL: number = Arena.BITS_PER_POOL;
export const BITMAP_BYTES: number = Arena.BITMAP_BYTES;
export const BITMAP_BLOCK_BYTES: number = Arena.BITMAP_BLOCK_BYTES;
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
