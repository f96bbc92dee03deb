import { describe, expect, it } from 'vitest';
import { HeapCorruptionError, POOL_SIZE } from '@pymem/core';
import {
  AO_BITMAP,
  AO_NFREEPOOLS,
  POOL_ARENAINDEX,
  POOL_BITMAP_SHIFT,
  POOL_LIMIT,
  POOL_COUNT,
  POOL_FREEBLOCK,
  POOL_NEXTPOOL,
  STATE_MAGIC,
  ST_ARENAS,
  ST_NARENAS_CURRENT,
  ST_NFP2LASTA,
  ST_USABLE_ARENAS,
  bitmapBit,
  bitmapWord,
  usedpoolsHead,
  type PoolAllocator,
} from '../src/index.js';
import { BACKENDS, freshPool } from './helpers.js';

/** A heap with used, full and empty pools, two arenas and free lists. */
function populated(backend: (typeof BACKENDS)[number]) {
  const a = freshPool(backend);
  const keep: number[] = [];
  for (let i = 0; i < 20_000; i++) keep.push(a.malloc(1 + ((i * 61) % 512)));
  for (let i = 0; i < keep.length; i += 2) a.free(keep[i]);
  const used = a.malloc(16);
  const freed = a.malloc(16);
  const after = a.malloc(16);
  a.free(freed);
  return { a, used, freed, after };
}

const word = (a: PoolAllocator, p: number): number => a.heap.u32[p >>> 2];
const setWord = (a: PoolAllocator, p: number, v: number): void => {
  a.heap.u32[p >>> 2] = v;
};
const poolOf = (p: number): number => p - (p % POOL_SIZE);

function expectCorruption(a: PoolAllocator, invariant: RegExp): void {
  let thrown: unknown;
  try {
    a.checkHeap();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(HeapCorruptionError);
  expect((thrown as HeapCorruptionError).invariant).toMatch(invariant);
}

describe.each(BACKENDS)('checkHeap() finds broken invariants (%s heap)', (backend) => {
  it('passes on an intact heap', () => {
    populated(backend).a.checkHeap();
  });

  const cases: [string, (w: ReturnType<typeof populated>) => void, RegExp][] = [
    ['state magic', ({ a }) => setWord(a, a.statePtr, STATE_MAGIC + 1), /magic/],
    [
      'pool count off by one',
      ({ a, used }) => setWord(a, poolOf(used) + POOL_COUNT, word(a, poolOf(used) + POOL_COUNT) + 1),
      /count \+ free list length == carved blocks/,
    ],
    ['free list cycle', ({ a, freed }) => setWord(a, freed, freed), /free list has no cycle/],
    [
      'free list into the header',
      ({ a, freed }) => setWord(a, freed, poolOf(freed) + 16),
      /free list blocks are carved blocks/,
    ],
    [
      'freeblock points at a live block',
      ({ a, used, freed }) => {
        setWord(a, poolOf(used) + POOL_FREEBLOCK, used);
        setWord(a, used, word(a, freed));
      },
      /count \+ free list length|allocated-block bit/,
    ],
    [
      'bitmap bit set on a free block',
      ({ a, freed }) => {
        a.heap.u32[bitmapWord(a.heap.u32, freed)] |= bitmapBit(a.heap.u32, freed);
      },
      /allocated-block bit set iff/,
    ],
    [
      'bitmap bit cleared on a live block',
      ({ a, used }) => {
        a.heap.u32[bitmapWord(a.heap.u32, used)] &= ~bitmapBit(a.heap.u32, used);
      },
      /allocated-block bit set iff/,
    ],
    ['pool arenaindex', ({ a, used }) => setWord(a, poolOf(used) + POOL_ARENAINDEX, 7), /has its arenaindex/],
    [
      'usedpools head skips its first pool',
      ({ a }) => {
        const head = usedpoolsHead(a.statePtr, 0);
        const first = word(a, head + POOL_NEXTPOOL);
        setWord(a, head + POOL_NEXTPOOL, word(a, first + POOL_NEXTPOOL));
      },
      /usedpools/,
    ],
    [
      'nfp2lasta entry',
      ({ a }) => {
        const w = a.statePtr + ST_NFP2LASTA;
        for (let n = 0; n < 64; n++) setWord(a, w + 4 * n, 0);
      },
      /nfp2lasta/,
    ],
    [
      'arena nfreepools',
      ({ a }) => {
        const id = word(a, a.statePtr + ST_USABLE_ARENAS);
        const ao = word(a, a.statePtr + ST_ARENAS) + (id - 1) * 32;
        setWord(a, ao + AO_NFREEPOOLS, word(a, ao + AO_NFREEPOOLS) + 1);
      },
      /nfreepools == empty pools/,
    ],
    [
      "a virgin pool's arenaindex",
      ({ a }) => {
        const id = word(a, a.statePtr + ST_USABLE_ARENAS);
        const ao = word(a, a.statePtr + ST_ARENAS) + (id - 1) * 32;
        const lastPool = word(a, ao) + 63 * POOL_SIZE;
        setWord(a, lastPool + POOL_ARENAINDEX, id);
      },
      /has its arenaindex/,
    ],
    [
      "a pool header's bitmap slice",
      ({ a, used }) => setWord(a, poolOf(used) + POOL_BITMAP_SHIFT, word(a, poolOf(used) + POOL_BITMAP_SHIFT) ^ 1),
      /bitmap slice's place/,
    ],
    [
      "a pool header's limit",
      ({ a, used }) => setWord(a, poolOf(used) + POOL_LIMIT, POOL_SIZE - 16),
      /has its limit/,
    ],
    [
      "the bitmap block's arena index",
      ({ a }) => {
        const ao = word(a, a.statePtr + ST_ARENAS);
        setWord(a, word(a, ao + AO_BITMAP), 5);
      },
      /bitmap block's first word/,
    ],
    ['arena counter', ({ a }) => setWord(a, a.statePtr + ST_NARENAS_CURRENT, 9), /narenas_currently_allocated/],
  ];

  it.each(cases)('%s', (_, corrupt, invariant) => {
    const w = populated(backend);
    expect(w.a.stats().arenasAllocatedCurrent).toBeGreaterThan(1);
    corrupt(w);
    expectCorruption(w.a, invariant);
  });
});
