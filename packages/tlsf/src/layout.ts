/**
 * Two-Level Segregated Fit: how the bytes of a heap are laid out.
 *
 * A TLSF heap is the control structure at offset 0 followed by a run of
 * blocks that tile the rest of the heap exactly, ending with a zero-size
 * sentinel block whose header fills the last BLOCK_OVERHEAD bytes:
 *
 * ```
 * ╒═══════════════════════════ Heap layout ═══════════════════════════╕
 * 0             FIRST_BLOCK                              tail     byteLength
 * ├──────────────┼────────┬──────────┬────────┬── … ──┬──────────┤
 * │   control    │ block  │  block   │ block  │       │ sentinel │
 * │ (this file)  │ used   │  free    │ used   │       │ size 0   │
 * └──────────────┴────────┴──────────┴────────┴── … ──┴──────────┘
 * ```
 *
 * Each block is a 16-byte header followed by its data; a pointer handed out
 * is the address of the data, `block + BLOCK_OVERHEAD`. Free blocks are kept
 * in FL_COUNT x SL_SIZE segregated free lists whose heads and bitmaps live in
 * the control structure, so malloc finds a fitting list with two bit scans.
 *
 * Everything here is data: constants derived from each other and one-line
 * accessors over a `Uint32Array` view of the whole heap. Addresses are byte
 * offsets; every structure is 16-byte aligned, so a word is `u32[addr >>> 2]`.
 *
 * Every constant is a member of a `const enum` (Sc, Blk, Tag, Ctl, Chk), so
 * the bundler (esbuild, through tsup) writes it into the code as a literal.
 * V8 loads a module-level `const` from memory on every use, and a value
 * above 2^31 such as the size mask as a boxed number it must unbox: on the
 * hot paths that cost more than the allocator's own work. The same values
 * are exported under their public names (BLOCK_OVERHEAD, ...) at the end of
 * each section, for users and tests.
 */
/* eslint-disable @typescript-eslint/no-unsafe-enum-comparison --
   Sc, Blk, Tag, Ctl and Chk are named numbers (const enums, so that the
   bundler writes them into the code as literals), not sets of choices:
   comparing a number with them is the point. */

// ───────────────────────────── Size classes ─────────────────────────────
//
// ╒════════════ Block size interpretation (32-bit) ═══════════════╕
//    3                   2                   1
//  1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0  bits
// ├─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┼─┴─┴─┴─┴─┼─┴─┴─┴─┤
// │                  FL                       │    SL     │  AL   │
// └───────────────────────────────────────────┴───────────┴───────┘
// FL: first level (the highest set bit), SL: the SL_BITS bits below it,
// AL: alignment bits, always 0 in a size (two of them carry the tags).
// Sizes below SB_SIZE ("small blocks") all fall in first level 0, whose
// second level is exact: one list per multiple of AL_SIZE.
//
// Bucket table: first level -> sizes it holds (data bytes), and the width of
// each of its 32 second-level lists.
//
//   [00]:    16 B .. < 512 B   lists  16 B apart (exact: one size per list)
//   [01]:   512 B .. <   1 K   lists  16 B apart (exact)
//   [02]:     1 K .. <   2 K   lists  32 B apart
//   [03]:     2 K .. <   4 K   lists  64 B apart
//   [04]:     4 K .. <   8 K   lists 128 B apart
//   [05]:     8 K .. <  16 K   lists 256 B apart
//   [06]:    16 K .. <  32 K   lists 512 B apart
//   [07]:    32 K .. <  64 K   lists   1 K apart
//   [08]:    64 K .. < 128 K   lists   2 K apart
//   [09]:   128 K .. < 256 K   lists   4 K apart
//   [10]:   256 K .. < 512 K   lists   8 K apart
//   [11]:   512 K .. <   1 M   lists  16 K apart
//   [12]:     1 M .. <   2 M   lists  32 K apart
//    ...        (each level doubles)
//   [23]:     2 G .. <   4 G   lists  64 M apart
//
// malloc rounds a request up to the next list boundary before searching, so
// any block found in the chosen list fits ("good fit", O(1)); a block in the
// request's own list may fit too but is only tried on the slow path.

/** Size-class geometry. AL_BITS is @pymem/core's ALIGNMENT_SHIFT (a test checks they agree). */
export const enum Sc {
  /** log2 of the alignment of every block, header and size (16 bytes). */
  AL_BITS = 4,
  AL_SIZE = 1 << AL_BITS,
  AL_MASK = AL_SIZE - 1,
  /** Second-level lists per first level: 2^SL_BITS = 32 (one u32 bitmap each). */
  SL_BITS = 5,
  SL_SIZE = 1 << SL_BITS,
  SL_MASK = SL_SIZE - 1,
  /** Below SB_SIZE (512 B) the lists are exact, AL_SIZE apart: first level 0. */
  SB_BITS = SL_BITS + AL_BITS,
  SB_SIZE = 1 << SB_BITS,
  /** Addresses and sizes are u32. */
  ADDRESS_BITS = 32,
  /** Largest u32. */
  MAX_U32 = 0xffffffff,
  /** Index of the highest bit of a u32 (fls of x is TOP_BIT - clz32(x)). */
  TOP_BIT = ADDRESS_BITS - 1,
  /** First levels: 0 for small blocks, then one per power of two from SB_SIZE up to 4 GiB: 24. */
  FL_COUNT = ADDRESS_BITS - SB_BITS + 1,
  /** Number of free lists (heads in the control structure): 768. */
  LIST_COUNT = FL_COUNT << SL_BITS,
  /** First level of a size >= SB_SIZE: fls(size) - FL_SHIFT. */
  FL_SHIFT = SB_BITS - 1,
  /** Bytes per u32 word; every field below is one word. */
  WORD_SIZE = ADDRESS_BITS / 8,
  /** log2(WORD_SIZE): byte address -> word index. */
  WORD_SHIFT = 2,
}

export const AL_BITS: number = Sc.AL_BITS;
export const AL_SIZE: number = Sc.AL_SIZE;
export const AL_MASK: number = Sc.AL_MASK;
export const SL_BITS: number = Sc.SL_BITS;
export const SL_SIZE: number = Sc.SL_SIZE;
export const SL_MASK: number = Sc.SL_MASK;
export const SB_BITS: number = Sc.SB_BITS;
export const SB_SIZE: number = Sc.SB_SIZE;
export const ADDRESS_BITS: number = Sc.ADDRESS_BITS;
export const MAX_U32: number = Sc.MAX_U32;
export const WORD_SIZE: number = Sc.WORD_SIZE;
export const WORD_SHIFT: number = Sc.WORD_SHIFT;
export const FL_COUNT: number = Sc.FL_COUNT;
export const LIST_COUNT: number = Sc.LIST_COUNT;

// ────────────────────────────── Block layout ─────────────────────────────
//
// ╒═══════════════════ Block layout (16-byte header) ═════════════╕
//    3                   2                   1
//  1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0  bits
// ├─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┴─┤   block+
// │   prevPhys: header address of the block just before (0: first)│ ◄─  0
// ├─────────────────────────────────────────────────────────┬─┬─┬─┬─┤
// │   size: data bytes, a multiple of 16                    │0│0│P│F│ ◄─  4
// ├─────────────────────────────────────────────────────────┴─┴─┴─┴─┤
// │   check: checkWord(block, size); tombstone once absorbed        │ ◄─  8
// ├─────────────────────────────────────────────────────────────────┤
// │   reserved: 0                                                   │ ◄─ 12
// ╞═════════════════════════════════════════════════════════════════╡ ◄─ 16 = ptr
// │   if free: nextFree ►  (next block in the same free list, or 0) │
// ├─────────────────────────────────────────────────────────────────┤
// │   if free: prevFree ◄  (previous block in that list, or 0)      │ ◄─ 20
// ├─────────────────────────────────────────────────────────────────┤
// │   ... data (size bytes in all, at least BLOCK_MINSIZE) ...      │
// └─────────────────────────────────────────────────────────────────┘
// F: FREE, P: PREV_FREE (the block just before is free)
//
// A header and its two list links span 24 bytes of one 32-byte-aligned
// half of a cache line or two, so reading a block's header and links is one
// or two cache lines.
//
// States of a block, and what its header says in each:
//   used      F = 0, check valid; handed out, data belongs to the caller.
//   free      F = 1, check valid; in exactly one free list (the one its size maps to).
//   absorbed  check = tombstone: merged into a neighbour; no longer a block.
//   sentinel  size 0, F = 0, at `tail`: the right neighbour of the last block.
//
// Invariants (checkHeap verifies every one):
//   blocks tile [FIRST_BLOCK, tail): next(b) = b + BLOCK_OVERHEAD + size(b)
//   prevPhys(next(b)) == b; prevPhys(FIRST_BLOCK) == 0
//   PREV_FREE(next(b)) == FREE(b)
//   no two free blocks are neighbours (free blocks coalesce immediately)
//   size(b) >= BLOCK_MINSIZE and size(b) % AL_SIZE == 0 for every block but the sentinel
//   check(b) == checkWord(b, size(b)); reserved(b) == 0
//   tail + BLOCK_OVERHEAD == heap.byteLength

/** A block header: byte offsets of its words, then the same as word offsets (from `block >>> WORD_SHIFT`). */
export const enum Blk {
  /** prevPhys: header address of the block just before (0 for the first). */
  PREV_PHYS = 0,
  /** The size word: size | tags. */
  INFO = PREV_PHYS + Sc.WORD_SIZE,
  /** The check word. */
  CHECK = INFO + Sc.WORD_SIZE,
  /** Always 0; keeps the data 16-aligned. */
  RESERVED = CHECK + Sc.WORD_SIZE,
  /** Bytes of header before each block's data. */
  OVERHEAD = RESERVED + Sc.WORD_SIZE,
  /** A free block's next-in-list link (the first data word). */
  NEXT_FREE = OVERHEAD,
  /** A free block's previous-in-list link. */
  PREV_FREE = NEXT_FREE + Sc.WORD_SIZE,
  /** Smallest data size: room for the two free-list links, rounded to AL_SIZE. */
  MIN_SIZE = (PREV_FREE + Sc.WORD_SIZE - OVERHEAD + Sc.AL_MASK) & ~Sc.AL_MASK,
  /** Smallest whole block (header + data): a remainder at least this big is split off. */
  MIN_TOTAL = OVERHEAD + MIN_SIZE,

  W_PREV_PHYS = PREV_PHYS >>> Sc.WORD_SHIFT,
  W_INFO = INFO >>> Sc.WORD_SHIFT,
  W_CHECK = CHECK >>> Sc.WORD_SHIFT,
  W_RESERVED = RESERVED >>> Sc.WORD_SHIFT,
  W_NEXT_FREE = NEXT_FREE >>> Sc.WORD_SHIFT,
  W_PREV_FREE = PREV_FREE >>> Sc.WORD_SHIFT,
  /** Words of header: the word index of the next header is `b + W_OVERHEAD + (size >>> WORD_SHIFT)`. */
  W_OVERHEAD = OVERHEAD >>> Sc.WORD_SHIFT,
}

/** The tags in the low bits of the size word, and the mask that strips them. */
export const enum Tag {
  /** This block is free. */
  FREE = 1 << 0,
  /** The block physically before this one is free (so a free() merges left). */
  PREV_FREE = 1 << 1,
  /** Both tags; they live in alignment bits a size never uses. */
  MASK = FREE | PREV_FREE,
  /**
   * The size part of the size word, as an i32 (-16): `(info & SIZE_MASK) >>> 0`
   * is the size. As a u32 (0xFFFFFFF0) V8 would keep it as a boxed double.
   */
  SIZE_MASK = ~Sc.AL_MASK,
}

export const FREE: number = Tag.FREE;
export const PREV_FREE: number = Tag.PREV_FREE;
export const TAGS_MASK: number = Tag.MASK;
/** The size part of the size word, as a u32. */
export const SIZE_MASK = Tag.SIZE_MASK >>> 0;
export const PREV_PHYS_OFFSET: number = Blk.PREV_PHYS;
export const SIZE_OFFSET: number = Blk.INFO;
export const CHECK_OFFSET: number = Blk.CHECK;
export const RESERVED_OFFSET: number = Blk.RESERVED;
export const BLOCK_OVERHEAD: number = Blk.OVERHEAD;
export const NEXT_FREE_OFFSET: number = Blk.NEXT_FREE;
export const PREV_FREE_OFFSET: number = Blk.PREV_FREE;
export const BLOCK_MINSIZE: number = Blk.MIN_SIZE;
export const MIN_BLOCK_TOTAL: number = Blk.MIN_TOTAL;

// ─────────────────────────── Control structure ───────────────────────────
//
// ╒═══════════════════ Control layout (offset 0) ═════════════════╕
//  byte
//     0 │ magic       TLSF_MAGIC: this heap is laid out by @pymem/tlsf  │
//     4 │ flMap       bit fl set iff slMap[fl] != 0                     │
//     8 │ tail        header address of the sentinel                    │
//    12 │ usedBlocks  blocks handed out and not freed                   │
//    16 │ usedBytes   sum of their sizes                                │
//    20 │ freeBlocks  blocks in the free lists                          │
//    24 │ version     LAYOUT_VERSION                                    │
//    28 │ reserved    0                                                 │
//       ╞═══════════════════════════════════════════════════════════════╡
//    32 │ anchor[0..ANCHOR_COUNT-1]   higher layers' state addresses    │
//       ╞═══════════════════════════════════════════════════════════════╡
//    64 │ slMap[0..FL_COUNT-1]        bit sl set iff head[fl][sl] != 0  │
//       ╞═══════════════════════════════════════════════════════════════╡
//   160 │ head[0..LIST_COUNT-1]       first block of list fl*SL_SIZE+sl │
//       ╞═══════════════════════════════════════════════════════════════╡
//  3232 └ CONTROL_SIZE = FIRST_BLOCK: the first block's header          ┘
//
// Bytes 0..63 are one cache line: flMap and the three counters every
// malloc / free updates share it.
//
// Invariants:
//   usedBlocks, usedBytes, freeBlocks match a walk of the blocks
//   freeBytes == tail - FIRST_BLOCK - usedBytes - BLOCK_OVERHEAD * (usedBlocks + freeBlocks)

/** The control structure: byte offsets, then word indices (`u32[Ctl.W_...]`). */
export const enum Ctl {
  /** 'TLSF' read as a little-endian u32. */
  MAGIC_VALUE = 0x46534c54,
  /** Bumped whenever this layout changes. */
  LAYOUT_VERSION = 1,

  MAGIC = 0,
  FL_MAP = MAGIC + Sc.WORD_SIZE,
  TAIL = FL_MAP + Sc.WORD_SIZE,
  USED_BLOCKS = TAIL + Sc.WORD_SIZE,
  USED_BYTES = USED_BLOCKS + Sc.WORD_SIZE,
  FREE_BLOCKS = USED_BYTES + Sc.WORD_SIZE,
  VERSION = FREE_BLOCKS + Sc.WORD_SIZE,
  RESERVED = VERSION + Sc.WORD_SIZE,
  /** Number of anchor slots (u32 each) for higher layers. */
  ANCHOR_COUNT = 8,
  ANCHORS = RESERVED + Sc.WORD_SIZE,
  SL_MAP = ANCHORS + ANCHOR_COUNT * Sc.WORD_SIZE,
  HEADS = SL_MAP + Sc.FL_COUNT * Sc.WORD_SIZE,
  /** Bytes of the control structure. */
  SIZE = HEADS + Sc.LIST_COUNT * Sc.WORD_SIZE,
  /** Header address of the first block (SIZE rounded up to AL_SIZE). */
  FIRST_BLOCK = (SIZE + Sc.AL_MASK) & ~Sc.AL_MASK,
  /** Lowest pointer a block can have. */
  FIRST_DATA = FIRST_BLOCK + Blk.OVERHEAD,

  W_FL_MAP = FL_MAP >>> Sc.WORD_SHIFT,
  W_TAIL = TAIL >>> Sc.WORD_SHIFT,
  W_USED_BLOCKS = USED_BLOCKS >>> Sc.WORD_SHIFT,
  W_USED_BYTES = USED_BYTES >>> Sc.WORD_SHIFT,
  W_FREE_BLOCKS = FREE_BLOCKS >>> Sc.WORD_SHIFT,
  W_ANCHORS = ANCHORS >>> Sc.WORD_SHIFT,
  /** slMap[fl] is `u32[W_SL_MAP + fl]`. */
  W_SL_MAP = SL_MAP >>> Sc.WORD_SHIFT,
  /** head[list] is `u32[W_HEADS + list]`. */
  W_HEADS = HEADS >>> Sc.WORD_SHIFT,
}

export const TLSF_MAGIC: number = Ctl.MAGIC_VALUE;
export const LAYOUT_VERSION: number = Ctl.LAYOUT_VERSION;
export const MAGIC_OFFSET: number = Ctl.MAGIC;
export const FL_MAP_OFFSET: number = Ctl.FL_MAP;
export const TAIL_OFFSET: number = Ctl.TAIL;
export const USED_BLOCKS_OFFSET: number = Ctl.USED_BLOCKS;
export const USED_BYTES_OFFSET: number = Ctl.USED_BYTES;
export const FREE_BLOCKS_OFFSET: number = Ctl.FREE_BLOCKS;
export const VERSION_OFFSET: number = Ctl.VERSION;
export const CONTROL_RESERVED_OFFSET: number = Ctl.RESERVED;
export const ANCHOR_COUNT: number = Ctl.ANCHOR_COUNT;
export const ANCHORS_OFFSET: number = Ctl.ANCHORS;
export const SL_MAP_OFFSET: number = Ctl.SL_MAP;
export const HEADS_OFFSET: number = Ctl.HEADS;
export const CONTROL_SIZE: number = Ctl.SIZE;
export const FIRST_BLOCK: number = Ctl.FIRST_BLOCK;
export const FIRST_DATA: number = Ctl.FIRST_DATA;

// ─────────────────────────────── Accessors ───────────────────────────────
//
// For the cold paths (checkHeap, the top, aligned placement). The hot paths
// index `u32` directly with the word offsets above.

/** Size word of a block: size | tags. */
export function getInfo(u32: Uint32Array, block: number): number {
  return u32[(block >>> Sc.WORD_SHIFT) + Blk.W_INFO];
}
/** Data size of a block (tags stripped). */
export function getSize(u32: Uint32Array, block: number): number {
  return (u32[(block >>> Sc.WORD_SHIFT) + Blk.W_INFO] & Tag.SIZE_MASK) >>> 0;
}
/** Set the size word only (tags included); the check word must agree with the size. */
export function setInfo(u32: Uint32Array, block: number, info: number): void {
  u32[(block >>> Sc.WORD_SHIFT) + Blk.W_INFO] = info;
}
/** Write a header's size, tags, check word and reserved word together. */
export function setHeader(u32: Uint32Array, block: number, size: number, tags: number): void {
  const b = block >>> Sc.WORD_SHIFT;
  u32[b + Blk.W_INFO] = size | tags;
  u32[b + Blk.W_CHECK] = checkWord(block, size);
  u32[b + Blk.W_RESERVED] = 0;
}
/** Header address of the block physically before (0 for the first block). */
export function getPrevPhys(u32: Uint32Array, block: number): number {
  return u32[(block >>> Sc.WORD_SHIFT) + Blk.W_PREV_PHYS];
}
export function setPrevPhys(u32: Uint32Array, block: number, prev: number): void {
  u32[(block >>> Sc.WORD_SHIFT) + Blk.W_PREV_PHYS] = prev;
}
/** Header address of the block physically after. */
export function getNextPhys(u32: Uint32Array, block: number): number {
  return block + Blk.OVERHEAD + getSize(u32, block);
}
/** The check word, as an i32 (see checkWord). */
export function getCheck(u32: Uint32Array, block: number): number {
  return u32[(block >>> Sc.WORD_SHIFT) + Blk.W_CHECK] | 0;
}
export function getReserved(u32: Uint32Array, block: number): number {
  return u32[(block >>> Sc.WORD_SHIFT) + Blk.W_RESERVED];
}
/** Next block in the same free list (free blocks only). */
export function getNextFree(u32: Uint32Array, block: number): number {
  return u32[(block >>> Sc.WORD_SHIFT) + Blk.W_NEXT_FREE];
}
export function setNextFree(u32: Uint32Array, block: number, next: number): void {
  u32[(block >>> Sc.WORD_SHIFT) + Blk.W_NEXT_FREE] = next;
}
/** Previous block in the same free list (free blocks only). */
export function getPrevFree(u32: Uint32Array, block: number): number {
  return u32[(block >>> Sc.WORD_SHIFT) + Blk.W_PREV_FREE];
}
export function setPrevFree(u32: Uint32Array, block: number, prev: number): void {
  u32[(block >>> Sc.WORD_SHIFT) + Blk.W_PREV_FREE] = prev;
}

// The check word. It makes a header verifiable in O(1): a word of user data
// sitting 8 bytes before an interior pointer matches it with probability
// 2^-31, and a header that was absorbed by coalescing carries a tombstone
// (bit 0 clear), which never matches. Both multipliers are odd, so distinct
// (block, size) pairs spread over the whole word. Two multiplies: cheap
// enough to compute on every header write and every free.

/** The check-word hash: seed, odd multipliers (as i32, for Math.imul), the valid bit. */
export const enum Chk {
  SEED = 0x7f4a7c15,
  BLOCK_MUL = 0x9e3779b1 | 0,
  SIZE_MUL = 0x85ebca77 | 0,
  /** Bit 0 is set in every valid check word and clear in every tombstone. */
  VALID_BIT = 1,
}

/**
 * The check word of a live (used, free or sentinel) header at `block` with
 * data size `size`, as an i32: compare it with `u32[...] | 0` (getCheck).
 *
 * Tricky: an i32 always fits V8's small integers, a u32 above 2^31 does not.
 * Where this function is not inlined (a caller that inlined malloc / free
 * may run out of inlining budget), a u32 result would be boxed in a fresh
 * heap number on every call.
 */
export function checkWord(block: number, size: number): number {
  return (Math.imul(block ^ Chk.SEED, Chk.BLOCK_MUL) ^ Math.imul(size, Chk.SIZE_MUL)) | Chk.VALID_BIT;
}
/** What an absorbed header's check word becomes (an i32, as checkWord): never a valid check word. */
export function tombstoneWord(block: number): number {
  return Math.imul(block ^ Chk.SEED, Chk.BLOCK_MUL) & ~Chk.VALID_BIT;
}
/** Clear the check word of a header that stops being one without ever having been handed out (an old sentinel). */
export function eraseCheck(u32: Uint32Array, block: number): void {
  u32[(block >>> Sc.WORD_SHIFT) + Blk.W_CHECK] = 0;
}
/** Mark the header at `block` as absorbed into a neighbour. */
export function tombstone(u32: Uint32Array, block: number): void {
  u32[(block >>> Sc.WORD_SHIFT) + Blk.W_CHECK] = tombstoneWord(block);
}

// ───────────────────────────── Control words ─────────────────────────────

export function getControl(u32: Uint32Array, offset: number): number {
  return u32[offset >>> Sc.WORD_SHIFT];
}
export function setControl(u32: Uint32Array, offset: number, value: number): void {
  u32[offset >>> Sc.WORD_SHIFT] = value;
}
/** Second-level bitmap of first level `fl`. */
export function getSlMap(u32: Uint32Array, fl: number): number {
  return u32[Ctl.W_SL_MAP + fl];
}
/** Head of free list `list` (= fl * SL_SIZE + sl); 0 when empty. */
export function getHead(u32: Uint32Array, list: number): number {
  return u32[Ctl.W_HEADS + list];
}

// ──────────────────────────────── Mapping ────────────────────────────────

/** Index of the highest set bit of a non-zero u32. */
export function fls(x: number): number {
  return Sc.TOP_BIT - Math.clz32(x);
}
/** Index of the lowest set bit of a non-zero u32. */
export function ffs(x: number): number {
  return Sc.TOP_BIT - Math.clz32(x & -x);
}

/**
 * The free list a free block of `size` data bytes belongs to, as
 * `fl * SL_SIZE + sl` (mapping_insert in the TLSF paper).
 */
export function listOf(size: number): number {
  if (size < Sc.SB_SIZE) return size >>> Sc.AL_BITS;
  const top = Sc.TOP_BIT - Math.clz32(size);
  return ((top - Sc.FL_SHIFT) << Sc.SL_BITS) + ((size >>> (top - Sc.SL_BITS)) ^ Sc.SL_SIZE);
}

/**
 * The first list whose every block holds `size` bytes (mapping_search): the
 * request rounded up to the next list boundary. Returns LIST_COUNT when no
 * list can guarantee it (requests within one list width of 4 GiB).
 */
export function listAtLeast(size: number): number {
  if (size < Sc.SB_SIZE) return size >>> Sc.AL_BITS;
  const rounded = size + (1 << (Sc.TOP_BIT - Math.clz32(size) - Sc.SL_BITS)) - 1;
  return rounded > Sc.MAX_U32 ? Sc.LIST_COUNT : listOf(rounded);
}

/** Round a request up to a block data size: a multiple of AL_SIZE, at least BLOCK_MINSIZE. */
export function adjustSize(size: number): number {
  return size <= Blk.MIN_SIZE ? Blk.MIN_SIZE : ((size + Sc.AL_MASK) & Tag.SIZE_MASK) >>> 0;
}
