import { HeapCorruptionError } from '@pymem/core';
import { describe, expect, it } from 'vitest';
import type { Tlsf } from '../src/index.js';
import {
  BLOCK_OVERHEAD,
  CHECK_OFFSET,
  FL_MAP_OFFSET,
  FREE,
  HEADS_OFFSET,
  MAGIC_OFFSET,
  NEXT_FREE_OFFSET,
  PREV_FREE,
  PREV_FREE_OFFSET,
  PREV_PHYS_OFFSET,
  RESERVED_OFFSET,
  SIZE_OFFSET,
  SL_BITS,
  SL_MAP_OFFSET,
  TAIL_OFFSET,
  USED_BLOCKS_OFFSET,
  USED_BYTES_OFFSET,
  checkWord,
  listOf,
} from '../src/layout.js';
import { BACKENDS, fresh } from './helpers.js';

/** A heap with used blocks a, b, c, d and free blocks: `hole` (between b and c) and the top. */
function setup(backend: (typeof BACKENDS)[number]) {
  const t = fresh(backend);
  const a = t.malloc(64);
  const b = t.malloc(128);
  const hole = t.malloc(256);
  const c = t.malloc(32);
  const d = t.malloc(48);
  t.free(hole);
  t.checkHeap();
  const word = (addr: number): number => t.heap.u32[addr >>> 2];
  const poke = (addr: number, value: number): void => {
    t.heap.u32[addr >>> 2] = value;
  };
  /** Set or clear the bitmap bits of free list `list` as an honest insert/remove would. */
  const setListBit = (list: number, on: boolean): void => {
    const fl = list >>> SL_BITS;
    const bit = 1 << (list & 31);
    const slMap = on ? word(SL_MAP_OFFSET + 4 * fl) | bit : word(SL_MAP_OFFSET + 4 * fl) & ~bit;
    poke(SL_MAP_OFFSET + 4 * fl, slMap);
    poke(FL_MAP_OFFSET, slMap !== 0 ? word(FL_MAP_OFFSET) | (1 << fl) : word(FL_MAP_OFFSET) & ~(1 << fl));
  };
  return { t, a, b, hole, c, d, word, poke, setListBit };
}

function expectCorruption(t: Tlsf, invariant: RegExp): HeapCorruptionError {
  let caught: unknown = null;
  try {
    t.checkHeap();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(HeapCorruptionError);
  const err = caught as HeapCorruptionError;
  expect(err.invariant).toMatch(invariant);
  expect(err.message).toContain(err.invariant);
  return err;
}

describe.each(BACKENDS)('checkHeap finds deliberate corruption (%s)', (backend) => {
  it('a header size flipped', () => {
    const { t, b, word, poke } = setup(backend);
    const h = b - BLOCK_OVERHEAD;
    poke(h + SIZE_OFFSET, word(h + SIZE_OFFSET) ^ 0x100);
    expect(expectCorruption(t, /check word/).ptr).toBe(h);
  });

  it('a header size changed with a matching check word (blocks no longer tile)', () => {
    const { t, b, poke } = setup(backend);
    const h = b - BLOCK_OVERHEAD;
    poke(h + SIZE_OFFSET, 128 + 64);
    poke(h + CHECK_OFFSET, checkWord(h, 128 + 64));
    // The walk now lands inside the hole's data: whatever it finds there is not a header.
    expectCorruption(t, /check word|prevPhys|BLOCK_MINSIZE/);
  });

  it('a size that runs past the sentinel', () => {
    const { t, d, poke } = setup(backend);
    const h = d - BLOCK_OVERHEAD;
    const size = t.heap.byteLength;
    poke(h + SIZE_OFFSET, size);
    poke(h + CHECK_OFFSET, checkWord(h, size));
    expectCorruption(t, /ends at or before the sentinel/);
  });

  it('a size word with stray low bits', () => {
    const { t, a, word, poke } = setup(backend);
    const h = a - BLOCK_OVERHEAD;
    poke(h + SIZE_OFFSET, word(h + SIZE_OFFSET) | 4);
    expectCorruption(t, /multiple of 16/);
  });

  it('a prevPhys back-link', () => {
    const { t, c, a, poke } = setup(backend);
    poke(c - BLOCK_OVERHEAD + PREV_PHYS_OFFSET, a - BLOCK_OVERHEAD);
    expectCorruption(t, /prevPhys/);
  });

  it('a PREV_FREE tag', () => {
    const { t, b, word, poke } = setup(backend);
    const h = b - BLOCK_OVERHEAD;
    poke(h + SIZE_OFFSET, word(h + SIZE_OFFSET) | PREV_FREE);
    expectCorruption(t, /PREV_FREE/);
  });

  it('two free neighbours', () => {
    const { t, c, word, poke } = setup(backend);
    // c follows the free hole: mark it free too (and tell d).
    const h = c - BLOCK_OVERHEAD;
    poke(h + SIZE_OFFSET, word(h + SIZE_OFFSET) | FREE);
    const next = c + 32;
    poke(next + SIZE_OFFSET, word(next + SIZE_OFFSET) | PREV_FREE);
    expectCorruption(t, /no two free blocks/);
  });

  it('the reserved header word', () => {
    const { t, d, poke } = setup(backend);
    poke(d - BLOCK_OVERHEAD + RESERVED_OFFSET, 1);
    expectCorruption(t, /reserved header word/);
  });

  it('a free-list link', () => {
    const { t, hole, a, poke } = setup(backend);
    poke(hole - BLOCK_OVERHEAD + NEXT_FREE_OFFSET, a - BLOCK_OVERHEAD);
    expectCorruption(t, /free list holds only free blocks/);
  });

  it('a free-list back link', () => {
    const { t, hole, b, poke } = setup(backend);
    poke(hole - BLOCK_OVERHEAD + PREV_FREE_OFFSET, b - BLOCK_OVERHEAD);
    expectCorruption(t, /prevFree/);
  });

  it('a second-level bitmap bit', () => {
    const { t, word, poke } = setup(backend);
    // List of 16-byte blocks: empty here. Claim it is not.
    const list = listOf(16);
    const fl = list >>> SL_BITS;
    poke(SL_MAP_OFFSET + 4 * fl, word(SL_MAP_OFFSET + 4 * fl) | (1 << (list & 31)));
    expectCorruption(t, /slMap bit/);
  });

  it('a first-level bitmap bit', () => {
    const { t, word, poke } = setup(backend);
    poke(FL_MAP_OFFSET, word(FL_MAP_OFFSET) ^ (1 << 20));
    expectCorruption(t, /flMap bit/);
  });

  it('a free block missing from its list', () => {
    const { t, hole, word, poke, setListBit } = setup(backend);
    const list = listOf(256);
    expect(word(HEADS_OFFSET + 4 * list)).toBe(hole - BLOCK_OVERHEAD);
    poke(HEADS_OFFSET + 4 * list, 0);
    setListBit(list, false);
    expectCorruption(t, /every free block is in its free list/);
  });

  it('a free block in the wrong list', () => {
    const { t, hole, poke, setListBit } = setup(backend);
    const from = listOf(256);
    const to = listOf(512 + 256);
    poke(HEADS_OFFSET + 4 * from, 0);
    poke(HEADS_OFFSET + 4 * to, hole - BLOCK_OVERHEAD);
    setListBit(from, false);
    setListBit(to, true);
    expectCorruption(t, /the list its size maps to/);
  });

  it('the counters', () => {
    const { t, word, poke } = setup(backend);
    poke(USED_BLOCKS_OFFSET, word(USED_BLOCKS_OFFSET) + 1);
    expectCorruption(t, /usedBlocks/);
    poke(USED_BLOCKS_OFFSET, word(USED_BLOCKS_OFFSET) - 1);
    poke(USED_BYTES_OFFSET, word(USED_BYTES_OFFSET) + 16);
    expectCorruption(t, /usedBytes/);
  });

  it('the tail and the magic', () => {
    const { t, word, poke } = setup(backend);
    poke(TAIL_OFFSET, word(TAIL_OFFSET) - 16);
    expectCorruption(t, /tail/);
    poke(TAIL_OFFSET, word(TAIL_OFFSET) + 16);
    t.checkHeap();
    poke(MAGIC_OFFSET, 0);
    expectCorruption(t, /magic/);
  });

  it('the sentinel', () => {
    const { t, word, poke } = setup(backend);
    const tail = word(TAIL_OFFSET);
    poke(tail + SIZE_OFFSET, word(tail + SIZE_OFFSET) | FREE);
    expectCorruption(t, /sentinel/);
  });
});
