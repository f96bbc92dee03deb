/**
 * The GC behavioural suite: CPython's Lib/test/test_gc.py scenarios that fit
 * pymem's object model, run over every cycle collector with the same
 * expectations (CPython 3.11+'s results). Each title names the CPython test
 * it ports. API only one strategy has (generational's counts, generations,
 * freeze, get_referents, stats) is tested for that strategy only, at the end.
 *
 * Our object model against CPython's, where counts depend on it:
 * - a list's item array, a dict's keys block and a tuple's items are not
 *   objects (as in CPython): one container = one object;
 * - small ints, interned strs, None, True and False are immortal and not GC
 *   objects: they never count;
 * - an instance of a *dict class* owns a real `dict` object for its
 *   attributes, so a garbage instance counts 2 (instance + dict): what
 *   test_gc counted before CPython stored attribute values inline in the
 *   object ("instance object & its dict", 2*N). An instance of a *slot
 *   class* has no dict and counts 1: what CPython 3.13+ counts for a plain
 *   instance ("instance objects", N). The scenarios run over both kinds.
 */
import { RefcountError, type Ptr } from '@pymem/core';
import { describe, expect, it } from 'vitest';
import type { PyRuntime } from '../src/index.js';
import { CYCLE_STRATEGIES, FinalizerLog, NONE, fixture, type StrategyCase } from './helpers.js';

/** A class kind and what one garbage instance of it counts in collect(). */
const CLASS_KINDS = [
  { kind: 'dict class', perInstance: 2, slots: undefined },
  { kind: 'slot class', perInstance: 1, slots: ['a', 'b', 'me', 'cargo', 'laz', 'wr', 'other', 'attr', 'x', 'loop', 'i', 'c', 'keep'] },
] as const;

type ClassKind = (typeof CLASS_KINDS)[number];

function defineClass(py: PyRuntime, kind: ClassKind, name: string, finalize?: (self: Ptr) => void) {
  return py.instances.defineClass({
    name,
    slots: kind.slots,
    finalize: finalize === undefined ? undefined : (_o, self) => finalize(self),
  });
}

/** An instance of `cls` whose attribute `me` is itself (CPython's `self.me = self`). */
function selfLoop(cls: ReturnType<typeof defineClass>): Ptr {
  const p = cls.new();
  cls.setattr(p, 'me', p);
  return p;
}

describe.each(CYCLE_STRATEGIES)('$name collector: test_gc scenarios', (s: StrategyCase) => {
  it('test_list: a list that holds itself; collect() frees 1 object', () => {
    const { py, live, atBaseline } = fixture(s);
    const l = py.list.new();
    py.list.append(l, l);
    expect(py.collect()).toEqual({ collected: 0, uncollectable: 0 });
    expect(py.refcount(l)).toBe(2);
    py.decref(l);
    expect(live()).toBe(1);
    expect(py.collect()).toEqual({ collected: 1, uncollectable: 0 });
    atBaseline();
    expect(() => py.refcount(l)).toThrow(RefcountError);
  });

  it('test_dict: a dict that holds itself (d[1] = d); collect() frees 1', () => {
    const { py, atBaseline } = fixture(s);
    const d = py.dict.new();
    py.dict.set(d, py.int.new(1), d);
    expect(py.collect().collected).toBe(0);
    py.decref(d);
    expect(py.collect()).toEqual({ collected: 1, uncollectable: 0 });
    atBaseline();
  });

  it('test_tuple: a tuple-list cycle (t = (l,); l.append(t)); collect() frees 2', () => {
    const { py, atBaseline } = fixture(s);
    const l = py.list.new();
    const t = py.tuple.new([l]);
    py.list.append(l, t);
    expect(py.collect().collected).toBe(0);
    py.decref(t);
    py.decref(l);
    expect(py.collect()).toEqual({ collected: 2, uncollectable: 0 });
    atBaseline();
  });

  it('test_function-like: a dict and a list that hold each other, plus acyclic payload; all of it goes', () => {
    const { py, atBaseline } = fixture(s);
    const d = py.dict.new();
    const l = py.list.new();
    py.dict.setStr(d, 'k0', l); // a fresh str key: a non-GC object, freed by refcounting
    py.list.append(l, d);
    const payload = py.str.new('payload');
    py.list.append(l, payload);
    py.decref(payload);
    py.decref(l);
    py.decref(d);
    expect(py.collect().collected).toBe(2); // the strs are not GC objects: refcounting frees them
    atBaseline();
  });

  describe.each(CLASS_KINDS)('instances of a $kind', (kind) => {
    it('test_instance / test_newinstance: a.a = a; collect() frees the instance (and its dict)', () => {
      const { py, live, atBaseline } = fixture(s);
      const A = defineClass(py, kind, 'A');
      const a = A.new();
      A.setattr(a, 'a', a);
      expect(py.collect().collected).toBe(0);
      py.decref(a);
      expect(live()).toBe(kind.perInstance);
      expect(py.collect()).toEqual({ collected: kind.perInstance, uncollectable: 0 });
      atBaseline();
    });

    it('test_boom-like: a <-> b through attributes; collect() frees 2 instances (4 objects with dicts)', () => {
      const { py, atBaseline } = fixture(s);
      const A = defineClass(py, kind, 'A');
      const a = A.new();
      const b = A.new();
      A.setattr(a, 'attr', b);
      A.setattr(b, 'attr', a);
      py.decref(a);
      py.decref(b);
      expect(py.collect()).toEqual({ collected: 2 * kind.perInstance, uncollectable: 0 });
      atBaseline();
    });

    it('PEP 442 (test_legacy_finalizer is gone): a cycle with finalizers is freed; each finalizer runs once', () => {
      const { py, atBaseline } = fixture(s);
      const log = new FinalizerLog();
      const A = defineClass(py, kind, 'A', (self) => log.record(self));
      const B = defineClass(py, kind, 'B');
      const a = A.new();
      const a2 = A.new();
      A.setattr(a, 'a', a2);
      A.setattr(a2, 'a', a);
      const b = selfLoop(B);
      py.decref(a);
      py.decref(a2);
      py.decref(b);
      expect(py.collect()).toEqual({ collected: 3 * kind.perInstance, uncollectable: 0 });
      expect(log.count(a)).toBe(1);
      expect(log.count(a2)).toBe(1);
      expect(log.total).toBe(2);
      atBaseline();
      expect(py.collect().collected).toBe(0);
      expect(log.total).toBe(2);
    });

    it('test_is_finalized: a resurrected object reports that its finalizer ran', () => {
      const { py, atBaseline } = fixture(s);
      const storage: Ptr[] = [];
      const Lazarus = defineClass(py, kind, 'Lazarus', (self) => {
        py.incref(self);
        storage.push(self);
      });
      const laz = selfLoop(Lazarus);
      expect(py.isFinalized(laz)).toBe(false);
      py.decref(laz);
      py.collect();
      expect(storage).toEqual([laz]);
      expect(py.isFinalized(laz)).toBe(true);
      expect(Lazarus.getattr(laz, 'me')).toBe(laz); // intact: clear() never ran on it
      py.decref(storage.pop()!);
      expect(py.collect().collected).toBe(kind.perInstance);
      atBaseline();
    });

    it('test_resurrection_only_happens_once_per_object', () => {
      const { py, atBaseline } = fixture(s);
      let resurrected = 0;
      const instances: Ptr[] = [];
      const Lazarus = defineClass(py, kind, 'Lazarus', (self) => {
        resurrected++;
        py.incref(self);
        instances.push(self);
      });
      const laz = selfLoop(Lazarus);
      expect(resurrected).toBe(0);
      py.decref(laz);
      expect(py.collect()).toEqual({ collected: 0, uncollectable: 0 });
      expect(resurrected).toBe(1);
      expect(instances).toEqual([laz]);
      // Drop the resurrecting reference: the next collection frees it without a second call.
      py.decref(instances.pop()!);
      expect(resurrected).toBe(1);
      expect(py.collect()).toEqual({ collected: kind.perInstance, uncollectable: 0 });
      expect(resurrected).toBe(1);
      atBaseline();
    });

    it('test_resurrection_is_transitive: what a resurrected object references survives intact', () => {
      const { py, atBaseline } = fixture(s);
      const instances: Ptr[] = [];
      const Cargo = defineClass(py, kind, 'Cargo');
      const Lazarus = defineClass(py, kind, 'Lazarus', (self) => {
        py.incref(self);
        instances.push(self);
      });
      const laz = Lazarus.new();
      const cargo = selfLoop(Cargo);
      Lazarus.setattr(laz, 'cargo', cargo);
      Cargo.setattr(cargo, 'laz', laz);
      py.decref(laz);
      py.decref(cargo);
      expect(py.collect().collected).toBe(0);
      expect(instances).toEqual([laz]);
      const instance = instances.pop()!;
      expect(Lazarus.hasattr(instance, 'cargo')).toBe(true);
      expect(Lazarus.getattr(instance, 'cargo')).toBe(cargo);
      expect(Cargo.getattr(cargo, 'me')).toBe(cargo);
      expect(Cargo.getattr(cargo, 'laz')).toBe(laz);
      expect(py.refcount(cargo)).toBe(2); // its own `me` and laz.cargo
      py.decref(instance);
      expect(py.collect().collected).toBe(2 * kind.perInstance);
      atBaseline();
    });

    it('test_resurrection_does_not_block_cleanup_of_other_objects (N = 100)', () => {
      const { py, atBaseline } = fixture(s);
      const N = 100;
      const per = kind.perInstance;
      const zs: Ptr[] = [];
      const A = defineClass(py, kind, 'A');
      const Z = defineClass(py, kind, 'Z', (self) => {
        py.incref(self);
        zs.push(self);
      });
      const garbageA = () => {
        for (let i = 0; i < N; i++) py.decref(selfLoop(A));
      };
      // No problems if just collecting A() instances.
      garbageA();
      expect(py.collect()).toEqual({ collected: N * per, uncollectable: 0 });
      // But Z() is not actually collected: merely resurrected.
      py.decref(selfLoop(Z));
      expect(py.collect()).toEqual({ collected: 0, uncollectable: 0 });
      // Z() does not prevent anything else from being collected.
      garbageA();
      py.decref(selfLoop(Z));
      expect(py.collect()).toEqual({ collected: N * per, uncollectable: 0 });
      // The two Zs (and their dicts) are still in zs; drop them.
      expect(zs).toHaveLength(2);
      while (zs.length > 0) py.decref(zs.pop()!);
      expect(py.collect()).toEqual({ collected: 2 * per, uncollectable: 0 });
      atBaseline();
    });

    it('test_bug21435: a finalizer that mutates the garbage while it is being finalized', () => {
      const { py, atBaseline } = fixture(s);
      const A = defineClass(py, kind, 'A');
      const B = defineClass(py, kind, 'B', (self) => B.setattr(self, 'attr', py.None));
      const a = A.new();
      const inner = A.new();
      const b = B.new({ x: inner });
      py.decref(inner);
      A.setattr(a, 'attr', b);
      B.setattr(b, 'attr', a);
      py.decref(a);
      py.decref(b);
      py.collect();
      py.collect();
      atBaseline();
    });

    it('test_bug1055820b: callbacks of weakrefs from outside run, and see every weakref to the garbage cleared', () => {
      const { py, atBaseline } = fixture(s);
      const C = defineClass(py, kind, 'C1055820');
      let ouch: Ptr[] = [];
      const WRs: Ptr[] = [];
      const callback = () => {
        ouch = WRs.map((wr) => py.weakrefGet(wr));
      };
      const Cs = [0, 1].map((i) => {
        const c = C.new({ i: py.int.new(i) });
        C.setattr(c, 'loop', c);
        return c;
      });
      for (const c of Cs) WRs.push(py.newWeakref(c, callback));
      py.collect();
      expect(ouch).toHaveLength(0);
      for (const c of Cs) py.decref(c);
      py.collect();
      expect(ouch).toHaveLength(2); // else the callbacks did not run
      expect(ouch).toEqual([0, 0]); // a callback never sees a garbage object through a weakref
      for (const wr of WRs) {
        expect(py.weakrefGet(wr)).toBe(0);
        py.decref(wr);
      }
      atBaseline();
    });

    it('test_callbacks_on_callback / test_callback_in_cycle (test_weakref): weakrefs in the garbage never call back; one from outside does', () => {
      const { py, atBaseline } = fixture(s);
      const calls: string[] = [];
      const C = defineClass(py, kind, 'C');
      const c = C.new();
      const d = C.new();
      C.setattr(c, 'other', d);
      C.setattr(d, 'other', c);
      const inCycle = (name: string) => () => calls.push(name);
      // Weakrefs that are themselves garbage: c.wr -> d and d.wr -> c.
      const cwr = py.newWeakref(d, inCycle('c.wr'));
      const dwr = py.newWeakref(c, inCycle('d.wr'));
      C.setattr(c, 'wr', cwr);
      C.setattr(d, 'wr', dwr);
      py.decref(cwr);
      py.decref(dwr);
      // A weakref held from outside the garbage.
      const external = py.newWeakref(c, () => calls.push('external'));
      expect(py.weakrefGet(external)).toBe(c);
      py.decref(c);
      py.decref(d);
      expect(calls).toEqual([]); // decref is not enough to reclaim anything
      const { collected } = py.collect();
      expect(calls).toEqual(['external']);
      expect(py.weakrefGet(external)).toBe(0);
      expect(collected).toBe(2 * kind.perInstance + 2); // c, d (their dicts) and the two weakrefs in the cycle
      calls.length = 0;
      py.collect();
      expect(calls).toEqual([]);
      py.decref(external);
      atBaseline();
    });

    it('test_callback_in_cycle_2 (test_weakref): a garbage weakref to a live object never calls back, even when the object dies later', () => {
      const { py, live, atBaseline } = fixture(s);
      const calls: string[] = [];
      const C = defineClass(py, kind, 'C');
      const outside = C.new();
      const cyc = selfLoop(C);
      const wr = py.newWeakref(outside, () => calls.push('wr'));
      C.setattr(cyc, 'wr', wr);
      py.decref(wr);
      py.decref(cyc);
      py.collect();
      expect(calls).toEqual([]);
      expect(live()).toBe(1); // only `outside` (no attribute set, so no dict either)
      py.decref(outside);
      expect(calls).toEqual([]);
      atBaseline();
    });

    it('test_bug1055820d: a finalizer run by the collector sees weakrefs to the garbage cleared', () => {
      const { py, atBaseline } = fixture(s);
      const C = defineClass(py, kind, 'C1055820');
      const ouch: Ptr[] = [];
      let c2wr = 0;
      const D = defineClass(py, kind, 'D', () => {
        ouch.length = 0;
        ouch.push(py.weakrefGet(c2wr));
      });
      const d0 = D.new();
      D.setattr(d0, 'loop', d0);
      py.collect(); // d0 to the oldest generation (generational): it is not in the next collect(0)
      const c1 = selfLoop(C);
      C.setattr(c1, 'keep', d0);
      D.delattr(d0, 'loop'); // now only c1 keeps d0 alive
      const c2 = selfLoop(C);
      c2wr = py.newWeakref(c2); // no callback
      py.decref(d0);
      py.decref(c1);
      py.decref(c2);
      // Generational: a young collection finds c1 and c2; clearing c1 frees d0 (old) by
      // refcounting, whose finalizer then looks at c2 through c2wr. Others: one collection.
      py.collect(s.name === 'generational' ? 0 : undefined);
      expect(ouch).toEqual([0]); // else __del__ was not invoked, or it saw the garbage c2
      expect(py.weakrefGet(c2wr)).toBe(0);
      py.decref(c2wr);
      py.collect();
      atBaseline();
    });
  });

  it('test_trashcan: nested containers whose finalizers collect every 17th call, freed from inside a dealloc', () => {
    const { py, atBaseline } = fixture(s);
    let n = 0;
    let finalized = new FinalizerLog();
    const Ouch = py.instances.defineClass({
      name: 'Ouch',
      finalize: (_o, self) => {
        finalized.record(self);
        n++;
        if (n % 17 === 0) py.collect();
      },
    });
    const N = 150;
    const wrap = (make: (inner: Ptr, ouch: Ptr) => Ptr, start: Ptr): Ptr => {
      let t = start;
      for (let i = 0; i < N; i++) {
        const ouch = Ouch.new();
        const next = make(t, ouch);
        py.decref(ouch);
        py.decref(t);
        t = next;
      }
      return t;
    };
    const one = py.int.new(1);
    const two = py.int.new(2);
    for (let count = 0; count < 2; count++) {
      finalized = new FinalizerLog(); // per round: the second round reuses the first one's addresses
      const t = wrap((inner, ouch) => py.list.new([inner, ouch]), py.list.new());
      const u = wrap((inner, ouch) => py.list.new([inner, ouch]), py.list.new());
      const v = wrap((inner, ouch) => {
        const d = py.dict.new();
        py.dict.set(d, one, inner);
        py.dict.set(d, two, ouch);
        return d;
      }, py.dict.new());
      py.decref(t);
      py.decref(u);
      py.decref(v);
      expect(finalized.calls.size).toBe(3 * N);
      expect([...finalized.calls.values()].every((c) => c === 1)).toBe(true);
    }
    expect(n).toBe(2 * 3 * N);
    py.collect();
    atBaseline();
  });

  it('trashcan: a ring of 10^5 lists, each nested in the next, collects without a stack overflow', () => {
    const { py, atBaseline } = fixture(s);
    const DEPTH = 100_000;
    const first = py.list.new();
    let top = first;
    py.incref(first);
    for (let i = 0; i < DEPTH; i++) {
      const next = py.list.new([top]);
      py.decref(top);
      top = next;
    }
    py.list.append(first, top); // close the ring: first -> top -> ... -> first
    py.decref(top);
    py.decref(first);
    expect(py.collect()).toEqual({ collected: DEPTH + 1, uncollectable: 0 });
    atBaseline();
  });

  it('trashcan: a self-cycle holding a chain 10^5 deep; and the same chain alive survives intact', () => {
    const { py, atBaseline } = fixture(s);
    const DEPTH = 100_000;
    const chain = () => {
      let top = py.list.new();
      for (let i = 0; i < DEPTH; i++) {
        const next = py.list.new([top]);
        py.decref(top);
        top = next;
      }
      return top;
    };
    const live = chain();
    const holder = py.list.new();
    py.list.append(holder, holder);
    const dead = chain();
    py.list.append(holder, dead);
    py.decref(dead);
    py.decref(holder);
    expect(py.collect()).toEqual({ collected: DEPTH + 2, uncollectable: 0 });
    let depth = 0;
    let shared = 0; // links whose refcount is not 1 (plain counting: an expect() per link is slow)
    for (let p = live; py.list.size(p) > 0; p = py.list.get(p, 0)) {
      if (py.refcount(p) !== 1) shared++;
      depth++;
    }
    expect(depth).toBe(DEPTH);
    expect(shared).toBe(0);
    py.decref(live);
    atBaseline();
  });

  it('test_is_tracked: non-GC objects are untracked; lists, dicts and instances are tracked', () => {
    const { py } = fixture(s);
    const A = py.instances.defineClass({ name: 'UserClass' });
    expect(py.rt.isTracked(py.None)).toBe(false);
    expect(py.rt.isTracked(py.int.new(1))).toBe(false);
    const big = py.int.new(10n ** 30n);
    expect(py.rt.isTracked(big)).toBe(false);
    const f = py.float.new(1.0);
    expect(py.rt.isTracked(f)).toBe(false);
    const str = py.str.new('a');
    expect(py.rt.isTracked(str)).toBe(false);
    const bytes = py.bytes.new(new Uint8Array([97]));
    expect(py.rt.isTracked(bytes)).toBe(false);
    expect(py.rt.isTracked(py.True)).toBe(false);
    const l = py.list.new();
    const a = A.new();
    expect(py.rt.isTracked(l)).toBe(true);
    expect(py.rt.isTracked(a)).toBe(true);
    // Tracked objects stay tracked across a collection that finds them alive.
    py.collect();
    expect(py.rt.isTracked(l)).toBe(true);
    expect(py.rt.isTracked(a)).toBe(true);
    for (const p of [big, f, str, bytes, l, a]) py.decref(p);
  });

  it('a collection with nothing to collect changes nothing', () => {
    const { py, live } = fixture(s);
    const l = py.list.new();
    const d = py.dict.new();
    py.dict.setStr(d, 'k0', l);
    py.list.append(l, d); // a cycle, held from outside
    const before = live();
    expect(py.collect()).toEqual({ collected: 0, uncollectable: 0 });
    expect(live()).toBe(before);
    expect(py.refcount(l)).toBe(2);
    expect(py.refcount(d)).toBe(2);
    expect(py.list.get(l, 0)).toBe(d);
    expect(py.dict.getStr(d, 'k0')).toBe(l);
  });
});

describe("'none': refcounting alone, cycles leak (gc.disable())", () => {
  it('test_list under none: the self-holding list leaks, intact; collect() frees nothing', () => {
    const { py, live } = fixture(NONE);
    const l = py.list.new();
    py.list.append(l, l);
    py.decref(l);
    expect(py.collect()).toEqual({ collected: 0, uncollectable: 0 });
    expect(live()).toBe(1);
    expect(py.refcount(l)).toBe(1);
    expect(py.list.get(l, 0)).toBe(l);
  });

  it('test_tuple and test_instance under none: the cycles leak; breaking them by hand frees them', () => {
    const { py, live, atBaseline } = fixture(NONE);
    const l = py.list.new();
    const t = py.tuple.new([l]);
    py.list.append(l, t);
    const A = py.instances.defineClass({ name: 'A' });
    const a = A.new();
    A.setattr(a, 'a', a);
    py.decref(t);
    py.decref(a);
    expect(py.collect().collected).toBe(0);
    expect(live()).toBe(4); // l (still ours), t, a and a's dict
    // Break the cycles from outside (we still hold borrowed pointers): refcounting does the rest.
    py.incref(a);
    A.delattr(a, 'a');
    py.decref(a);
    py.list.clear(l); // drops t, whose dealloc drops its reference to l
    py.decref(l);
    atBaseline();
  });

  it('a finalizer in a leaked cycle never runs; acyclic garbage is freed at once, finalizer included', () => {
    const { py, live } = fixture(NONE);
    const log = new FinalizerLog();
    const A = py.instances.defineClass({ name: 'A', finalize: (_o, self) => log.record(self) });
    const cyc = A.new();
    A.setattr(cyc, 'a', cyc);
    const acyclic = A.new();
    py.decref(cyc);
    py.decref(acyclic);
    expect(log.count(acyclic)).toBe(1);
    py.collect();
    expect(log.count(cyc)).toBe(0);
    expect(live()).toBe(2); // cyc and its dict
  });
});
