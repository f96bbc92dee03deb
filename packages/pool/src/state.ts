/**
 * The state block: the pool allocator's globals (CPython's file-level statics
 * in obmalloc.c), kept in one raw block inside the heap. Its layout is drawn
 * in layout.ts.
 */
import { NB_SMALL_SIZE_CLASSES, type Heap, type Ptr } from '@pymem/core';
import type { PoolRawAllocator } from './api.js';
import {
  FLAG_CHECKS,
  ST_FLAGS,
  ST_MAGIC,
  ST_MAP_LENGTH,
  ST_USEDPOOLS,
  STATE_MAGIC,
  USEDPOOL_ENTRY_BYTES,
  WORD_SHIFT,
  arenaMapLength,
  stateBytes,
  usedpoolsHead,
} from './layout.js';

/**
 * What the cold paths need besides the bytes: the heap, the raw allocator and
 * where the state block is. Everything else is read from the heap.
 */
export interface PoolContext {
  readonly heap: Heap;
  readonly raw: PoolRawAllocator;
  /** Address of the state block. */
  readonly statePtr: Ptr;
}

/** Anchor slot of the raw allocator that holds the state block's address. */
export const STATE_ANCHOR = 0;

/**
 * Allocate and initialise the state block: counters zero, every usedpools
 * list empty (each fake header points at itself), no arena table yet (it is
 * created with the first arena, as in CPython), arena map all zero.
 */
export function createState(heap: Heap, raw: PoolRawAllocator, checks: boolean): Ptr {
  const bytes = stateBytes(heap.maxByteLength);
  const st = raw.calloc(1, bytes);
  const u32 = heap.u32;
  u32[(st + ST_MAGIC) >>> WORD_SHIFT] = STATE_MAGIC;
  u32[(st + ST_FLAGS) >>> WORD_SHIFT] = checks ? FLAG_CHECKS : 0;
  u32[(st + ST_MAP_LENGTH) >>> WORD_SHIFT] = arenaMapLength(heap.maxByteLength);
  for (let sz = 0; sz < NB_SMALL_SIZE_CLASSES; sz++) {
    const head = usedpoolsHead(st, sz);
    const w = (st + ST_USEDPOOLS + sz * USEDPOOL_ENTRY_BYTES) >>> WORD_SHIFT;
    u32[w] = head; // nextpool
    u32[w + 1] = head; // prevpool
  }
  raw.setAnchor?.(STATE_ANCHOR, st);
  return st;
}

/** Read a state word. */
export function getState(u32: Uint32Array, st: Ptr, offset: number): number {
  return u32[(st + offset) >>> WORD_SHIFT];
}

/** Write a state word. */
export function setState(u32: Uint32Array, st: Ptr, offset: number, value: number): void {
  u32[(st + offset) >>> WORD_SHIFT] = value;
}
