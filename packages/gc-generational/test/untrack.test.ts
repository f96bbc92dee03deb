import { TypeFlags, type Ptr } from '@pymem/core';
import { Objects } from '@pymem/objects';
import { createPool } from '@pymem/pool';
import { Runtime } from '@pymem/refcount';
import { describe, expect, it } from 'vitest';
import { GenerationalGc, type GenerationalGcOptions } from '../src/index.js';

function setupObjects(options: GenerationalGcOptions = {}) {
  const gc = new GenerationalGc({ write: () => {}, ...options });
  const rt = new Runtime({ allocator: createPool(), gc });
  const o = new Objects(rt);
  return { gc, rt, o };
}

describe('untracking atomic tuples and dicts', () => {
  it('a tuple of atoms is untracked by any collection; one holding a list is not', () => {
    const { gc, rt, o } = setupObjects();
    const ints = o.tuple.new([o.int.new(1), o.str.new('x'), o.None]);
    const list = o.list.new();
    const withList = o.tuple.new([o.int.new(2), list]);
    expect(gc.isTracked(ints)).toBe(true);
    gc.collect(0);
    expect(gc.isTracked(ints)).toBe(false);
    expect(gc.isTracked(withList)).toBe(true);
    expect(gc.getObjects(1)).not.toContain(ints);
    // Once the list is gone from it... tuples are immutable: the list stays, so does tracking.
    gc.collect();
    expect(gc.isTracked(withList)).toBe(true);
    expect(rt.isObject(ints)).toBe(true);
    gc.checkInvariants();
  });

  it('untracked tuples inside a tuple, and the immortal empty tuple, count as atomic', () => {
    const { gc, o } = setupObjects();
    const inner = o.tuple.new([o.int.new(1)]);
    const outer = o.tuple.new([inner, o.tuple.new([])]);
    gc.collect(0); // inner comes first in the list: untracked before outer is looked at
    expect(gc.isTracked(inner)).toBe(false);
    expect(gc.isTracked(outer)).toBe(false);
    // A tuple holding a tracked tuple stays tracked while that one is.
    const l = o.list.new();
    const t1 = o.tuple.new([l]);
    const t2 = o.tuple.new([t1]);
    gc.collect(0);
    expect(gc.isTracked(t1) && gc.isTracked(t2)).toBe(true);
  });

  it('dicts are untracked only by full collections (CPython #14775)', () => {
    const { gc, o } = setupObjects();
    const d = o.dict.new();
    o.dict.setStr(d, 'a', o.int.new(1));
    const withList = o.dict.new();
    o.dict.setStr(withList, 'l', o.list.new());
    gc.collect(0);
    gc.collect(1);
    expect(gc.isTracked(d)).toBe(true);
    gc.collect(2);
    expect(gc.isTracked(d)).toBe(false);
    expect(gc.isTracked(withList)).toBe(true);
  });

  it('a tuple holding an untracked dict stays tracked: a dict may be tracked again', () => {
    const { gc, o } = setupObjects();
    const d = o.dict.new();
    gc.collect();
    expect(gc.isTracked(d)).toBe(false);
    const t = o.tuple.new([d]);
    gc.collect();
    expect(gc.isTracked(t)).toBe(true);
  });

  it('a container that tracks itself again when it stores a container keeps cycles collectable', () => {
    const { gc, rt, o } = setupObjects();
    const d = o.dict.new();
    gc.collect();
    expect(gc.isTracked(d)).toBe(false);
    // What CPython's MAINTAIN_TRACKING does on insertion:
    o.dict.setStr(d, 'self', d);
    rt.track(d);
    rt.decref(d);
    expect(gc.collect()).toEqual({ collected: 1, uncollectable: 0 });
    expect(rt.isObject(d)).toBe(false);
  });

  it('untrackAtomic: false leaves every container tracked', () => {
    const { gc, o } = setupObjects({ untrackAtomic: false });
    const t = o.tuple.new([o.int.new(1)]);
    const d = o.dict.new();
    gc.collect();
    expect(gc.isTracked(t) && gc.isTracked(d)).toBe(true);
  });

  it('works for user types flagged UNTRACK_WHEN_ATOMIC (treated like tuple)', () => {
    const gc = new GenerationalGc();
    const rt = new Runtime({ allocator: createPool({ backend: 'wasm' }), gc });
    const CHILD = 8;
    const pair = rt.registerType({
      name: 'box',
      basicSize: 12,
      flags: TypeFlags.GC | TypeFlags.UNTRACK_WHEN_ATOMIC,
      traverse: (p, visit, arg) => {
        const c = rt.heap.u32[(p + CHILD) >>> 2];
        return c === 0 ? 0 : visit(c, arg);
      },
      dealloc: (ctx, p) => ctx.xdecref(ctx.heap.u32[(p + CHILD) >>> 2]),
    });
    const plain = rt.registerType({ name: 'plain', basicSize: 8, flags: TypeFlags.GC });
    const atom = rt.registerType({ name: 'atom', basicSize: 8 });
    const box = (child: Ptr): Ptr => {
      const p = rt.newObject(pair);
      rt.incref(child);
      rt.heap.u32[(p + CHILD) >>> 2] = child;
      return p;
    };
    const a = box(rt.newObject(atom));
    const untrackedPlain = rt.newObject(plain);
    rt.untrack(untrackedPlain);
    const b = box(untrackedPlain);
    gc.collect(0);
    expect(gc.isTracked(a)).toBe(false);
    expect(gc.isTracked(b)).toBe(true); // an untracked object of another type may be tracked again
    gc.checkInvariants();
  });
});
