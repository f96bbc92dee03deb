import type { Ptr } from '@pymem/core';
import { describe, expect, it } from 'vitest';
import { BACKENDS, ring, setup } from './helpers.js';

describe.each(BACKENDS)('finalizers and weakrefs (%s heap)', (backend) => {
  it('runs each finalizer of the garbage exactly once, then frees it', () => {
    const s = setup({ backend });
    const { rt, fin, link, finalized } = s;
    const fs = Array.from({ length: 5 }, () => rt.newObject(fin));
    fs.forEach((p, i) => link(p, 0, fs[(i + 1) % 5]));
    fs.forEach((p) => rt.decref(p));
    expect(rt.collect().collected).toBe(5);
    fs.forEach((p) => expect(finalized.get(p)).toBe(1));
    expect(s.live()).toBe(0);
  });

  it('a resurrected object survives with what it reaches; the rest is still collected; no second finalizer run', () => {
    const s = setup({ backend });
    const { rt, gc, fin, link, newNode, finalized, hooks } = s;
    const saved: Ptr[] = [];
    hooks.onFinalize = (p) => {
      rt.incref(p);
      saved.push(p);
    };
    const f = rt.newObject(fin);
    const n = newNode();
    link(f, 0, n);
    link(n, 0, f);
    rt.decref(f);
    rt.decref(n);
    ring(s, 10);
    expect(rt.collect().collected).toBe(10);
    expect(gc.stats()).toMatchObject({ swept: 12, collected: 10, resurrected: 2 });
    expect(rt.isObject(f) && rt.isObject(n)).toBe(true);
    expect(rt.isFinalized(f)).toBe(true);
    expect(gc.trackedObjects().sort()).toEqual([f, n].sort());
    gc.checkInvariants();
    rt.decref(saved.pop()!);
    expect(rt.collect().collected).toBe(2);
    expect(finalized.get(f)).toBe(1);
    expect(s.live()).toBe(0);
  });

  it('a finalizer that stores its object into a live container resurrects it', () => {
    const s = setup({ backend });
    const { rt, fin, link, newNode, hooks, slotOf } = s;
    const keeper = newNode();
    hooks.onFinalize = (p) => link(keeper, 0, p);
    const f = rt.newObject(fin);
    link(f, 0, f);
    rt.decref(f);
    expect(rt.collect().collected).toBe(0);
    expect(slotOf(keeper, 0)).toBe(f);
    expect(slotOf(f, 0)).toBe(f);
    link(keeper, 0, 0);
    expect(rt.collect().collected).toBe(1);
    expect(s.live()).toBe(1);
  });

  it('a finalizer that throws is reported as unraisable and the garbage is still freed', () => {
    const s = setup({ backend });
    const { rt, fin, link, hooks, unraisable } = s;
    hooks.onFinalize = () => {
      throw new Error('boom');
    };
    const f = rt.newObject(fin);
    link(f, 0, f);
    rt.decref(f);
    expect(rt.collect().collected).toBe(1);
    expect(unraisable).toHaveLength(1);
    expect(s.live()).toBe(0);
  });

  it('a finalizer may allocate enough to grow the heap in the middle of a collection', () => {
    const s = setup({ backend, threshold: 1000 }); // automatic collections are skipped while one runs
    const { rt, gc, fin, link, newNode, hooks } = s;
    const made: Ptr[] = [];
    hooks.onFinalize = () => {
      for (let i = 0; i < 100_000; i++) made.push(newNode());
    };
    const keep = ring(s, 50);
    const h = gc.addRoot(keep[0]);
    const f = rt.newObject(fin);
    link(f, 0, f);
    rt.decref(f);
    const heapBefore = rt.heap.byteLength;
    expect(rt.collect().collected).toBe(1);
    expect(rt.heap.byteLength).toBeGreaterThan(heapBefore);
    expect(gc.stats()).toMatchObject({ collections: 1, marked: 50, swept: 1, collected: 1 });
    expect(gc.getCount()).toBe(100_000 - 1); // made during the collection, minus f, freed at its end
    gc.checkInvariants();
    made.forEach((p) => rt.decref(p));
    gc.removeRoot(h);
    expect(rt.collect().collected).toBe(50);
    expect(s.live()).toBe(0);
  });

  it('collect() from a finalizer during a collection does nothing and returns zeros', () => {
    const s = setup({ backend });
    const { rt, gc, fin, link, hooks } = s;
    const inner: unknown[] = [];
    hooks.onFinalize = () => {
      expect(gc.isCollecting()).toBe(true);
      inner.push(rt.collect());
    };
    const f = rt.newObject(fin);
    link(f, 0, f);
    rt.decref(f);
    expect(rt.collect().collected).toBe(1);
    expect(inner).toEqual([{ collected: 0, uncollectable: 0 }]);
    expect(gc.isCollecting()).toBe(false);
    expect(gc.stats().collections).toBe(1);
  });

  it('clears weakrefs to garbage; only weakrefs that are not garbage get their callbacks', () => {
    const s = setup({ backend });
    const { rt, link, newNode } = s;
    const calls: string[] = [];
    const a = newNode();
    const b = newNode();
    link(a, 0, b);
    link(b, 0, a);
    const outside = rt.newWeakref(a, () => calls.push('outside'));
    const plain = rt.newWeakref(b);
    const inside = rt.newWeakref(b, () => calls.push('inside'));
    link(a, 1, inside); // this weakref is part of the garbage
    rt.decref(inside);
    rt.decref(a);
    rt.decref(b);
    expect(rt.collect().collected).toBe(3);
    expect(calls).toEqual(['outside']);
    expect(rt.weakrefGet(outside)).toBe(0);
    expect(rt.weakrefGet(plain)).toBe(0);
    rt.decref(outside);
    rt.decref(plain);
    expect(s.live()).toBe(0);
  });

  it('weakrefs to live objects are left alone', () => {
    const s = setup({ backend });
    const { rt, newNode, link } = s;
    const held = newNode();
    link(held, 0, held);
    const calls: number[] = [];
    const wr = rt.newWeakref(held, (w) => calls.push(w));
    expect(rt.collect().collected).toBe(0);
    expect(rt.weakrefGet(wr)).toBe(held);
    expect(calls).toEqual([]);
  });
});
