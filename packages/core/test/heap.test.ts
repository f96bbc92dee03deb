import { describe, expect, it } from 'vitest';
import { HEAP_PAGE_SIZE, Heap, InvalidSizeError, type HeapBackend } from '../src/index.js';

const backends: HeapBackend[] = ['arraybuffer', 'shared', 'wasm'];

describe.each(backends)('Heap (%s)', (backend) => {
  it('starts at initialBytes rounded up to a page, with views covering it', () => {
    const heap = new Heap({ backend, initialBytes: 1000, maxBytes: 1 << 20 });
    expect(heap.byteLength).toBe(HEAP_PAGE_SIZE);
    expect(heap.u8.length).toBe(HEAP_PAGE_SIZE);
    expect(heap.u32.length).toBe(HEAP_PAGE_SIZE / 4);
    expect(heap.f64.length).toBe(HEAP_PAGE_SIZE / 8);
  });

  it('grows, keeping contents, and its views cover the new bytes', () => {
    const heap = new Heap({ backend, maxBytes: 1 << 20 });
    heap.u32[10] = 0xdeadbeef;
    expect(heap.grow(3 * HEAP_PAGE_SIZE + 1)).toBe(true);
    expect(heap.byteLength).toBe(4 * HEAP_PAGE_SIZE);
    expect(heap.u32[10]).toBe(0xdeadbeef);
    expect(heap.u8.length).toBe(4 * HEAP_PAGE_SIZE);
    heap.u8[4 * HEAP_PAGE_SIZE - 1] = 7;
    expect(heap.u8[4 * HEAP_PAGE_SIZE - 1]).toBe(7);
    expect(heap.peakByteLength).toBe(4 * HEAP_PAGE_SIZE);
  });

  it('refuses to grow past maxBytes and changes nothing', () => {
    const heap = new Heap({ backend, maxBytes: 2 * HEAP_PAGE_SIZE });
    expect(heap.grow(2 * HEAP_PAGE_SIZE + 1)).toBe(false);
    expect(heap.byteLength).toBe(HEAP_PAGE_SIZE);
  });

  it('shrinks only when the backend can, never below the initial size', () => {
    const heap = new Heap({ backend, initialBytes: 2 * HEAP_PAGE_SIZE, maxBytes: 1 << 20 });
    heap.grow(8 * HEAP_PAGE_SIZE);
    const after = heap.shrink(0);
    if (heap.canShrink) {
      expect(after).toBe(2 * HEAP_PAGE_SIZE);
      expect(heap.u8.length).toBe(2 * HEAP_PAGE_SIZE);
    } else {
      expect(after).toBe(8 * HEAP_PAGE_SIZE);
    }
    expect(heap.peakByteLength).toBe(8 * HEAP_PAGE_SIZE);
  });
});

describe('Heap options', () => {
  it('only the arraybuffer backend can shrink', () => {
    expect(backends.filter((b) => new Heap({ backend: b, maxBytes: 1 << 20 }).canShrink)).toEqual(['arraybuffer']);
  });

  it('bumps version when views are replaced', () => {
    const heap = new Heap({ backend: 'wasm', maxBytes: 1 << 20 });
    const v = heap.version;
    const old = heap.u8;
    heap.grow(2 * HEAP_PAGE_SIZE);
    expect(heap.version).toBe(v + 1);
    expect(heap.u8 === old).toBe(false);
    expect(old.length).toBe(0); // the old view was detached by the growth
  });

  it.each([
    [{ maxBytes: -1 }],
    [{ maxBytes: 1.5 }],
    [{ maxBytes: Number.NaN }],
    [{ maxBytes: 2 ** 33 }],
    [{ initialBytes: 0 }],
    [{ initialBytes: 1 << 21, maxBytes: 1 << 20 }],
  ])('rejects bad options %j with InvalidSizeError', (opts) => {
    expect(() => new Heap(opts)).toThrow(InvalidSizeError);
  });
});
