/**
 * The runtime guarantees the issue names, seen through the built-in types:
 * the immortal singletons, and a 10^6-deep nest of lists freed with a
 * constant JS stack depth (the trashcan).
 */
import { IMMORTAL_REFCNT, type Ptr } from '@pymem/core';
import { createPool } from '@pymem/pool';
import { Runtime } from '@pymem/refcount';
import { describe, expect, it } from 'vitest';
import { Objects } from '../src/index.js';

function stackDepth(): number {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = Infinity;
  const depth = new Error().stack!.split('\n').length;
  Error.stackTraceLimit = limit;
  return depth;
}

describe('immortal objects (PEP 683)', () => {
  it('None, True, False, the small ints -5..256 and the empty tuple ignore incref and decref', () => {
    const o = new Objects(new Runtime({ allocator: createPool({ backend: 'shared' }) }));
    const rt = o.rt;
    const immortals: Ptr[] = [o.None, o.True, o.False, o.tuple.new([])];
    for (let v = -5; v <= 256; v++) immortals.push(o.int.new(v));
    const live = rt.stats().liveObjects;
    for (const p of immortals) {
      for (let i = 0; i < 3; i++) rt.decref(p);
      rt.incref(p);
      expect(rt.refcount(p)).toBe(IMMORTAL_REFCNT);
      expect(rt.isImmortal(p)).toBe(true);
    }
    expect(o.int.new(256)).toBe(immortals[immortals.length - 1]);
    expect(o.tuple.new([])).toBe(immortals[3]);
    const mortal = o.int.new(257);
    expect(rt.isImmortal(mortal)).toBe(false);
    rt.decref(mortal);
    expect(rt.stats().liveObjects).toBe(live);
  });
});

describe('the trashcan through lists', () => {
  it('frees lists nested 10^6 deep with a constant JS stack depth', () => {
    const o = new Objects(new Runtime({ allocator: createPool({ backend: 'shared', maxBytes: 1 << 29 }), checks: false }));
    const rt = o.rt;
    const DEPTH = 1_000_000;
    const base = rt.stats().liveObjects;
    let deepest = 0;
    let freed = 0;
    // A marker type at the bottom samples the stack depth when it is freed,
    // i.e. at the very end of the cascade, where recursion would be deepest.
    const marker = rt.registerType({ name: 'marker', basicSize: 8, dealloc: () => (deepest = stackDepth()) });
    let inner = o.list.new();
    const bottom = rt.newObject(marker);
    o.list.append(inner, bottom);
    rt.decref(bottom);
    for (let i = 1; i < DEPTH; i++) {
      const outer = o.list.new();
      o.list.append(outer, inner);
      rt.decref(inner);
      inner = outer;
    }
    expect(rt.stats().liveObjects - base).toBe(DEPTH + 1);
    const outside = stackDepth();
    rt.decref(inner);
    freed = DEPTH + 1 - (rt.stats().liveObjects - base);
    expect(freed).toBe(DEPTH + 1);
    expect(deepest - outside).toBeLessThan(10);
  });
});
