import { Objects } from '@pymem/objects';
import { createPool } from '@pymem/pool';
import { Runtime } from '@pymem/refcount';
import type { Ptr } from '@pymem/core';
import { describe, expect, it } from 'vitest';
import { MarkSweepGc } from '../src/index.js';
import { BACKENDS } from './helpers.js';

function runtime(backend: (typeof BACKENDS)[number]) {
  const gc = new MarkSweepGc({ threshold: 0 });
  const rt = new Runtime({ allocator: createPool({ backend }), gc });
  const o = new Objects(rt);
  const baseline = rt.stats().liveObjects; // singletons, small ints, interned strings
  const extra = (): number => rt.stats().liveObjects - baseline;
  /** No GC object left (interned attribute names are not GC objects, and stay). */
  const noGcObjects = (): void => expect(gc.trackedObjects()).toEqual([]);
  return { gc, rt, o, extra, noGcObjects };
}

describe.each(BACKENDS)('with the built-in object types (%s heap)', (backend) => {
  it('collects a list that contains itself, a dict cycle, and list <-> dict <-> instance cycles', () => {
    const { rt, o, extra, noGcObjects } = runtime(backend);
    const l = o.list.new();
    o.list.append(l, l);
    rt.decref(l);
    const d = o.dict.new();
    o.dict.setStr(d, 'self', d);
    rt.decref(d);
    const Node = o.instances.defineClass({ name: 'Node' });
    const a = Node.new();
    const l2 = o.list.new([a]);
    const d2 = o.dict.new();
    o.dict.setStr(d2, 'l', l2);
    Node.setattr(a, 'd', d2);
    [a, l2, d2].forEach((p) => rt.decref(p));
    expect(extra()).toBeGreaterThan(0);
    const r = rt.collect();
    expect(r.uncollectable).toBe(0);
    expect(r.collected).toBeGreaterThanOrEqual(6);
    noGcObjects();
  });

  it('keeps a structure held by a root or from JS, with its contents intact', () => {
    const { rt, o, gc, extra } = runtime(backend);
    const Node = o.instances.defineClass({ name: 'Node', slots: ['next', 'value'] });
    const nodes: Ptr[] = [];
    for (let i = 0; i < 50; i++) {
      const v = o.int.new(1000 + i);
      nodes.push(Node.new({ value: v }));
      rt.decref(v);
    }
    nodes.forEach((p, i) => Node.setattr(p, 'next', nodes[(i + 1) % 50]));
    const h = gc.addRoot(nodes[17]);
    const holder = o.list.new([nodes[3]]);
    nodes.forEach((p) => rt.decref(p));
    expect(rt.collect().collected).toBe(0);
    nodes.forEach((p, i) => {
      expect(Node.getattr(p, 'next')).toBe(nodes[(i + 1) % 50]);
      expect(o.toJS(Node.getattr(p, 'value'))).toBe(1000 + i);
    });
    gc.removeRoot(h);
    expect(rt.collect().collected).toBe(0); // the list still holds one of them
    rt.decref(holder); // the list goes by refcounting; the ring is now garbage
    expect(rt.collect().collected).toBe(50);
    expect(extra()).toBe(0);
  });

  it('marks a list of 20,000 cycles (the mark stack grows) and keeps them all', () => {
    const { rt, o, gc, noGcObjects } = runtime(backend);
    const big = o.list.new();
    for (let i = 0; i < 20_000; i++) {
      const l = o.list.new();
      o.list.append(l, l);
      o.list.append(big, l);
      rt.decref(l);
    }
    expect(rt.collect().collected).toBe(0);
    expect(gc.stats().marked).toBe(20_001);
    rt.decref(big);
    expect(rt.collect().collected).toBe(20_000);
    noGcObjects();
  });

  it('runs a class finalizer once; it may resurrect the instance', () => {
    const { rt, o, noGcObjects } = runtime(backend);
    const runs: Ptr[] = [];
    let keep: Ptr = 0;
    const Res = o.instances.defineClass({
      name: 'Res',
      finalize: (_o, self) => {
        runs.push(self);
        if (keep === 0) {
          rt.incref(self);
          keep = self;
        }
      },
    });
    const a = Res.new();
    Res.setattr(a, 'me', a);
    rt.decref(a);
    expect(rt.collect().collected).toBe(0);
    expect(runs).toEqual([a]);
    expect(Res.getattr(a, 'me')).toBe(a);
    rt.decref(keep);
    expect(rt.collect().collected).toBeGreaterThanOrEqual(1);
    expect(runs).toEqual([a]);
    noGcObjects();
  });

  it('gc_collect workload: 100 rings of 21 doubly linked nodes, dropped and collected', () => {
    const { rt, o, gc, extra } = runtime(backend);
    const Node = o.instances.defineClass({ name: 'Node', slots: ['next', 'prev'] });
    for (let r = 0; r < 100; r++) {
      const ring = Array.from({ length: 21 }, () => Node.new());
      ring.forEach((p, i) => {
        Node.setattr(p, 'next', ring[(i + 1) % 21]);
        Node.setattr(p, 'prev', ring[(i + 20) % 21]);
      });
      ring.forEach((p) => rt.decref(p));
    }
    expect(rt.collect().collected).toBe(2100);
    expect(gc.stats()).toMatchObject({ swept: 2100, marked: 0 });
    expect(extra()).toBe(0);
  });
});
