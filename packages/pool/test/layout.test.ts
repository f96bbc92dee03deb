import { describe, expect, it } from 'vitest';
import * as core from '@pymem/core';
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
  });

  it("give CPython's 64-bit figures for a pool-aligned arena", () => {
    expect(Hdr.OVERHEAD).toBe(48);
    expect(numBlocks(0)).toBe(1021);
    expect(numBlocks(31)).toBe(31);
    // A pool-aligned arena: every slot is a pool, nothing lost to alignment.
    expect(Arena.NTOTALPOOLS).toBe(64);
    expect(Arena.ALIGNMENT_LOSS).toBe(0);
    // One bitmap bit per granule: 128 bytes per pool, 8 KiB per arena, plus the arena index.
    expect(Arena.BITMAP_BYTES_PER_POOL * 8 * 16).toBe(core.POOL_SIZE);
    expect(Arena.BITMAP_BLOCK_BYTES).toBe(8192 + 16);
    // The pool header's bitmap word is inside CPython's 48 bytes.
    expect(Hdr.BITMAP + 4).toBeLessThanOrEqual(Hdr.OVERHEAD);
    // The fake usedpools header of class 0 stays inside the state block.
    expect(St.USEDPOOLS - Hdr.NEXTPOOL).toBeGreaterThanOrEqual(0);
  });
});
