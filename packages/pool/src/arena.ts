/**
 * Arena objects: getting arenas from the raw allocator and giving them back.
 *
 * The arena table is a vector of `maxarenas` arena objects (layout.ts), a raw
 * block that doubles (16, 32, 64, ...) with raw.realloc when no object is
 * free. Objects are named by id = index + 1, so 0 means "none" as NULL does
 * for pointers; ids stay valid when the table moves. A pool header's
 * arenaindex is the index (id - 1), as in CPython.
 *
 * An arena object is in one of three states:
 *
 *   unassociated  address == 0. On the singly linked `unused_arena_objects`
 *                 list (through nextarena). new_arena takes objects from its
 *                 head; a released arena's object is pushed back on it.
 *   usable        address != 0 and nfreepools > 0. On the doubly linked
 *                 `usable_arenas` list, sorted by nfreepools ascending
 *                 (usable-arenas.ts).
 *   full          address != 0 and nfreepools == 0. On no list; nextarena
 *                 and prevarena are meaningless.
 *
 * Invariants:
 *   an object is on unused_arena_objects  iff  its address is 0
 *   address != 0  =>  address % POOL_SIZE == 0, the ARENA_SIZE - TAIL bytes
 *                     from it are a live raw block, and pool k's header has
 *                     arenaindex == id - 1, limit == POOL_SIZE (TAIL less for
 *                     pool 63) and, with checks, its bitmap slice at bit
 *                     k * BITS_PER_POOL of the arena's bitmap
 *   address != 0  =>  (bitmap != 0, a live raw block whose first word is
 *                     id - 1)  iff  checks
 *   narenas_currently_allocated == number of objects with address != 0
 *   narenas_currently_allocated <= narenas_highwater <= ntimes_arena_allocated
 */
/* eslint-disable @typescript-eslint/no-unsafe-enum-comparison --
   Geo, Hdr, Arena, Ao and St are named numbers (const enums, so that the
   bundler folds them into the code), not sets of choices: comparing a number
   with them is the point. */
import { PymemError, formatPtr } from '@pymem/core';
import { Ao, aoWord, aoWordAt, Arena, Geo, Hdr, St } from './layout.js';
import { getState, setState, type PoolContext } from './state.js';

/**
 * CPython's new_arena: get ARENA_SIZE pool-aligned bytes (and, with checks,
 * their bitmap block) from the raw allocator and bind them to an
 * unassociated arena object, growing the table when there is none. Returns
 * the arena id. Throws OutOfMemoryError, changing nothing.
 */
export function newArena(ctx: PoolContext): number {
  const checks = (getState(ctx.heap.u32, ctx.statePtr, St.FLAGS) & St.FLAG_CHECKS) !== 0;
  const base = allocateArenaBytes(ctx);
  let bitmap = 0;
  try {
    if (checks) bitmap = ctx.raw.mallocAligned(Arena.BITMAP_BLOCK_BYTES, Arena.BITMAP_ALIGN);
    if (getState(ctx.heap.u32, ctx.statePtr, St.UNUSED_ARENAS) === 0) growArenaTable(ctx);
  } catch (e) {
    if (bitmap !== 0) ctx.raw.free(bitmap);
    ctx.raw.free(base);
    throw e;
  }
  const u32 = ctx.heap.u32;
  const st = ctx.statePtr;
  const id = getState(u32, st, St.UNUSED_ARENAS);
  const ao = aoWord(u32, st, id);
  setState(u32, st, St.UNUSED_ARENAS, u32[ao + Ao.W_NEXTARENA]);
  initArenaObject(u32, ao, base, bitmap);
  stampPoolHeaders(u32, id, base, bitmap);
  countNewArena(u32, st);
  return id;
}

/** ARENA_SIZE - TAIL bytes on a pool boundary from the raw allocator; returns their address. */
function allocateArenaBytes(ctx: PoolContext): number {
  const base = ctx.raw.mallocAligned(Arena.BLOCK_BYTES, Arena.ALIGN);
  if ((base & Geo.POOL_MASK) !== 0) {
    ctx.raw.free(base);
    throw new PymemError(
      'ERR_RAW_ALIGNMENT',
      `the raw allocator returned ${formatPtr(base)} for an arena: not on a ${Arena.ALIGN}-byte pool boundary`,
    );
  }
  return base;
}

/** A fresh arena: every pool virgin, none free-listed, on no list yet. */
function initArenaObject(u32: Uint32Array, ao: number, base: number, bitmap: number): void {
  u32[ao + Ao.W_ADDRESS] = base;
  u32[ao + Ao.W_POOL_ADDRESS] = base;
  u32[ao + Ao.W_NFREEPOOLS] = Arena.NTOTALPOOLS;
  u32[ao + Ao.W_NTOTALPOOLS] = Arena.NTOTALPOOLS;
  u32[ao + Ao.W_FREEPOOLS] = 0;
  u32[ao + Ao.W_NEXTARENA] = 0;
  u32[ao + Ao.W_PREVARENA] = 0;
  u32[ao + Ao.W_BITMAP] = bitmap;
}

/**
 * Write arenaindex, limit and the bitmap slice into every pool header of a
 * new arena, virgin pools included, so that address_in_range routes any
 * pointer into the arena to it and the checked free finds a clear bit for a
 * pointer into a pool that was never carved. Zeroes the bitmap.
 */
function stampPoolHeaders(u32: Uint32Array, id: number, base: number, bitmap: number): void {
  const bitmapWord = (bitmap >>> Geo.WORD_SHIFT) + Arena.W_BITMAP_BITS;
  if (bitmap !== 0) {
    u32.fill(0, bitmapWord, bitmapWord + (Arena.BITMAP_BYTES >>> Geo.WORD_SHIFT));
    u32[(bitmap >>> Geo.WORD_SHIFT) + Arena.W_BITMAP_ARENAINDEX] = id - 1;
  }
  for (let k = 0; k < Arena.NTOTALPOOLS; k++) {
    const pw = (base + k * Geo.POOL_SIZE) >>> Geo.WORD_SHIFT;
    const firstBit = k * Arena.BITS_PER_POOL;
    u32[pw + Hdr.W_ARENAINDEX] = id - 1;
    u32[pw + Hdr.W_LIMIT] = k === Arena.NTOTALPOOLS - 1 ? Arena.LAST_POOL_LIMIT : Geo.POOL_SIZE;
    u32[pw + Hdr.W_BITMAP_WORD] = bitmap === 0 ? 0 : bitmapWord + (firstBit >>> Arena.BITS_PER_WORD_SHIFT);
    u32[pw + Hdr.W_BITMAP_SHIFT] = bitmap === 0 ? 0 : firstBit & Arena.BIT_INDEX_MASK;
  }
}

function countNewArena(u32: Uint32Array, st: number): void {
  const current = getState(u32, st, St.NARENAS_CURRENT) + 1;
  setState(u32, st, St.NARENAS_CURRENT, current);
  setState(u32, st, St.NARENAS_TOTAL, getState(u32, st, St.NARENAS_TOTAL) + 1);
  if (current > getState(u32, st, St.NARENAS_HIGHWATER)) setState(u32, st, St.NARENAS_HIGHWATER, current);
}

/**
 * Create the arena table (16 objects) or double it, and put the new objects
 * on unused_arena_objects. Only called when that list is empty, so no id on
 * any list refers to the new objects yet. Throws OutOfMemoryError, changing
 * nothing (raw.realloc keeps the old table on failure).
 *
 * Tricky: CPython creates the table lazily in the first new_arena; the
 * constructor creates it here instead, next to the state block, so that it
 * is not placed between the arenas.
 */
export function growArenaTable(ctx: PoolContext): void {
  const st = ctx.statePtr;
  let u32 = ctx.heap.u32;
  const old = getState(u32, st, St.ARENAS);
  const max = getState(u32, st, St.MAXARENAS);
  const n = max === 0 ? Ao.INITIAL_COUNT : max * 2;
  const table = old === 0 ? ctx.raw.malloc(n * Ao.SIZE) : ctx.raw.realloc(old, n * Ao.SIZE);
  u32 = ctx.heap.u32;
  const tableWord = table >>> Geo.WORD_SHIFT;
  for (let id = max + 1; id <= n; id++) {
    const ao = aoWordAt(tableWord, id);
    u32[ao + Ao.W_ADDRESS] = 0;
    u32[ao + Ao.W_NEXTARENA] = id < n ? id + 1 : 0;
  }
  setState(u32, st, St.ARENAS, table);
  setState(u32, st, St.MAXARENAS, n);
  setState(u32, st, St.UNUSED_ARENAS, max + 1);
  ctx.arenaTableWord = tableWord;
  ctx.maxArenas = n;
}

/**
 * Give arena `id` back to the raw allocator (with its bitmap block) and push
 * its object on unused_arena_objects. The caller has already unlinked it
 * from usable_arenas.
 *
 * The bitmap block goes first: when it sits just below the arena (the
 * lowest free place for it was the gap under the arena's pool boundary),
 * freeing the arena last merges both into one free block, and the raw
 * allocator's free() can trim the heap down past both.
 */
export function releaseArena(ctx: PoolContext, id: number): void {
  const st = ctx.statePtr;
  const u32 = ctx.heap.u32;
  const ao = aoWord(u32, st, id);
  const base = u32[ao + Ao.W_ADDRESS];
  const bitmap = u32[ao + Ao.W_BITMAP];
  u32[ao + Ao.W_ADDRESS] = 0;
  u32[ao + Ao.W_BITMAP] = 0;
  u32[ao + Ao.W_NEXTARENA] = getState(u32, st, St.UNUSED_ARENAS);
  setState(u32, st, St.UNUSED_ARENAS, id);
  setState(u32, st, St.NARENAS_CURRENT, getState(u32, st, St.NARENAS_CURRENT) - 1);
  if (bitmap !== 0) ctx.raw.free(bitmap);
  ctx.raw.free(base);
}

/**
 * With no arena left, move a table that has grown past its first size back to
 * a fresh 16-object one, so that it no longer pins whatever part of the heap
 * it was moved to and the heap can shrink back to its first size.
 */
export function resetArenaTable(ctx: PoolContext): void {
  const st = ctx.statePtr;
  const u32 = ctx.heap.u32;
  if (getState(u32, st, St.NARENAS_CURRENT) !== 0 || getState(u32, st, St.MAXARENAS) <= Ao.INITIAL_COUNT) return;
  const table = getState(u32, st, St.ARENAS);
  setState(u32, st, St.ARENAS, 0);
  setState(u32, st, St.MAXARENAS, 0);
  setState(u32, st, St.UNUSED_ARENAS, 0);
  ctx.arenaTableWord = 0;
  ctx.maxArenas = 0;
  ctx.raw.free(table);
  growArenaTable(ctx);
}
