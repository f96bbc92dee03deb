import { describe, expect, it } from 'vitest';
import {
  ARENA_SIZE,
  DoubleFreeError,
  InvalidFreeError,
  InvalidSizeError,
  OutOfMemoryError,
  POOL_SIZE,
  PymemError,
  formatPtr,
} from '@pymem/core';
import {
  AO_ADDRESS,
  AO_BITMAP,
  ARENA_OBJECT_SIZE,
  POOL_ARENAINDEX,
  POOL_OVERHEAD,
  ST_ARENAS,
  numBlocks,
  type PoolAllocator,
} from '../src/index.js';
import { BACKENDS, expectHeapUnchanged, fillPattern, freshPool, patternMismatch, snapshot } from './helpers.js';

type ErrorClass = typeof InvalidFreeError | typeof DoubleFreeError | typeof InvalidSizeError | typeof OutOfMemoryError;

/**
 * A heap with every kind of block in it: used pools of three classes, a full
 * pool, a pool emptied onto freepools, raw blocks, and freed blocks of each.
 */
function populated(backend: (typeof BACKENDS)[number], checks: boolean) {
  const a = freshPool(backend, { checks });
  const live = new Map<number, number>();
  const keep = (p: number, n: number): number => {
    fillPattern(a.heap, p, n, live.size + 1);
    live.set(p, n);
    return p;
  };
  const x16 = [keep(a.malloc(16), 16), keep(a.malloc(16), 16), keep(a.malloc(16), 16)];
  const freed16 = a.malloc(16);
  a.free(freed16);
  const x48 = keep(a.malloc(48), 48);
  const full = [];
  for (let i = 0; i < numBlocks(31); i++) full.push(keep(a.malloc(512), 512));
  keep(a.calloc(4, 100), 400);
  const raw = keep(a.malloc(2000), 2000);
  const zero = a.malloc(0);
  live.set(zero, 0);
  const rawFreed = a.malloc(3000);
  a.free(rawFreed);
  const e1 = a.malloc(64);
  const e2 = a.malloc(64);
  a.free(e1);
  a.free(e2); // its pool is now empty, on the arena's freepools
  return { a, live, x16, freed16, x48, full, e1, raw, rawFreed };
}

type World = ReturnType<typeof populated>;

function expectLiveIntact(w: World): void {
  let seed = 0;
  for (const [p, n] of w.live) {
    seed++;
    if (n === 0) continue;
    expect(patternMismatch(w.a.heap, p, n, seed), `block ${formatPtr(p)}`).toBe(-1);
  }
  w.a.checkHeap();
}

/** Run `bad`, expect `error` naming `ptr` (when given), and nothing changed. */
function expectRejected(w: World, bad: (a: PoolAllocator) => unknown, error: ErrorClass, ptr?: number): void {
  const before = snapshot(w.a.heap);
  const stats = w.a.stats();
  let thrown: unknown;
  try {
    bad(w.a);
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(error);
  if (ptr !== undefined) {
    expect((thrown as InvalidFreeError).ptr).toBe(ptr);
    expect((thrown as Error).message).toContain(formatPtr(ptr));
  }
  expectHeapUnchanged(w.a.heap, before);
  expect(w.a.stats()).toEqual(stats);
  expectLiveIntact(w);
}

const poolOf = (p: number): number => p - (p % POOL_SIZE);

/** The arena object of the arena holding pool block p: [address, bitmap block]. */
function arenaOf(a: PoolAllocator, p: number): [number, number] {
  const u32 = a.heap.u32;
  const ai = u32[(poolOf(p) + POOL_ARENAINDEX) >>> 2];
  const ao = u32[(a.statePtr + ST_ARENAS) >>> 2] + ai * ARENA_OBJECT_SIZE;
  return [u32[(ao + AO_ADDRESS) >>> 2], u32[(ao + AO_BITMAP) >>> 2]];
}

/** Pointers inside arenas that are not allocated blocks, with the error each must get. */
function badPoolPointers(w: World): [string, number, ErrorClass][] {
  const pool16 = poolOf(w.x16[0]);
  const pool48 = poolOf(w.x48);
  const [base] = arenaOf(w.a, w.x16[0]);
  return [
    ['a block freed already (pool still used)', w.freed16, DoubleFreeError],
    ['a block of a pool that went empty', w.e1, DoubleFreeError],
    ['an unaligned interior pointer', w.x16[0] + 8, InvalidFreeError],
    ['an aligned interior pointer', w.x48 + 16, InvalidFreeError],
    ['a virgin block of a used pool', pool16 + POOL_OVERHEAD + 100 * 16, InvalidFreeError],
    ['the pool header', pool16 + 16, InvalidFreeError],
    ['the pool tail after the last block', pool48 + POOL_SIZE - 16, InvalidFreeError],
    ['a pool never carved', base + 40 * POOL_SIZE + POOL_OVERHEAD, InvalidFreeError],
    ["the arena's address (its raw block, pool 0's header)", base, InvalidFreeError],
    ['the last granule of the arena', base + ARENA_SIZE - 16, InvalidFreeError],
  ];
}

/** Pointers outside every arena that no allocator could own. */
function badRawPointers(w: World): [string, number, ErrorClass][] {
  const bad: [string, number, ErrorClass][] = [
    ['past the heap end', w.a.heap.byteLength + 16, InvalidFreeError],
    ['past 4 GiB - 16', 2 ** 32 - 16, InvalidFreeError],
    ["the pool's state block", w.a.statePtr, InvalidFreeError],
    ["the pool's arena table", w.a.heap.u32[(w.a.statePtr + ST_ARENAS) >>> 2], InvalidFreeError],
  ];
  const [, bitmap] = arenaOf(w.a, w.x16[0]);
  if (bitmap !== 0) bad.push(["an arena's bitmap block", bitmap, InvalidFreeError]);
  return bad;
}

const notPointers: [string, unknown][] = [
  ['negative', -16],
  ['fractional', 16.5],
  ['NaN', NaN],
  ['a string', '16'],
  ['2 ** 32', 2 ** 32],
  ['undefined', undefined],
];

const badSizes: [string, unknown][] = [
  ['negative', -1],
  ['fractional', 1.5],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['a string', '8'],
  ['above the heap maximum', (64 << 20) + 1],
  ['2 ** 32', 2 ** 32],
];

describe.each(BACKENDS)('bad input on a %s heap, checks on', (backend) => {
  it.each([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])('free/realloc/usableSize of bad pool pointer #%i', (i) => {
    const w = populated(backend, true);
    const [what, p, error] = badPoolPointers(w)[i];
    expect(w.a.owns(p), what).toBe(false);
    expectRejected(w, (a) => a.free(p), error, p);
    expectRejected(w, (a) => a.realloc(p, 32), error, p);
    expectRejected(w, (a) => a.realloc(p, 5000), error, p);
    expectRejected(w, (a) => a.usableSize(p), error, p);
  });

  it('rejects pointers outside every arena before the raw allocator sees them', () => {
    const w = populated(backend, true);
    for (const [what, p, error] of badRawPointers(w)) {
      expect(w.a.owns(p), what).toBe(false);
      expectRejected(w, (a) => a.free(p), error, p);
      expectRejected(w, (a) => a.realloc(p, 64), error, p);
      expectRejected(w, (a) => a.usableSize(p), error, p);
    }
    for (const [what, p] of notPointers) {
      expect(w.a.owns(p as number), what).toBe(false);
      expectRejected(w, (a) => a.free(p as number), InvalidFreeError);
      expectRejected(w, (a) => a.realloc(p as number, 64), InvalidFreeError);
    }
  });

  it('leaves raw-block errors to the raw allocator, typed, with nothing changed', () => {
    const w = populated(backend, true);
    for (const p of [w.rawFreed, w.raw + 16]) {
      expect(w.a.owns(p)).toBe(false);
      const before = snapshot(w.a.heap);
      expect(() => w.a.free(p)).toThrow(PymemError);
      expect(() => w.a.realloc(p, 10)).toThrow(PymemError);
      expect(() => w.a.usableSize(p)).toThrow(PymemError);
      expectHeapUnchanged(w.a.heap, before);
      expectLiveIntact(w);
    }
  });

  it('rejects bad sizes in malloc, calloc and realloc', () => {
    const w = populated(backend, true);
    for (const [, n] of badSizes) {
      expectRejected(w, (a) => a.malloc(n as number), InvalidSizeError);
      expectRejected(w, (a) => a.calloc(1, n as number), InvalidSizeError);
      expectRejected(w, (a) => a.calloc(n as number, 1), InvalidSizeError);
      expectRejected(w, (a) => a.realloc(w.x16[1], n as number), InvalidSizeError);
      expectRejected(w, (a) => a.realloc(w.raw, n as number), InvalidSizeError);
      expectRejected(w, (a) => a.realloc(0, n as number), InvalidSizeError);
    }
    expectRejected(w, (a) => a.calloc(2 ** 20, 2 ** 20), InvalidSizeError);
    expectRejected(w, (a) => a.calloc(2 ** 40, 2 ** 40), InvalidSizeError);
  });

  it('owns() never throws', () => {
    const w = populated(backend, true);
    for (const p of [...badPoolPointers(w), ...badRawPointers(w)].map((c) => c[1])) expect(w.a.owns(p)).toBe(false);
    for (const [, p] of notPointers) expect(w.a.owns(p as number)).toBe(false);
    expect(w.a.owns(0)).toBe(false);
    for (const p of w.live.keys()) expect(w.a.owns(p)).toBe(true);
    expect(() => w.a.usableSize(0)).toThrow(InvalidFreeError);
  });
});

describe.each(BACKENDS)('bad input on a %s heap, checks off', (backend) => {
  it('still rejects what routing sees: not a pointer, outside the heap, the state block, bad sizes', () => {
    const w = populated(backend, false);
    for (const [, p, error] of badRawPointers(w)) {
      expectRejected(w, (a) => a.free(p), error, p);
      expectRejected(w, (a) => a.realloc(p, 64), error, p);
    }
    for (const [, p] of notPointers) expectRejected(w, (a) => a.free(p as number), InvalidFreeError);
    for (const [, n] of badSizes) {
      expectRejected(w, (a) => a.malloc(n as number), InvalidSizeError);
      expectRejected(w, (a) => a.realloc(w.x16[1], n as number), InvalidSizeError);
    }
    expect(() => w.a.free(w.rawFreed)).toThrow(PymemError);
    expectLiveIntact(w);
  });

  it('usableSize and owns still validate pool pointers (walking the free list)', () => {
    const w = populated(backend, false);
    for (const [what, p, error] of badPoolPointers(w)) {
      expect(w.a.owns(p), what).toBe(false);
      expectRejected(w, (a) => a.usableSize(p), error, p);
    }
    for (const p of w.live.keys()) expect(w.a.owns(p)).toBe(true);
  });
});

describe.each(BACKENDS)('heap exhaustion on a %s heap', (backend) => {
  it('throws OutOfMemoryError and changes nothing, for a new arena, a raw block, calloc and realloc', () => {
    // 2 MiB: tlsf's control, the first arena at 16 KiB and room for raw blocks, not a second arena.
    const a = freshPool(backend, {}, 2 * ARENA_SIZE);
    const live: number[] = [];
    for (let i = 0; i < 63 * numBlocks(31); i++) live.push(a.malloc(512));
    const last = a.malloc(16); // the arena's 64th and last pool
    fillPattern(a.heap, last, 16, 1);
    const w = { a, live: new Map([[last, 16]]), x16: [], freed16: 0, x48: 0, full: [], e1: 0, raw: 0, rawFreed: 0 };
    // Fill the last pool too: an arena's last pool holds one 16-byte block fewer (ARENA_TAIL).
    for (let i = 0; i < numBlocks(0) - 2; i++) a.malloc(16);
    expectRejected(w, (x) => x.malloc(512), OutOfMemoryError);
    expectRejected(w, (x) => x.malloc(48), OutOfMemoryError);
    expectRejected(w, (x) => x.calloc(1, 100), OutOfMemoryError);
    expectRejected(w, (x) => x.malloc(2 * ARENA_SIZE - 4096), OutOfMemoryError);
    expectRejected(w, (x) => x.calloc(1024, 2 * 1024 - 4), OutOfMemoryError);
    expectRejected(w, (x) => x.realloc(last, 2 * ARENA_SIZE - 4096), OutOfMemoryError);
    expectRejected(w, (x) => x.realloc(last, 100), OutOfMemoryError);
    // Freeing makes room again.
    a.free(live[0]);
    expect(a.malloc(512)).toBe(live[0]);
    a.checkHeap();
  });
});
