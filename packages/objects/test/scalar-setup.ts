/** The setup the scalar types' tests share: a runtime with the built-in types over a pool. */
import type { HeapBackend } from '@pymem/core';
import { createPool } from '@pymem/pool';
import { Runtime } from '@pymem/refcount';
import { expect } from 'vitest';
import { Objects } from '../src/index.js';

export const BACKENDS: HeapBackend[] = ['shared', 'arraybuffer', 'wasm'];

/** Index of the first byte where `a` and `b` differ, or -1. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

export function setup(backend: HeapBackend) {
  const pool = createPool({ backend });
  const rt = new Runtime({ allocator: pool });
  const o = new Objects(rt);
  const baseline = { objects: rt.stats().liveObjects, blocks: pool.stats().allocatedBlocks };
  /** Every object and block made since setup is gone again. */
  const atBaseline = (): void => {
    expect(rt.stats().liveObjects).toBe(baseline.objects);
    expect(pool.stats().allocatedBlocks).toBe(baseline.blocks);
  };
  /** A copy of every heap byte plus the counters, to prove a failed call changed nothing. */
  const snapshot = () => ({ bytes: rt.heap.u8.slice(), live: rt.stats().liveObjects, blocks: pool.stats().allocatedBlocks });
  const unchangedSince = (before: ReturnType<typeof snapshot>): void => {
    const after = snapshot();
    expect(after.live).toBe(before.live);
    expect(after.blocks).toBe(before.blocks);
    expect(after.bytes.length).toBe(before.bytes.length);
    expect(firstDifference(before.bytes, after.bytes)).toBe(-1);
  };
  return { pool, rt, o, atBaseline, snapshot, unchangedSince };
}
