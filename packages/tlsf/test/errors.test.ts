import {
  DoubleFreeError,
  HEAP_PAGE_SIZE,
  Heap,
  InvalidFreeError,
  InvalidSizeError,
  OutOfMemoryError,
} from '@pymem/core';
import { describe, expect, it } from 'vitest';
import { ANCHOR_COUNT, BLOCK_OVERHEAD, FIRST_BLOCK, Tlsf } from '../src/index.js';
import { CHECK_OFFSET, PREV_PHYS_OFFSET, SIZE_OFFSET, checkWord } from '../src/layout.js';
import { BACKENDS, expectRejected, fill, firstMismatch, fresh } from './helpers.js';

const PAGE = HEAP_PAGE_SIZE;

/** A heap with a few live blocks filled with known bytes, and one freed block. */
function setup(backend: (typeof BACKENDS)[number], maxBytes = 64 << 20) {
  const t = fresh(backend, { maxBytes });
  const a = t.malloc(64);
  const b = t.malloc(4000);
  const c = t.malloc(100);
  const freed = t.malloc(48);
  const d = t.malloc(32);
  fill(t, a, 64, 0xa1);
  fill(t, b, 4000, 0xb2);
  fill(t, c, 100, 0xc3);
  fill(t, d, 32, 0xd4);
  t.free(freed);
  const live = [
    [a, 64, 0xa1],
    [b, 4000, 0xb2],
    [c, 100, 0xc3],
    [d, 32, 0xd4],
  ] as const;
  const intact = (): void => {
    for (const [p, n, byte] of live) expect(firstMismatch(t, p, n, byte)).toBe(-1);
  };
  return { t, a, b, c, d, freed, intact };
}

describe.each(BACKENDS)('bad pointers (%s): typed error, heap unchanged', (backend) => {
  it('free(NULL) does nothing', () => {
    const { t, intact } = setup(backend);
    const before = t.heap.u8.slice();
    t.free(0);
    expect(t.heap.u8).toEqual(before);
    intact();
  });

  it('outside the heap', () => {
    const { t, intact } = setup(backend);
    for (const p of [t.heap.byteLength, t.heap.byteLength + 16, -16, 2 ** 32, 2 ** 40]) {
      for (const op of [() => t.free(p), () => t.realloc(p, 10), () => t.usableSize(p)]) {
        expect(expectRejected(t, op, InvalidFreeError).message).toMatch(/outside the heap/);
      }
    }
    intact();
  });

  it('misaligned', () => {
    const { t, a, b, intact } = setup(backend);
    for (const p of [a + 1, a + 4, a + 8, b + 1000 + 3]) {
      for (const op of [() => t.free(p), () => t.realloc(p, 10), () => t.usableSize(p)]) {
        expect(expectRejected(t, op, InvalidFreeError).message).toMatch(/16-byte aligned/);
      }
    }
    intact();
  });

  it('inside the control structure', () => {
    const { t, intact } = setup(backend);
    for (const p of [16, 32, 64, 1024, FIRST_BLOCK - 16, 7]) {
      for (const op of [() => t.free(p), () => t.realloc(p, 10), () => t.usableSize(p)]) {
        expect(expectRejected(t, op, InvalidFreeError).message).toMatch(/control structure/);
      }
    }
    intact();
  });

  it('interior pointers, headers and the sentinel', () => {
    const { t, a, b, c, intact } = setup(backend);
    const tail = t.heap.byteLength - BLOCK_OVERHEAD;
    for (const p of [a + 16, a + 32, b + 16, b + 2048, c + 80, a - BLOCK_OVERHEAD, FIRST_BLOCK, tail, tail - 16]) {
      for (const op of [() => t.free(p), () => t.realloc(p, 10), () => t.usableSize(p)]) {
        expect(expectRejected(t, op, InvalidFreeError).message).toMatch(/not the start of a block/);
      }
    }
    intact();
  });

  it('a header copied into user data does not validate at another address', () => {
    const { t, a, b } = setup(backend);
    const u8 = t.heap.u8;
    // Copy a's header and the one after a (its right neighbour's) into b's data.
    u8.copyWithin(b + 1024, a - BLOCK_OVERHEAD, a);
    const forged = b + 1024 + BLOCK_OVERHEAD;
    expect(t.owns(forged)).toBe(false);
    expectRejected(t, () => t.free(forged), InvalidFreeError);
  });

  it('a forged header with a valid check word and right back-link still fails the left link', () => {
    const { t, b } = setup(backend);
    const u32 = t.heap.u32;
    const h = b + 1024; // a "header" inside b's data
    const size = 64;
    const put = (addr: number, v: number): void => {
      u32[addr >>> 2] = v;
    };
    put(h + SIZE_OFFSET, size);
    put(h + CHECK_OFFSET, checkWord(h, size));
    put(h + BLOCK_OVERHEAD + size + PREV_PHYS_OFFSET, h); // the "right neighbour" points back
    for (const prev of [b - BLOCK_OVERHEAD, 0, h - 32]) {
      put(h + PREV_PHYS_OFFSET, prev);
      expect(t.owns(h + BLOCK_OVERHEAD)).toBe(false);
      expectRejected(t, () => t.free(h + BLOCK_OVERHEAD), InvalidFreeError);
    }
  });

  it('non-integer pointers', () => {
    const { t, intact } = setup(backend);
    for (const p of [1.5, NaN, Infinity, '64', null, undefined, {}] as unknown as number[]) {
      expectRejected(t, () => t.free(p), InvalidFreeError);
      expectRejected(t, () => t.usableSize(p), InvalidFreeError);
    }
    intact();
  });

  it('usableSize(NULL) throws', () => {
    const { t } = setup(backend);
    expect(expectRejected(t, () => t.usableSize(0), InvalidFreeError).message).toMatch(/NULL/);
  });

  it('double free of a block still whole', () => {
    const { t, freed, intact } = setup(backend);
    for (const op of [() => t.free(freed), () => t.realloc(freed, 10), () => t.usableSize(freed)]) {
      expectRejected(t, op, DoubleFreeError);
    }
    intact();
  });

  it('double free of a block merged into its left neighbour', () => {
    const { t, a, b } = setup(backend);
    t.free(a);
    t.free(b); // b is absorbed by a's free block
    expectRejected(t, () => t.free(b), DoubleFreeError);
    expectRejected(t, () => t.free(a), DoubleFreeError);
    expect(t.owns(a) || t.owns(b)).toBe(false);
    t.checkHeap();
  });

  it('double free of a block absorbed by its right neighbour being freed after', () => {
    const { t, c, d, freed } = setup(backend);
    // freed (between c and d) is free; freeing c absorbs it from the left side.
    t.free(c);
    expectRejected(t, () => t.free(c), DoubleFreeError);
    expectRejected(t, () => t.free(freed), DoubleFreeError);
    t.free(d);
    expectRejected(t, () => t.free(d), DoubleFreeError);
  });
});

describe.each(BACKENDS)('bad sizes (%s): typed error, heap unchanged', (backend) => {
  const badSizes = [-1, -16, NaN, 1.5, Infinity, -Infinity, '10', null, undefined, 2 ** 53] as unknown as number[];

  it('malloc, calloc, realloc, mallocAligned reject bad sizes', () => {
    const { t, a, intact } = setup(backend);
    for (const size of [...badSizes, t.heap.maxByteLength + 1]) {
      expectRejected(t, () => t.malloc(size), InvalidSizeError);
      expectRejected(t, () => t.calloc(size, 1), InvalidSizeError);
      expectRejected(t, () => t.calloc(1, size), InvalidSizeError);
      expectRejected(t, () => t.realloc(a, size), InvalidSizeError);
      expectRejected(t, () => t.realloc(0, size), InvalidSizeError);
      expectRejected(t, () => t.mallocAligned(size, 64), InvalidSizeError);
    }
    expectRejected(t, () => t.calloc(2 ** 20, 2 ** 20), InvalidSizeError);
    intact();
  });

  it('out of memory: malloc, calloc, realloc, mallocAligned throw and change nothing', () => {
    const { t, a, d, intact } = setup(backend, 4 * PAGE);
    const max = t.heap.maxByteLength;
    for (const op of [
      () => t.malloc(max),
      () => t.malloc(max - FIRST_BLOCK),
      () => t.malloc(3 * PAGE + 60_000),
      () => t.calloc(4, PAGE),
      () => t.realloc(a, 4 * PAGE),
      () => t.realloc(d, 4 * PAGE - 4000), // d is at the top: growing in place does not fit either
      () => t.mallocAligned(100, 4 * PAGE),
      () => t.mallocAligned(2 * PAGE, 2 * PAGE, 16),
    ]) {
      expectRejected(t, op, OutOfMemoryError);
    }
    intact();
    // What fits still works afterwards.
    const p = t.malloc(2 * PAGE);
    expect(t.usableSize(p)).toBe(2 * PAGE);
    t.checkHeap();
  });

  it('bad align and headroom', () => {
    const { t, intact } = setup(backend);
    for (const align of [0, 1, 8, 24, 48, 100, 2 ** 32, -64, NaN, 1.5, '64'] as unknown as number[]) {
      expect(expectRejected(t, () => t.mallocAligned(10, align), InvalidSizeError).message).toMatch(/align/);
    }
    for (const headroom of [-16, 8, 64, 128, 1.5, NaN, '16'] as unknown as number[]) {
      expect(expectRejected(t, () => t.mallocAligned(10, 64, headroom), InvalidSizeError).message).toMatch(/headroom/);
    }
    intact();
  });

  it('bad anchor index or value', () => {
    const { t } = setup(backend);
    for (const i of [-1, ANCHOR_COUNT, 1.5, NaN, '0'] as unknown as number[]) {
      expectRejected(t, () => t.getAnchor(i), InvalidSizeError);
      expectRejected(t, () => t.setAnchor(i, 1), InvalidSizeError);
    }
    for (const v of [-1, 2 ** 32, 1.5, NaN, '1'] as unknown as number[]) {
      expectRejected(t, () => t.setAnchor(0, v), InvalidSizeError);
    }
  });

  it('bad options', () => {
    for (const trimThreshold of [-1, 1.5, NaN, '0'] as unknown as number[]) {
      expect(() => new Tlsf(new Heap({ backend }), { trimThreshold })).toThrow(InvalidSizeError);
    }
    expect(new Tlsf(new Heap({ backend }), { trimThreshold: Infinity }).trimThreshold).toBe(Infinity);
  });
});
