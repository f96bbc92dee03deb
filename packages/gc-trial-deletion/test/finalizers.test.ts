import type { HeapBackend, Ptr } from '@pymem/core';
import { describe, expect, it } from 'vitest';
import { setup } from './helpers.js';

const BACKENDS: HeapBackend[] = ['arraybuffer', 'wasm'];

describe.each(BACKENDS)('finalizers, resurrection, weakrefs (%s heap)', (backend) => {
  it('finalizers of garbage run once, then the garbage is freed', () => {
    const { rt, gc, types, many, ring, dropAll, finalized, live } = setup({ backend });
    const objs = ring([...many(3, types.fin), ...many(2)]);
    dropAll(objs);
    expect(gc.collect().collected).toBe(5);
    expect([...finalized.values()]).toEqual([1, 1, 1]);
    expect(objs.every((p) => !rt.isObject(p))).toBe(true);
    expect(live()).toBe(0);
  });

  it('a resurrected object survives with what it reaches, is held over, and goes later without a second finalize', () => {
    const { rt, gc, types, many, link, hooks, finalized, dropAll, live } = setup({ backend });
    const saved: Ptr[] = [];
    hooks.onFinalize = (p) => {
      rt.incref(p);
      saved.push(p);
    };
    const f = rt.newObject(types.fin);
    const n = rt.newObject(types.node);
    link(f, 0, n);
    link(n, 0, f);
    const others = many(10);
    others.forEach((o) => link(o, 0, o));
    rt.decref(f);
    rt.decref(n);
    dropAll(others);
    expect(gc.collect().collected).toBe(10); // resurrection does not block the rest
    expect(rt.isObject(f) && rt.isObject(n)).toBe(true);
    expect(rt.isFinalized(f)).toBe(true);
    expect(gc.stats().held).toBe(2);
    expect(gc.colourOf(f)).toBe('purple');
    gc.checkInvariants();
    // Held over: examined again, still alive (saved), so released from `held`.
    expect(gc.collect().collected).toBe(0);
    expect(gc.stats()).toMatchObject({ held: 0, lastExamined: 2 });
    rt.decref(saved.pop()!);
    expect(gc.collect().collected).toBe(2);
    expect(finalized.get(f)).toBe(1);
    expect(live()).toBe(0);
  });

  it('a reference a finalizer stores and another takes back during disposal resurrects nothing', () => {
    const { rt, gc, types, link, hooks, live } = setup({ backend });
    const a = rt.newObject(types.fin);
    const b = rt.newObject(types.fin);
    link(a, 0, b);
    link(b, 0, a);
    const holder = rt.newObject(types.node);
    let first = true;
    hooks.onFinalize = (p) => {
      // The first finalizer stores its object in `holder`; the second takes it out again.
      if (first) link(holder, 0, p);
      else link(holder, 0, 0);
      first = false;
    };
    rt.decref(a);
    rt.decref(b);
    gc.collect();
    expect(live()).toBe(1);
    expect(rt.isObject(a) || rt.isObject(b)).toBe(false);
  });

  it('resurrection from dealloc into a self-cycle: track() makes it a candidate', () => {
    const { rt, gc, types, link, hooks, finalized, live } = setup({ backend });
    const x = rt.newObject(types.fin);
    hooks.onFinalize = (p) => link(p, 0, p); // stores itself: count 1 after the runtime's drop
    rt.decref(x);
    expect(rt.isObject(x)).toBe(true);
    expect(gc.isBuffered(x)).toBe(true);
    expect(gc.collect().collected).toBe(1);
    expect(finalized.get(x)).toBe(1);
    expect(live()).toBe(0);
  });

  it('objects without a clear slot stay (held over), and are examined again next time', () => {
    const { rt, gc, types, many, ring, dropAll, live } = setup({ backend });
    const stuck = ring(many(3, types.noclear));
    dropAll(stuck);
    expect(gc.collect().collected).toBe(3);
    expect(live()).toBe(3);
    expect(gc.stats().held).toBe(3);
    gc.checkInvariants();
    // Part of the ring gets a clear-able member: the next collection breaks it.
    const fixed = rt.newObject(types.node);
    rt.heap.u32[(fixed + 8) >>> 2] = stuck[1];
    rt.incref(stuck[1]);
    rt.heap.u32[(stuck[0] + 8) >>> 2] = fixed; // stuck[0] -> fixed -> stuck[1], the old ref moved
    rt.decref(stuck[1]);
    expect(gc.collect().collected).toBe(4);
    expect(live()).toBe(0);
  });

  it('clears weakrefs to garbage; calls back only weakrefs that are not garbage', () => {
    const { rt, gc, types, link, live } = setup({ backend });
    const calls: string[] = [];
    const a = rt.newObject(types.node);
    const b = rt.newObject(types.node);
    link(a, 0, b);
    link(b, 0, a);
    const outside = rt.newWeakref(a, () => calls.push('outside'));
    const inside = rt.newWeakref(b, () => calls.push('inside'));
    link(a, 1, inside);
    rt.decref(inside);
    const kept = rt.newObject(types.node);
    const keptRef = rt.newWeakref(kept, () => calls.push('kept'));
    rt.decref(a);
    rt.decref(b);
    rt.incref(kept);
    rt.decref(kept); // a candidate, but alive: its weakref stays
    gc.collect();
    expect(calls).toEqual(['outside']);
    expect(rt.weakrefGet(outside)).toBe(0);
    expect(rt.weakrefGet(keptRef)).toBe(kept);
    expect(rt.isObject(a) || rt.isObject(b) || rt.isObject(inside)).toBe(false);
    rt.decref(outside);
    rt.decref(keptRef);
    rt.decref(kept);
    expect(live()).toBe(0);
  });

  it('collect() from a finalizer during a collection returns zeros; the outer one finishes', () => {
    const { gc, types, many, ring, dropAll, hooks, live } = setup({ backend });
    const inner: unknown[] = [];
    hooks.onFinalize = () => inner.push(gc.collect());
    dropAll(ring(many(2, types.fin)));
    expect(gc.collect().collected).toBe(2);
    expect(inner).toEqual([
      { collected: 0, uncollectable: 0 },
      { collected: 0, uncollectable: 0 },
    ]);
    expect(gc.stats().collections).toBe(1);
    expect(live()).toBe(0);
    gc.checkInvariants();
  });

  it('a finalizer that throws is reported; the collection goes on', () => {
    const { gc, types, many, ring, dropAll, hooks, unraisable, live } = setup({ backend });
    hooks.onFinalize = () => {
      throw new Error('boom');
    };
    dropAll(ring(many(3, types.fin)));
    expect(gc.collect().collected).toBe(3);
    expect(unraisable).toHaveLength(3);
    expect(live()).toBe(0);
  });

  it('a collection started from a finalizer that runs from dealloc (outside any collection) works', () => {
    const { rt, gc, types, many, ring, dropAll, hooks, live } = setup({ backend });
    const cycle = ring(many(3));
    dropAll(cycle);
    const results: number[] = [];
    hooks.onFinalize = () => results.push(gc.collect().collected);
    rt.decref(rt.newObject(types.fin));
    expect(results).toEqual([3]);
    expect(live()).toBe(0);
  });
});

describe('heap growth during a collection', () => {
  it('finalizers that allocate megabytes (the wasm views are replaced) do not upset it', () => {
    const { rt, gc, types, many, ring, dropAll, hooks, live } = setup({ backend: 'wasm' });
    const kept: Ptr[] = [];
    const version = rt.heap.version;
    hooks.onFinalize = () => {
      for (let i = 0; i < 2000; i++) kept.push(rt.newObject(types.leaf, 1000));
    };
    const cycles = Array.from({ length: 20 }, () => ring([...many(2, types.fin), ...many(3)]));
    cycles.forEach(dropAll);
    expect(gc.collect().collected).toBe(100);
    expect(rt.heap.version).toBeGreaterThan(version);
    expect(live()).toBe(kept.length);
    gc.checkInvariants();
    kept.forEach((p) => rt.decref(p));
    expect(live()).toBe(0);
  });
});
