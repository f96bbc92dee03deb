import { ObjectTypeError, TypeFlags, type Ptr } from '@pymem/core';
import { describe, expect, it } from 'vitest';
import type { Runtime } from '../src/index.js';
import { makeRuntime, registerNode, SLOT0 } from './helpers.js';

/** A weakrefable GC type: slot 0 holds a reference, word at +12 heads the weaklist. */
function registerReferent(rt: Runtime): number {
  return rt.registerType({
    name: 'obj',
    basicSize: SLOT0 + 8,
    flags: TypeFlags.GC,
    weaklistOffset: SLOT0 + 4,
    dealloc: (ctx, p) => ctx.xdecref(ctx.heap.u32[(p + SLOT0) >>> 2]),
  });
}

describe('weak references', () => {
  it('read the referent without keeping it alive, then NULL once it dies', () => {
    const rt = makeRuntime();
    const obj = rt.newObject(registerReferent(rt));
    const wr = rt.newWeakref(obj);
    expect(rt.weakrefGet(wr)).toBe(obj);
    expect(rt.refcount(obj)).toBe(1);
    rt.decref(obj);
    expect(rt.isObject(obj)).toBe(false);
    expect(rt.weakrefGet(wr)).toBe(0);
    rt.decref(wr);
    expect(rt.stats()).toMatchObject({ liveObjects: 0, liveWeakrefs: 0 });
  });

  it('call back with the dead weakref, newest callback ref first', () => {
    const rt = makeRuntime();
    const t = registerReferent(rt);
    const obj = rt.newObject(t);
    const calls: string[] = [];
    const cb1 = rt.newWeakref(obj, (w) => calls.push(`cb1 ${w === cb1} ${rt.weakrefGet(w)}`));
    const cb2 = rt.newWeakref(obj, (w) => calls.push(`cb2 ${w === cb2} ${rt.weakrefGet(w)}`));
    expect(rt.weakrefCount(obj)).toBe(2);
    rt.decref(obj);
    expect(calls).toEqual(['cb2 true 0', 'cb1 true 0']);
    rt.decref(cb1);
    rt.decref(cb2);
    expect(rt.stats().liveObjects).toBe(0);
  });

  it('share one plain weakref per object, as weakref.ref(o) is weakref.ref(o)', () => {
    const rt = makeRuntime();
    const obj = rt.newObject(registerReferent(rt));
    const withCb = rt.newWeakref(obj, () => {});
    const a = rt.newWeakref(obj);
    const b = rt.newWeakref(obj);
    expect(a).toBe(b);
    expect(rt.refcount(a)).toBe(2);
    const c = rt.newWeakref(obj, () => {});
    expect(c).not.toBe(withCb);
    expect(rt.weakrefsTo(obj)[0]).toBe(a);
    expect(rt.weakrefCount(obj)).toBe(3);
    for (const w of [a, b, withCb, c]) rt.decref(w);
    expect(rt.weakrefCount(obj)).toBe(0);
    rt.decref(obj);
    expect(rt.stats().liveObjects).toBe(0);
  });

  it('a weakref that dies first unlinks itself and never calls back', () => {
    const rt = makeRuntime();
    const obj = rt.newObject(registerReferent(rt));
    let called = 0;
    const keep = rt.newWeakref(obj, () => called++);
    const gone = rt.newWeakref(obj, () => called += 100);
    rt.decref(gone);
    expect(rt.weakrefsTo(obj)).toEqual([keep]);
    rt.decref(obj);
    expect(called).toBe(1);
    rt.decref(keep);
  });

  it('a callback may drop the last reference to its own weakref', () => {
    const rt = makeRuntime();
    const obj = rt.newObject(registerReferent(rt));
    const wr = rt.newWeakref(obj, (w) => rt.decref(w));
    rt.decref(obj);
    expect(rt.isObject(wr)).toBe(false);
    expect(rt.stats().liveObjects).toBe(0);
  });

  it('are cleared for every object in a dying chain', () => {
    const rt = makeRuntime();
    const t = registerReferent(rt);
    const refs: Ptr[] = [];
    let callbacks = 0;
    const head = rt.newObject(t);
    let cur = head;
    for (let i = 0; i < 500; i++) {
      refs.push(rt.newWeakref(cur, () => callbacks++));
      const next = rt.newObject(t);
      rt.heap.u32[(cur + SLOT0) >>> 2] = next;
      cur = next;
    }
    rt.decref(head);
    expect(callbacks).toBe(500);
    expect(refs.every((w) => rt.weakrefGet(w) === 0)).toBe(true);
    refs.forEach((w) => rt.decref(w));
    expect(rt.stats().liveObjects).toBe(0);
  });

  it('refuse types without a weaklist, non-function callbacks and non-weakrefs, changing nothing', () => {
    const rt = makeRuntime();
    const plain = rt.newObject(registerNode(rt));
    const obj = rt.newObject(registerReferent(rt));
    const before = rt.stats();
    expect(() => rt.newWeakref(plain)).toThrow(ObjectTypeError);
    expect(() => rt.newWeakref(plain)).toThrow(/cannot create weak reference to 'node' object/);
    expect(() => rt.newWeakref(obj, 42 as never)).toThrow(ObjectTypeError);
    expect(() => rt.weakrefGet(obj)).toThrow(/expected a weakref/);
    expect(rt.stats()).toEqual(before);
    expect(rt.weakrefCount(obj)).toBe(0);
  });

  it('GcHost: clearWeakref detaches without calling back; callWeakrefCallback calls it', () => {
    const rt = makeRuntime();
    const obj = rt.newObject(registerReferent(rt));
    let called = 0;
    const wr = rt.newWeakref(obj, () => called++);
    rt.clearWeakref(wr);
    expect(rt.weakrefGet(wr)).toBe(0);
    expect(rt.weakrefCount(obj)).toBe(0);
    expect(called).toBe(0);
    rt.callWeakrefCallback(wr);
    expect(called).toBe(1);
    rt.decref(obj);
    expect(called).toBe(1);
    rt.decref(wr);
  });
});
