import { IMMORTAL_REFCNT, InvalidObjectError, ObjectTypeError, TypeRegistrationError, type HeapBackend, type Ptr } from '@pymem/core';
import { createPool } from '@pymem/pool';
import { Runtime } from '@pymem/refcount';
import { assertProperty } from '@pymem/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AttributeError, Objects, type PyClass } from '../src/index.js';

/** Attribute names the tests use, interned before the baseline (interned strs are immortal). */
const NAMES = ['x', 'y', 'z', 'next', 'self', 'w'];

function setup(backend: HeapBackend = 'arraybuffer', onUnraisable?: (error: unknown, where: string) => void) {
  const pool = createPool({ backend });
  const rt = new Runtime({ allocator: pool, onUnraisable });
  const o = new Objects(rt);
  for (const name of NAMES) o.str.intern(name);
  const baseline = { objects: rt.stats().liveObjects, blocks: pool.stats().allocatedBlocks };
  const atBaseline = () => {
    expect(rt.stats().liveObjects).toBe(baseline.objects);
    expect(pool.stats().allocatedBlocks).toBe(baseline.blocks);
    pool.checkHeap();
  };
  return { pool, rt, o, atBaseline };
}

/** A fresh (non-immortal) object: a str of `text`. */
function value(o: Objects, text: string): Ptr {
  return o.str.new(`value ${text}`);
}

describe.each(['arraybuffer', 'wasm'] as const)('instances on a %s heap', (backend) => {
  it('a dict class: setattr increfs, replacing decrefs the old value, getattr borrows', () => {
    const { rt, o, atBaseline } = setup(backend);
    const Point = o.instances.defineClass({ name: 'Point' });
    expect(Point.name).toBe('Point');
    expect(rt.registry.get(Point.typeId).name).toBe('Point');
    const p = Point.new();
    expect(rt.refcount(p)).toBe(1);
    expect(Point.dictOf(p)).toBe(0); // no dict until the first setattr
    expect(Point.attrs(p)).toEqual([]);

    const a = value(o, 'a');
    const b = value(o, 'b');
    Point.setattr(p, 'x', a);
    expect(rt.refcount(a)).toBe(2);
    const dict = Point.dictOf(p);
    expect(rt.typeIdOf(dict)).toBe(o.dict.type);
    expect(Point.getattr(p, 'x')).toBe(a);
    expect(rt.refcount(a)).toBe(2); // borrowed
    expect(Point.hasattr(p, 'x')).toBe(true);
    expect(Point.hasattr(p, 'y')).toBe(false);

    Point.setattr(p, 'x', b);
    expect(rt.refcount(a)).toBe(1);
    expect(rt.refcount(b)).toBe(2);
    Point.setattr(p, 'y', a);
    Point.setattr(p, 'w', a);
    expect(Point.attrs(p)).toEqual(['x', 'y', 'w']); // insertion order
    Point.delattr(p, 'y');
    expect(Point.attrs(p)).toEqual(['x', 'w']);
    expect(rt.refcount(a)).toBe(2);
    expect(Point.dictOf(p)).toBe(dict); // the dict stays

    rt.decref(a);
    rt.decref(b);
    rt.decref(p); // frees the dict, which frees a and b
    expect(rt.isObject(a)).toBe(false);
    expect(rt.isObject(b)).toBe(false);
    expect(rt.isObject(dict)).toBe(false);
    atBaseline();
  });

  it('new(attrs) increfs each value; a slot class has no dict and keeps slot order', () => {
    const { rt, o, atBaseline } = setup(backend);
    const Vec = o.instances.defineClass({ name: 'Vec', slots: ['x', 'y', 'z'] });
    expect(Vec.slots).toEqual(['x', 'y', 'z']);
    const a = value(o, 'a');
    const before = rt.stats().liveObjects;
    const v = Vec.new({ z: a, x: a });
    expect(rt.stats().liveObjects).toBe(before + 1); // the instance only: no dict
    expect(rt.refcount(a)).toBe(3);
    expect(Vec.attrs(v)).toEqual(['x', 'z']);
    expect(Vec.dictOf(v)).toBe(0);
    expect(Vec.hasattr(v, 'y')).toBe(false);
    expect(Vec.hasattr(v, 'nope')).toBe(false);
    Vec.delattr(v, 'x');
    expect(rt.refcount(a)).toBe(2);
    rt.decref(v);
    expect(rt.refcount(a)).toBe(1);
    rt.decref(a);
    atBaseline();
  });

  it('missing attributes throw AttributeError naming the attribute, and change nothing', () => {
    const { rt, o, atBaseline } = setup(backend);
    const D = o.instances.defineClass({ name: 'D' });
    const S = o.instances.defineClass({ name: 'S', slots: ['x'] });
    const d = D.new();
    const s = S.new();
    for (const [cls, obj] of [[D, d], [S, s]] as const) {
      for (const act of [() => cls.getattr(obj, 'x'), () => cls.delattr(obj, 'x'), () => cls.getattr(obj, 'nope')]) {
        let error: unknown;
        try {
          act();
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(AttributeError);
        expect((error as AttributeError).code).toBe('ERR_ATTRIBUTE');
        expect((error as AttributeError).ptr).toBe(obj);
        expect((error as AttributeError).message).toMatch(/has no attribute '(x|nope)'/);
      }
    }
    expect(D.dictOf(d)).toBe(0); // a failed read made no dict
    rt.decref(d);
    rt.decref(s);
    atBaseline();
  });

  it('setting a name outside the slots throws ObjectTypeError naming it, before any change', () => {
    const { rt, o, atBaseline } = setup(backend);
    const S = o.instances.defineClass({ name: 'S', slots: ['x', 'y'] });
    const a = value(o, 'a');
    const s = S.new({ x: a });
    expect(() => S.setattr(s, 'w', a)).toThrow(ObjectTypeError);
    expect(() => S.setattr(s, 'w', a)).toThrow(/no attribute 'w'.*slots are \[x, y\]/);
    expect(rt.refcount(a)).toBe(2);
    expect(S.attrs(s)).toEqual(['x']);
    const live = rt.stats().liveObjects;
    expect(() => S.new({ x: a, w: a })).toThrow(/'w'/);
    expect(rt.stats().liveObjects).toBe(live); // nothing allocated
    expect(rt.refcount(a)).toBe(2);
    rt.decref(s);
    rt.decref(a);
    atBaseline();
  });

  it('a dead or bogus value is refused before anything changes', () => {
    const { rt, o, atBaseline } = setup(backend);
    const D = o.instances.defineClass({ name: 'D' });
    const S = o.instances.defineClass({ name: 'S', slots: ['x'] });
    const d = D.new();
    const s = S.new();
    const dead = value(o, 'dead');
    rt.decref(dead);
    expect(() => D.setattr(d, 'x', dead)).toThrow();
    expect(() => S.setattr(s, 'x', dead)).toThrow();
    expect(() => D.setattr(d, 'x', 12345)).toThrow(InvalidObjectError);
    expect(D.dictOf(d)).toBe(0);
    expect(S.hasattr(s, 'x')).toBe(false);
    const live = rt.stats().liveObjects;
    expect(() => D.new({ x: 12345 })).toThrow(InvalidObjectError);
    expect(rt.stats().liveObjects).toBe(live);
    rt.decref(d);
    rt.decref(s);
    atBaseline();
  });

  it('operations on an object of another type throw ObjectTypeError', () => {
    const { rt, o, atBaseline } = setup(backend);
    const A = o.instances.defineClass({ name: 'A' });
    const B = o.instances.defineClass({ name: 'B' });
    const a = A.new();
    const list = o.list.new();
    expect(() => B.getattr(a, 'x')).toThrow(ObjectTypeError);
    expect(() => B.setattr(a, 'x', list)).toThrow(/expected a 'B' object, got 'A'/);
    expect(() => A.setattr(list, 'x', a)).toThrow(ObjectTypeError);
    expect(A.isInstance(a)).toBe(true);
    expect(B.isInstance(a)).toBe(false);
    expect(o.instances.classOf(a)).toBe(A);
    expect(o.instances.classOf(list)).toBeUndefined();
    expect(o.instances.isInstance(list)).toBe(false);
    expect(o.instances.lookup('B')).toBe(B);
    expect(A.dictOf(a)).toBe(0);
    expect(rt.refcount(list)).toBe(1);
    rt.decref(a);
    rt.decref(list);
    atBaseline();
  });

  it('class names are unique across user and built-in types; bad specs register nothing', () => {
    const { rt, o } = setup(backend);
    o.instances.defineClass({ name: 'C' });
    const count = rt.registry.count;
    expect(() => o.instances.defineClass({ name: 'C' })).toThrow(TypeRegistrationError);
    expect(() => o.instances.defineClass({ name: 'list' })).toThrow(TypeRegistrationError);
    expect(() => o.instances.defineClass({ name: 'E', slots: ['x', 'x'] })).toThrow(/listed twice/);
    expect(() => o.instances.defineClass({ name: 'E', slots: [''] })).toThrow(TypeRegistrationError);
    expect(() => o.instances.defineClass({ name: 'E', slots: [3 as unknown as string] })).toThrow(TypeRegistrationError);
    expect(() => o.instances.defineClass({ name: 'E', finalize: 1 as unknown as () => void })).toThrow(TypeRegistrationError);
    expect(() => o.instances.defineClass({ name: '' })).toThrow(TypeRegistrationError);
    expect(rt.registry.count).toBe(count);
    expect(o.instances.lookup('E')).toBeUndefined();
    expect(o.instances.defineClass({ name: 'E', slots: [] }).slots).toEqual([]);
  });

  it('weak references to instances die with them; weakrefable: false refuses them', () => {
    const { rt, o, atBaseline } = setup(backend);
    const W = o.instances.defineClass({ name: 'W' });
    const N = o.instances.defineClass({ name: 'N', weakrefable: false, slots: ['x'] });
    const w = W.new();
    const seen: Ptr[] = [];
    const plain = rt.newWeakref(w);
    const withCallback = rt.newWeakref(w, (wr) => seen.push(wr));
    expect(rt.weakrefGet(plain)).toBe(w);
    expect(rt.weakrefCount(w)).toBe(2);
    rt.decref(w);
    expect(rt.weakrefGet(plain)).toBe(0);
    expect(seen).toEqual([withCallback]);
    const n = N.new();
    expect(() => rt.newWeakref(n)).toThrow(ObjectTypeError);
    rt.decref(n);
    rt.decref(plain);
    rt.decref(withCallback);
    atBaseline();
  });

  it('a finalizer runs once, with the Objects and the instance, before its attributes go', () => {
    const { rt, o, atBaseline } = setup(backend);
    const calls: { self: Ptr; x: Ptr; sameObjects: boolean }[] = [];
    const F: PyClass = o.instances.defineClass({
      name: 'F',
      finalize: (objs, self) => calls.push({ self, x: F.getattr(self, 'x'), sameObjects: objs === o }),
    });
    const a = value(o, 'a');
    const f = F.new({ x: a });
    rt.decref(a);
    rt.decref(f);
    expect(calls).toEqual([{ self: f, x: a, sameObjects: true }]);
    expect(rt.isObject(f)).toBe(false);
    expect(rt.isObject(a)).toBe(false);
    atBaseline();
  });

  it('a finalizer may resurrect its instance (PEP 442); it does not run again when the object dies for good', () => {
    const { rt, o, atBaseline } = setup(backend);
    const graveyard = o.list.new();
    let runs = 0;
    const Phoenix = o.instances.defineClass({
      name: 'Phoenix',
      slots: ['x'],
      finalize: (objs, self) => {
        runs++;
        objs.list.append(graveyard, self); // a new strong reference: resurrection
      },
    });
    const a = value(o, 'a');
    const p = Phoenix.new({ x: a });
    rt.decref(a);
    rt.decref(p);
    expect(runs).toBe(1);
    expect(rt.isObject(p)).toBe(true);
    expect(rt.isFinalized(p)).toBe(true);
    expect(rt.refcount(p)).toBe(1);
    expect(o.list.get(graveyard, 0)).toBe(p);
    expect(Phoenix.getattr(p, 'x')).toBe(a); // attributes intact
    expect(rt.isObject(a)).toBe(true);

    rt.decref(o.list.pop(graveyard)); // the last reference
    expect(runs).toBe(1);
    expect(rt.isObject(p)).toBe(false);
    expect(rt.isObject(a)).toBe(false);
    rt.decref(graveyard);
    atBaseline();
  });

  it('a finalizer that throws is reported as unraisable and the instance is still freed', () => {
    const reports: string[] = [];
    const { rt, o, atBaseline } = setup(backend, (_error, where) => reports.push(where));
    const Bad = o.instances.defineClass({
      name: 'Bad',
      finalize: () => {
        throw new Error('boom');
      },
    });
    const b = Bad.new();
    rt.decref(b);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/finalizer of Bad object/);
    expect(rt.isObject(b)).toBe(false);
    atBaseline();
  });

  it('traverse visits the dict or the set slots; clear drops them and leaves a valid instance', () => {
    const { rt, o, atBaseline } = setup(backend);
    const D = o.instances.defineClass({ name: 'D' });
    const S = o.instances.defineClass({ name: 'S', slots: ['x', 'y', 'z'] });
    const visited = (p: Ptr) => {
      const out: Ptr[] = [];
      rt.traverse(p, (child) => (out.push(child), 0), 0);
      return out;
    };
    const a = value(o, 'a');
    const b = value(o, 'b');
    const d = D.new();
    const s = S.new();
    expect(visited(d)).toEqual([]);
    expect(visited(s)).toEqual([]);
    D.setattr(d, 'x', a);
    S.setattr(s, 'x', a);
    S.setattr(s, 'z', b);
    expect(visited(d)).toEqual([D.dictOf(d)]);
    expect(visited(s)).toEqual([a, b]);
    // a non-zero visit result stops the walk and is returned
    expect(rt.traverse(s, (child) => (child === a ? 7 : 0), 0)).toBe(7);

    rt.clear(d);
    rt.clear(s);
    expect(rt.refcount(a)).toBe(1);
    expect(rt.refcount(b)).toBe(1);
    expect(D.attrs(d)).toEqual([]);
    expect(S.attrs(s)).toEqual([]);
    expect(() => S.getattr(s, 'x')).toThrow(AttributeError);
    D.setattr(d, 'y', b); // still usable
    expect(D.getattr(d, 'y')).toBe(b);
    for (const p of [a, b, d, s]) rt.decref(p);
    atBaseline();
  });

  it('a reference cycle through instances is broken by clear', () => {
    const { rt, o, atBaseline } = setup(backend);
    const Node = o.instances.defineClass({ name: 'Node', slots: ['next'] });
    const D = o.instances.defineClass({ name: 'DNode' });
    const a = Node.new();
    const b = D.new();
    Node.setattr(a, 'next', b);
    D.setattr(b, 'self', b);
    D.setattr(b, 'next', a);
    rt.decref(a);
    rt.decref(b);
    expect(rt.isObject(a)).toBe(true); // the cycle keeps both alive
    rt.clear(a);
    expect(rt.isObject(a)).toBe(true); // b still holds a
    rt.clear(b);
    expect(rt.isObject(a)).toBe(false);
    expect(rt.isObject(b)).toBe(false);
    atBaseline();
  });

  it('a chain of 10^5 instances is freed without deep recursion', () => {
    const { rt, o, atBaseline } = setup(backend);
    const Node = o.instances.defineClass({ name: 'Node', slots: ['next'] });
    const DNode = o.instances.defineClass({ name: 'DNode' });
    let head = Node.new();
    for (let i = 1; i < 100_000; i++) {
      const cls = i % 2 === 0 ? Node : DNode;
      const node = cls.new({ next: head });
      rt.decref(head);
      head = node;
    }
    rt.decref(head);
    atBaseline();
  });

  it('running out of memory in new(attrs) leaves nothing behind and finalizes nothing', () => {
    const pool = createPool({ backend, maxBytes: 2 << 20 });
    const rt = new Runtime({ allocator: pool });
    const o = new Objects(rt);
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
    for (const name of names) o.str.intern(name);
    let finalized = 0;
    const Big = o.instances.defineClass({ name: 'Big', finalize: () => finalized++ });
    const baseline = { objects: rt.stats().liveObjects, blocks: pool.stats().allocatedBlocks };
    const v = o.str.new('v');
    const attrs = Object.fromEntries(names.map((n) => [n, v]));
    const held: Ptr[] = [];
    let failure: unknown;
    for (;;) {
      const live = rt.stats().liveObjects;
      const blocks = pool.stats().allocatedBlocks;
      try {
        held.push(Big.new(attrs));
      } catch (error) {
        failure = error;
        expect(rt.stats().liveObjects).toBe(live);
        expect(pool.stats().allocatedBlocks).toBe(blocks);
        break;
      }
    }
    expect((failure as Error).name).toBe('OutOfMemoryError');
    expect(finalized).toBe(0);
    expect(rt.refcount(v)).toBe(1 + names.length * held.length);
    for (const p of held) rt.decref(p);
    expect(finalized).toBe(held.length);
    rt.decref(v);
    expect(rt.stats().liveObjects).toBe(baseline.objects);
    expect(pool.stats().allocatedBlocks).toBe(baseline.blocks);
    pool.checkHeap();
  });

  it('immortal values stay immortal as attributes', () => {
    const { rt, o, atBaseline } = setup(backend);
    const D = o.instances.defineClass({ name: 'D' });
    const d = D.new({ x: o.None, y: o.True });
    expect(rt.refcount(o.None)).toBe(IMMORTAL_REFCNT);
    expect(D.getattr(d, 'x')).toBe(o.None);
    rt.decref(d);
    atBaseline();
  });
});

describe('attributes against a Map model (property)', () => {
  type Op = { kind: 'set'; name: string; value: number } | { kind: 'del'; name: string } | { kind: 'get'; name: string };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), name: fc.constantFrom(...NAMES), value: fc.nat(4) }),
    fc.record({ kind: fc.constant('del' as const), name: fc.constantFrom(...NAMES) }),
    fc.record({ kind: fc.constant('get' as const), name: fc.constantFrom(...NAMES) }),
  );

  it.each(['dict', 'slots'] as const)('setattr/delattr/getattr on a %s class behave like a Map', (layout) => {
    const { rt, o, atBaseline } = setup('wasm');
    const cls = o.instances.defineClass(layout === 'dict' ? { name: 'M' } : { name: 'M', slots: NAMES.slice(0, 4) });
    const settable = (name: string) => cls.slots === null || cls.slots.includes(name);
    assertProperty(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const values = [0, 1, 2, 3, 4].map((i) => value(o, String(i)));
        const obj = cls.new();
        const model = new Map<string, number>();
        for (const op of ops) {
          if (op.kind === 'set') {
            if (!settable(op.name)) {
              expect(() => cls.setattr(obj, op.name, values[op.value])).toThrow(ObjectTypeError);
              continue;
            }
            cls.setattr(obj, op.name, values[op.value]);
            model.set(op.name, op.value);
          } else if (op.kind === 'del') {
            if (model.has(op.name)) {
              cls.delattr(obj, op.name);
              model.delete(op.name);
            } else expect(() => cls.delattr(obj, op.name)).toThrow(AttributeError);
          } else if (model.has(op.name)) {
            expect(cls.getattr(obj, op.name)).toBe(values[model.get(op.name)!]);
          } else expect(() => cls.getattr(obj, op.name)).toThrow(AttributeError);
          // refcounts: 1 (ours) + one per attribute holding the value
          values.forEach((v, i) => expect(rt.refcount(v)).toBe(1 + [...model.values()].filter((x) => x === i).length));
          // a dict keeps insertion order (re-setting keeps the place, as a Map does); slots keep slot order
          const names = cls.slots === null ? [...model.keys()] : cls.slots.filter((n) => model.has(n));
          expect(cls.attrs(obj)).toEqual(names);
        }
        rt.decref(obj);
        for (const v of values) rt.decref(v);
        atBaseline();
      }),
      { numRuns: 150 },
    );
  });
});
