import { describe, expect, it } from 'vitest';
import { ARENA_SIZE, POOL_SIZE } from '@pymem/core';
import {
  AO_ADDRESS,
  AO_BITMAP,
  ARENA_OBJECT_SIZE,
  ARENA_TAIL,
  NTOTALPOOLS,
  POOL_ARENAINDEX,
  POOL_OVERHEAD,
  ST_ARENAS,
  numBlocks,
  type PoolAllocator,
} from '../src/index.js';
import { BACKENDS, classRows, fillPattern, freshPool, patternMismatch } from './helpers.js';

/** Address of block `i` of pool `k` (0..63) of the arena at `base`, for block size `size`. */
function blockAt(base: number, k: number, size: number, i = 0): number {
  return base + k * POOL_SIZE + POOL_OVERHEAD + i * size;
}

/**
 * Where tlsf places the arenas of a fresh heap. Offset 0 holds tlsf's control
 * structure, then come the pool's state block and arena table: the first
 * pool boundary after them is 16 KiB. The first arena's bitmap block goes in
 * the free bytes below it. The second arena starts right where the first
 * ends (the first's raw block is ARENA_TAIL short: the second's header sits
 * there); its bitmap block goes on top of it, so the third arena starts on
 * the next pool boundary after that, and the third's bitmap block fills the
 * gap that leaves.
 */
const A1 = 0x4000;
const A2 = 0x104000;
const A3 = 0x208000;

/** Fill one pool of 512-byte blocks; returns its blocks. */
function fillPool512(a: PoolAllocator): number[] {
  const blocks: number[] = [];
  for (let i = 0; i < numBlocks(31); i++) blocks.push(a.malloc(512));
  return blocks;
}

describe.each(BACKENDS)('step by step on a fresh %s heap', (backend) => {
  it('starts empty and anchors its state block in raw slot 0', () => {
    const a = freshPool(backend);
    const s = a.stats();
    expect(s.arenasAllocatedTotal).toBe(0);
    expect(s.allocatedBlocks).toBe(0);
    expect(s.arenaBytes).toBe(0);
    expect(classRows(s)).toEqual([]);
    expect(a.raw.getAnchor?.(0)).toBe(a.statePtr);
    expect(a.name).toBe('pool');
    expect(freshPool(backend, { checks: false }).name).toBe('pool-unchecked');
    a.checkHeap();
  });

  it('serves the first malloc from the first pool of the first arena', () => {
    const a = freshPool(backend);
    const p = a.malloc(1);
    expect(p).toBe(blockAt(A1, 0, 16));
    expect(p).toBe(0x4030);
    const s = a.stats();
    expect(classRows(s)).toEqual([[0, 1, 1, numBlocks(0) - 1]]);
    expect(numBlocks(0)).toBe(1021);
    expect(s.arenasAllocatedTotal).toBe(1);
    expect(s.arenasAllocatedCurrent).toBe(1);
    expect(s.arenasHighwater).toBe(1);
    expect(s.unusedPools).toBe(NTOTALPOOLS - 1);
    expect(s.bytesInAllocatedBlocks).toBe(16);
    expect(s.bytesInAvailableBlocks).toBe(1020 * 16);
    expect(s.bytesLostToPoolHeaders).toBe(48);
    expect(s.bytesLostToQuantization).toBe(0);
    expect(s.bytesLostToArenaAlignment).toBe(0);
    expect(s.allocatedBlocks).toBe(1);
    expect(s.allocatedBytes).toBe(16);
    expect(a.usableSize(p)).toBe(16);
    a.checkHeap();
  });

  it('carves blocks in address order and gives each size class its own pool', () => {
    const a = freshPool(backend);
    const first = a.malloc(16);
    expect(a.malloc(10)).toBe(first + 16);
    expect(a.malloc(16)).toBe(first + 32);
    // 17 bytes is size class 1 (32-byte blocks): the arena's next virgin pool.
    expect(a.malloc(17)).toBe(blockAt(A1, 1, 32));
    expect(a.malloc(32)).toBe(blockAt(A1, 1, 32, 1));
    expect(a.malloc(512)).toBe(blockAt(A1, 2, 512));
    expect(classRows(a.stats())).toEqual([
      [0, 1, 3, 1018],
      [1, 1, 2, numBlocks(1) - 2],
      [31, 1, 1, 30],
    ]);
    a.checkHeap();
  });

  it('reuses freed blocks last-in first-out before carving new ones', () => {
    const a = freshPool(backend);
    const [x, y, z] = [a.malloc(8), a.malloc(8), a.malloc(8)];
    expect([y - x, z - y]).toEqual([16, 16]);
    a.free(x);
    a.free(z);
    expect(classRows(a.stats())).toEqual([[0, 1, 1, 1020]]);
    a.checkHeap();
    expect(a.malloc(16)).toBe(z);
    expect(a.malloc(16)).toBe(x);
    // Free list empty again: the next virgin block.
    expect(a.malloc(16)).toBe(z + 16);
    a.checkHeap();
  });

  it('moves on to a new pool when one is full, and links a full pool back when it frees a block', () => {
    const a = freshPool(backend);
    const pool1 = fillPool512(a);
    expect(pool1.length).toBe(31);
    expect(pool1[30]).toBe(blockAt(A1, 0, 512, 30));
    expect(classRows(a.stats())).toEqual([[31, 1, 31, 0]]);
    a.checkHeap();
    // Pool 1 is full (on no list): the next block comes from pool 2.
    const q = a.malloc(500);
    expect(q).toBe(blockAt(A1, 1, 512));
    expect(classRows(a.stats())).toEqual([[31, 2, 32, 30]]);
    // Freeing into the full pool makes it used again, linked after pool 2.
    a.free(pool1[7]);
    expect(classRows(a.stats())).toEqual([[31, 2, 31, 31]]);
    a.checkHeap();
    expect(a.malloc(512)).toBe(blockAt(A1, 1, 512, 1));
    a.checkHeap();
  });

  it('puts an empty pool on its arena freepools and reuses it for any size class', () => {
    const a = freshPool(backend);
    const x = a.malloc(16);
    const y = a.malloc(32);
    a.free(x);
    let s = a.stats();
    expect(classRows(s)).toEqual([[1, 1, 1, numBlocks(1) - 1]]);
    expect(s.unusedPools).toBe(NTOTALPOOLS - 1); // 62 virgin + 1 empty
    a.checkHeap();
    // A new size class takes the empty pool (freepools first), set up afresh.
    const c = a.malloc(64);
    expect(c).toBe(x);
    s = a.stats();
    expect(classRows(s)).toEqual([
      [1, 1, 1, numBlocks(1) - 1],
      [3, 1, 1, numBlocks(3) - 1],
    ]);
    // Emptied again, then reused for the same class: its free list is kept.
    const c2 = a.malloc(64);
    a.free(c);
    a.free(c2);
    expect(a.malloc(64)).toBe(c2);
    a.free(y);
    a.checkHeap();
  });

  it('releases a wholly free arena, keeps the last one, and trim() gives everything back', () => {
    const a = freshPool(backend);
    const initial = a.heap.byteLength;
    const arena1: number[] = [];
    for (let k = 0; k < NTOTALPOOLS; k++) arena1.push(...fillPool512(a));
    expect(arena1[arena1.length - 1]).toBe(blockAt(A1, NTOTALPOOLS - 1, 512, 30));
    let s = a.stats();
    expect(s.unusedPools).toBe(0);
    expect(s.arenasAllocatedCurrent).toBe(1);
    // Arena 1 is full: a second arena, after arena 1 and its own bitmap block.
    const b = a.malloc(512);
    expect(b).toBe(blockAt(A2, 0, 512));
    s = a.stats();
    expect([s.arenasAllocatedTotal, s.arenasAllocatedCurrent, s.arenasHighwater]).toEqual([2, 2, 2]);
    a.checkHeap();

    // Free all of arena 1: it is wholly free and not the last usable arena: released.
    for (const p of arena1) a.free(p);
    s = a.stats();
    expect([s.arenasAllocatedTotal, s.arenasReclaimed, s.arenasAllocatedCurrent, s.arenasHighwater]).toEqual([
      2, 1, 1, 2,
    ]);
    expect(a.owns(arena1[0])).toBe(false);
    a.checkHeap();

    // Free arena 2's only block: wholly free but the last one: kept (bpo-37257).
    a.free(b);
    s = a.stats();
    expect([s.arenasReclaimed, s.arenasAllocatedCurrent, s.unusedPools]).toEqual([1, 1, NTOTALPOOLS]);
    a.checkHeap();
    // ...so the next malloc needs no new arena.
    const c = a.malloc(16);
    expect(c).toBe(blockAt(A2, 0, 16));
    expect(a.stats().arenasAllocatedTotal).toBe(2);
    a.free(c);

    expect(a.trim()).toBe(1);
    s = a.stats();
    expect([s.arenasAllocatedCurrent, s.arenasReclaimed, s.allocatedBlocks]).toEqual([0, 2, 0]);
    if (a.heap.canShrink) expect(a.heap.byteLength).toBe(initial);
    a.checkHeap();
    // A fresh arena after trim starts over at the lowest place.
    expect(a.malloc(16)).toBe(blockAt(A1, 0, 16));
    a.checkHeap();
  });

  // Regression: the heap stayed one page above its initial size. The pool's
  // trim() relied on its last raw free to trim the heap, which tlsf only does
  // once the free top reaches trimThreshold (256 KiB) or the heap is empty,
  // and the state block and arena table always stay.
  it('trim() gives back a free heap top smaller than the raw trim threshold (raw blocks only)', () => {
    const a = freshPool(backend);
    const initial = a.heap.byteLength;
    const p = a.malloc(100_000);
    const grown = a.heap.byteLength;
    expect(grown).toBeGreaterThan(initial);
    a.free(p);
    expect(a.trim()).toBe(0);
    if (a.heap.canShrink) expect(a.heap.byteLength).toBe(initial);
    else expect(a.heap.byteLength).toBe(grown);
    a.checkHeap();
  });

  it('trim() gives everything back when the last arena sits above its bitmap block and a freed raw block', () => {
    const a = freshPool(backend);
    const initial = a.heap.byteLength;
    // A raw block past the first page: the arena goes above it, on a pool
    // boundary, and its bitmap block in the gap between them.
    const big = a.malloc(64_000);
    const small = a.malloc(16);
    const u32 = a.heap.u32;
    const ao = u32[(a.statePtr + ST_ARENAS) >>> 2];
    const arena = u32[(ao + AO_ADDRESS) >>> 2];
    const bitmap = u32[(ao + AO_BITMAP) >>> 2];
    expect(arena).toBeGreaterThan(bitmap);
    expect(bitmap).toBeGreaterThan(big + 64_000);
    expect(arena + ARENA_SIZE).toBeGreaterThan(initial * 2);
    a.free(big);
    a.free(small);
    expect(a.stats().arenasAllocatedCurrent).toBe(1);
    expect(a.trim()).toBe(1);
    if (a.heap.canShrink) expect(a.heap.byteLength).toBe(initial);
    expect(a.raw.stats().allocatedBlocks).toBe(2); // the state block and the arena table
    a.checkHeap();
  });

  it("gives an arena's last pool one 16-byte block fewer: the next arena's raw header sits there", () => {
    const a = freshPool(backend);
    const blocks: number[] = [];
    for (let i = 0; i < NTOTALPOOLS * numBlocks(0) - 1; i++) blocks.push(a.malloc(16));
    // Pool 63's last block would be the 16 bytes before A2, where the second arena's header goes.
    expect(blocks[blocks.length - 1]).toBe(A2 - 32);
    expect(a.stats().arenasAllocatedCurrent).toBe(1);
    expect(a.malloc(16)).toBe(blockAt(A2, 0, 16));
    const s = a.stats();
    expect([s.arenasAllocatedCurrent, s.bytesLostToArenaAlignment, s.sizeClasses[0].availableBlocks]).toEqual([
      2,
      ARENA_TAIL,
      numBlocks(0) - 1,
    ]);
    a.checkHeap();
  });

  it('takes new pools from the usable arena with the fewest free pools (usable_arenas order)', () => {
    const a = freshPool(backend);
    const pools: number[][] = [];
    for (let k = 0; k < 2 * NTOTALPOOLS + 1; k++) pools.push(fillPool512(a));
    expect(pools[NTOTALPOOLS][0]).toBe(blockAt(A2, 0, 512));
    expect(pools[NTOTALPOOLS * 2][0]).toBe(blockAt(A3, 0, 512));
    // Empty 5 pools in arena 1 and 2 in arena 2; arena 3 has 63 free pools.
    const freePool = (k: number): void => pools[k].forEach((p) => a.free(p));
    for (const k of [0, 1, 2, 3, 4]) freePool(k);
    for (const k of [NTOTALPOOLS + 10, NTOTALPOOLS + 11]) freePool(k);
    a.checkHeap(); // usable_arenas == [arena 2 (2), arena 1 (5), arena 3 (63)], nfp2lasta agrees
    // A new size class takes the most recently emptied pool of arena 2.
    expect(a.malloc(16)).toBe(blockAt(A2, 11, 16));
    expect(a.malloc(32)).toBe(blockAt(A2, 10, 32));
    // Arena 2 is full again; arena 1 is next, its freepools LIFO.
    expect(a.malloc(48)).toBe(blockAt(A1, 4, 48));
    a.checkHeap();
    // Arena 1 (4 free) gains 3 pools: [arena 1 (7), arena 3 (63)].
    for (const k of [5, 6, 7]) freePool(k);
    // Arena 2 was full: it goes to the head (Case 2), then, as it passes 7
    // free pools, slides right of arena 1 (Case 3): [arena 1 (7), arena 2 (9), arena 3 (63)].
    for (let k = NTOTALPOOLS + 20; k < NTOTALPOOLS + 29; k++) freePool(k);
    a.checkHeap();
    expect(a.malloc(64)).toBe(blockAt(A1, 7, 64));
    expect(a.malloc(80)).toBe(blockAt(A1, 6, 80));
    a.checkHeap();
  });

  it('reallocs in place when the block fits and shrinks by less than a quarter, else moves', () => {
    const a = freshPool(backend);
    const p = a.malloc(100); // 112-byte block
    fillPattern(a.heap, p, 100, 1);
    expect(a.realloc(p, 112)).toBe(p);
    expect(a.realloc(p, 85)).toBe(p); // 4 * 85 = 340 > 3 * 112 = 336: stays
    const q = a.realloc(p, 84); // 336 is not > 336: moves to the 96-byte class
    expect(q).not.toBe(p);
    expect(a.usableSize(q)).toBe(96);
    expect(patternMismatch(a.heap, q, 84, 1)).toBe(-1);
    expect(a.owns(p)).toBe(false);
    const r = a.realloc(q, 200); // grows: moves to the 208-byte class
    expect(a.usableSize(r)).toBe(208);
    expect(patternMismatch(a.heap, r, 84, 1)).toBe(-1);
    const big = a.realloc(r, 4000); // past 512: the raw allocator
    expect(big < A1 || big >= A1 + ARENA_SIZE).toBe(true);
    expect(patternMismatch(a.heap, big, 84, 1)).toBe(-1);
    expect(a.stats().rawAllocatedBlocks).toBe(1);
    // A raw block stays raw even when shrunk to a small size (CPython punts).
    const small = a.realloc(big, 16);
    expect(a.stats().rawAllocatedBlocks).toBe(1);
    expect(patternMismatch(a.heap, small, 16, 1)).toBe(-1);
    // realloc(p, 0) keeps a minimal block (from the raw allocator, like malloc(0)).
    const t = a.malloc(40);
    const t0 = a.realloc(t, 0);
    expect(t0).not.toBe(0);
    expect(a.stats().rawAllocatedBlocks).toBe(2);
    expect(a.realloc(0, 24)).toBe(t); // realloc(NULL, n) is malloc(n): t's block again
    a.free(small);
    a.free(t0);
    a.free(t);
    expect(a.stats().allocatedBlocks).toBe(0);
    a.checkHeap();
  });

  it('routes 0 and > 512 bytes to the raw allocator and counts them', () => {
    const a = freshPool(backend);
    const z = a.malloc(0);
    const b = a.malloc(513);
    const c = a.calloc(3, 1000);
    for (const p of [z, b, c]) {
      expect(p).not.toBe(0);
      expect(p % 16).toBe(0);
      expect(a.owns(p)).toBe(true);
    }
    expect(a.usableSize(b)).toBeGreaterThanOrEqual(513);
    for (let i = 0; i < 3000; i++) expect(a.heap.u8[c + i]).toBe(0);
    let s = a.stats();
    expect(s.rawAllocatedBlocks).toBe(3);
    expect(s.rawAllocatedBytes).toBe(a.usableSize(z) + a.usableSize(b) + a.usableSize(c));
    expect(s.allocatedBlocks).toBe(3);
    expect(s.arenasAllocatedTotal).toBe(0);
    a.free(z);
    a.free(b);
    a.free(c);
    s = a.stats();
    expect([s.rawAllocatedBlocks, s.rawAllocatedBytes]).toEqual([0, 0]);
    a.checkHeap();
  });

  it('calloc zeroes a reused block', () => {
    const a = freshPool(backend);
    const p = a.malloc(48);
    a.heap.u8.fill(0xab, p, p + 48);
    a.free(p);
    const q = a.calloc(6, 8);
    expect(q).toBe(p);
    for (let i = 0; i < 48; i++) expect(a.heap.u8[q + i]).toBe(0);
    expect(a.calloc(0, 8)).not.toBe(0); // zero bytes: a minimal raw block
  });

  it('accounts for every arena byte in stats()', () => {
    const a = freshPool(backend);
    const live: number[] = [];
    for (let i = 0; i < 20000; i++) {
      live.push(a.malloc(1 + ((i * 37) % 512)));
      if (i % 3 === 0) a.free(live.splice((i * 7) % live.length, 1)[0]);
    }
    const s = a.stats();
    const sum =
      s.bytesInAllocatedBlocks +
      s.bytesInAvailableBlocks +
      s.bytesInUnusedPools +
      s.bytesLostToPoolHeaders +
      s.bytesLostToQuantization +
      s.bytesLostToArenaAlignment;
    expect(sum).toBe(s.arenaBytes);
    expect(s.allocatedBlocks).toBe(live.length);
    expect(s.bytesInAllocatedBlocks).toBe(live.reduce((n, p) => n + a.usableSize(p), 0));
    expect(s.heapBytes).toBe(a.heap.byteLength);
    a.checkHeap();
  });
});

describe('checks off', () => {
  /** Where pool block p is: [arena index, offset in its arena]. */
  const place = (a: PoolAllocator, p: number): number[] => {
    const u32 = a.heap.u32;
    const ai = u32[(p - (p % POOL_SIZE) + POOL_ARENAINDEX) >>> 2];
    const base = u32[(u32[(a.statePtr + ST_ARENAS) >>> 2] + ai * ARENA_OBJECT_SIZE + AO_ADDRESS) >>> 2];
    return [ai, p - base];
  };

  it('hands out the same pool blocks as with checks on (the raw blocks differ: no bitmap blocks)', () => {
    for (const backend of BACKENDS) {
      const on = freshPool(backend);
      const off = freshPool(backend, { checks: false });
      for (let i = 0; i < 3000; i++) {
        const n = 1 + ((i * 131) % 700);
        const [p, q] = [off.malloc(n), on.malloc(n)];
        if (n <= 512) expect(place(off, p)).toEqual(place(on, q));
      }
      expect(off.stats().sizeClasses).toEqual(on.stats().sizeClasses);
      off.checkHeap();
      on.checkHeap();
    }
  });
});
