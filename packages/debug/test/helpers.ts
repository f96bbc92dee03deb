import type { Allocator, HeapBackend } from '@pymem/core';
import { createPool } from '@pymem/pool';
import { createTlsf } from '@pymem/tlsf';
import { createDebug, type DebugAllocator, type DebugOptions } from '../src/index.js';

export type InnerKind = 'pool' | 'tlsf';

/** A debug allocator over a fresh pool or tlsf heap, with its reports collected. */
export function setup(
  inner: InnerKind = 'pool',
  backend: HeapBackend = 'arraybuffer',
  options: DebugOptions = {},
  maxBytes?: number,
): { d: DebugAllocator; inner: Allocator; reports: string[] } {
  const heapOptions = maxBytes === undefined ? { backend } : { backend, maxBytes };
  const base = inner === 'pool' ? createPool(heapOptions) : createTlsf(heapOptions);
  const reports: string[] = [];
  const d = createDebug(base, { write: (t) => reports.push(t), ...options });
  return { d, inner: base, reports };
}

/** Run `fn` and return what it threw (failing the test if it did not throw). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

/** The bytes [from, to) of the heap as an array. */
export function bytes(d: DebugAllocator, from: number, to: number): number[] {
  return Array.from(d.heap.u8.subarray(from, to));
}
