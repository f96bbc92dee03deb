/**
 * Model-based property tests: random malloc / calloc / realloc / free /
 * mallocAligned sequences, sizes weighted like CPython's raw-allocator
 * traffic, run against a JS model (Map ptr -> { size, fill byte }).
 *
 * After every operation: pointers are 16-byte aligned (or aligned as asked),
 * new blocks are not live already, usable sizes cover the request, calloc
 * memory reads zero. A block's bytes are verified whenever it is realloc'd
 * or freed, and every CHECK_EVERY operations all live blocks are verified,
 * checked for overlap, and checkHeap() runs. At the end everything is freed
 * and the heap must be back to one free block (and, when it can shrink, to
 * its initial size).
 */
import { ARENA_SIZE, HEAP_PAGE_SIZE, OutOfMemoryError, type HeapBackend } from '@pymem/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BLOCK_OVERHEAD, FIRST_BLOCK, type Tlsf } from '../src/index.js';
import { assertProperty, fill, firstMismatch, fresh } from './helpers.js';

const KIB = 1024;
const MIB = 1024 * KIB;

/** One step of a random sequence. */
interface Op {
  kind: 'malloc' | 'calloc' | 'realloc' | 'free' | 'aligned';
  size: number;
  /** Which live block (index modulo the live count). */
  pick: number;
  /** Byte written over the block. */
  fill: number;
  /** Alignment choice for `aligned`: index into ALIGNS; odd values of pick use headroom 16. */
  align: number;
}

const ALIGNS = [32, 64, 256, 4 * KIB, 64 * KIB, ARENA_SIZE];

/** Mostly 1..512, some 0, some 513..64 KiB, a few up to 1 MiB. */
const sizeArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant(0) },
  { weight: 80, arbitrary: fc.integer({ min: 1, max: 512 }) },
  { weight: 15, arbitrary: fc.integer({ min: 513, max: 64 * KIB }) },
  { weight: 1, arbitrary: fc.integer({ min: 64 * KIB + 1, max: MIB }) },
);

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.oneof(
    { weight: 34, arbitrary: fc.constant('malloc' as const) },
    { weight: 8, arbitrary: fc.constant('calloc' as const) },
    { weight: 16, arbitrary: fc.constant('realloc' as const) },
    { weight: 38, arbitrary: fc.constant('free' as const) },
    { weight: 4, arbitrary: fc.constant('aligned' as const) },
  ),
  size: sizeArb,
  pick: fc.nat(),
  fill: fc.integer({ min: 1, max: 255 }),
  align: fc.nat(ALIGNS.length - 1),
});

interface Live {
  size: number;
  fill: number;
}

/** The model: live blocks and a dense array of their pointers for picking. */
class Model {
  readonly blocks = new Map<number, Live>();
  readonly ptrs: number[] = [];
  bytes = 0;

  add(t: Tlsf, ptr: number, size: number, byte: number): void {
    // Plain checks, not expect(): this runs 400,000 times.
    if (ptr % 16 !== 0 || ptr < FIRST_BLOCK + BLOCK_OVERHEAD) throw new Error(`bad pointer ${ptr}`);
    if (this.blocks.has(ptr)) throw new Error(`pointer ${ptr} handed out twice`);
    if (t.usableSize(ptr) < size) throw new Error(`block ${ptr} has ${t.usableSize(ptr)} < ${size} bytes`);
    fill(t, ptr, size, byte);
    this.blocks.set(ptr, { size, fill: byte });
    this.ptrs.push(ptr);
    this.bytes += size;
  }

  remove(ptr: number): void {
    const i = this.ptrs.indexOf(ptr);
    this.ptrs[i] = this.ptrs[this.ptrs.length - 1];
    this.ptrs.pop();
    this.bytes -= this.blocks.get(ptr)!.size;
    this.blocks.delete(ptr);
  }

  pick(n: number): number {
    return this.ptrs[n % this.ptrs.length];
  }

  verify(t: Tlsf, ptr: number, upTo = Infinity): void {
    const live = this.blocks.get(ptr)!;
    const bad = firstMismatch(t, ptr, Math.min(live.size, upTo), live.fill);
    if (bad !== -1) throw new Error(`block ${ptr} (${live.size} bytes of ${live.fill}) corrupted at ${bad}`);
  }

  verifyAll(t: Tlsf): void {
    for (const ptr of this.ptrs) this.verify(t, ptr);
    const sorted = [...this.ptrs].sort((x, y) => x - y);
    for (let i = 1; i < sorted.length; i++) {
      const prevEnd = sorted[i - 1] + t.usableSize(sorted[i - 1]);
      if (prevEnd + BLOCK_OVERHEAD > sorted[i]) throw new Error(`blocks ${sorted[i - 1]} and ${sorted[i]} overlap`);
    }
    expect(t.stats().allocatedBlocks).toBe(this.ptrs.length);
  }
}

interface RunOptions {
  /** Allocation turns into free above this many live blocks / bytes. */
  maxLive: number;
  maxLiveBytes: number;
  checkEvery: number;
  /** Accept OutOfMemoryError (small heaps), checking it changed nothing. */
  allowOom: boolean;
}

function applyOp(t: Tlsf, m: Model, op: Op, o: RunOptions): void {
  let kind = op.kind;
  const full = m.ptrs.length >= o.maxLive || m.bytes + op.size > o.maxLiveBytes;
  if (full && kind !== 'realloc') kind = 'free';
  if (kind === 'free' && m.ptrs.length === 0) kind = 'malloc';
  switch (kind) {
    case 'malloc': {
      m.add(t, t.malloc(op.size), op.size, op.fill);
      break;
    }
    case 'calloc': {
      const count = 1 + (op.pick % 4);
      const each = Math.floor(op.size / count);
      const p = t.calloc(count, each);
      const bad = firstMismatch(t, p, count * each, 0);
      if (bad !== -1) throw new Error(`calloc block ${p} not zero at ${bad}`);
      m.add(t, p, count * each, op.fill);
      break;
    }
    case 'realloc': {
      if (m.ptrs.length === 0) {
        m.add(t, t.realloc(0, op.size), op.size, op.fill);
        break;
      }
      const p = m.pick(op.pick);
      const old = m.blocks.get(p)!;
      m.verify(t, p);
      const q = t.realloc(p, op.size);
      m.remove(p);
      const keep = Math.min(old.size, op.size);
      const bad = firstMismatch(t, q, keep, old.fill);
      if (bad !== -1) throw new Error(`realloc ${p} -> ${q} lost data at ${bad}`);
      if (q !== p && t.owns(p)) throw new Error(`realloc moved ${p} -> ${q} but ${p} is still live`);
      m.add(t, q, op.size, op.fill);
      break;
    }
    case 'free': {
      const p = m.pick(op.pick);
      m.verify(t, p);
      t.free(p);
      m.remove(p);
      break;
    }
    case 'aligned': {
      const align = ALIGNS[op.align];
      const headroom = op.pick % 2 === 1 ? BLOCK_OVERHEAD : 0;
      // An arena request half the time when aligning to 1 MiB, as the pool does.
      const size = align === ARENA_SIZE && headroom !== 0 ? ARENA_SIZE - BLOCK_OVERHEAD : op.size;
      if (m.bytes + size > o.maxLiveBytes) break;
      const p = t.mallocAligned(size, align, headroom);
      if ((p - headroom) % align !== 0) throw new Error(`${p} - ${headroom} is not aligned to ${align}`);
      m.add(t, p, size, op.fill);
      break;
    }
  }
}

function runSequence(backend: HeapBackend, ops: Op[], o: RunOptions, maxBytes: number): void {
  const t = fresh(backend, { maxBytes });
  const initial = t.heap.byteLength;
  const m = new Model();
  for (let i = 0; i < ops.length; i++) {
    if (o.allowOom) {
      applyGuarded(t, m, ops[i], o);
    } else {
      applyOp(t, m, ops[i], o);
    }
    if ((i + 1) % o.checkEvery === 0) {
      t.checkHeap();
      m.verifyAll(t);
    }
  }
  t.checkHeap();
  m.verifyAll(t);
  for (const p of [...m.ptrs]) {
    m.verify(t, p);
    t.free(p);
    m.remove(p);
  }
  t.checkHeap();
  const s = t.stats();
  expect(s.allocatedBlocks).toBe(0);
  expect(s.freeBlocks).toBe(1);
  expect(s.freeBytes).toBe(t.heap.byteLength - FIRST_BLOCK - 2 * BLOCK_OVERHEAD);
  if (t.heap.canShrink) expect(t.heap.byteLength).toBe(initial);
}

/** applyOp on a heap that may run out: an OutOfMemoryError must leave every byte as it was. */
function applyGuarded(t: Tlsf, m: Model, op: Op, o: RunOptions): void {
  const before = t.heap.u8.slice();
  const count = m.ptrs.length;
  try {
    applyOp(t, m, op, o);
  } catch (e) {
    if (!(e instanceof OutOfMemoryError)) throw e;
    if (m.ptrs.length !== count || t.heap.byteLength !== before.length) throw new Error('OutOfMemoryError changed the heap');
    const after = t.heap.u8;
    for (let i = 0; i < before.length; i++) {
      if (after[i] !== before[i]) throw new Error(`OutOfMemoryError changed heap byte ${i}`);
    }
  }
}

const BIG: RunOptions = { maxLive: 3000, maxLiveBytes: 12 * MIB, checkEvery: 2500, allowOom: false };
const SMALL: RunOptions = { maxLive: 200, maxLiveBytes: 4 * MIB, checkEvery: 25, allowOom: true };

describe.each(['arraybuffer', 'wasm'] as const)('model-based (%s heap)', (backend) => {
  it('200,000 random operations in 20 sequences of 10,000 match the model', () => {
    // A failure is shrunk for at most SHRINK_BUDGET_MS (helpers.ts): a
    // 10,000-step counterexample takes minutes to shrink fully. The seed and
    // path printed reproduce it.
    assertProperty(
      fc.property(fc.array(opArb, { minLength: 10_000, maxLength: 10_000 }), (ops) => {
        runSequence(backend, ops, BIG, 256 * MIB);
      }),
      { numRuns: 20 },
    );
  });

  it('short sequences on a 1 MiB heap: OutOfMemoryError changes nothing', () => {
    assertProperty(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 300 }), (ops) => {
        runSequence(backend, ops, SMALL, 16 * HEAP_PAGE_SIZE);
      }),
      { numRuns: 60 },
    );
  });
});
