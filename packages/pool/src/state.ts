/**
 * The state block: the pool allocator's globals (CPython's file-level statics
 * in obmalloc.c), kept in one raw block inside the heap. Its layout is drawn
 * in layout.ts.
 */
/* eslint-disable @typescript-eslint/no-unsafe-enum-comparison --
   Geo, Hdr, Arena, Ao and St are named numbers (const enums, so that the
   bundler folds them into the code), not sets of choices: comparing a number
   with them is the point. */
import { type Heap, type Ptr } from '@pymem/core';
import type { PoolRawAllocator } from './api.js';
import { Geo, St, usedpoolsHead } from './layout.js';

/**
 * What the cold paths need besides the bytes: the heap, the raw allocator and
 * where the state block is. Everything else is read from the heap, except
 * two caches of the arena table's place that the routing test of free and
 * realloc reads on every call; growArenaTable keeps them equal to the state
 * block's `arenas` and `maxarenas` (checkHeap verifies that).
 */
export interface PoolContext {
  readonly heap: Heap;
  readonly raw: PoolRawAllocator;
  /** Address of the state block. */
  readonly statePtr: Ptr;
  /** Cache: word index of the arena table (state `arenas` >>> 2). */
  arenaTableWord: number;
  /** Cache: arena objects in the table (state `maxarenas`). */
  maxArenas: number;
}

/** Anchor slot of the raw allocator that holds the state block's address. */
export const STATE_ANCHOR = 0;

/**
 * Allocate and initialise the state block: counters zero, every usedpools
 * list empty (each fake header points at itself), no arena table yet (the
 * constructor creates it next).
 */
export function createState(heap: Heap, raw: PoolRawAllocator, checks: boolean): Ptr {
  const st = raw.calloc(1, St.BYTES);
  const u32 = heap.u32;
  u32[(st + St.MAGIC) >>> Geo.WORD_SHIFT] = St.MAGIC_VALUE;
  u32[(st + St.FLAGS) >>> Geo.WORD_SHIFT] = checks ? St.FLAG_CHECKS : 0;
  for (let sz = 0; sz < Geo.NB_SMALL_SIZE_CLASSES; sz++) {
    const head = usedpoolsHead(st, sz);
    const w = (st + St.USEDPOOLS + sz * St.USEDPOOL_ENTRY_BYTES) >>> Geo.WORD_SHIFT;
    u32[w] = head; // nextpool
    u32[w + 1] = head; // prevpool
  }
  raw.setAnchor?.(STATE_ANCHOR, st);
  return st;
}

/** Read a state word. */
export function getState(u32: Uint32Array, st: Ptr, offset: number): number {
  return u32[(st + offset) >>> Geo.WORD_SHIFT];
}

/** Write a state word. */
export function setState(u32: Uint32Array, st: Ptr, offset: number, value: number): void {
  u32[(st + offset) >>> Geo.WORD_SHIFT] = value;
}
