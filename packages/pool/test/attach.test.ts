import { describe, expect, it } from 'vitest';
import { Heap, HeapCorruptionError, POOL_SIZE, type HeapBackend } from '@pymem/core';
import { PoolAllocator, STATE_ANCHOR } from '../src/index.js';
import { freshPool } from './helpers.js';

const MAX = 64 << 20;

/** A new heap of `backend` holding a byte-for-byte copy of `from`. */
function copyHeap(from: Heap, backend: HeapBackend, maxBytes = MAX): Heap {
  const heap = new Heap({ backend, initialBytes: from.byteLength, maxBytes });
  heap.u8.set(from.u8);
  return heap;
}

describe('all state lives in the heap: a copy of the bytes is the same allocator', () => {
  it.each([
    ['arraybuffer', 'wasm'],
    ['wasm', 'arraybuffer'],
  ] as const)('%s heap copied to a %s heap and attached', (fromBackend, toBackend) => {
    for (const checks of [true, false]) {
      const a = freshPool(fromBackend, { checks }, MAX);
      const live: number[] = [];
      for (let i = 0; i < 30_000; i++) {
        const p = a.malloc(1 + ((i * 97) % 700));
        a.heap.u8[p] = i & 0xff;
        live.push(p);
        if (i % 4 === 1) a.free(live.splice((i * 13) % live.length, 1)[0]);
      }
      const b = PoolAllocator.attach(copyHeap(a.heap, toBackend));
      expect(b.checks).toBe(checks);
      expect(b.name).toBe(a.name);
      expect(b.statePtr).toBe(a.statePtr);
      expect(b.raw.getAnchor?.(STATE_ANCHOR)).toBe(b.statePtr);
      expect(b.stats().sizeClasses).toEqual(a.stats().sizeClasses);
      expect(live.filter((p) => !b.owns(p) || b.heap.u8[p] !== a.heap.u8[p])).toEqual([]);
      // Both go on identically: same addresses for the same requests, same frees.
      const fromA: number[] = [];
      const fromB: number[] = [];
      for (let i = 0; i < 5_000; i++) {
        const n = (i * 31) % 1100;
        fromA.push(a.malloc(n));
        fromB.push(b.malloc(n));
        if (i % 3 === 0) {
          const p = live.pop()!;
          a.free(p);
          b.free(p);
        }
      }
      expect(fromB).toEqual(fromA);
      expect(b.stats().sizeClasses).toEqual(a.stats().sizeClasses);
      b.checkHeap();
    }
  });

  it('refuses bytes that are not a pool heap', () => {
    const a = freshPool('arraybuffer', {}, MAX);
    const p = a.malloc(16);
    const bad = copyHeap(a.heap, 'arraybuffer');
    bad.u32[a.statePtr >>> 2] ^= 1; // the state block's magic
    expect(() => PoolAllocator.attach(bad)).toThrow(HeapCorruptionError);
    const corrupt = copyHeap(a.heap, 'arraybuffer');
    corrupt.u32[(p - (p % POOL_SIZE)) >>> 2] += 1; // first pool's count
    expect(() => PoolAllocator.attach(corrupt)).toThrow(HeapCorruptionError);
  });

  it('opens a copy in a heap allowed to grow further than the original', () => {
    const a = freshPool('arraybuffer', {}, MAX);
    const p = a.malloc(16);
    const b = PoolAllocator.attach(copyHeap(a.heap, 'wasm', 2 * MAX));
    expect(b.usableSize(p)).toBe(16);
    const big: number[] = [];
    while (b.heap.byteLength <= MAX) big.push(b.malloc(512));
    for (const q of big) b.free(q);
    b.free(p);
    expect(b.stats().allocatedBlocks).toBe(0);
    b.checkHeap();
  });
});
