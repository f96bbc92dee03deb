/**
 * Pools: the three states a carved pool moves between, and the lists that
 * hold it in each (pool layout in layout.ts).
 *
 *   used   1 <= count < blocks (numBlocks(szidx), one less for 16-byte
 *          blocks in an arena's last pool: blocksIn(limit, szidx)). On the circular doubly linked list
 *          usedpools[szidx], whose head is a fake pool header in the state
 *          block. freeblock != 0: a used pool always has a block to give.
 *   full   count == blocks. On no list; nextpool/prevpool are
 *          meaningless. freeblock == 0 and no virgin block is left.
 *   empty  count == 0. On its arena's singly linked freepools list (through
 *          nextpool). Keeps its szidx, free list and nextoffset, so reusing it
 *          for the same size class skips the set-up.
 *
 *   used  -> full   malloc takes the last block (poolExtend unlinks it)
 *   full  -> used   free of one block (insertToUsedpool links it last in
 *                   usedpools[szidx]: just before the fake head)
 *   used  -> empty  free of the last allocated block (insertToFreepool)
 *   empty -> used   allocateFromNewPool takes it from freepools
 *   virgin -> used  allocateFromNewPool carves it at the arena's pool_address
 *
 * Blocks inside a pool are carved lazily: a new pool hands out its first block
 * and puts only the second on the free list; each time the free list runs dry
 * the next virgin block at nextoffset is added (poolExtend).
 *
 * Invariants, for a carved pool of block size s:
 *   POOL_OVERHEAD + 2s <= nextoffset, (nextoffset - POOL_OVERHEAD) % s == 0
 *   maxnextoffset == limit - s  (limit: POOL_SIZE, TAIL less in an arena's last pool)
 *   count + length(free list) == (nextoffset - POOL_OVERHEAD) / s   (carved blocks)
 *   every free-list block is carved and block-aligned, the list has no cycle
 *   freeblock == 0  iff  the pool is full
 */
import { type Ptr } from '@pymem/core';
import { Ao, aoWord, Geo, Hdr, St, usedpoolsHead } from './layout.js';
import { newArena } from './arena.js';
import { getState, type PoolContext } from './state.js';
import { arenaGainedPool, arenaLostPool, makeSoleUsableArena } from './usable-arenas.js';

/**
 * CPython's pymalloc_pool_extend: the free list of `pool` just ran dry after
 * handing out a block. Carve the next virgin block onto it, or, when none is
 * left, the pool is full: unlink it from usedpools.
 */
export function poolExtend(u32: Uint32Array, pool: Ptr, szidx: number): void {
  const pw = pool >>> Geo.WORD_SHIFT;
  const next = u32[pw + Hdr.W_NEXTOFFSET];
  if (next <= u32[pw + Hdr.W_MAXNEXTOFFSET]) {
    const bp = pool + next;
    u32[pw + Hdr.W_FREEBLOCK] = bp;
    u32[pw + Hdr.W_NEXTOFFSET] = next + ((szidx + 1) << Geo.ALIGNMENT_SHIFT);
    u32[bp >>> Geo.WORD_SHIFT] = 0;
    return;
  }
  const nextpool = u32[pw + Hdr.W_NEXTPOOL];
  const prevpool = u32[pw + Hdr.W_PREVPOOL];
  u32[(nextpool >>> Geo.WORD_SHIFT) + Hdr.W_PREVPOOL] = prevpool;
  u32[(prevpool >>> Geo.WORD_SHIFT) + Hdr.W_NEXTPOOL] = nextpool;
}

/**
 * The slow path of malloc: usedpools[szidx] is empty. Take a pool from the
 * head of usable_arenas (getting a new arena when there is none), link it
 * into usedpools and return its first block. Throws OutOfMemoryError,
 * changing nothing, when no arena can be had.
 */
export function allocateFromNewPool(ctx: PoolContext, szidx: number): Ptr {
  const st = ctx.statePtr;
  if (getState(ctx.heap.u32, st, St.USABLE_ARENAS) === 0) {
    const id = newArena(ctx);
    makeSoleUsableArena(ctx.heap.u32, st, id);
  }
  const u32 = ctx.heap.u32;
  const pool = takePool(u32, st);
  linkNewUsedPool(u32, st, pool, szidx);
  const pw = pool >>> Geo.WORD_SHIFT;
  u32[pw + Hdr.W_COUNT] = 1;
  if (u32[pw + Hdr.W_SZIDX] === szidx) {
    // It last held this size class: header and free list are ready.
    const bp = u32[pw + Hdr.W_FREEBLOCK];
    u32[pw + Hdr.W_FREEBLOCK] = u32[bp >>> Geo.WORD_SHIFT];
    return bp;
  }
  return initPool(u32, pool, szidx);
}

/** Take one pool from the head of usable_arenas: an empty one if any, else carve a virgin one. */
function takePool(u32: Uint32Array, st: number): Ptr {
  const id = getState(u32, st, St.USABLE_ARENAS);
  const ao = aoWord(u32, st, id);
  let pool = u32[ao + Ao.W_FREEPOOLS];
  if (pool !== 0) {
    u32[ao + Ao.W_FREEPOOLS] = u32[(pool >>> Geo.WORD_SHIFT) + Hdr.W_NEXTPOOL];
  } else {
    pool = u32[ao + Ao.W_POOL_ADDRESS];
    u32[ao + Ao.W_POOL_ADDRESS] = pool + Geo.POOL_SIZE;
    // Its arenaindex and bitmap were written with the arena (stampPoolHeaders).
    u32[(pool >>> Geo.WORD_SHIFT) + Hdr.W_SZIDX] = Hdr.DUMMY_SIZE_IDX;
  }
  arenaLostPool(u32, st, id, ao);
  return pool;
}

/** Put a pool that just became used at the front of usedpools[szidx] (the list was empty). */
function linkNewUsedPool(u32: Uint32Array, st: number, pool: Ptr, szidx: number): void {
  const head = usedpoolsHead(st, szidx);
  const pw = pool >>> Geo.WORD_SHIFT;
  u32[pw + Hdr.W_NEXTPOOL] = head;
  u32[pw + Hdr.W_PREVPOOL] = head;
  u32[(head >>> Geo.WORD_SHIFT) + Hdr.W_NEXTPOOL] = pool;
  u32[(head >>> Geo.WORD_SHIFT) + Hdr.W_PREVPOOL] = pool;
}

/**
 * Set up a pool for size class `szidx`: return its first block and put the
 * second on the free list; the rest stays virgin.
 */
function initPool(u32: Uint32Array, pool: Ptr, szidx: number): Ptr {
  const pw = pool >>> Geo.WORD_SHIFT;
  const size = (szidx + 1) << Geo.ALIGNMENT_SHIFT;
  const bp = pool + Hdr.OVERHEAD;
  u32[pw + Hdr.W_SZIDX] = szidx;
  u32[pw + Hdr.W_NEXTOFFSET] = Hdr.OVERHEAD + 2 * size;
  u32[pw + Hdr.W_MAXNEXTOFFSET] = u32[pw + Hdr.W_LIMIT] - size;
  u32[pw + Hdr.W_FREEBLOCK] = bp + size;
  u32[(bp + size) >>> Geo.WORD_SHIFT] = 0;
  return bp;
}

/**
 * A full pool got a block back: link it at the end of usedpools[szidx], just
 * before the fake head (CPython's insert_to_usedpool). When the list was
 * empty it becomes the head, so the next malloc of the class reuses the block
 * that was just freed.
 */
export function insertToUsedpool(u32: Uint32Array, st: number, pool: Ptr): void {
  const pw = pool >>> Geo.WORD_SHIFT;
  const head = usedpoolsHead(st, u32[pw + Hdr.W_SZIDX]);
  const prev = u32[(head >>> Geo.WORD_SHIFT) + Hdr.W_PREVPOOL];
  u32[pw + Hdr.W_NEXTPOOL] = head;
  u32[pw + Hdr.W_PREVPOOL] = prev;
  u32[(head >>> Geo.WORD_SHIFT) + Hdr.W_PREVPOOL] = pool;
  u32[(prev >>> Geo.WORD_SHIFT) + Hdr.W_NEXTPOOL] = pool;
}

/**
 * A used pool just became empty: unlink it from usedpools, push it on its
 * arena's freepools and let the arena move in usable_arenas (or be released)
 * (CPython's insert_to_freepool).
 */
export function insertToFreepool(ctx: PoolContext, u32: Uint32Array, pool: Ptr): void {
  const st = ctx.statePtr;
  const pw = pool >>> Geo.WORD_SHIFT;
  const next = u32[pw + Hdr.W_NEXTPOOL];
  const prev = u32[pw + Hdr.W_PREVPOOL];
  u32[(next >>> Geo.WORD_SHIFT) + Hdr.W_PREVPOOL] = prev;
  u32[(prev >>> Geo.WORD_SHIFT) + Hdr.W_NEXTPOOL] = next;
  const id = u32[pw + Hdr.W_ARENAINDEX] + 1;
  const ao = aoWord(u32, st, id);
  u32[pw + Hdr.W_NEXTPOOL] = u32[ao + Ao.W_FREEPOOLS];
  u32[ao + Ao.W_FREEPOOLS] = pool;
  arenaGainedPool(ctx, u32, id);
}
