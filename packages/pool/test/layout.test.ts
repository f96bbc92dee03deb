import { describe, expect, it } from 'vitest';
import * as core from '@pymem/core';
import { BLOCK_OVERHEAD } from '@pymem/tlsf';
import { Arena, Geo, Hdr, St } from '../src/layout.js';
import { numBlocks } from '../src/index.js';

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
    expect(Arena.RAW_HEADER_BYTES).toBe(BLOCK_OVERHEAD);
  });

  it("give CPython's 64-bit figures", () => {
    expect(Hdr.OVERHEAD).toBe(48);
    expect(numBlocks(0)).toBe(1021);
    expect(numBlocks(31)).toBe(31);
    expect(Arena.NTOTALPOOLS).toBe(63);
    // The bitmaps of pools 1..63 fit in the metadata slot, after the raw header.
    expect(Arena.BITMAP_START).toBeGreaterThanOrEqual(Arena.RAW_HEADER_BYTES);
    expect(Arena.BITMAP_END).toBeLessThanOrEqual(Arena.FIRST_POOL_OFFSET);
    // The fake usedpools header of class 0 stays inside the state block.
    expect(St.USEDPOOLS - Hdr.NEXTPOOL).toBeGreaterThanOrEqual(0);
  });
});
