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
 */
import { ALIGNMENT_SHIFT } from '@pymem/core';

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

/** log2 of the alignment of every block, header and size (16 bytes). */
export const AL_BITS = ALIGNMENT_SHIFT;
export const AL_SIZE = 1 << AL_BITS;
export const AL_MASK = AL_SIZE - 1;

/** Second-level lists per first level: 2^SL_BITS = 32 (one u32 bitmap each). */
export const SL_BITS = 5;
export const SL_SIZE = 1 << SL_BITS;
export const SL_MASK = SL_SIZE - 1;

/** Below SB_SIZE (512 B) the lists are exact, AL_SIZE apart: first level 0. */
export const SB_BITS = SL_BITS + AL_BITS;
export const SB_SIZE = 1 << SB_BITS;

/** Addresses and sizes are u32. */
export const ADDRESS_BITS = 32;
export const MAX_U32 = 2 ** ADDRESS_BITS - 1;
/** Bytes per u32 word; every field below is one word. */
export const WORD_SIZE = ADDRESS_BITS / 8;
/** log2(WORD_SIZE): byte address -> word index. */
export const WORD_SHIFT = Math.log2(WORD_SIZE);
/** First levels: 0 for small blocks, then one per power of two from SB_SIZE up to 4 GiB: 24. */
export const FL_COUNT = ADDRESS_BITS - SB_BITS + 1;
/** Number of free lists (heads in the control structure): 768. */
export const LIST_COUNT = FL_COUNT << SL_BITS;

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

/** Tag: this block is free. */
export const FREE = 1 << 0;
/** Tag: the block physically before this one is free (so a free() merges left). */
export const PREV_FREE = 1 << 1;
/** Both tags; they live in alignment bits a size never uses. */
export const TAGS_MASK = FREE | PREV_FREE;
/** The size part of the size word. */
export const SIZE_MASK = ~AL_MASK >>> 0;

/** Byte offset of prevPhys in a header. */
export const PREV_PHYS_OFFSET = 0;
/** Byte offset of the size word (size | tags). */
export const SIZE_OFFSET = PREV_PHYS_OFFSET + WORD_SIZE;
/** Byte offset of the check word. */
export const CHECK_OFFSET = SIZE_OFFSET + WORD_SIZE;
/** Byte offset of the reserved word (always 0; keeps the data 16-aligned). */
export const RESERVED_OFFSET = CHECK_OFFSET + WORD_SIZE;
/** Bytes of header before each block's data. */
export const BLOCK_OVERHEAD = RESERVED_OFFSET + WORD_SIZE;
/** Byte offset (from the header) of a free block's next-in-list link. */
export const NEXT_FREE_OFFSET = BLOCK_OVERHEAD;
/** Byte offset (from the header) of a free block's previous-in-list link. */
export const PREV_FREE_OFFSET = NEXT_FREE_OFFSET + WORD_SIZE;
/** Smallest data size: room for the two free-list links, rounded to AL_SIZE. */
export const BLOCK_MINSIZE = (PREV_FREE_OFFSET + WORD_SIZE - BLOCK_OVERHEAD + AL_MASK) & ~AL_MASK;
/** Smallest whole block (header + data): a remainder at least this big is split off. */
export const MIN_BLOCK_TOTAL = BLOCK_OVERHEAD + BLOCK_MINSIZE;

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
// Invariants:
//   usedBlocks, usedBytes, freeBlocks match a walk of the blocks
//   freeBytes == tail - FIRST_BLOCK - usedBytes - BLOCK_OVERHEAD * (usedBlocks + freeBlocks)

/** 'TLSF' read as a little-endian u32. */
export const TLSF_MAGIC = 0x46534c54;
/** Bumped whenever this layout changes. */
export const LAYOUT_VERSION = 1;

export const MAGIC_OFFSET = 0;
export const FL_MAP_OFFSET = MAGIC_OFFSET + WORD_SIZE;
export const TAIL_OFFSET = FL_MAP_OFFSET + WORD_SIZE;
export const USED_BLOCKS_OFFSET = TAIL_OFFSET + WORD_SIZE;
export const USED_BYTES_OFFSET = USED_BLOCKS_OFFSET + WORD_SIZE;
export const FREE_BLOCKS_OFFSET = USED_BYTES_OFFSET + WORD_SIZE;
export const VERSION_OFFSET = FREE_BLOCKS_OFFSET + WORD_SIZE;
export const CONTROL_RESERVED_OFFSET = VERSION_OFFSET + WORD_SIZE;
/** Number of anchor slots (u32 each) for higher layers. */
export const ANCHOR_COUNT = 8;
export const ANCHORS_OFFSET = CONTROL_RESERVED_OFFSET + WORD_SIZE;
export const SL_MAP_OFFSET = ANCHORS_OFFSET + ANCHOR_COUNT * WORD_SIZE;
export const HEADS_OFFSET = SL_MAP_OFFSET + FL_COUNT * WORD_SIZE;
/** Bytes of the control structure. */
export const CONTROL_SIZE = HEADS_OFFSET + LIST_COUNT * WORD_SIZE;
/** Header address of the first block (CONTROL_SIZE rounded up to AL_SIZE). */
export const FIRST_BLOCK = (CONTROL_SIZE + AL_MASK) & ~AL_MASK;
/** Lowest pointer a block can have. */
export const FIRST_DATA = FIRST_BLOCK + BLOCK_OVERHEAD;

// ─────────────────────────────── Accessors ───────────────────────────────

/** Word index of byte address `addr` (a multiple of WORD_SIZE). */
function w(addr: number): number {
  return addr >>> WORD_SHIFT;
}

/** Size word of a block: size | tags. */
export function getInfo(u32: Uint32Array, block: number): number {
  return u32[w(block + SIZE_OFFSET)];
}
/** Data size of a block (tags stripped). */
export function getSize(u32: Uint32Array, block: number): number {
  return (u32[w(block + SIZE_OFFSET)] & SIZE_MASK) >>> 0;
}
/** Set the size word only (tags included); the check word must agree with the size. */
export function setInfo(u32: Uint32Array, block: number, info: number): void {
  u32[w(block + SIZE_OFFSET)] = info;
}
/** Write a header's size, tags and check word together. */
export function setHeader(u32: Uint32Array, block: number, size: number, tags: number): void {
  u32[w(block + SIZE_OFFSET)] = size | tags;
  u32[w(block + CHECK_OFFSET)] = checkWord(block, size);
  u32[w(block + RESERVED_OFFSET)] = 0;
}
/** Header address of the block physically before (0 for the first block). */
export function getPrevPhys(u32: Uint32Array, block: number): number {
  return u32[w(block + PREV_PHYS_OFFSET)];
}
export function setPrevPhys(u32: Uint32Array, block: number, prev: number): void {
  u32[w(block + PREV_PHYS_OFFSET)] = prev;
}
/** Header address of the block physically after. */
export function getNextPhys(u32: Uint32Array, block: number): number {
  return block + BLOCK_OVERHEAD + getSize(u32, block);
}
export function getCheck(u32: Uint32Array, block: number): number {
  return u32[w(block + CHECK_OFFSET)];
}
export function getReserved(u32: Uint32Array, block: number): number {
  return u32[w(block + RESERVED_OFFSET)];
}
/** Next block in the same free list (free blocks only). */
export function getNextFree(u32: Uint32Array, block: number): number {
  return u32[w(block + NEXT_FREE_OFFSET)];
}
export function setNextFree(u32: Uint32Array, block: number, next: number): void {
  u32[w(block + NEXT_FREE_OFFSET)] = next;
}
/** Previous block in the same free list (free blocks only). */
export function getPrevFree(u32: Uint32Array, block: number): number {
  return u32[w(block + PREV_FREE_OFFSET)];
}
export function setPrevFree(u32: Uint32Array, block: number, prev: number): void {
  u32[w(block + PREV_FREE_OFFSET)] = prev;
}

// The check word. It makes a header verifiable in O(1): a word of user data
// sitting 8 bytes before an interior pointer matches it with probability
// 2^-31, and a header that was absorbed by coalescing carries a tombstone
// (bit 0 clear), which never matches. Both multipliers are odd, so distinct
// (block, size) pairs spread over the whole word.

const CHECK_SEED = 0x7f4a7c15;
const CHECK_BLOCK_MUL = 0x9e3779b1;
const CHECK_SIZE_MUL = 0x85ebca77;
/** Bit 0 is set in every valid check word and clear in every tombstone. */
const CHECK_VALID_BIT = 1;

/** The check word of a live (used, free or sentinel) header at `block` with data size `size`. */
export function checkWord(block: number, size: number): number {
  const h = Math.imul(block ^ CHECK_SEED, CHECK_BLOCK_MUL) ^ Math.imul(size, CHECK_SIZE_MUL);
  return (h | CHECK_VALID_BIT) >>> 0;
}
/** What an absorbed header's check word becomes: never a valid check word. */
export function tombstoneWord(block: number): number {
  return (checkWord(block, 0) ^ CHECK_VALID_BIT) >>> 0;
}
/** Clear the check word of a header that stops being one without ever having been handed out (an old sentinel). */
export function eraseCheck(u32: Uint32Array, block: number): void {
  u32[w(block + CHECK_OFFSET)] = 0;
}
/** Mark the header at `block` as absorbed into a neighbour. */
export function tombstone(u32: Uint32Array, block: number): void {
  u32[w(block + CHECK_OFFSET)] = tombstoneWord(block);
}

// ───────────────────────────── Control words ─────────────────────────────

export function getControl(u32: Uint32Array, offset: number): number {
  return u32[w(offset)];
}
export function setControl(u32: Uint32Array, offset: number, value: number): void {
  u32[w(offset)] = value;
}
/** Second-level bitmap of first level `fl`. */
export function getSlMap(u32: Uint32Array, fl: number): number {
  return u32[w(SL_MAP_OFFSET) + fl];
}
export function setSlMap(u32: Uint32Array, fl: number, map: number): void {
  u32[w(SL_MAP_OFFSET) + fl] = map;
}
/** Head of free list `list` (= fl * SL_SIZE + sl); 0 when empty. */
export function getHead(u32: Uint32Array, list: number): number {
  return u32[w(HEADS_OFFSET) + list];
}
export function setHead(u32: Uint32Array, list: number, block: number): void {
  u32[w(HEADS_OFFSET) + list] = block;
}

// ──────────────────────────────── Mapping ────────────────────────────────

/** Index of the highest set bit of a non-zero u32. */
export function fls(x: number): number {
  return ADDRESS_BITS - 1 - Math.clz32(x);
}
/** Index of the lowest set bit of a non-zero u32. */
export function ffs(x: number): number {
  return ADDRESS_BITS - 1 - Math.clz32(x & -x);
}

/**
 * The free list a free block of `size` data bytes belongs to, as
 * `fl * SL_SIZE + sl` (mapping_insert in the TLSF paper).
 */
export function listOf(size: number): number {
  if (size < SB_SIZE) return size >>> AL_BITS;
  const top = fls(size);
  const sl = (size >>> (top - SL_BITS)) ^ SL_SIZE;
  return ((top - SB_BITS + 1) << SL_BITS) | sl;
}

/**
 * The first list whose every block holds `size` bytes (mapping_search): the
 * request rounded up to the next list boundary. Returns LIST_COUNT when no
 * list can guarantee it (requests within one list width of 4 GiB).
 */
export function listAtLeast(size: number): number {
  if (size < SB_SIZE) return size >>> AL_BITS;
  const rounded = size + (1 << (fls(size) - SL_BITS)) - 1;
  return rounded > MAX_U32 ? LIST_COUNT : listOf(rounded);
}

/** Round a request up to a block data size: a multiple of AL_SIZE, at least BLOCK_MINSIZE. */
export function adjustSize(size: number): number {
  return size <= BLOCK_MINSIZE ? BLOCK_MINSIZE : ((size + AL_MASK) & SIZE_MASK) >>> 0;
}
