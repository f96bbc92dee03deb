import { expect } from 'vitest';
import type { Heap, HeapBackend } from '@pymem/core';
import { createPool, type PoolAllocator, type PoolOptions, type PoolStats } from '../src/index.js';

/** The backends every behavioural test runs on. */
export const BACKENDS: HeapBackend[] = ['arraybuffer', 'wasm'];

/** A fresh pool allocator on a heap of the given backend. */
export function freshPool(backend: HeapBackend, options: PoolOptions = {}, maxBytes = 64 << 20): PoolAllocator {
  return createPool({ backend, maxBytes }, options);
}

/** A copy of every heap byte. */
export function snapshot(heap: Heap): Uint8Array {
  return heap.u8.slice();
}

/** The heap has exactly the bytes (and size) it had when `before` was taken. */
export function expectHeapUnchanged(heap: Heap, before: Uint8Array): void {
  expect(heap.byteLength).toBe(before.length);
  const now = heap.u8;
  let diff = -1;
  for (let i = 0; i < before.length; i++) {
    if (now[i] !== before[i]) {
      diff = i;
      break;
    }
  }
  expect(diff, `first changed byte at ${diff}`).toBe(-1);
}

/** The size-class rows of stats() that have pools, as [sizeClass, pools, inUse, available]. */
export function classRows(s: PoolStats): number[][] {
  return s.sizeClasses.filter((c) => c.pools > 0).map((c) => [c.sizeClass, c.pools, c.blocksInUse, c.availableBlocks]);
}

/** Fill [p, p + n) with a byte pattern derived from `seed`. */
export function fillPattern(heap: Heap, p: number, n: number, seed: number): void {
  const u8 = heap.u8;
  for (let i = 0; i < n; i++) u8[p + i] = (seed * 31 + i * 7 + 1) & 0xff;
}

/** Index of the first byte of [p, p + n) that does not hold the pattern of `seed`, or -1. */
export function patternMismatch(heap: Heap, p: number, n: number, seed: number): number {
  const u8 = heap.u8;
  for (let i = 0; i < n; i++) if (u8[p + i] !== ((seed * 31 + i * 7 + 1) & 0xff)) return i;
  return -1;
}

export { SHRINK_BUDGET_MS, assertProperty } from '@pymem/testing';
