import type { Ptr } from '@pymem/core';
import { describe, expect, it } from 'vitest';
import { gen, setup } from './helpers.js';

describe('disposal inside a generational collection', () => {
  it('finalizers run once; resurrected objects survive into the next generation, the rest is freed', () => {
    const s = setup();
    const saved: Ptr[] = [];
    s.hooks.onFinalize = (p) => {
      s.rt.incref(p);
      saved.push(p);
    };
    const f = s.rt.newObject(s.fin);
    const n = s.make(f);
    s.link(f, 0, n);
    const other = s.make();
    s.link(other, 0, other);
    s.rt.decref(f);
    s.rt.decref(n);
    s.rt.decref(other);
    expect(s.gc.collect(0)).toEqual({ collected: 1, uncollectable: 0 });
    expect(s.finalized.get(f)).toBe(1);
    expect(s.rt.isObject(other)).toBe(false);
    expect(gen(s, 1)).toEqual(new Set([f, n]));
    s.rt.decref(saved.pop()!);
    expect(s.gc.collect(1)).toEqual({ collected: 2, uncollectable: 0 });
    expect(s.finalized.get(f)).toBe(1);
    expect(s.rt.stats().liveObjects).toBe(0);
    s.gc.checkInvariants();
  });

  it('clears weakrefs to garbage and calls back the live ones', () => {
    const s = setup();
    const calls: Ptr[] = [];
    const a = s.make();
    s.link(a, 0, a);
    const wr = s.rt.newWeakref(a, (w) => calls.push(w));
    s.rt.decref(a);
    s.gc.collect();
    expect(calls).toEqual([wr]);
    expect(s.rt.weakrefGet(wr)).toBe(0);
    s.rt.decref(wr);
    expect(s.rt.stats().liveObjects).toBe(0);
  });

  it('survives a heap that grows while finalizers allocate (views re-read)', () => {
    for (const backend of ['wasm', 'shared', 'arraybuffer'] as const) {
      const s = setup({ backend });
      const kept: Ptr[] = [];
      s.hooks.onFinalize = () => {
        if (kept.length === 0) for (let i = 0; i < 50_000; i++) kept.push(s.make());
      };
      const ring = Array.from({ length: 50 }, () => s.rt.newObject(s.fin));
      ring.forEach((p, i) => s.link(p, 0, ring[(i + 1) % ring.length]));
      const version = s.rt.heap.version;
      const bytes = s.rt.heap.byteLength;
      ring.forEach((p) => s.rt.decref(p));
      expect(s.gc.collect()).toEqual({ collected: 50, uncollectable: 0 });
      expect(s.rt.heap.byteLength).toBeGreaterThan(bytes);
      if (backend !== 'arraybuffer') expect(s.rt.heap.version).toBeGreaterThan(version);
      // count0: reset when the collection started, +1 per allocation, -1 per object freed.
      expect(s.gc.getCount()[0]).toBe(kept.length - ring.length);
      expect(s.gc.getObjects(0)).toHaveLength(kept.length);
      expect(s.gc.getStats()[2].collected).toBe(50);
      s.gc.checkInvariants();
    }
  });

  it('frees a 10^5-deep chain hanging off a cycle, and 10^5-long rings, without deep recursion', () => {
    const s = setup({ checks: false, enabled: false });
    const head = s.make();
    s.link(head, 0, head);
    let cur = head;
    for (let i = 0; i < 100_000; i++) {
      const n = s.make();
      s.link(cur, 1, n);
      s.rt.decref(n);
      cur = n;
    }
    s.rt.decref(head);
    expect(s.gc.collect(0).collected).toBe(100_001);
    const ring = Array.from({ length: 100_000 }, () => s.make());
    ring.forEach((p, i) => s.link(p, 0, ring[(i + 1) % ring.length]));
    ring.forEach((p) => s.rt.decref(p));
    expect(s.gc.collect(0).collected).toBe(100_000);
    expect(s.rt.stats().liveObjects).toBe(0);
  });

  it('a throwing callback goes to the unraisable hook; the collection and other callbacks go on', () => {
    const s = setup();
    const phases: string[] = [];
    s.gc.callbacks.push(() => {
      throw new Error('boom');
    });
    s.gc.callbacks.push((phase) => phases.push(phase));
    const a = s.make();
    s.link(a, 0, a);
    s.rt.decref(a);
    expect(s.gc.collect().collected).toBe(1);
    expect(phases).toEqual(['start', 'stop']);
    expect(s.unraisable).toHaveLength(2);
    expect(String(s.unraisable[0])).toContain('boom');
    // The COLLECTING flag was cleared: collections still run.
    s.gc.callbacks.length = 0;
    const b = s.make();
    s.link(b, 0, b);
    s.rt.decref(b);
    expect(s.gc.collect(0).collected).toBe(1);
  });

  it('a runtime created with it tracks, counts and collects through the runtime API', () => {
    const s = setup();
    const a = s.make();
    expect(s.rt.isTracked(a)).toBe(true);
    s.rt.makeImmortal(a);
    expect(s.rt.isTracked(a)).toBe(false);
    const b = s.make();
    s.link(b, 0, b);
    s.rt.decref(b);
    expect(s.rt.collect(0)).toEqual({ collected: 1, uncollectable: 0 });
    expect(s.gc.getStats()[0]).toEqual({ collections: 1, collected: 1, uncollectable: 0 });
  });
});
