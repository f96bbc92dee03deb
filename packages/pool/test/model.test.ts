import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ALIGNMENT, formatPtr } from '@pymem/core';
import { createPool, type PoolAllocator } from '../src/index.js';
import { BACKENDS, assertProperty } from './helpers.js';

/*
 * Model-based test: random malloc / calloc / realloc / free against a plain
 * JS model of the live blocks (pointer, size, fill byte). Sizes are weighted
 * like CPython's traces: mostly 1..512 with small ones commonest, some 0,
 * some 513..64 KiB.
 */

type Kind = 'malloc' | 'calloc' | 'realloc' | 'free' | 'burst' | 'sweep';
interface Op {
  kind: Kind;
  size: number;
  /** Which live block free/realloc act on (modulo the live count); how many blocks a burst allocates. */
  pick: number;
}

const sizeArb = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 64 }), weight: 50 },
  { arbitrary: fc.integer({ min: 65, max: 512 }), weight: 38 },
  { arbitrary: fc.constant(0), weight: 4 },
  { arbitrary: fc.integer({ min: 513, max: 64 * 1024 }), weight: 8 },
);

const kindArb = fc.oneof(
  { arbitrary: fc.constant<Kind>('malloc'), weight: 38 },
  { arbitrary: fc.constant<Kind>('calloc'), weight: 8 },
  { arbitrary: fc.constant<Kind>('realloc'), weight: 14 },
  { arbitrary: fc.constant<Kind>('free'), weight: 40 },
  // Many small blocks at once, then frees of every other live block: these
  // fill and empty whole pools and arenas (usable_arenas order, arena release).
  { arbitrary: fc.constant<Kind>('burst'), weight: 1 },
  { arbitrary: fc.constant<Kind>('sweep'), weight: 1 },
);

const opArb: fc.Arbitrary<Op> = fc.record({ kind: kindArb, size: sizeArb, pick: fc.nat() });

const OPS_PER_RUN = 2000;
const RUNS_PER_CONFIG = 12;
/** A burst allocates BURST_MIN .. BURST_MIN + BURST_SPREAD - 1 blocks. */
const BURST_MIN = 200;
const BURST_SPREAD = 1800;
/** checkHeap and the overlap check run every this many operations. */
const CHECK_EVERY = 5000;
/** Bytes verified at each end of a block larger than this; smaller blocks are verified whole. */
const VERIFY_ENDS = 64;

let totalOps = 0;
let maxArenas = 0;

/** The live blocks: parallel arrays, swap-removed. */
class Model {
  ptrs: number[] = [];
  sizes: number[] = [];
  bytes: number[] = [];
  private seed = 0;

  nextByte(): number {
    this.seed = (this.seed % 251) + 1;
    return this.seed;
  }
  add(p: number, size: number, byte: number): void {
    this.ptrs.push(p);
    this.sizes.push(size);
    this.bytes.push(byte);
  }
  remove(i: number): void {
    const last = this.ptrs.length - 1;
    this.ptrs[i] = this.ptrs[last];
    this.sizes[i] = this.sizes[last];
    this.bytes[i] = this.bytes[last];
    this.ptrs.pop();
    this.sizes.pop();
    this.bytes.pop();
  }
}

function fail(message: string): never {
  throw new Error(message);
}

function verify(a: PoolAllocator, p: number, size: number, byte: number, what: string): void {
  const u8 = a.heap.u8;
  const head = size <= 2 * VERIFY_ENDS ? size : VERIFY_ENDS;
  for (let i = 0; i < head; i++)
    if (u8[p + i] !== byte) fail(`${what}: block ${formatPtr(p)} (${size} B) lost byte ${i}`);
  for (let i = Math.max(head, size - VERIFY_ENDS); i < size; i++) {
    if (u8[p + i] !== byte) fail(`${what}: block ${formatPtr(p)} (${size} B) lost byte ${i}`);
  }
}

function checkNew(a: PoolAllocator, p: number, size: number, what: string): void {
  if (p === 0) fail(`${what}(${size}) returned NULL`);
  if (p % ALIGNMENT !== 0) fail(`${what}(${size}) returned ${formatPtr(p)}, not 16-byte aligned`);
  if (p + size > a.heap.byteLength) fail(`${what}(${size}) returned ${formatPtr(p)}, past the heap end`);
  if (a.usableSize(p) < size) fail(`${what}(${size}) returned a block of ${a.usableSize(p)} bytes`);
}

/** No two live blocks overlap (each spans its usable size). */
function checkNoOverlap(a: PoolAllocator, m: Model): void {
  const spans = m.ptrs.map((p) => [p, p + Math.max(1, a.usableSize(p))]).sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i][0] < spans[i - 1][1])
      fail(`blocks ${formatPtr(spans[i - 1][0])} and ${formatPtr(spans[i][0])} overlap`);
  }
}

/** Allocate one block into the model; returns the operations done (1). */
function allocate(a: PoolAllocator, m: Model, size: number, calloc: boolean): number {
  const p = calloc ? a.calloc(1, size) : a.malloc(size);
  checkNew(a, p, size, calloc ? 'calloc' : 'malloc');
  if (calloc) for (let i = 0; i < size; i++) if (a.heap.u8[p + i] !== 0) fail(`calloc(${size}) byte ${i} is not 0`);
  const byte = m.nextByte();
  a.heap.u8.fill(byte, p, p + size);
  m.add(p, size, byte);
  return 1;
}

function release(a: PoolAllocator, m: Model, i: number): number {
  verify(a, m.ptrs[i], m.sizes[i], m.bytes[i], 'free');
  a.free(m.ptrs[i]);
  m.remove(i);
  return 1;
}

function reallocate(a: PoolAllocator, m: Model, i: number, size: number): number {
  const p = m.ptrs[i];
  verify(a, p, m.sizes[i], m.bytes[i], 'realloc');
  const q = a.realloc(p, size);
  checkNew(a, q, size, 'realloc');
  verify(a, q, Math.min(size, m.sizes[i]), m.bytes[i], 'realloc kept');
  const byte = m.nextByte();
  a.heap.u8.fill(byte, q, q + size);
  m.ptrs[i] = q;
  m.sizes[i] = size;
  m.bytes[i] = byte;
  return 1;
}

/** Apply one generated operation; returns how many allocator calls it made. */
function step(a: PoolAllocator, m: Model, op: Op): number {
  const n = m.ptrs.length;
  if (op.kind === 'burst') {
    const size = 1 + (op.size % 512);
    const count = BURST_MIN + (op.pick % BURST_SPREAD);
    for (let k = 0; k < count; k++) allocate(a, m, size, false);
    return count;
  }
  if (op.kind === 'sweep') {
    let done = 0;
    for (let i = n - 1 - (op.pick % 2); i >= 0; i -= 2) done += release(a, m, i);
    return done;
  }
  if (op.kind === 'malloc' || op.kind === 'calloc' || n === 0) return allocate(a, m, op.size, op.kind === 'calloc');
  if (op.kind === 'free') return release(a, m, op.pick % n);
  return reallocate(a, m, op.pick % n, op.size);
}

function runOps(backend: (typeof BACKENDS)[number], checks: boolean, ops: Op[]): void {
  const a = createPool({ backend, maxBytes: 128 << 20 }, { checks });
  const initial = a.heap.byteLength;
  const m = new Model();
  let done = 0;
  let nextCheck = CHECK_EVERY;
  for (const op of ops) {
    done += step(a, m, op);
    if (done >= nextCheck) {
      a.checkHeap();
      checkNoOverlap(a, m);
      nextCheck = done + CHECK_EVERY;
    }
  }
  a.checkHeap();
  checkNoOverlap(a, m);
  maxArenas = Math.max(maxArenas, a.stats().arenasHighwater);
  expect(a.stats().allocatedBlocks).toBe(m.ptrs.length);
  // Free everything: every arena but CPython's kept one goes back...
  while (m.ptrs.length > 0) done += release(a, m, m.ptrs.length - 1);
  totalOps += done;
  a.checkHeap();
  const s = a.stats();
  expect([s.allocatedBlocks, s.rawAllocatedBlocks, s.rawAllocatedBytes]).toEqual([0, 0, 0]);
  expect(s.arenasAllocatedCurrent).toBeLessThanOrEqual(1);
  // ...and trim() returns the last one and the heap's top.
  a.trim();
  expect(a.stats().arenasAllocatedCurrent).toBe(0);
  if (a.heap.canShrink) expect(a.heap.byteLength).toBe(initial);
  a.checkHeap();
}

describe.each(BACKENDS)('model-based, %s heap', (backend) => {
  it.each([true, false])('random malloc/calloc/realloc/free agree with the model (checks %s)', (checks) => {
    // A failure is shrunk for at most SHRINK_BUDGET_MS (helpers.ts).
    assertProperty(
      fc.property(fc.array(opArb, { minLength: OPS_PER_RUN, maxLength: OPS_PER_RUN }), (ops) => {
        runOps(backend, checks, ops);
      }),
      { numRuns: RUNS_PER_CONFIG },
    );
  });
});

describe('model-based, totals', () => {
  it('ran at least 600,000 operations over several arenas', () => {
    expect(totalOps).toBeGreaterThanOrEqual(600_000);
    // Bursts fill several arenas, so arena release and usable_arenas order are exercised.
    expect(maxArenas).toBeGreaterThanOrEqual(2);
  });
});
