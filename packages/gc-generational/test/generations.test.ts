import { InvalidObjectError } from '@pymem/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, GcArgumentError, GcGenerationError, GenerationalGc, type CollectionInfo } from '../src/index.js';
import { gen, setup } from './helpers.js';

describe('counts (gc.get_count)', () => {
  it('count0 is allocations minus deallocations of GC objects, never below 0', () => {
    const s = setup();
    expect(s.gc.getCount()).toEqual([0, 0, 0]);
    const objs = Array.from({ length: 5 }, () => s.make());
    expect(s.gc.getCount()).toEqual([5, 0, 0]);
    s.rt.decref(objs[0]);
    s.rt.decref(objs[1]);
    expect(s.gc.getCount()).toEqual([3, 0, 0]);
    // Non-GC objects do not count.
    const a = s.rt.newObject(s.atom);
    expect(s.gc.getCount()[0]).toBe(3);
    s.rt.decref(a);
    s.gc.collect(0);
    expect(s.gc.getCount()).toEqual([0, 1, 0]);
    // Freeing objects after a collection leaves count0 at 0.
    s.rt.decref(objs[2]);
    expect(s.gc.getCount()[0]).toBe(0);
    s.gc.checkInvariants();
  });

  it('count1 counts generation-0 collections, count2 generation-1 ones; collecting resets the younger counts', () => {
    const s = setup();
    s.make();
    s.gc.collect(0);
    s.gc.collect(0);
    expect(s.gc.getCount()).toEqual([0, 2, 0]);
    s.make();
    s.gc.collect(1);
    expect(s.gc.getCount()).toEqual([0, 0, 1]);
    s.gc.collect(0);
    s.gc.collect(1);
    expect(s.gc.getCount()).toEqual([0, 0, 2]);
    s.make();
    s.gc.collect(2);
    expect(s.gc.getCount()).toEqual([0, 0, 0]);
  });
});

describe('thresholds (gc.get_threshold / set_threshold)', () => {
  it("default to CPython 3.13's (2000, 10, 10) and change only where given", () => {
    const s = setup();
    expect(s.gc.getThreshold()).toEqual([...DEFAULT_THRESHOLDS]);
    expect(s.gc.getThreshold()).toEqual([2000, 10, 10]);
    s.gc.setThreshold(5);
    expect(s.gc.getThreshold()).toEqual([5, 10, 10]);
    s.gc.setThreshold(7, 3);
    expect(s.gc.getThreshold()).toEqual([7, 3, 10]);
    s.gc.setThreshold(1, 2, 4);
    expect(s.gc.getThreshold()).toEqual([1, 2, 4]);
    expect(setup({ thresholds: [9, 8, 7] }).gc.getThreshold()).toEqual([9, 8, 7]);
  });

  it('rejects bad thresholds with a typed error before changing anything', () => {
    const s = setup();
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 32, '3' as unknown as number]) {
      expect(() => s.gc.setThreshold(bad)).toThrow(GcArgumentError);
      expect(() => s.gc.setThreshold(1, bad)).toThrow(GcArgumentError);
      expect(() => s.gc.setThreshold(1, 1, bad)).toThrow(expect.objectContaining({ code: 'ERR_GC_ARGUMENT' }));
    }
    expect(s.gc.getThreshold()).toEqual([2000, 10, 10]);
    expect(() => new GenerationalGc({ thresholds: [1, -2, 3] })).toThrow(GcArgumentError);
    expect(() => new GenerationalGc({ thresholds: [1, 2] as unknown as [number, number, number] })).toThrow(GcArgumentError);
  });
});

describe('automatic collection', () => {
  /** CPython's collect_generations over held objects: which generation each allocation collects (-1: none). */
  function cpythonSchedule(thresholds: number[], allocations: number, longLivedTotal0: number, initialGen2: number) {
    const count = [0, 0, 0];
    const size = [0, 0, initialGen2];
    let pending = 0;
    let total = longLivedTotal0;
    const out: number[] = [];
    for (let i = 0; i < allocations; i++) {
      count[0]++;
      size[0]++;
      let collected = -1;
      if (count[0] > thresholds[0]) {
        for (let g = 2; g >= 0; g--) {
          if (count[g] <= thresholds[g]) continue;
          if (g === 2 && pending < Math.floor(total / 4)) continue;
          collected = g;
          break;
        }
      }
      if (collected >= 0) {
        const g = collected;
        if (g < 2) count[g + 1]++;
        for (let k = 0; k <= g; k++) count[k] = 0;
        let young = 0;
        for (let k = 0; k <= g; k++) {
          young += size[k];
          size[k] = 0;
        }
        if (g < 2) {
          if (g === 1) pending += young;
          size[g + 1] += young;
        } else {
          pending = 0;
          total = young;
          size[2] = young;
        }
      }
      out.push(collected);
    }
    return out;
  }

  function observe(s: ReturnType<typeof setup>, allocations: number): { schedule: number[]; infos: [string, CollectionInfo][] } {
    const infos: [string, CollectionInfo][] = [];
    s.gc.callbacks.push((phase, info) => infos.push([phase, { ...info }]));
    const schedule: number[] = [];
    for (let i = 0; i < allocations; i++) {
      const before = infos.length;
      s.make();
      schedule.push(infos.length === before ? -1 : infos[before][1].generation);
    }
    return { schedule, infos };
  }

  it('collects generation 0 when count0 exceeds threshold0, and callbacks see start and stop', () => {
    const s = setup({ thresholds: [10, 10, 10] });
    const { schedule, infos } = observe(s, 11);
    expect(schedule.slice(0, 10)).toEqual(Array(10).fill(-1));
    expect(schedule[10]).toBe(0);
    expect(infos).toEqual([
      ['start', { generation: 0, collected: 0, uncollectable: 0 }],
      ['stop', { generation: 0, collected: 0, uncollectable: 0 }],
    ]);
    // All 11 objects (the new one too) survived into generation 1.
    expect(s.gc.getObjects(0)).toEqual([]);
    expect(s.gc.getObjects(1)).toHaveLength(11);
    expect(s.gc.getCount()).toEqual([0, 1, 0]);
  });

  it('picks the oldest generation over its threshold (hand-computed for thresholds 2, 2, 2)', () => {
    const s = setup({ thresholds: [2, 2, 2] });
    const { schedule } = observe(s, 48);
    const collections = schedule.map((g, i) => [i + 1, g]).filter(([, g]) => g >= 0);
    expect(collections).toEqual([
      [3, 0], [6, 0], [9, 0], [12, 1],
      [15, 0], [18, 0], [21, 0], [24, 1],
      [27, 0], [30, 0], [33, 0], [36, 1],
      // count2 is now 3 > 2 and long_lived_pending (36) >= long_lived_total (0) / 4
      [39, 2], [42, 0], [45, 0], [48, 0],
    ]);
    expect(s.gc.getStats().map((g) => g.collections)).toEqual([12, 3, 1]);
    expect(s.gc.getObjects(2)).toHaveLength(39);
    expect(s.gc.getObjects(1)).toHaveLength(9);
    expect(s.gc.getCount()).toEqual([0, 3, 0]);
  });

  it('the 25% rule: a full collection waits until long_lived_pending reaches long_lived_total / 4', () => {
    const s = setup({ thresholds: [2, 2, 2] });
    s.gc.disable();
    for (let i = 0; i < 1000; i++) s.make();
    s.gc.collect(); // long_lived_total = 1000
    s.gc.enable();
    const { schedule } = observe(s, 1200);
    expect(schedule).toEqual(cpythonSchedule([2, 2, 2], 1200, 1000, 1000));
    // Without the rule, a full collection would come at the 48th allocation.
    const firstFull = schedule.indexOf(2) + 1;
    expect(firstFull).toBeGreaterThan(48);
    // By then at least 250 objects (1000 / 4) were promoted by generation-1 collections.
    const gen1Before = schedule.slice(0, firstFull - 1).filter((g) => g === 1).length;
    expect(gen1Before * 12).toBeGreaterThanOrEqual(250);
    expect(s.gc.getStats()[2].collections).toBe(1 + schedule.filter((g) => g === 2).length);
  });

  it('disable() stops it, threshold0 = 0 stops it, enable() restarts it', () => {
    const s = setup({ thresholds: [3, 10, 10] });
    s.gc.disable();
    expect(s.gc.isEnabled()).toBe(false);
    expect(observe(s, 10).schedule).toEqual(Array(10).fill(-1));
    s.gc.enable();
    s.gc.setThreshold(0);
    expect(observe(s, 10).schedule).toEqual(Array(10).fill(-1));
    s.gc.setThreshold(3);
    expect(s.gc.isEnabled()).toBe(true);
    expect(observe(s, 1).schedule).toEqual([0]);
    expect(setup({ enabled: false }).gc.isEnabled()).toBe(false);
  });

  it('frees garbage cycles when it runs', () => {
    const s = setup({ thresholds: [4, 10, 10] });
    const a = s.make();
    s.link(a, 0, a);
    s.rt.decref(a);
    const stops: CollectionInfo[] = [];
    s.gc.callbacks.push((phase, info) => phase === 'stop' && stops.push(info));
    for (let i = 0; i < 4; i++) s.make();
    expect(stops).toEqual([{ generation: 0, collected: 1, uncollectable: 0 }]);
    expect(s.rt.isObject(a)).toBe(false);
  });
});

describe('collect(generation)', () => {
  it('moves survivors one generation up (gen 2 survivors stay)', () => {
    const s = setup();
    const a = s.make();
    const b = s.make(a);
    expect(gen(s, 0)).toEqual(new Set([a, b]));
    s.gc.collect(0);
    expect(s.gc.getObjects(0)).toEqual([]);
    expect(gen(s, 1)).toEqual(new Set([a, b]));
    const c = s.make();
    s.gc.collect(0);
    expect(gen(s, 1)).toEqual(new Set([a, b, c]));
    s.gc.collect(1);
    expect(gen(s, 2)).toEqual(new Set([a, b, c]));
    const d = s.make();
    s.gc.collect(1);
    expect(gen(s, 2)).toEqual(new Set([a, b, c, d]));
    s.gc.collect(2);
    expect(gen(s, 2)).toEqual(new Set([a, b, c, d]));
    expect(new Set(s.gc.getObjects())).toEqual(new Set([a, b, c, d]));
    s.gc.checkInvariants();
  });

  it('frees a cycle only when all of it lies in the collected generations', () => {
    const s = setup();
    const old = s.make();
    s.gc.collect(0); // old -> generation 1
    const young = s.make(old);
    s.link(old, 0, young);
    s.rt.decref(old);
    s.rt.decref(young);
    expect(s.gc.collect(0)).toEqual({ collected: 0, uncollectable: 0 });
    expect(s.rt.isObject(young)).toBe(true); // referenced from generation 1: external
    expect(gen(s, 1)).toEqual(new Set([old, young]));
    expect(s.gc.collect(1)).toEqual({ collected: 2, uncollectable: 0 });
    expect(s.rt.stats().liveObjects).toBe(0);
    expect(s.gc.getStats()).toEqual([
      { collections: 2, collected: 0, uncollectable: 0 },
      { collections: 1, collected: 2, uncollectable: 0 },
      { collections: 0, collected: 0, uncollectable: 0 },
    ]);
  });

  it('rejects a generation outside 0..2 with GcGenerationError before changing anything', () => {
    const s = setup();
    s.make();
    for (const bad of [3, -1, 1.5, Number.NaN, '1' as unknown as number]) {
      expect(() => s.gc.collect(bad)).toThrow(GcGenerationError);
      expect(() => s.gc.getObjects(bad)).toThrow(expect.objectContaining({ code: 'ERR_GC_GENERATION' }));
    }
    expect(s.gc.getCount()).toEqual([1, 0, 0]);
    expect(s.gc.getStats().every((g) => g.collections === 0)).toBe(true);
    expect(() => s.rt.collect(7)).toThrow(GcGenerationError);
    expect(s.rt.collect().collected).toBe(0); // the runtime's collect() is a full one
    expect(s.gc.getStats()[2].collections).toBe(1);
  });

  it('a collection started while one runs returns {0, 0}', () => {
    const s = setup();
    const nested: unknown[] = [];
    s.hooks.onFinalize = () => nested.push(s.gc.collect());
    s.gc.callbacks.push((phase) => phase === 'start' && nested.push(s.gc.collect(0)));
    const f = s.rt.newObject(s.fin);
    s.link(f, 0, f);
    s.rt.decref(f);
    expect(s.gc.collect()).toEqual({ collected: 1, uncollectable: 0 });
    expect(nested).toEqual([
      { collected: 0, uncollectable: 0 },
      { collected: 0, uncollectable: 0 },
    ]);
    expect(s.gc.getStats()[2].collections).toBe(1);
    expect(s.gc.getStats()[0].collections).toBe(0);
  });
});

describe('freeze / unfreeze / get_freeze_count', () => {
  it('moves every tracked object to the permanent generation and back to the oldest', () => {
    const s = setup();
    const a = s.make();
    s.link(a, 0, a);
    s.gc.collect(0);
    const b = s.make(a);
    s.link(a, 1, b);
    s.rt.decref(a);
    s.rt.decref(b); // a -> a, a <-> b: garbage, but frozen
    expect(s.gc.getCount()[0]).toBe(1);
    s.gc.freeze();
    expect(s.gc.getFreezeCount()).toBe(2);
    expect(s.gc.getObjects()).toEqual([]);
    expect(s.gc.getCount()[0]).toBe(0);
    expect(s.gc.collect()).toEqual({ collected: 0, uncollectable: 0 });
    expect(s.rt.isObject(a) && s.rt.isObject(b)).toBe(true);
    expect(s.gc.isTracked(a)).toBe(true);
    s.gc.unfreeze();
    expect(s.gc.getFreezeCount()).toBe(0);
    expect(gen(s, 2)).toEqual(new Set([a, b]));
    expect(s.gc.collect()).toEqual({ collected: 2, uncollectable: 0 });
    expect(s.rt.stats().liveObjects).toBe(0);
  });

  it('references from frozen objects are external: what they hold survives', () => {
    const s = setup();
    const holder = s.make();
    s.gc.freeze();
    const held = s.make();
    s.link(held, 0, held);
    s.link(holder, 0, held);
    s.rt.decref(held);
    expect(s.gc.collect().collected).toBe(0);
    s.link(holder, 0, 0);
    expect(s.gc.collect().collected).toBe(1);
    s.gc.checkInvariants();
  });
});

describe('get_objects / get_referrers / get_referents / is_tracked / is_finalized', () => {
  it('get_referrers finds tracked referrers in generations 0-2; get_referents what traverse visits', () => {
    const s = setup();
    const b = s.make();
    const atom = s.rt.newObject(s.atom);
    const a = s.make(b, atom);
    const c = s.make(b, b);
    const frozen = s.make();
    expect(s.gc.getReferrers(b)).toEqual([a, c]);
    expect(s.gc.getReferrers(atom)).toEqual([a]);
    expect(s.gc.getReferrers(a)).toEqual([]);
    expect(new Set(s.gc.getReferrers(a, atom, b))).toEqual(new Set([a, c]));
    expect(s.gc.getReferents(a)).toEqual([b, atom]);
    expect(s.gc.getReferents(c)).toEqual([b, b]);
    expect(s.gc.getReferents(a, c)).toEqual([b, atom, b, b]);
    expect(s.gc.getReferents(atom)).toEqual([]); // not a GC object
    // Untracked and frozen referrers are not reported (CPython walks generations 0-2).
    s.link(frozen, 0, b);
    s.rt.untrack(c);
    s.gc.freeze();
    s.gc.unfreeze();
    s.rt.untrack(a);
    expect(s.gc.getReferrers(b)).toEqual([frozen]);
    s.rt.track(a);
    s.gc.freeze();
    expect(s.gc.getReferrers(b)).toEqual([]);
    s.gc.unfreeze();
    // Dead pointers: a typed error.
    expect(() => s.gc.getReferents(123456)).toThrow(InvalidObjectError);
    expect(() => s.gc.getReferrers(8)).toThrow(InvalidObjectError);
  });

  it('is_tracked follows track / untrack and is false for non-GC objects; is_finalized after the finalizer', () => {
    const s = setup();
    const a = s.make();
    const atom = s.rt.newObject(s.atom);
    expect(s.gc.isTracked(a)).toBe(true);
    expect(s.gc.isTracked(atom)).toBe(false);
    s.rt.untrack(a);
    expect(s.gc.isTracked(a)).toBe(false);
    expect(s.gc.getObjects()).toEqual([]);
    s.rt.untrack(a); // no-op
    s.rt.track(a);
    s.rt.track(a); // no-op
    expect(s.gc.getObjects(0)).toEqual([a]);
    const f = s.rt.newObject(s.fin);
    s.link(f, 0, f);
    expect(s.gc.isFinalized(f)).toBe(false);
    expect(s.gc.isFinalized(atom)).toBe(false);
    s.hooks.onFinalize = (p) => s.rt.incref(p); // resurrect
    s.rt.decref(f);
    s.gc.collect();
    expect(s.rt.isObject(f)).toBe(true);
    expect(s.gc.isFinalized(f)).toBe(true);
    expect(() => s.gc.isTracked(4096 + 8)).toThrow(InvalidObjectError);
    s.gc.checkInvariants();
  });
});

describe('lifecycle errors', () => {
  it('the API needs a runtime; a collector serves one runtime', () => {
    const gc = new GenerationalGc();
    expect(() => gc.collect()).toThrow(GcArgumentError);
    expect(() => gc.getCount()).toThrow(GcArgumentError);
    expect(() => gc.freeze()).toThrow(GcArgumentError);
    const s = setup();
    expect(() => s.gc.attach(s.rt)).toThrow(GcArgumentError);
    expect(() => s.gc.setDebug(-1)).toThrow(GcArgumentError);
    expect(s.gc.getDebug()).toBe(0);
  });
});
