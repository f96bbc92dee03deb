/**
 * The collector under the built-in types of @pymem/objects: some of
 * Lib/test/test_gc.py's scenarios that fit the object model.
 */
import type { HeapBackend, Ptr } from '@pymem/core';
import { Objects } from '@pymem/objects';
import { createPool } from '@pymem/pool';
import { Runtime } from '@pymem/refcount';
import { describe, expect, it } from 'vitest';
import { TrialDeletionGc } from '../src/index.js';

function make(backend: HeapBackend, bufferSize = 1 << 30) {
  const gc = new TrialDeletionGc({ bufferSize });
  const rt = new Runtime({ allocator: createPool({ backend }), gc });
  const o = new Objects(rt);
  return { gc, rt, o, base: rt.stats().liveObjects };
}

describe.each(['arraybuffer', 'wasm'] as HeapBackend[])('built-in objects (%s heap)', (backend) => {
  it('the README example', () => {
    const { gc, rt, o, base } = make(backend, 1000);
    const l = o.list.new();
    o.list.append(l, l);
    rt.decref(l);
    expect([gc.candidates(), gc.colourOf(l)]).toEqual([1, 'purple']);
    expect(rt.collect()).toEqual({ collected: 1, uncollectable: 0 });
    expect(gc.stats().lastExamined).toBe(1);
    expect(rt.stats().liveObjects).toBe(base);
  });

  it('test_list: l = []; l.append(l)', () => {
    const { gc, rt, o, base } = make(backend);
    const l = o.list.new();
    o.list.append(l, l);
    rt.decref(l);
    expect(gc.collect().collected).toBe(1);
    expect(rt.stats().liveObjects).toBe(base);
  });

  it('test_dict: d = {}; d[1] = d', () => {
    const { gc, rt, o, base } = make(backend);
    const d = o.dict.new();
    const one = o.int.new(1);
    o.dict.set(d, one, d);
    rt.decref(one);
    rt.decref(d);
    expect(gc.collect().collected).toBe(1);
    expect(rt.stats().liveObjects).toBe(base);
  });

  it('test_tuple: l = []; t = (l,); l.append(t)', () => {
    const { gc, rt, o, base } = make(backend);
    const l = o.list.new();
    const t = o.tuple.new([l]);
    o.list.append(l, t);
    rt.decref(t);
    rt.decref(l);
    expect(gc.collect().collected).toBe(2);
    expect(rt.stats().liveObjects).toBe(base);
  });

  it('test_instance and test_del: a cycle of instances, one with a finalizer that runs once', () => {
    const { gc, rt, o } = make(backend);
    for (const name of ['b', 'me']) o.str.intern(name); // immortal attribute names, made before counting
    const base = rt.stats().liveObjects;
    const calls: Ptr[] = [];
    const A = o.instances.defineClass({ name: 'A', finalize: (_o, self) => calls.push(self) });
    const B = o.instances.defineClass({ name: 'B', slots: ['other'] });
    const a = A.new();
    const b = B.new({ other: a });
    A.setattr(a, 'b', b);
    A.setattr(a, 'me', a);
    rt.decref(a);
    rt.decref(b);
    expect(gc.collect().collected).toBeGreaterThanOrEqual(2);
    expect(calls).toEqual([a]);
    expect(rt.stats().liveObjects).toBe(base);
  });

  it('a structure of lists and dicts dropped by a small buffer goes without an explicit collect', () => {
    const { gc, rt, o, base } = make(backend, 64);
    for (let round = 0; round < 200; round++) {
      const parent = o.list.new();
      const d = o.dict.new();
      o.dict.setStr(d, 'parent', parent);
      o.list.append(parent, d);
      for (let i = 0; i < 3; i++) {
        const child = o.list.new([parent]);
        o.list.append(parent, child);
        rt.decref(child);
      }
      rt.decref(d);
      rt.decref(parent);
    }
    expect(gc.stats().automatic).toBeGreaterThan(0);
    gc.collect();
    expect(rt.stats().liveObjects).toBe(base);
    gc.checkInvariants();
  });
});
