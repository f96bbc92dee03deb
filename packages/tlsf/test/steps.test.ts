import { ALIGNMENT, ALIGNMENT_SHIFT, ARENA_SIZE, HEAP_PAGE_SIZE, Heap } from '@pymem/core';
import { describe, expect, it } from 'vitest';
import {
  AL_SIZE,
  ANCHOR_COUNT,
  BLOCK_MINSIZE,
  BLOCK_OVERHEAD,
  CONTROL_SIZE,
  FIRST_BLOCK,
  FIRST_DATA,
  MIN_BLOCK_TOTAL,
  Tlsf,
  createTlsf,
} from '../src/index.js';
import { AL_BITS } from '../src/layout.js';
import { BACKENDS, fresh } from './helpers.js';

const PAGE = HEAP_PAGE_SIZE;
/** Data size of the single free block of an empty heap of `bytes`. */
const emptyFree = (bytes: number): number => bytes - FIRST_BLOCK - 2 * BLOCK_OVERHEAD;

describe('layout constants', () => {
  it('derive from each other', () => {
    expect(BLOCK_OVERHEAD).toBe(16);
    expect(ANCHOR_COUNT).toBe(8);
    expect(FIRST_BLOCK % 16).toBe(0);
    expect(FIRST_BLOCK).toBeGreaterThanOrEqual(CONTROL_SIZE);
    expect(FIRST_DATA).toBe(FIRST_BLOCK + BLOCK_OVERHEAD);
    expect(MIN_BLOCK_TOTAL).toBe(BLOCK_OVERHEAD + BLOCK_MINSIZE);
  });

  it('agree with @pymem/core (the const enums are literals, so a test must tie them)', () => {
    expect(AL_SIZE).toBe(ALIGNMENT);
    expect(1 << AL_BITS).toBe(ALIGNMENT);
    expect(AL_BITS).toBe(ALIGNMENT_SHIFT);
  });
});

describe.each(BACKENDS)('step by step on a fresh 64 KiB %s heap', (backend) => {
  it('starts as one free block', () => {
    const t = fresh(backend);
    const s = t.stats();
    expect(t.name).toBe('tlsf');
    expect(s).toMatchObject({
      allocatedBlocks: 0,
      allocatedBytes: 0,
      freeBlocks: 1,
      freeBytes: emptyFree(PAGE),
      largestFreeBlock: emptyFree(PAGE),
      topFreeBytes: emptyFree(PAGE),
      heapBytes: PAGE,
      controlBytes: FIRST_BLOCK,
      overheadBytes: 2 * BLOCK_OVERHEAD,
      fragmentation: 0,
    });
    expect(s.controlBytes + s.overheadBytes + s.allocatedBytes + s.freeBytes).toBe(s.heapBytes);
    t.checkHeap();
  });

  it('hands out consecutive blocks, rounding sizes to 16 with a 16-byte minimum', () => {
    const t = fresh(backend);
    const a = t.malloc(100);
    const b = t.malloc(0);
    const c = t.malloc(200);
    expect(a).toBe(FIRST_DATA);
    expect(t.usableSize(a)).toBe(112);
    expect(b).toBe(a + 112 + BLOCK_OVERHEAD);
    expect(t.usableSize(b)).toBe(BLOCK_MINSIZE);
    expect(c).toBe(b + BLOCK_MINSIZE + BLOCK_OVERHEAD);
    expect(t.usableSize(c)).toBe(208);
    expect(t.stats()).toMatchObject({
      allocatedBlocks: 3,
      allocatedBytes: 112 + 16 + 208,
      freeBlocks: 1,
      freeBytes: emptyFree(PAGE) - (112 + 16 + 208) - 3 * BLOCK_OVERHEAD,
    });
    t.checkHeap();
  });

  it('reuses a freed block of the same size (exact small lists)', () => {
    const t = fresh(backend);
    const a = t.malloc(48);
    const b = t.malloc(48);
    t.malloc(48);
    t.free(b);
    expect(t.stats().freeBlocks).toBe(2);
    expect(t.owns(b)).toBe(false);
    expect(t.malloc(40)).toBe(b);
    expect(t.stats().freeBlocks).toBe(1);
    expect(t.owns(a)).toBe(true);
    t.checkHeap();
  });

  it('coalesces with the right neighbour', () => {
    const t = fresh(backend);
    const a = t.malloc(64);
    const b = t.malloc(32);
    t.malloc(16); // keeps b's hole away from the top
    t.free(b);
    t.free(a); // a absorbs b
    const s = t.stats();
    expect(s.freeBlocks).toBe(2);
    expect(s.largestFreeBlock).toBe(s.topFreeBytes);
    // The hole is 64 + 16 + 32 bytes: an exact fit comes back at a.
    expect(t.malloc(64 + BLOCK_OVERHEAD + 32)).toBe(a);
    expect(t.stats().freeBlocks).toBe(1);
    t.checkHeap();
  });

  it('coalesces with the left neighbour', () => {
    const t = fresh(backend);
    const a = t.malloc(64);
    const b = t.malloc(32);
    t.malloc(16);
    t.free(a);
    t.free(b); // a's free block absorbs b
    expect(t.stats().freeBlocks).toBe(2);
    expect(t.malloc(64 + BLOCK_OVERHEAD + 32)).toBe(a);
    t.checkHeap();
  });

  it('coalesces with both neighbours, back to one free block', () => {
    const t = fresh(backend);
    const a = t.malloc(64);
    const b = t.malloc(32);
    const c = t.malloc(16);
    t.free(a);
    t.free(c); // merges into the top block
    expect(t.stats().freeBlocks).toBe(2);
    t.free(b); // joins a's block and the top block
    expect(t.stats()).toMatchObject({ freeBlocks: 1, allocatedBlocks: 0, freeBytes: emptyFree(PAGE) });
    expect(t.malloc(1)).toBe(FIRST_DATA);
    t.checkHeap();
  });

  it('splits only when the rest can hold a block', () => {
    const t = fresh(backend);
    const a = t.malloc(96);
    t.malloc(16);
    t.free(a);
    // 96 - 80 = 16 < MIN_BLOCK_TOTAL: the 80-byte request takes all 96.
    expect(t.malloc(80)).toBe(a);
    expect(t.usableSize(a)).toBe(96);
    t.free(a);
    // 96 - 64 = 32 == MIN_BLOCK_TOTAL: split, a 16-byte free block remains.
    expect(t.malloc(64)).toBe(a);
    expect(t.usableSize(a)).toBe(64);
    expect(t.malloc(16)).toBe(a + 64 + BLOCK_OVERHEAD);
    t.checkHeap();
  });

  it('grows the heap just enough and extends the free top block', () => {
    const t = fresh(backend);
    const a = t.malloc(1000);
    const big = 100_000;
    const p = t.malloc(big);
    expect(p).toBe(a + 1008 + BLOCK_OVERHEAD);
    const end = p + big; // the next header goes here
    expect(t.heap.byteLength).toBe(Math.ceil((end + BLOCK_OVERHEAD) / PAGE) * PAGE);
    // What the page rounding left over is a free block before the sentinel.
    expect(t.stats().topFreeBytes).toBe(t.heap.byteLength - end - 2 * BLOCK_OVERHEAD);
    t.checkHeap();
  });

  it('grows into the sentinel when the top block is used', () => {
    const t = fresh(backend);
    const all = t.malloc(emptyFree(PAGE)); // takes the whole heap
    expect(all).toBe(FIRST_DATA);
    expect(t.stats()).toMatchObject({ freeBlocks: 0, topFreeBytes: 0, freeBytes: 0 });
    const next = t.malloc(16);
    expect(next).toBe(PAGE); // the old sentinel's header became this block's header
    expect(t.heap.byteLength).toBe(2 * PAGE);
    t.checkHeap();
  });

  it('throws OutOfMemoryError at maxBytes and changes nothing', () => {
    const t = fresh(backend, { maxBytes: 2 * PAGE });
    const a = t.malloc(40_000);
    expect(() => t.malloc(2 * PAGE)).toThrow(/out of memory/);
    expect(() => t.malloc(PAGE + 30_000)).toThrow(/out of memory/);
    expect(t.heap.byteLength).toBe(PAGE);
    expect(t.usableSize(a)).toBe(40_000);
    t.checkHeap();
  });

  it('realloc grows in place into a free right neighbour and shrinks in place', () => {
    const t = fresh(backend);
    const a = t.malloc(64);
    const b = t.malloc(256);
    t.malloc(16);
    t.free(b);
    t.heap.u8.fill(7, a, a + 64);
    expect(t.realloc(a, 200)).toBe(a); // into b's hole
    expect(t.usableSize(a)).toBe(208);
    expect(t.heap.u8.subarray(a, a + 64).every((x) => x === 7)).toBe(true);
    // The rest of the hole (64 + 16 + 256 - 208 = 128) is a free block again.
    expect(t.stats().freeBlocks).toBe(2);
    expect(t.malloc(128 - BLOCK_OVERHEAD)).toBe(a + 208 + BLOCK_OVERHEAD);
    // Shrink: the tail is split off when it can be a block.
    expect(t.realloc(a, 100)).toBe(a);
    expect(t.usableSize(a)).toBe(112);
    expect(t.realloc(a, 100)).toBe(a);
    expect(t.realloc(a, 0)).toBe(a);
    expect(t.usableSize(a)).toBe(BLOCK_MINSIZE);
    expect(t.heap.u8.subarray(a, a + 16).every((x) => x === 7)).toBe(true);
    t.checkHeap();
  });

  it('realloc at the top grows the heap in place; elsewhere it moves', () => {
    const t = fresh(backend);
    const a = t.malloc(64);
    const top = t.malloc(1000);
    t.heap.u8.fill(9, top, top + 1000);
    expect(t.realloc(top, 200_000)).toBe(top);
    expect(t.heap.byteLength).toBeGreaterThanOrEqual(top + 200_000 + BLOCK_OVERHEAD);
    expect(t.heap.u8.subarray(top, top + 1000).every((x) => x === 9)).toBe(true);
    t.heap.u8.fill(5, a, a + 64);
    const moved = t.realloc(a, 5000);
    expect(moved).not.toBe(a);
    expect(t.owns(a)).toBe(false);
    expect(t.heap.u8.subarray(moved, moved + 64).every((x) => x === 5)).toBe(true);
    expect(t.realloc(0, 10)).toBeGreaterThan(0);
    t.checkHeap();
  });

  it('calloc zeroes the block', () => {
    const t = fresh(backend);
    const a = t.malloc(512);
    t.heap.u8.fill(0xab, a, a + 512);
    t.free(a);
    const z = t.calloc(16, 32);
    expect(z).toBe(a);
    expect(t.heap.u8.subarray(z, z + t.usableSize(z)).every((x) => x === 0)).toBe(true);
    expect(t.usableSize(t.calloc(0, 5))).toBe(BLOCK_MINSIZE);
    t.checkHeap();
  });

  it('owns only live block pointers', () => {
    const t = fresh(backend);
    const a = t.malloc(64);
    expect(t.owns(a)).toBe(true);
    for (const bad of [0, -16, 1.5, NaN, a + 16, a - BLOCK_OVERHEAD, 16, t.heap.byteLength, 2 ** 40]) {
      expect(t.owns(bad)).toBe(false);
    }
    expect(t.owns('x' as unknown as number)).toBe(false);
    expect(t.owns(Symbol('p') as unknown as number)).toBe(false);
    t.free(a);
    expect(t.owns(a)).toBe(false);
  });

  it('keeps anchors in the control structure', () => {
    const t = fresh(backend);
    for (let i = 0; i < ANCHOR_COUNT; i++) expect(t.getAnchor(i)).toBe(0);
    t.setAnchor(0, 0x12345670);
    t.setAnchor(ANCHOR_COUNT - 1, 0xffffffff);
    expect(t.getAnchor(0)).toBe(0x12345670);
    expect(t.getAnchor(ANCHOR_COUNT - 1)).toBe(0xffffffff);
    // In the bytes, not in a JS field: a second view of the same heap sees them.
    const again = Tlsf.attach(t.heap);
    expect(again.getAnchor(0)).toBe(0x12345670);
    // And they survive growth (the wasm backend replaces its views).
    t.malloc(500_000);
    expect(t.getAnchor(0)).toBe(0x12345670);
    t.checkHeap();
  });

  it('attach adopts a formatted heap and refuses an unformatted one', () => {
    const t = fresh(backend);
    const a = t.malloc(300);
    const b = Tlsf.attach(t.heap);
    expect(b.usableSize(a)).toBe(304);
    b.free(a);
    expect(t.stats().allocatedBlocks).toBe(0);
    expect(() => Tlsf.attach(new Heap({ backend }))).toThrow(/control magic/);
  });
});

describe('trim (arraybuffer heaps can shrink)', () => {
  it('returns to the initial size after freeing everything', () => {
    const t = fresh('arraybuffer');
    const ptrs = [t.malloc(100_000), t.malloc(3), t.malloc(700_000), t.malloc(5000)];
    expect(t.heap.byteLength).toBeGreaterThan(12 * PAGE);
    for (const p of ptrs) t.free(p);
    expect(t.heap.byteLength).toBe(PAGE);
    expect(t.stats()).toMatchObject({ freeBlocks: 1, freeBytes: emptyFree(PAGE), allocatedBlocks: 0 });
    t.checkHeap();
  });

  it('keeps initialBytes', () => {
    const t = fresh('arraybuffer', { initialBytes: 4 * PAGE });
    const p = t.malloc(1_000_000);
    t.free(p);
    expect(t.heap.byteLength).toBe(4 * PAGE);
    t.checkHeap();
  });

  it('shrinks to just past the last used block once the top reaches trimThreshold', () => {
    const t = fresh('arraybuffer', {}, { trimThreshold: 256 * 1024 });
    const small = t.malloc(40_000);
    const mid = t.malloc(100_000);
    const big = t.malloc(300_000);
    const grown = t.heap.byteLength;
    t.free(mid); // not at the top: no trim
    expect(t.heap.byteLength).toBe(grown);
    t.free(big); // top free block: mid + big, above the threshold
    const lastUsedEnd = small + 40_000;
    expect(t.heap.byteLength).toBe(Math.ceil((lastUsedEnd + BLOCK_OVERHEAD) / PAGE) * PAGE);
    expect(t.usableSize(small)).toBe(40_000);
    t.checkHeap();
  });

  it('does not trim below the threshold while blocks are live', () => {
    const t = fresh('arraybuffer');
    const keep = t.malloc(100);
    const p = t.malloc(150_000);
    const grown = t.heap.byteLength;
    t.free(p);
    expect(t.heap.byteLength).toBe(grown);
    t.free(keep); // now empty: trimmed anyway
    expect(t.heap.byteLength).toBe(PAGE);
  });

  it('trim() gives back a free top below the threshold while blocks are live', () => {
    const t = fresh('arraybuffer');
    const keep = t.malloc(100);
    const p = t.malloc(150_000);
    const grown = t.heap.byteLength;
    t.free(p); // top free block below trimThreshold: kept
    expect(t.heap.byteLength).toBe(grown);
    expect(t.trim()).toBe(grown - PAGE);
    expect(t.heap.byteLength).toBe(PAGE);
    expect(t.usableSize(keep)).toBe(112);
    expect(t.stats()).toMatchObject({ allocatedBlocks: 1, freeBlocks: 1 });
    t.checkHeap();
    // Nothing more to give back.
    expect(t.trim()).toBe(0);
    expect(t.heap.byteLength).toBe(PAGE);
  });

  it('trim() keeps the pages up to the last used block, and does nothing when the top is used', () => {
    const t = fresh('arraybuffer');
    const low = t.malloc(100);
    const mid = t.malloc(200_000);
    const top = t.malloc(100);
    const grown = t.heap.byteLength;
    expect(t.trim()).toBe(0); // the top block is used
    t.free(top);
    t.free(mid);
    expect(t.heap.byteLength).toBe(grown);
    expect(t.trim()).toBeGreaterThan(0);
    expect(t.heap.byteLength).toBe(Math.max(PAGE, Math.ceil((low + 112 + BLOCK_OVERHEAD) / PAGE) * PAGE));
    t.checkHeap();
  });

  it('trimThreshold 0 trims after every free at the top', () => {
    const t = fresh('arraybuffer', {}, { trimThreshold: 0 });
    const keep = t.malloc(PAGE);
    const p = t.malloc(PAGE);
    t.free(p);
    expect(t.heap.byteLength).toBe(Math.ceil((keep + PAGE + BLOCK_OVERHEAD) / PAGE) * PAGE);
    t.checkHeap();
  });

  it('leaves no header-sized gap when the page boundary falls just after the top block header', () => {
    const t = fresh('arraybuffer', {}, { trimThreshold: 0 });
    const p = t.malloc(20 * PAGE);
    // Shrink it so the free tail starts 32 bytes before a page boundary.
    const keepEnd = 9 * PAGE - 2 * BLOCK_OVERHEAD;
    expect(t.realloc(p, keepEnd - p)).toBe(p);
    // Ending the heap at 9 pages would leave a header with no data before the
    // sentinel, so one more page is kept, as a free block.
    expect(t.heap.byteLength).toBe(10 * PAGE);
    expect(t.stats().topFreeBytes).toBe(10 * PAGE - keepEnd - 2 * BLOCK_OVERHEAD);
    t.checkHeap();
  });

  it('realloc shrinking at the top trims', () => {
    const t = fresh('arraybuffer');
    const p = t.malloc(2_000_000);
    expect(t.realloc(p, 10)).toBe(p);
    expect(t.heap.byteLength).toBe(PAGE);
    t.checkHeap();
  });

  it('wasm heaps cannot shrink and keep their size', () => {
    const t = fresh('wasm');
    const p = t.malloc(300_000);
    const grown = t.heap.byteLength;
    t.free(p);
    expect(t.heap.byteLength).toBe(grown);
    expect(t.stats()).toMatchObject({ freeBlocks: 1, freeBytes: emptyFree(grown) });
    expect(t.trim()).toBe(0);
    expect(t.heap.byteLength).toBe(grown);
    t.checkHeap();
  });
});

describe.each(BACKENDS)('aligned allocation (%s)', (backend) => {
  const arena = (t: Tlsf): number => t.mallocAligned(ARENA_SIZE - BLOCK_OVERHEAD, ARENA_SIZE, BLOCK_OVERHEAD);

  it('packs 1 MiB arenas back to back, each block covering exactly one arena', () => {
    const t = fresh(backend);
    const a1 = arena(t);
    const a2 = arena(t);
    const a3 = arena(t);
    expect([a1, a2, a3]).toEqual([1, 2, 3].map((k) => k * ARENA_SIZE + BLOCK_OVERHEAD));
    for (const a of [a1, a2, a3]) expect(t.usableSize(a)).toBe(ARENA_SIZE - BLOCK_OVERHEAD);
    // Growth stopped just after the last arena: room for the sentinel, page rounded.
    expect(t.heap.byteLength).toBe(4 * ARENA_SIZE + PAGE);
    // The gap below the first arena is a free block, usable by anyone.
    const below = t.malloc(500_000);
    expect(below).toBe(FIRST_DATA);
    t.checkHeap();
  });

  it('reuses the hole of a freed arena before growing', () => {
    const t = fresh(backend);
    const a1 = arena(t);
    const a2 = arena(t);
    const a3 = arena(t);
    const size = t.heap.byteLength;
    t.free(a2);
    expect(t.owns(a2)).toBe(false);
    expect(arena(t)).toBe(a2);
    expect(t.heap.byteLength).toBe(size);
    t.free(a1);
    t.free(a3);
    t.checkHeap();
  });

  it('places an aligned block at the lowest address that fits, not in the first block found', () => {
    const t = fresh(backend);
    const POOL = 16 * 1024;
    // Two holes big enough for a pool-aligned 64 KiB block: a low one in a
    // large list and a high one in a smaller list (the one a search from
    // small lists to large meets first).
    const lowHole = t.malloc(400_000);
    const sep1 = t.malloc(16);
    const highHole = t.malloc(100_000);
    const sep2 = t.malloc(16);
    t.free(highHole);
    t.free(lowHole);
    const p = t.mallocAligned(64 * 1024, POOL);
    expect(p % POOL).toBe(0);
    expect(p).toBeLessThan(sep1);
    // Lowest: the first POOL boundary in the low hole that leaves room for a gap block.
    const first = Math.ceil((lowHole + 32) / POOL) * POOL;
    expect(p).toBe(first);
    for (const q of [p, sep1, sep2]) t.free(q);
    t.checkHeap();
  });

  it('honours headroom 0 and small alignments', () => {
    const t = fresh(backend);
    t.malloc(24);
    for (const align of [32, 64, 256, 4096, 65536]) {
      const p = t.mallocAligned(100, align);
      expect(p % align).toBe(0);
      expect(t.usableSize(p)).toBeGreaterThanOrEqual(100);
      const q = t.mallocAligned(10, align, 16);
      expect((q - 16) % align).toBe(0);
    }
    expect(t.mallocAligned(10, 16) % 16).toBe(0);
    t.checkHeap();
  });

  it('leaves the gap before an aligned block as a free block, and frees it back', () => {
    const t = fresh(backend);
    const a = t.malloc(16);
    const p = t.mallocAligned(64, 4096);
    expect(p).toBe(4096);
    // [a's end, p's header) is a free block now.
    expect(t.stats().freeBlocks).toBe(2);
    const gapData = p - BLOCK_OVERHEAD - (a + 16) - BLOCK_OVERHEAD;
    expect(t.malloc(gapData)).toBe(a + 16 + BLOCK_OVERHEAD);
    t.free(p);
    t.checkHeap();
  });
});

describe('createTlsf', () => {
  it('makes a heap with the given options', () => {
    const t = createTlsf({ backend: 'wasm', initialBytes: 2 * PAGE }, { trimThreshold: 1 << 20 });
    expect(t.heap.backend).toBe('wasm');
    expect(t.heap.byteLength).toBe(2 * PAGE);
    expect(t.stats().trimThreshold).toBe(1 << 20);
    expect(createTlsf().stats().trimThreshold).toBe(256 * 1024);
  });
});
