/**
 * checkHeap: walk every block and every free list and verify each invariant
 * written in layout.ts, freelist.ts and top.ts. The first broken one throws
 * HeapCorruptionError naming it and the address where it broke.
 *
 * Cost: O(blocks + LIST_COUNT). It reads only; a heap that passes is one
 * malloc/free can run on.
 */
import type { Heap } from '@pymem/core';
import { HeapCorruptionError } from '@pymem/core';
import {
  AL_MASK,
  BLOCK_MINSIZE,
  BLOCK_OVERHEAD,
  CONTROL_RESERVED_OFFSET,
  FIRST_BLOCK,
  FL_COUNT,
  FL_MAP_OFFSET,
  FREE,
  FREE_BLOCKS_OFFSET,
  LAYOUT_VERSION,
  MAGIC_OFFSET,
  PREV_FREE,
  SL_BITS,
  SL_SIZE,
  TAIL_OFFSET,
  TLSF_MAGIC,
  USED_BLOCKS_OFFSET,
  USED_BYTES_OFFSET,
  VERSION_OFFSET,
  checkWord,
  getCheck,
  getControl,
  getHead,
  getInfo,
  getNextFree,
  getPrevFree,
  getPrevPhys,
  getReserved,
  getSize,
  getSlMap,
  listOf,
} from './layout.js';

/** What a walk of the blocks found. */
interface Walk {
  usedBlocks: number;
  usedBytes: number;
  /** Header addresses of the free blocks. */
  free: Set<number>;
}

function fail(invariant: string, ptr: number, detail = ''): never {
  throw new HeapCorruptionError(invariant, ptr, detail);
}

/** Verify every invariant of a TLSF heap; throws HeapCorruptionError on the first broken one. */
export function checkHeap(heap: Heap): void {
  const u32 = heap.u32;
  checkControl(u32, heap.byteLength);
  const walk = walkBlocks(u32);
  checkCounters(u32, walk);
  checkFreeLists(u32, walk.free);
}

function checkControl(u32: Uint32Array, byteLength: number): void {
  if (getControl(u32, MAGIC_OFFSET) !== TLSF_MAGIC) fail('control magic == TLSF_MAGIC', MAGIC_OFFSET);
  if (getControl(u32, VERSION_OFFSET) !== LAYOUT_VERSION) fail('control version == LAYOUT_VERSION', VERSION_OFFSET);
  if (getControl(u32, CONTROL_RESERVED_OFFSET) !== 0) fail('control reserved word == 0', CONTROL_RESERVED_OFFSET);
  const tail = getControl(u32, TAIL_OFFSET);
  if (tail + BLOCK_OVERHEAD !== byteLength) {
    fail('tail + BLOCK_OVERHEAD == heap.byteLength', TAIL_OFFSET, `tail ${tail}, heap ${byteLength}`);
  }
}

/** Walk the blocks from FIRST_BLOCK to the sentinel, checking each header and its links. */
function walkBlocks(u32: Uint32Array): Walk {
  const tail = getControl(u32, TAIL_OFFSET);
  const walk: Walk = { usedBlocks: 0, usedBytes: 0, free: new Set() };
  let prev = 0;
  let prevFree = false;
  let block = FIRST_BLOCK;
  while (block < tail) {
    const size = checkHeader(u32, block, tail);
    const isFree = (getInfo(u32, block) & FREE) !== 0;
    checkLinks(u32, block, prev, prevFree, isFree);
    if (isFree) {
      walk.free.add(block);
    } else {
      walk.usedBlocks++;
      walk.usedBytes += size;
    }
    prev = block;
    prevFree = isFree;
    block += BLOCK_OVERHEAD + size;
  }
  if (block !== tail) fail('blocks tile [FIRST_BLOCK, tail)', block, `walk ended at ${block}, tail is ${tail}`);
  checkSentinel(u32, tail, prev, prevFree);
  return walk;
}

/** One block's own header: size, check word, reserved word, bounds. Returns its size. */
function checkHeader(u32: Uint32Array, block: number, tail: number): number {
  const size = getSize(u32, block);
  const info = getInfo(u32, block);
  if (size < BLOCK_MINSIZE || (info & AL_MASK & ~(FREE | PREV_FREE)) !== 0) {
    fail('size >= BLOCK_MINSIZE and a multiple of 16', block, `size word ${info}`);
  }
  if (block + BLOCK_OVERHEAD + size > tail) fail('block ends at or before the sentinel', block, `size ${size}`);
  if (getCheck(u32, block) !== checkWord(block, size)) fail('check word == checkWord(block, size)', block);
  if (getReserved(u32, block) !== 0) fail('reserved header word == 0', block);
  return size;
}

/** The links between `block` and the block before it. */
function checkLinks(u32: Uint32Array, block: number, prev: number, prevFree: boolean, isFree: boolean): void {
  if (getPrevPhys(u32, block) !== prev) {
    fail('prevPhys(b) == the block before b', block, `prevPhys ${getPrevPhys(u32, block)}, expected ${prev}`);
  }
  if (((getInfo(u32, block) & PREV_FREE) !== 0) !== prevFree) fail('PREV_FREE(b) == FREE(block before b)', block);
  if (prevFree && isFree) fail('no two free blocks are neighbours', block);
}

function checkSentinel(u32: Uint32Array, tail: number, prev: number, prevFree: boolean): void {
  const info = getInfo(u32, tail);
  if ((info & ~PREV_FREE) !== 0) fail('sentinel has size 0 and is not free', tail, `size word ${info}`);
  if (getCheck(u32, tail) !== checkWord(tail, 0)) fail('check word == checkWord(block, size)', tail);
  checkLinks(u32, tail, prev, prevFree, false);
}

function checkCounters(u32: Uint32Array, walk: Walk): void {
  if (getControl(u32, USED_BLOCKS_OFFSET) !== walk.usedBlocks) {
    fail('usedBlocks == used blocks in the walk', USED_BLOCKS_OFFSET, `${getControl(u32, USED_BLOCKS_OFFSET)} != ${walk.usedBlocks}`);
  }
  if (getControl(u32, USED_BYTES_OFFSET) !== walk.usedBytes) {
    fail('usedBytes == bytes of used blocks in the walk', USED_BYTES_OFFSET, `${getControl(u32, USED_BYTES_OFFSET)} != ${walk.usedBytes}`);
  }
  if (getControl(u32, FREE_BLOCKS_OFFSET) !== walk.free.size) {
    fail('freeBlocks == free blocks in the walk', FREE_BLOCKS_OFFSET, `${getControl(u32, FREE_BLOCKS_OFFSET)} != ${walk.free.size}`);
  }
}

/** Bitmaps against list heads, and every list node against the walk. */
function checkFreeLists(u32: Uint32Array, free: Set<number>): void {
  const seen = new Set<number>();
  const flMap = getControl(u32, FL_MAP_OFFSET);
  for (let fl = 0; fl < FL_COUNT; fl++) {
    const slMap = getSlMap(u32, fl);
    if (((flMap >>> fl) & 1) !== (slMap !== 0 ? 1 : 0)) fail('flMap bit fl set iff slMap[fl] != 0', FL_MAP_OFFSET, `fl ${fl}`);
    for (let sl = 0; sl < SL_SIZE; sl++) {
      const list = (fl << SL_BITS) | sl;
      const head = getHead(u32, list);
      if (((slMap >>> sl) & 1) !== (head !== 0 ? 1 : 0)) {
        fail('slMap bit sl set iff head[fl][sl] != 0', head, `fl ${fl}, sl ${sl}`);
      }
      checkList(u32, list, head, free, seen);
    }
  }
  if (seen.size !== free.size) {
    const missing = [...free].find((b) => !seen.has(b)) ?? 0;
    fail('every free block is in its free list', missing);
  }
}

function checkList(u32: Uint32Array, list: number, head: number, free: Set<number>, seen: Set<number>): void {
  let prev = 0;
  for (let block = head; block !== 0; block = getNextFree(u32, block)) {
    if (!free.has(block)) fail('free list holds only free blocks of the heap', block, `list ${list}`);
    if (seen.has(block)) fail('a free block is in one list, once', block, `list ${list}`);
    seen.add(block);
    if (listOf(getSize(u32, block)) !== list) fail('a free block is in the list its size maps to', block, `list ${list}`);
    if (getPrevFree(u32, block) !== prev) fail('prevFree(nextFree(b)) == b', block, `list ${list}`);
    prev = block;
  }
}
