/**
 * Arena objects: getting arenas from the raw allocator and giving them back.
 *
 * The arena table is a vector of `maxarenas` arena objects (layout.ts), a raw
 * block that doubles (16, 32, 64, ...) with raw.realloc when no object is
 * free. Objects are named by id = index + 1, so 0 means "none" as NULL does
 * for pointers; ids stay valid when the table moves.
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
 *   address != 0  =>  address % ARENA_SIZE == 0
 *                     and arena map[address >>> ARENA_BITS] == its id
 *   narenas_currently_allocated == number of objects with address != 0
 *   narenas_currently_allocated <= narenas_highwater <= ntimes_arena_allocated
 */
/* eslint-disable @typescript-eslint/no-unsafe-enum-comparison --
   Geo, Hdr, Arena, Ao and St are named numbers (const enums, so that the
   bundler folds them into the code), not sets of choices: comparing a number
   with them is the point. */
import { PymemError, formatPtr } from '@pymem/core';
import { Ao, aoWord, aoWordAt, Arena, arenaMapIndex, Geo, St } from './layout.js';
import { getState, setState, type PoolContext } from './state.js';

/**
 * CPython's new_arena: get ARENA_SIZE aligned bytes from the raw allocator
 * and bind them to an unassociated arena object (growing the table when there
 * is none). Returns the arena id. Throws OutOfMemoryError, changing nothing.
 */
export function newArena(ctx: PoolContext): number {
  const base = allocateArenaBytes(ctx);
  if (getState(ctx.heap.u32, ctx.statePtr, St.UNUSED_ARENAS) === 0) {
    try {
      growArenaTable(ctx);
    } catch (e) {
      ctx.raw.free(base + Arena.RAW_HEADER_BYTES);
      throw e;
    }
  }
  const u32 = ctx.heap.u32;
  const st = ctx.statePtr;
  const id = getState(u32, st, St.UNUSED_ARENAS);
  const ao = aoWord(u32, st, id);
  setState(u32, st, St.UNUSED_ARENAS, u32[ao + Ao.W_NEXTARENA]);
  initArenaObject(u32, ao, base);
  u32[((st + St.ARENA_MAP) >>> Geo.WORD_SHIFT) + arenaMapIndex(base)] = id;
  countNewArena(u32, st);
  if ((getState(u32, st, St.FLAGS) & St.FLAG_CHECKS) !== 0) {
    ctx.heap.u8.fill(0, base + Arena.BITMAP_START, base + Arena.BITMAP_END);
  }
  return id;
}

/** One Geo.ARENA_SIZE-aligned arena from the raw allocator; returns its base. */
function allocateArenaBytes(ctx: PoolContext): number {
  const p = ctx.raw.mallocAligned(Geo.ARENA_SIZE - Arena.RAW_HEADER_BYTES, Geo.ARENA_SIZE, Arena.RAW_HEADER_BYTES);
  const base = p - Arena.RAW_HEADER_BYTES;
  if ((base & Geo.ARENA_MASK) !== 0) {
    ctx.raw.free(p);
    throw new PymemError(
      'ERR_RAW_ALIGNMENT',
      `the raw allocator returned ${formatPtr(
        p,
      )} for an arena: its header does not start on an Geo.ARENA_SIZE boundary (mallocAligned must honour headroom)`,
    );
  }
  return base;
}

/** A fresh arena: every pool virgin, none free-listed, on no list yet. */
function initArenaObject(u32: Uint32Array, ao: number, base: number): void {
  u32[ao + Ao.W_ADDRESS] = base;
  u32[ao + Ao.W_POOL_ADDRESS] = base + Arena.FIRST_POOL_OFFSET;
  u32[ao + Ao.W_NFREEPOOLS] = Arena.NTOTALPOOLS;
  u32[ao + Ao.W_NTOTALPOOLS] = Arena.NTOTALPOOLS;
  u32[ao + Ao.W_FREEPOOLS] = 0;
  u32[ao + Ao.W_NEXTARENA] = 0;
  u32[ao + Ao.W_PREVARENA] = 0;
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
 * constructor creates it here instead, next to the state block, because a
 * table allocated after the first arena would sit just past it and push the
 * second arena to the next 1 MiB boundary.
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
}

/**
 * Give arena `id` back to the raw allocator and push its object on
 * unused_arena_objects. The caller has already unlinked it from
 * usable_arenas.
 */
export function releaseArena(ctx: PoolContext, id: number): void {
  const st = ctx.statePtr;
  const u32 = ctx.heap.u32;
  const ao = aoWord(u32, st, id);
  const base = u32[ao + Ao.W_ADDRESS];
  u32[((st + St.ARENA_MAP) >>> Geo.WORD_SHIFT) + arenaMapIndex(base)] = 0;
  u32[ao + Ao.W_ADDRESS] = 0;
  u32[ao + Ao.W_NEXTARENA] = getState(u32, st, St.UNUSED_ARENAS);
  setState(u32, st, St.UNUSED_ARENAS, id);
  setState(u32, st, St.NARENAS_CURRENT, getState(u32, st, St.NARENAS_CURRENT) - 1);
  ctx.raw.free(base + Arena.RAW_HEADER_BYTES);
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
  ctx.raw.free(table);
  growArenaTable(ctx);
}
