/**
 * checkHeap(): every invariant stated in layout.ts, arena.ts, pool.ts and
 * usable-arenas.ts, checked against the bytes. The walk is bounded
 * everywhere (a corrupt list cannot make it loop) and throws
 * HeapCorruptionError naming the first invariant that does not hold.
 *
 * Order: state block and the allocator's caches -> arena table and unused
 * list -> each arena (its bitmap block, freepools, every pool header, the
 * carved pools' free lists and bitmaps) -> usedpools lists -> usable_arenas
 * and nfp2lasta -> counters.
 */
/* eslint-disable @typescript-eslint/no-unsafe-enum-comparison --
   Geo, Hdr, Arena, Ao and St are named numbers (const enums, so that the
   bundler folds them into the code), not sets of choices: comparing a number
   with them is the point. */
import { HeapCorruptionError } from '@pymem/core';
import { Ao, aoWordAt, Arena, blocksIn, Geo, Hdr, St, usedpoolsHead } from './layout.js';
import { getState, type PoolContext } from './state.js';

function fail(invariant: string, ptr = 0, detail = ''): never {
  throw new HeapCorruptionError(invariant, ptr, detail);
}

/** What the walk has learnt so far, for the cross-checks at the end. */
interface Walk {
  u32: Uint32Array;
  st: number;
  tableWord: number;
  maxarenas: number;
  checks: boolean;
  /** Ids of arenas with an address. */
  allocated: number[];
  /** Used pools found in the arenas, with their size class. */
  usedPools: Map<number, number>;
  /** Scratch: one mark per granule of a pool. */
  marks: Uint8Array;
  /** Word index and starting bit of the bitmap slice of the pool being checked. */
  bitmapWord: number;
  bitmapShift: number;
}

export function checkPoolHeap(ctx: PoolContext, checks: boolean): void {
  const u32 = ctx.heap.u32;
  const st = ctx.statePtr;
  checkStateHeader(u32, st, checks);
  const w: Walk = {
    u32,
    st,
    tableWord: getState(u32, st, St.ARENAS) >>> Geo.WORD_SHIFT,
    maxarenas: getState(u32, st, St.MAXARENAS),
    checks,
    allocated: [],
    usedPools: new Map(),
    marks: new Uint8Array(Geo.POOL_SIZE >>> Geo.ALIGNMENT_SHIFT),
    bitmapWord: 0,
    bitmapShift: 0,
  };
  if (ctx.arenaTableWord !== w.tableWord || ctx.maxArenas !== w.maxarenas) {
    fail('the cached arena table place equals the state block arenas / maxarenas', st);
  }
  checkArenaTable(w, ctx.heap.byteLength);
  checkDisjointArenas(w);
  checkRawBlocks(w, ctx);
  for (const id of w.allocated) checkArena(w, id);
  checkUsedpools(w);
  checkUsableArenas(w);
  checkCounters(w);
}

function checkStateHeader(u32: Uint32Array, st: number, checks: boolean): void {
  if (getState(u32, st, St.MAGIC) !== St.MAGIC_VALUE) fail('state block magic == St.MAGIC_VALUE', st);
  if (((getState(u32, st, St.FLAGS) & St.FLAG_CHECKS) !== 0) !== checks)
    fail('state flags agree with the checks option', st);
}

/* ------------------------------------------------------- arena objects */

function ao(w: Walk, id: number): number {
  return aoWordAt(w.tableWord, id);
}

function checkArenaTable(w: Walk, heapBytes: number): void {
  const { u32, st, maxarenas } = w;
  if (w.tableWord === 0) {
    if (maxarenas !== 0 || getState(u32, st, St.UNUSED_ARENAS) !== 0 || getState(u32, st, St.USABLE_ARENAS) !== 0) {
      fail('no arena table => maxarenas == 0 and both arena lists empty', st);
    }
    return;
  }
  for (let id = 1; id <= maxarenas; id++) {
    const base = u32[ao(w, id) + Ao.W_ADDRESS];
    if (base === 0) continue;
    if ((base & Geo.POOL_MASK) !== 0) fail('arena address % POOL_SIZE == 0', base, `arena id ${id}`);
    if (base + Geo.ARENA_SIZE > heapBytes) fail('arena lies inside the heap', base, `arena id ${id}`);
    w.allocated.push(id);
  }
  const onList = new Uint8Array(maxarenas + 1);
  let n = 0;
  for (let id = getState(u32, st, St.UNUSED_ARENAS); id !== 0; id = u32[ao(w, id) + Ao.W_NEXTARENA]) {
    if (id > maxarenas) fail('unused_arena_objects ids are below maxarenas', 0, `id ${id}`);
    if (onList[id]) fail('unused_arena_objects has no cycle', 0, `id ${id} seen twice`);
    if (u32[ao(w, id) + Ao.W_ADDRESS] !== 0)
      fail('an arena object on unused_arena_objects has address 0', 0, `id ${id}`);
    onList[id] = 1;
    n++;
  }
  if (n + w.allocated.length !== maxarenas) {
    fail(
      'an arena object is on unused_arena_objects iff its address is 0',
      0,
      `${n} unused + ${w.allocated.length} allocated != ${maxarenas}`,
    );
  }
}

/* --------------------------------------------------------------- arenas */

/** No two arenas overlap (address_in_range relies on it). */
function checkDisjointArenas(w: Walk): void {
  const bases = w.allocated.map((id) => w.u32[ao(w, id) + Ao.W_ADDRESS]).sort((x, y) => x - y);
  for (let i = 1; i < bases.length; i++) {
    if (bases[i] - bases[i - 1] < Geo.ARENA_SIZE) fail('arenas do not overlap', bases[i]);
  }
}

/** Each arena and each bitmap block is a live block of the raw allocator. */
function checkRawBlocks(w: Walk, ctx: PoolContext): void {
  for (const id of w.allocated) {
    const base = w.u32[ao(w, id) + Ao.W_ADDRESS];
    const bitmap = w.u32[ao(w, id) + Ao.W_BITMAP];
    if (!ctx.raw.owns(base)) fail('an arena is a live raw block', base, `arena id ${id}`);
    if (bitmap !== 0 && !ctx.raw.owns(bitmap)) fail('a bitmap block is a live raw block', bitmap, `arena id ${id}`);
  }
}

function checkArena(w: Walk, id: number): void {
  const { u32 } = w;
  const a = ao(w, id);
  const base = u32[a + Ao.W_ADDRESS];
  const poolAddress = u32[a + Ao.W_POOL_ADDRESS];
  if (u32[a + Ao.W_NTOTALPOOLS] !== Arena.NTOTALPOOLS) fail(`ntotalpools == ${Arena.NTOTALPOOLS}`, base);
  if (poolAddress < base || poolAddress > base + Geo.ARENA_SIZE || (poolAddress & Geo.POOL_MASK) !== 0) {
    fail('pool_address is a pool boundary inside its arena', base, `pool_address ${poolAddress}`);
  }
  const bitmap = checkBitmapBlock(w, id, a, base);
  const empty = checkFreepools(w, id, base, poolAddress);
  const virgin = (base + Geo.ARENA_SIZE - poolAddress) / Geo.POOL_SIZE;
  if (u32[a + Ao.W_NFREEPOOLS] !== empty.size + virgin) {
    fail(
      'nfreepools == empty pools on freepools + virgin pools',
      base,
      `${u32[a + Ao.W_NFREEPOOLS]} != ${empty.size} + ${virgin}`,
    );
  }
  for (let k = 0; k < Arena.NTOTALPOOLS; k++) {
    const pool = base + k * Geo.POOL_SIZE;
    const pw = pool >>> Geo.WORD_SHIFT;
    if (u32[pw + Hdr.W_ARENAINDEX] !== id - 1) fail('every pool header of an arena has its arenaindex', pool);
    const limit = k === Arena.NTOTALPOOLS - 1 ? Arena.LAST_POOL_LIMIT : Geo.POOL_SIZE;
    if (u32[pw + Hdr.W_LIMIT] !== limit) fail('every pool header of an arena has its limit', pool);
    const firstBit = k * Arena.BITS_PER_POOL;
    w.bitmapWord =
      bitmap === 0 ? 0 : (bitmap >>> Geo.WORD_SHIFT) + Arena.W_BITMAP_BITS + (firstBit >>> Arena.BITS_PER_WORD_SHIFT);
    w.bitmapShift = bitmap === 0 ? 0 : firstBit & Arena.BIT_INDEX_MASK;
    if (u32[pw + Hdr.W_BITMAP_WORD] !== w.bitmapWord || u32[pw + Hdr.W_BITMAP_SHIFT] !== w.bitmapShift) {
      fail("every pool header of an arena has its bitmap slice's place", pool);
    }
    if (pool >= poolAddress) {
      if (w.checks) checkBitmapClear(w, pool, 'a virgin pool has no allocated bit');
    } else if (u32[pw + Hdr.W_COUNT] === 0) {
      if (!empty.has(pool)) fail('a carved pool with count 0 is on its arena freepools', pool);
      if (w.checks) checkBitmapClear(w, pool, 'an empty pool has no allocated bit');
    } else {
      checkUsedOrFullPool(w, pool);
    }
  }
}

/** With checks, the arena's bitmap block exists and names the arena; without, there is none. Returns it. */
function checkBitmapBlock(w: Walk, id: number, a: number, base: number): number {
  const bitmap = w.u32[a + Ao.W_BITMAP];
  if ((bitmap !== 0) !== w.checks) fail('an arena has a bitmap block iff checks are on', base, `bitmap ${bitmap}`);
  if (bitmap === 0) return 0;
  if ((bitmap & Geo.ALIGNMENT_MASK) !== 0 || bitmap + Arena.BITMAP_BLOCK_BYTES > w.u32.length * Geo.WORD) {
    fail('the bitmap block is an aligned block inside the heap', bitmap);
  }
  if (w.u32[(bitmap >>> Geo.WORD_SHIFT) + Arena.W_BITMAP_ARENAINDEX] !== id - 1) {
    fail("the bitmap block's first word is its arena's index", bitmap, `arena ${base}`);
  }
  return bitmap;
}

/** Walk freepools; returns the set of empty pools. */
function checkFreepools(w: Walk, id: number, base: number, poolAddress: number): Set<number> {
  const { u32 } = w;
  const empty = new Set<number>();
  for (let pool = u32[ao(w, id) + Ao.W_FREEPOOLS]; pool !== 0; pool = u32[(pool >>> Geo.WORD_SHIFT) + Hdr.W_NEXTPOOL]) {
    if (pool < base || pool >= poolAddress || (pool & Geo.POOL_MASK) !== 0) {
      fail('freepools holds carved pools of its own arena', pool, `arena ${base}`);
    }
    if (empty.has(pool)) fail('freepools has no cycle', pool);
    if (u32[(pool >>> Geo.WORD_SHIFT) + Hdr.W_COUNT] !== 0) fail('a pool on freepools has count 0', pool);
    empty.add(pool);
  }
  return empty;
}

/* ---------------------------------------------------------------- pools */

function checkUsedOrFullPool(w: Walk, pool: number): void {
  const { u32 } = w;
  const pw = pool >>> Geo.WORD_SHIFT;
  const szidx = u32[pw + Hdr.W_SZIDX];
  if (szidx >= Geo.NB_SMALL_SIZE_CLASSES) fail('szidx < 32 in a pool in use', pool, `szidx ${szidx}`);
  const size = (szidx + 1) << Geo.ALIGNMENT_SHIFT;
  const nextoffset = u32[pw + Hdr.W_NEXTOFFSET];
  const limit = u32[pw + Hdr.W_LIMIT];
  if (u32[pw + Hdr.W_MAXNEXTOFFSET] !== limit - size) fail('maxnextoffset == limit - block size', pool);
  if (nextoffset < Hdr.OVERHEAD + 2 * size || nextoffset > limit || (nextoffset - Hdr.OVERHEAD) % size !== 0) {
    fail('nextoffset is a block boundary past the first two blocks', pool, `nextoffset ${nextoffset}`);
  }
  const carved = (nextoffset - Hdr.OVERHEAD) / size;
  const count = u32[pw + Hdr.W_COUNT];
  if (count > blocksIn(limit, szidx)) fail('count <= blocks per pool', pool, `count ${count}`);
  const nfree = walkFreeList(w, pool, size, nextoffset, carved);
  if (count + nfree !== carved)
    fail('count + free list length == carved blocks', pool, `${count} + ${nfree} != ${carved}`);
  const freeblock = u32[pw + Hdr.W_FREEBLOCK];
  if (freeblock === 0) {
    if (nextoffset <= u32[pw + Hdr.W_MAXNEXTOFFSET]) fail('a pool with no free block has no virgin block (full)', pool);
  } else {
    w.usedPools.set(pool, szidx);
  }
  if (w.checks) checkBitmap(w, pool, size, nextoffset);
}

/** Walk a pool's free list, marking its blocks in w.marks; returns its length. */
function walkFreeList(w: Walk, pool: number, size: number, nextoffset: number, carved: number): number {
  const { u32, marks } = w;
  marks.fill(0);
  let n = 0;
  for (let b = u32[(pool >>> Geo.WORD_SHIFT) + Hdr.W_FREEBLOCK]; b !== 0; b = u32[b >>> Geo.WORD_SHIFT]) {
    const off = b - pool;
    if (off < Hdr.OVERHEAD || off >= nextoffset || (off - Hdr.OVERHEAD) % size !== 0) {
      fail('free list blocks are carved blocks of their pool', b, `pool ${pool}`);
    }
    const g = off >>> Geo.ALIGNMENT_SHIFT;
    if (marks[g] || ++n > carved) fail('a pool free list has no cycle', b, `pool ${pool}`);
    marks[g] = 1;
  }
  return n;
}

/** The pool's bitmap bit of granule g (FIRST_GRANULE..1023). */
function bitOfGranule(w: Walk, g: number): number {
  const i = w.bitmapShift + g - Arena.FIRST_GRANULE;
  return (w.u32[w.bitmapWord + (i >>> Arena.BITS_PER_WORD_SHIFT)] >>> (i & Arena.BIT_INDEX_MASK)) & 1;
}

/** The pool's bitmap bits say exactly which carved blocks are allocated. */
function checkBitmap(w: Walk, pool: number, size: number, nextoffset: number): void {
  const { marks } = w;
  for (let g = Arena.FIRST_GRANULE; g < Geo.POOL_SIZE >>> Geo.ALIGNMENT_SHIFT; g++) {
    const off = g << Geo.ALIGNMENT_SHIFT;
    const isBlock = off < nextoffset && (off - Hdr.OVERHEAD) % size === 0;
    const expected = isBlock && !marks[g] ? 1 : 0;
    if (bitOfGranule(w, g) !== expected) {
      fail(
        'allocated-block bit set iff the block is carved and not on the free list',
        pool + off,
        `bit is ${1 - expected}, expected ${expected}`,
      );
    }
  }
}

function checkBitmapClear(w: Walk, pool: number, invariant: string): void {
  for (let g = Arena.FIRST_GRANULE; g < Geo.POOL_SIZE >>> Geo.ALIGNMENT_SHIFT; g++) {
    if (bitOfGranule(w, g) !== 0) fail(invariant, pool + (g << Geo.ALIGNMENT_SHIFT));
  }
}

/* ------------------------------------------------------------ usedpools */

function checkUsedpools(w: Walk): void {
  const { u32, st } = w;
  let listed = 0;
  for (let sz = 0; sz < Geo.NB_SMALL_SIZE_CLASSES; sz++) {
    const head = usedpoolsHead(st, sz);
    let prev = head;
    let pool = u32[(head >>> Geo.WORD_SHIFT) + Hdr.W_NEXTPOOL];
    while (pool !== head) {
      if (w.usedPools.get(pool) !== sz) fail(`usedpools[${sz}] holds only used pools of size class ${sz}`, pool);
      if (u32[(pool >>> Geo.WORD_SHIFT) + Hdr.W_PREVPOOL] !== prev)
        fail('usedpools: pool.prevpool.nextpool == pool', pool);
      if (++listed > w.usedPools.size) fail('usedpools lists have no cycle', pool);
      prev = pool;
      pool = u32[(pool >>> Geo.WORD_SHIFT) + Hdr.W_NEXTPOOL];
    }
    if (u32[(head >>> Geo.WORD_SHIFT) + Hdr.W_PREVPOOL] !== prev)
      fail(`usedpools[${sz}].prevpool is its last pool`, head);
  }
  if (listed !== w.usedPools.size) {
    fail('every used pool is on usedpools[szidx]', 0, `${w.usedPools.size} used pools, ${listed} listed`);
  }
}

/* -------------------------------------------------------- usable_arenas */

function checkUsableArenas(w: Walk): void {
  const { u32, st } = w;
  const last = new Uint32Array(St.NFP2LASTA_LENGTH);
  let prev = 0;
  let prevNf = 0;
  let n = 0;
  for (let id = getState(u32, st, St.USABLE_ARENAS); id !== 0; id = u32[ao(w, id) + Ao.W_NEXTARENA]) {
    if (id > w.maxarenas || ++n > w.allocated.length)
      fail('usable_arenas holds allocated arenas, without a cycle', 0, `id ${id}`);
    const a = ao(w, id);
    const nf = u32[a + Ao.W_NFREEPOOLS];
    if (u32[a + Ao.W_ADDRESS] === 0 || nf === 0)
      fail('usable_arenas holds arenas with an address and free pools', 0, `id ${id}`);
    if (u32[a + Ao.W_PREVARENA] !== prev)
      fail('usable_arenas: arena.prevarena.nextarena == arena', u32[a + Ao.W_ADDRESS]);
    if (nf < prevNf)
      fail('usable_arenas sorted by nfreepools ascending', u32[a + Ao.W_ADDRESS], `${prevNf} before ${nf}`);
    if (nf === Arena.NTOTALPOOLS && u32[a + Ao.W_NEXTARENA] !== 0) {
      fail('only the last usable arena may be wholly free (CPython keeps one)', u32[a + Ao.W_ADDRESS]);
    }
    last[nf] = id;
    prev = id;
    prevNf = nf;
  }
  let withFree = 0;
  for (const id of w.allocated) if (u32[ao(w, id) + Ao.W_NFREEPOOLS] !== 0) withFree++;
  if (withFree !== n)
    fail('every arena with a free pool is on usable_arenas', 0, `${withFree} with free pools, ${n} listed`);
  const fingers = (st + St.NFP2LASTA) >>> Geo.WORD_SHIFT;
  for (let nf = 0; nf < St.NFP2LASTA_LENGTH; nf++) {
    if (u32[fingers + nf] !== last[nf]) {
      fail(
        'nfp2lasta[n] is the last usable arena with n free pools',
        0,
        `nfp2lasta[${nf}] is ${u32[fingers + nf]}, expected ${last[nf]}`,
      );
    }
  }
}

/* ------------------------------------------------------------- counters */

function checkCounters(w: Walk): void {
  const { u32, st } = w;
  const current = getState(u32, st, St.NARENAS_CURRENT);
  if (current !== w.allocated.length)
    fail('narenas_currently_allocated == arenas with an address', 0, `${current} != ${w.allocated.length}`);
  const highwater = getState(u32, st, St.NARENAS_HIGHWATER);
  if (highwater < current || getState(u32, st, St.NARENAS_TOTAL) < highwater) {
    fail('narenas_currently_allocated <= narenas_highwater <= ntimes_arena_allocated');
  }
}
