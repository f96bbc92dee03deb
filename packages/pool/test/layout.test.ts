import { describe, expect, it } from 'vitest';
import * as core from '@pymem/core';
import { Arena, Geo, Hdr, St } from '../src/layout.js';
import { blocksIn, numBlocks } from '../src/index.js';
import { BLOCK_OVERHEAD } from '@pymem/tlsf';

describe('the layout constants the hot paths fold in', () => {
  it('mirror @pymem/core and @pymem/tlsf exactly', () => {
    expect([
      Geo.ALIGNMENT_SHIFT,
      Geo.ALIGNMENT,
      Geo.ALIGNMENT_MASK,
      Geo.SMALL_REQUEST_THRESHOLD,
      Geo.NB_SMALL_SIZE_CLASSES,
      Geo.POOL_BITS,
      Geo.POOL_SIZE,
      Geo.POOL_MASK,
      Geo.ARENA_BITS,
      Geo.ARENA_SIZE,
      Geo.ARENA_MASK,
      Geo.MAX_POOLS_IN_ARENA,
    ]).toEqual([
      core.ALIGNMENT_SHIFT,
      core.ALIGNMENT,
      core.ALIGNMENT_MASK,
      core.SMALL_REQUEST_THRESHOLD,
      core.NB_SMALL_SIZE_CLASSES,
      core.POOL_BITS,
      core.POOL_SIZE,
      core.POOL_MASK,
      core.ARENA_BITS,
      core.ARENA_SIZE,
      core.ARENA_MASK,
      core.MAX_POOLS_IN_ARENA,
    ]);
  });

  it("give CPython's 64-bit figures for a pool-aligned arena", () => {
    expect(Hdr.OVERHEAD).toBe(48);
    expect(numBlocks(0)).toBe(1021);
    expect(numBlocks(31)).toBe(31);
    // A pool-aligned arena: every slot is a pool.
    expect(Arena.NTOTALPOOLS).toBe(64);
    // The arena's raw block leaves room for exactly one raw block header at its end.
    expect(Arena.TAIL).toBe(BLOCK_OVERHEAD);
    expect(Arena.BLOCK_BYTES).toBe(core.ARENA_SIZE - BLOCK_OVERHEAD);
    // ...which costs the last pool one 16-byte block and no other class anything:
    // 16336 = 16 * 1021, and 1021 is prime.
    expect(blocksIn(Arena.LAST_POOL_LIMIT, 0)).toBe(numBlocks(0) - 1);
    for (let sz = 1; sz < 32; sz++) expect(blocksIn(Arena.LAST_POOL_LIMIT, sz)).toBe(numBlocks(sz));
    // One bitmap bit per granule after the header: 1021 per pool, packed.
    expect(Arena.BITS_PER_POOL).toBe(1021);
    expect(Arena.BITMAP_BYTES).toBe(8168);
    expect(Arena.BITMAP_BLOCK_BYTES).toBe(8176);
    // Two bitmap blocks and their headers fit in the slot between two arenas.
    expect(2 * (Arena.BITMAP_BLOCK_BYTES + BLOCK_OVERHEAD)).toBeLessThanOrEqual(core.POOL_SIZE);
    // The pool header's own words are inside CPython's 48 bytes.
    expect(Hdr.LIMIT + 4).toBeLessThanOrEqual(Hdr.OVERHEAD);
    // The fake usedpools header of class 0 stays inside the state block.
    expect(St.USEDPOOLS - Hdr.NEXTPOOL).toBeGreaterThanOrEqual(0);
  });
});
