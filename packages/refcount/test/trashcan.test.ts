import { describe, expect, it } from 'vitest';
import type { Ptr } from '@pymem/core';
import { makeRuntime, registerNode, setSlot, SLOT0 } from './helpers.js';

const DEPTH = 1_000_000;

/** JS stack depth at the point of the call (frames in a full stack trace). */
function stackDepth(): number {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = Infinity;
  const depth = new Error().stack!.split('\n').length;
  Error.stackTraceLimit = limit;
  return depth;
}

describe.each([
  ['pool', true],
  ['pool', false],
  ['tlsf', true],
] as const)('trashcan over %s (GC type: %s)', (kind, gc) => {
  it(`frees a chain ${DEPTH} deep with a constant JS stack depth`, () => {
    const rt = makeRuntime({ kind, checks: false });
    let deepest = 0;
    let deallocs = 0;
    const node = rt.registerType({
      name: 'link',
      basicSize: SLOT0 + 4,
      flags: gc ? 1 : 0,
      dealloc: (ctx, p) => {
        // Sample the stack depth now and then: it must not grow with the chain.
        if (deallocs++ % 4096 === 0) deepest = Math.max(deepest, stackDepth());
        ctx.xdecref(ctx.heap.u32[(p + SLOT0) >>> 2]);
      },
    });
    const base = rt.allocator.stats().allocatedBlocks;
    let head: Ptr = 0;
    for (let i = 0; i < DEPTH; i++) {
      const n = rt.newObject(node);
      rt.heap.u32[(n + SLOT0) >>> 2] = head;
      head = n;
    }
    const outside = stackDepth();
    rt.decref(head);
    expect(deallocs).toBe(DEPTH);
    expect(deepest - outside).toBeLessThan(10);
    expect(rt.stats().liveObjects).toBe(0);
    expect(rt.allocator.stats().allocatedBlocks).toBe(base);
  });
});

describe('trashcan ordering', () => {
  it('frees a wide fan-out and a tree, each object once', () => {
    const rt = makeRuntime();
    const node = registerNode(rt, 'pair', 2);
    const freed = new Set<number>();
    const leaf = rt.registerType({
      name: 'leaf',
      basicSize: 8,
      dealloc: (_c, p) => {
        expect(freed.has(p)).toBe(false);
        freed.add(p);
      },
    });
    // A complete binary tree of depth 14 with leaves at the bottom.
    const build = (d: number): Ptr => {
      if (d === 0) return rt.newObject(leaf);
      const n = rt.newObject(node);
      setSlot(rt, n, 0, build(d - 1));
      setSlot(rt, n, 1, build(d - 1));
      return n;
    };
    const root = build(14);
    rt.decref(root);
    expect(freed.size).toBe(2 ** 14);
    expect(rt.stats().liveObjects).toBe(0);
  });

  it('a decref inside a dealloc of an object that survives does not free it', () => {
    const rt = makeRuntime();
    const node = registerNode(rt, 'pair', 2);
    const shared = rt.newObject(node);
    const a = rt.newObject(node);
    const b = rt.newObject(node);
    rt.incref(shared);
    setSlot(rt, a, 0, shared);
    setSlot(rt, b, 0, shared);
    rt.decref(a);
    expect(rt.refcount(shared)).toBe(1);
    rt.decref(b);
    expect(rt.isObject(shared)).toBe(false);
  });
});
