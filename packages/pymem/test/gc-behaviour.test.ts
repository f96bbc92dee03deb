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
 *   attributes, so a garbage instance counts 2 (instance + dict), as test_gc
 *   counted before 3.11 ("instance object & its dict", 2*N). CPython 3.11+
 *   keeps a plain instance's attribute values inline (bpo-45340: no dict
 *   object until `__dict__` is asked for) and its test_gc expects N
 *   ("instance objects"). Our *slot class* is that model: no dict, counts
 *   1. Every instance scenario runs over both kinds, with its count.
 */
import { RefcountError, type Ptr } from '@pymem/core';
import { DEBUG_SAVEALL, GcGenerationError, GenerationalGc } from '@pymem/gc-generational';
import { GcRootError, MarkSweepGc } from '@pymem/gc-marksweep';
import { TrialDeletionGc } from '@pymem/gc-trial-deletion';
import { describe, expect, it } from 'vitest';
import { createRuntime, type PyRuntime } from '../src/index.js';
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
        const c = C.new({ i: py.int.new(i) }); // small ints: immortal, no reference to drop
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

  it('test_dict.test_track_dynamic: a dict the collector untracked (atomic contents) is tracked again when it stores a container, so its cycles are found', () => {
    const { py, atBaseline } = fixture(s);
    const d = py.dict.new();
    py.dict.setStr(d, 'k0', py.int.new(1));
    py.collect(); // generational untracks a dict of atomic contents in a full collection, as CPython
    if (s.name === 'generational') expect(py.rt.isTracked(d)).toBe(false);
    const l = py.list.new();
    py.dict.setStr(d, 'k1', l); // CPython's MAINTAIN_TRACKING: a container value makes the dict tracked again
    expect(py.rt.isTracked(d)).toBe(true);
    py.list.append(l, d);
    py.decref(l);
    py.decref(d);
    expect(py.collect()).toEqual({ collected: 2, uncollectable: 0 });
    atBaseline();
  });

  it('test_track_dynamic through an instance: its attribute dict, untracked while atomic, is tracked again by setattr of a container', () => {
    const { py, atBaseline } = fixture(s);
    const A = py.instances.defineClass({ name: 'A' });
    const a = A.new({ x: py.int.new(1) });
    py.collect();
    const l = py.list.new();
    A.setattr(a, 'a', l);
    expect(py.rt.isTracked(A.dictOf(a))).toBe(true);
    py.list.append(l, a); // a -> a.__dict__ -> l -> a
    py.decref(l);
    py.decref(a);
    expect(py.collect()).toEqual({ collected: 3, uncollectable: 0 });
    atBaseline();
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

// ───────────────────────── API that only one strategy has ─────────────────────────

const GENERATIONAL = CYCLE_STRATEGIES.find((s) => s.name === 'generational')!;
const MARK_SWEEP = CYCLE_STRATEGIES.find((s) => s.name === 'mark-sweep')!;

/** A generational runtime with its collector, automatic collection off. */
function generational() {
  const f = fixture(GENERATIONAL);
  if (!(f.py.gc instanceof GenerationalGc)) throw new Error('expected a GenerationalGc');
  return { ...f, gc: f.py.gc };
}

describe('generational only: the gc module API', () => {
  it('test_get_count: a new object shows in count0, older counts stay 0', () => {
    const { py, gc } = generational();
    py.collect();
    const [a, b, c] = gc.getCount();
    const x = py.list.new();
    const [d, e, f] = gc.getCount();
    expect([b, c]).toEqual([0, 0]);
    expect([e, f]).toEqual([0, 0]);
    expect(a).toBeLessThan(5);
    expect(d).toBeGreaterThan(a);
    py.decref(x);
    expect(gc.getCount()[0]).toBe(a); // count0 is allocations minus deallocations of tracked objects
  });

  it('test_collect_generations: an object trickles one generation up per collect(n)', () => {
    const { py, gc } = generational();
    py.collect();
    const x = py.list.new();
    py.collect(0);
    expect(gc.getCount().slice(1)).toEqual([1, 0]);
    expect(gc.getObjects(1)).toContain(x);
    py.collect(1);
    expect(gc.getCount().slice(1)).toEqual([0, 1]);
    expect(gc.getObjects(2)).toContain(x);
    py.collect(2);
    expect(gc.getCount().slice(1)).toEqual([0, 0]);
    expect(gc.getObjects(2)).toContain(x);
    py.decref(x);
  });

  it('test_get_objects: a self-holding list moves from generation 0 to 1 to 2', () => {
    const { py, gc } = generational();
    py.collect();
    const l = py.list.new();
    py.list.append(l, l);
    const where = () => [0, 1, 2].map((g) => gc.getObjects(g).includes(l));
    expect(where()).toEqual([true, false, false]);
    py.collect(0);
    expect(where()).toEqual([false, true, false]);
    py.collect(1);
    expect(where()).toEqual([false, false, true]);
    py.collect(2);
    expect(where()).toEqual([false, false, true]);
    expect(gc.getObjects()).toContain(l);
    py.decref(l);
    expect(py.collect().collected).toBe(1);
  });

  it('test_get_objects_arguments / collect(): generations outside 0..2 throw GcGenerationError', () => {
    const { py, gc } = generational();
    expect(gc.getObjects().length).toBe(gc.getObjects(0).length + gc.getObjects(1).length + gc.getObjects(2).length);
    for (const bad of [1000, -1000, 1.234, '1' as unknown as number]) {
      expect(() => gc.getObjects(bad)).toThrow(GcGenerationError);
      expect(() => py.collect(bad)).toThrow(GcGenerationError);
    }
    expect(() => py.collect(3)).toThrow(GcGenerationError);
  });

  it('test_get_referents: what a list, a tuple and a dict reference; nothing for non-GC objects', () => {
    const { py, gc } = generational();
    const [one, three, five, seven] = [1, 3, 5, 7].map((n) => py.int.new(n));
    const alist = py.list.new([one, three, five]);
    expect(gc.getReferents(alist)).toEqual([one, three, five]);
    const atuple = py.tuple.new([one, three, five]);
    expect(gc.getReferents(atuple)).toEqual([one, three, five]);
    const adict = py.dict.new();
    py.dict.set(adict, one, three);
    py.dict.set(adict, five, seven);
    expect(new Set(gc.getReferents(adict))).toEqual(new Set([one, three, five, seven]));
    expect(gc.getReferents(adict)).toHaveLength(4);
    expect(gc.getReferents(alist, adict, atuple)).toHaveLength(3 + 4 + 3);
    const str = py.str.new('a');
    expect(gc.getReferents(one, str)).toEqual([]);
    expect(gc.getReferrers(alist)).toEqual([]);
    const holder = py.list.new([alist]);
    expect(gc.getReferrers(alist)).toEqual([holder]);
    for (const p of [alist, atuple, adict, str, holder]) py.decref(p);
  });

  it('test_is_tracked / test_tuple.test_track_dynamic: atomic tuples are untracked by a collection, others stay tracked', () => {
    const { py, gc } = generational();
    const atomic = py.tuple.new([py.int.new(1), py.str.intern('a')]);
    const l = py.list.new();
    const holding = py.tuple.new([l]);
    const nested = py.tuple.new([atomic]);
    expect([atomic, holding, nested].map((t) => gc.isTracked(t))).toEqual([true, true, true]);
    py.collect(0);
    expect(gc.isTracked(atomic)).toBe(false);
    expect(gc.isTracked(holding)).toBe(true);
    py.collect(0);
    expect(gc.isTracked(nested)).toBe(false); // only an untracked atomic tuple inside: atomic too
    expect(gc.isTracked(l)).toBe(true);
    expect(gc.isTracked(py.int.new(1))).toBe(false);
    expect(py.rt.isTracked(atomic)).toBe(gc.isTracked(atomic));
    for (const p of [atomic, l, holding, nested]) py.decref(p);
  });

  it('test_freeze: frozen objects are never examined, garbage included, until unfreeze', () => {
    const { py, gc, atBaseline } = generational();
    const l = py.list.new();
    py.list.append(l, l);
    gc.freeze();
    expect(gc.getFreezeCount()).toBeGreaterThan(0);
    expect(gc.getCount()[0]).toBe(0);
    expect(gc.getObjects()).not.toContain(l);
    py.decref(l);
    expect(py.collect().collected).toBe(0);
    gc.unfreeze();
    expect(gc.getFreezeCount()).toBe(0);
    expect(gc.getObjects(2)).toContain(l);
    expect(py.collect().collected).toBe(1);
    atBaseline();
  });

  it('test_get_stats: collect(0) counts in generation 0, collect(2) in generation 2 only', () => {
    const { py, gc } = generational();
    const stats = gc.getStats();
    expect(stats).toHaveLength(3);
    for (const st of stats) expect(Object.keys(st).sort()).toEqual(['collected', 'collections', 'uncollectable']);
    const old = gc.getStats();
    py.collect(0);
    let now = gc.getStats();
    expect(now.map((st) => st.collections)).toEqual([old[0].collections + 1, old[1].collections, old[2].collections]);
    py.collect(2);
    now = gc.getStats();
    expect(now.map((st) => st.collections)).toEqual([old[0].collections + 1, old[1].collections, old[2].collections + 1]);
  });

  it('test_resurrection_does_not_block_cleanup_of_other_objects: get_stats() counts what was freed, not what was resurrected', () => {
    const { py, gc } = generational();
    const N = 100;
    const zs: Ptr[] = [];
    const A = py.instances.defineClass({ name: 'A' });
    const Z = py.instances.defineClass({
      name: 'Z',
      finalize: (_o, self) => {
        py.incref(self);
        zs.push(self);
      },
    });
    const last = () => {
      const st = gc.getStats()[2];
      return [st.collected, st.uncollectable];
    };
    let [oldc, oldnc] = last();
    for (let i = 0; i < N; i++) py.decref(selfLoop(A));
    py.collect();
    let [c, nc] = last();
    expect([c - oldc, nc - oldnc]).toEqual([2 * N, 0]); // instance objects and their dicts
    [oldc, oldnc] = [c, nc];
    py.decref(selfLoop(Z));
    py.collect();
    [c, nc] = last();
    expect([c - oldc, nc - oldnc]).toEqual([0, 0]);
    [oldc, oldnc] = [c, nc];
    while (zs.length > 0) py.decref(zs.pop()!);
    py.collect();
    [c, nc] = last();
    expect([c - oldc, nc - oldnc]).toEqual([2, 0]);
  });

  it('test_saveall: with DEBUG_SAVEALL the garbage goes to gc.garbage instead of being freed', () => {
    const { py, gc, atBaseline } = generational();
    py.collect();
    expect(gc.garbage).toEqual([]);
    const l = py.list.new();
    py.list.append(l, l);
    gc.setDebug(gc.getDebug() | DEBUG_SAVEALL);
    py.decref(l);
    py.collect();
    gc.setDebug(0);
    expect(gc.garbage).toEqual([l]);
    expect(py.list.get(l, 0)).toBe(l); // saved intact, not cleared
    gc.clearGarbage(); // `del gc.garbage[:]`: the list is cyclic garbage again
    expect(py.collect().collected).toBe(1);
    atBaseline();
  });

  it('GCCallbackTests.test_collect / test_collect_generation: callbacks see start and stop with the generation and counts', () => {
    const { py, gc } = generational();
    const visit: [number, string, number, number, number][] = [];
    gc.callbacks.push(
      (phase, info) => visit.push([1, phase, info.generation, info.collected, info.uncollectable]),
      (phase, info) => visit.push([2, phase, info.generation, info.collected, info.uncollectable]),
    );
    const l = py.list.new();
    py.list.append(l, l);
    py.decref(l);
    py.collect(2);
    expect(visit).toEqual([
      [1, 'start', 2, 0, 0],
      [2, 'start', 2, 0, 0],
      [1, 'stop', 2, 1, 0],
      [2, 'stop', 2, 1, 0],
    ]);
  });

  it('test_del: a finalizer runs while automatic collection fires at every allocation (threshold 1)', () => {
    const { py, gc } = generational();
    gc.enable();
    gc.setThreshold(1);
    let ran = 0;
    const A = py.instances.defineClass({
      name: 'A',
      finalize: (_o, self) => {
        A.attrs(self); // dir(self)
        py.decref(py.list.new()); // allocates: may start a collection inside the finalizer
        ran++;
      },
    });
    const a = A.new();
    py.decref(a);
    expect(ran).toBe(1);
    gc.disable();
    gc.setThreshold(...([2000, 10, 10] as const));
    expect(gc.getThreshold()).toEqual([2000, 10, 10]);
  });

  it('test_bug1055820c: a weakref callback on an old object, freed by a young collection, sees the young garbage cleared', () => {
    const { py, gc, atBaseline } = generational();
    const C = py.instances.defineClass({ name: 'C1055820' });
    const make = (i: number) => {
      const value = py.int.new(i);
      const c = C.new({ i: value });
      py.decref(value);
      C.setattr(c, 'loop', c);
      return c;
    };
    const c0 = make(0);
    py.collect(); // c0 to generation 2
    const c1 = make(1);
    C.setattr(c1, 'keep', c0);
    C.delattr(c0, 'loop'); // now only c1 keeps c0 alive
    const c2 = make(2);
    const c2wr = py.newWeakref(c2); // no callback
    const ouch: Ptr[] = [];
    const c0wr = py.newWeakref(c0, () => {
      ouch.length = 0;
      ouch.push(py.weakrefGet(c2wr));
    });
    py.decref(c0);
    py.decref(c1);
    py.decref(c2);
    // Let gc happen "naturally": a detector (cyclic trash with a weakref callback) tells when.
    let happened = false;
    const detector = py.newWeakref(make(666), () => (happened = true));
    py.decref(py.weakrefGet(detector));
    gc.enable();
    const junk = py.list.new();
    for (let i = 0; !happened; i++) {
      expect(i).toBeLessThan(10_000);
      expect(ouch).toHaveLength(0);
      const item = py.list.new();
      py.list.append(junk, item);
      py.decref(item);
    }
    gc.disable();
    expect(ouch).toEqual([0]); // the callback ran, and c2 read as dead
    for (const p of [junk, c2wr, c0wr, detector]) py.decref(p);
    py.collect();
    atBaseline();
  });
});

describe('mark-sweep only: explicit roots', () => {
  it('a garbage cycle with an explicit root survives until removeRoot; the root holds a reference', () => {
    const { py, atBaseline } = fixture(MARK_SWEEP);
    const gc = py.gc;
    if (!(gc instanceof MarkSweepGc)) throw new Error('expected a MarkSweepGc');
    const l = py.list.new();
    const inner = py.list.new();
    py.list.append(l, inner);
    py.list.append(inner, l);
    py.decref(inner);
    const handle = gc.addRoot(l);
    expect(py.refcount(l)).toBe(3);
    py.decref(l); // only the root and the cycle hold it now
    expect(py.collect().collected).toBe(0);
    expect(gc.rootObject(handle)).toBe(l);
    expect(py.list.get(py.list.get(l, 0), 0)).toBe(l);
    gc.removeRoot(handle);
    expect(() => gc.removeRoot(handle)).toThrow(GcRootError);
    expect(py.collect()).toEqual({ collected: 2, uncollectable: 0 });
    atBaseline();
  });
});

describe('trial-deletion only: the candidate buffer', () => {
  it('a decref to non-zero buffers a candidate; a full buffer collects at once (Bacon-Rajan)', () => {
    const py = createRuntime({ gc: new TrialDeletionGc({ bufferSize: 4 }) });
    const gc = py.gc;
    if (!(gc instanceof TrialDeletionGc)) throw new Error('expected a TrialDeletionGc');
    const base = py.stats().liveObjects;
    const selfList = () => {
      const l = py.list.new();
      py.list.append(l, l);
      return l;
    };
    const first = selfList();
    py.decref(first);
    expect(gc.isBuffered(first)).toBe(true);
    expect(gc.colourOf(first)).toBe('purple');
    expect(gc.candidates()).toBe(1);
    for (let i = 0; i < 2; i++) py.decref(selfList());
    expect(py.stats().liveObjects - base).toBe(3);
    py.decref(selfList()); // the fourth candidate fills the buffer
    expect(py.stats().liveObjects - base).toBe(0);
    expect(gc.stats()).toMatchObject({ collections: 1, automatic: 1, collected: 4, candidates: 0 });
  });
});
