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
import { ARENA_MASK, ARENA_SIZE, PymemError, formatPtr } from '@pymem/core';
import {
  ARENA_OBJECT_SIZE,
  BITMAP_END,
  BITMAP_START,
  FIRST_POOL_OFFSET,
  FLAG_CHECKS,
  INITIAL_ARENA_OBJECTS,
  NTOTALPOOLS,
  RAW_HEADER_BYTES,
  ST_ARENAS,
  ST_ARENA_MAP,
  ST_FLAGS,
  ST_MAXARENAS,
  ST_NARENAS_CURRENT,
  ST_NARENAS_HIGHWATER,
  ST_NARENAS_TOTAL,
  ST_UNUSED_ARENAS,
  WORD_SHIFT,
  W_AO_ADDRESS,
  W_AO_FREEPOOLS,
  W_AO_NEXTARENA,
  W_AO_NFREEPOOLS,
  W_AO_NTOTALPOOLS,
  W_AO_POOL_ADDRESS,
  W_AO_PREVARENA,
  aoWord,
  aoWordAt,
  arenaMapIndex,
} from './layout.js';
import { getState, setState, type PoolContext } from './state.js';

/**
 * CPython's new_arena: get ARENA_SIZE aligned bytes from the raw allocator
 * and bind them to an unassociated arena object (growing the table when there
 * is none). Returns the arena id. Throws OutOfMemoryError, changing nothing.
 */
export function newArena(ctx: PoolContext): number {
  const base = allocateArenaBytes(ctx);
  if (getState(ctx.heap.u32, ctx.statePtr, ST_UNUSED_ARENAS) === 0) {
    try {
      growArenaTable(ctx);
    } catch (e) {
      ctx.raw.free(base + RAW_HEADER_BYTES);
      throw e;
    }
  }
  const u32 = ctx.heap.u32;
  const st = ctx.statePtr;
  const id = getState(u32, st, ST_UNUSED_ARENAS);
  const ao = aoWord(u32, st, id);
  setState(u32, st, ST_UNUSED_ARENAS, u32[ao + W_AO_NEXTARENA]);
  initArenaObject(u32, ao, base);
  u32[((st + ST_ARENA_MAP) >>> WORD_SHIFT) + arenaMapIndex(base)] = id;
  countNewArena(u32, st);
  if ((getState(u32, st, ST_FLAGS) & FLAG_CHECKS) !== 0) {
    ctx.heap.u8.fill(0, base + BITMAP_START, base + BITMAP_END);
  }
  return id;
}

/** One ARENA_SIZE-aligned arena from the raw allocator; returns its base. */
function allocateArenaBytes(ctx: PoolContext): number {
  const p = ctx.raw.mallocAligned(ARENA_SIZE - RAW_HEADER_BYTES, ARENA_SIZE, RAW_HEADER_BYTES);
  const base = p - RAW_HEADER_BYTES;
  if ((base & ARENA_MASK) !== 0) {
    ctx.raw.free(p);
    throw new PymemError(
      'ERR_RAW_ALIGNMENT',
      `the raw allocator returned ${formatPtr(p)} for an arena: its header does not start on an ARENA_SIZE boundary (mallocAligned must honour headroom)`,
    );
  }
  return base;
}

/** A fresh arena: every pool virgin, none free-listed, on no list yet. */
function initArenaObject(u32: Uint32Array, ao: number, base: number): void {
  u32[ao + W_AO_ADDRESS] = base;
  u32[ao + W_AO_POOL_ADDRESS] = base + FIRST_POOL_OFFSET;
  u32[ao + W_AO_NFREEPOOLS] = NTOTALPOOLS;
  u32[ao + W_AO_NTOTALPOOLS] = NTOTALPOOLS;
  u32[ao + W_AO_FREEPOOLS] = 0;
  u32[ao + W_AO_NEXTARENA] = 0;
  u32[ao + W_AO_PREVARENA] = 0;
}

function countNewArena(u32: Uint32Array, st: number): void {
  const current = getState(u32, st, ST_NARENAS_CURRENT) + 1;
  setState(u32, st, ST_NARENAS_CURRENT, current);
  setState(u32, st, ST_NARENAS_TOTAL, getState(u32, st, ST_NARENAS_TOTAL) + 1);
  if (current > getState(u32, st, ST_NARENAS_HIGHWATER)) setState(u32, st, ST_NARENAS_HIGHWATER, current);
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
  const old = getState(u32, st, ST_ARENAS);
  const max = getState(u32, st, ST_MAXARENAS);
  const n = max === 0 ? INITIAL_ARENA_OBJECTS : max * 2;
  const table = old === 0 ? ctx.raw.malloc(n * ARENA_OBJECT_SIZE) : ctx.raw.realloc(old, n * ARENA_OBJECT_SIZE);
  u32 = ctx.heap.u32;
  const tableWord = table >>> WORD_SHIFT;
  for (let id = max + 1; id <= n; id++) {
    const ao = aoWordAt(tableWord, id);
    u32[ao + W_AO_ADDRESS] = 0;
    u32[ao + W_AO_NEXTARENA] = id < n ? id + 1 : 0;
  }
  setState(u32, st, ST_ARENAS, table);
  setState(u32, st, ST_MAXARENAS, n);
  setState(u32, st, ST_UNUSED_ARENAS, max + 1);
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
  const base = u32[ao + W_AO_ADDRESS];
  u32[((st + ST_ARENA_MAP) >>> WORD_SHIFT) + arenaMapIndex(base)] = 0;
  u32[ao + W_AO_ADDRESS] = 0;
  u32[ao + W_AO_NEXTARENA] = getState(u32, st, ST_UNUSED_ARENAS);
  setState(u32, st, ST_UNUSED_ARENAS, id);
  setState(u32, st, ST_NARENAS_CURRENT, getState(u32, st, ST_NARENAS_CURRENT) - 1);
  ctx.raw.free(base + RAW_HEADER_BYTES);
}

/**
 * With no arena left, move a table that has grown past its first size back to
 * a fresh 16-object one, so that it no longer pins whatever part of the heap
 * it was moved to and the heap can shrink back to its first size.
 */
export function resetArenaTable(ctx: PoolContext): void {
  const st = ctx.statePtr;
  const u32 = ctx.heap.u32;
  if (getState(u32, st, ST_NARENAS_CURRENT) !== 0 || getState(u32, st, ST_MAXARENAS) <= INITIAL_ARENA_OBJECTS) return;
  const table = getState(u32, st, ST_ARENAS);
  setState(u32, st, ST_ARENAS, 0);
  setState(u32, st, ST_MAXARENAS, 0);
  setState(u32, st, ST_UNUSED_ARENAS, 0);
  ctx.raw.free(table);
  growArenaTable(ctx);
}
