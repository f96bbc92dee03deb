/**
 * usable_arenas: the doubly linked list of arenas that have a pool to give,
 * kept sorted by nfreepools ascending so that allocation drains the fullest
 * arenas first and nearly empty ones get the chance to become wholly free and
 * go back to the raw allocator.
 *
 * nfp2lasta[n] is the id of the last ("rightmost") arena in the list with n
 * free pools, which lets an arena that gained a pool jump to its sorted place
 * in O(1) instead of walking the list (CPython 3.8, bpo-37029).
 *
 * Transitions (a = the arena object):
 *   pool taken (allocateFromNewPool): a is the head; nfreepools - 1 keeps it
 *     the smallest, so it stays the head, or leaves the list at 0.
 *   pool returned (insertToFreepool), with nf the new nfreepools:
 *     Case 1. nf == ntotalpools and a is not the last arena: a is wholly
 *             free: unlink it and release the arena. The last arena is kept
 *             even when wholly free, so that a loop allocating and freeing
 *             one block does not get and release an arena each time (bpo-37257).
 *     Case 2. nf == 1: a was full, on no list: push it at the head.
 *     Case 3. a now has more free pools than the arena after it: move it
 *             right, to just after nfp2lasta[nf - 1].
 *     Case 4. otherwise a stays where it is.
 *
 * Invariants:
 *   a is on usable_arenas  iff  a.address != 0 and a.nfreepools > 0
 *   a.next.prev == a and a.prev.next == a (usable_arenas has prev == 0)
 *   a.nfreepools <= a.next.nfreepools for every a in the list
 *   nfp2lasta[n] == the last arena in the list with nfreepools == n, or 0 if none
 *   at most one arena is wholly free (nfreepools == ntotalpools), and it is the last
 */
/* eslint-disable @typescript-eslint/no-unsafe-enum-comparison --
   Geo, Hdr, Arena, Ao and St are named numbers (const enums, so that the
   bundler folds them into the code), not sets of choices: comparing a number
   with them is the point. */
import { Ao, aoWord, Arena, Geo, St } from './layout.js';
import { releaseArena, resetArenaTable } from './arena.js';
import { getState, setState, type PoolContext } from './state.js';

/** Word index of nfp2lasta[0]. */
function nfp2lastaWord(st: number): number {
  return (st + St.NFP2LASTA) >>> Geo.WORD_SHIFT;
}

/** A brand-new arena becomes the whole usable_arenas list (it was empty). */
export function makeSoleUsableArena(u32: Uint32Array, st: number, id: number): void {
  const ao = aoWord(u32, st, id);
  u32[ao + Ao.W_NEXTARENA] = 0;
  u32[ao + Ao.W_PREVARENA] = 0;
  setState(u32, st, St.USABLE_ARENAS, id);
  u32[nfp2lastaWord(st) + u32[ao + Ao.W_NFREEPOOLS]] = id;
}

/**
 * The head arena `id` (object at word `ao`) is giving up one pool: update
 * nfp2lasta for its count going down by one and unlink it when it has none
 * left.
 */
export function arenaLostPool(u32: Uint32Array, st: number, id: number, ao: number): void {
  const nf = u32[ao + Ao.W_NFREEPOOLS];
  const fingers = nfp2lastaWord(st);
  // It had the smallest count, so it was the only arena with it, or the first.
  if (u32[fingers + nf] === id) u32[fingers + nf] = 0;
  // If free pools remain it is the one and only arena with nf - 1.
  if (nf > 1) u32[fingers + nf - 1] = id;
  u32[ao + Ao.W_NFREEPOOLS] = nf - 1;
  if (nf - 1 === 0) {
    const next = u32[ao + Ao.W_NEXTARENA];
    setState(u32, st, St.USABLE_ARENAS, next);
    if (next !== 0) u32[aoWord(u32, st, next) + Ao.W_PREVARENA] = 0;
  }
}

/**
 * Arena `id` just got one pool back on its freepools list: bump nfreepools
 * and restore the list's order (Cases 1-4 above). Case 1 releases the arena,
 * which may shrink the heap.
 */
export function arenaGainedPool(ctx: PoolContext, u32: Uint32Array, id: number): void {
  const st = ctx.statePtr;
  const ao = aoWord(u32, st, id);
  const fingers = nfp2lastaWord(st);
  const oldNf = u32[ao + Ao.W_NFREEPOOLS];
  const lastnf = oldNf === 0 ? 0 : u32[fingers + oldNf];
  if (lastnf === id) {
    // It was the rightmost with oldNf; the one before it may inherit that.
    const prev = u32[ao + Ao.W_PREVARENA];
    u32[fingers + oldNf] = prev !== 0 && u32[aoWord(u32, st, prev) + Ao.W_NFREEPOOLS] === oldNf ? prev : 0;
  }
  const nf = oldNf + 1;
  u32[ao + Ao.W_NFREEPOOLS] = nf;

  if (nf === u32[ao + Ao.W_NTOTALPOOLS] && u32[ao + Ao.W_NEXTARENA] !== 0) {
    // Case 1: wholly free and not the last arena: give it back.
    unlinkUsable(u32, st, ao);
    releaseArena(ctx, id);
    return;
  }
  if (nf === 1) {
    // Case 2: it was full, on no list; it has the fewest free pools of all.
    pushUsableHead(u32, st, id, ao);
    if (u32[fingers + 1] === 0) u32[fingers + 1] = id;
    return;
  }
  if (u32[fingers + nf] === 0) u32[fingers + nf] = id;
  // Case 4: it was the rightmost with oldNf, so it is still in order.
  if (lastnf === id) return;
  // Case 3: slide it right, to just after the rightmost arena with oldNf.
  unlinkUsable(u32, st, ao);
  insertUsableAfter(u32, st, id, ao, lastnf);
}

/** Remove the arena whose object is at word `ao` from usable_arenas. */
function unlinkUsable(u32: Uint32Array, st: number, ao: number): void {
  const next = u32[ao + Ao.W_NEXTARENA];
  const prev = u32[ao + Ao.W_PREVARENA];
  if (prev === 0) setState(u32, st, St.USABLE_ARENAS, next);
  else u32[aoWord(u32, st, prev) + Ao.W_NEXTARENA] = next;
  if (next !== 0) u32[aoWord(u32, st, next) + Ao.W_PREVARENA] = prev;
}

function pushUsableHead(u32: Uint32Array, st: number, id: number, ao: number): void {
  const head = getState(u32, st, St.USABLE_ARENAS);
  u32[ao + Ao.W_NEXTARENA] = head;
  u32[ao + Ao.W_PREVARENA] = 0;
  if (head !== 0) u32[aoWord(u32, st, head) + Ao.W_PREVARENA] = id;
  setState(u32, st, St.USABLE_ARENAS, id);
}

function insertUsableAfter(u32: Uint32Array, st: number, id: number, ao: number, after: number): void {
  const afterAo = aoWord(u32, st, after);
  const next = u32[afterAo + Ao.W_NEXTARENA];
  u32[ao + Ao.W_PREVARENA] = after;
  u32[ao + Ao.W_NEXTARENA] = next;
  if (next !== 0) u32[aoWord(u32, st, next) + Ao.W_PREVARENA] = id;
  u32[afterAo + Ao.W_NEXTARENA] = id;
}

/**
 * Release every wholly free arena, including the one CPython's rule keeps,
 * and with no arena left, shrink a grown arena table. Returns the number of
 * arenas released.
 */
export function releaseFreeArenas(ctx: PoolContext): number {
  const st = ctx.statePtr;
  let released = 0;
  for (;;) {
    const u32 = ctx.heap.u32;
    const id = u32[nfp2lastaWord(st) + Arena.NTOTALPOOLS];
    if (id === 0) break;
    const ao = aoWord(u32, st, id);
    const prev = u32[ao + Ao.W_PREVARENA];
    u32[nfp2lastaWord(st) + Arena.NTOTALPOOLS] =
      prev !== 0 && u32[aoWord(u32, st, prev) + Ao.W_NFREEPOOLS] === Arena.NTOTALPOOLS ? prev : 0;
    unlinkUsable(u32, st, ao);
    releaseArena(ctx, id);
    released++;
  }
  resetArenaTable(ctx);
  return released;
}
