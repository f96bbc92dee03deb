import { ObjectTypeError, OutOfMemoryError, type HeapBackend } from '@pymem/core';
import { createPool } from '@pymem/pool';
import { Runtime } from '@pymem/refcount';
import { assertProperty } from '@pymem/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Objects, type JSValue } from '../src/index.js';

function setup(backend: HeapBackend = 'arraybuffer', maxBytes?: number) {
  const pool = createPool({ backend, maxBytes });
  const rt = new Runtime({ allocator: pool });
  const o = new Objects(rt);
  const Point = o.instances.defineClass({ name: 'Point' });
  const Vec = o.instances.defineClass({ name: 'Vec', slots: ['x', 'y'] });
  for (const name of ['x', 'y', 'z', 'self']) o.str.intern(name);
  const baseline = { objects: rt.stats().liveObjects, blocks: pool.stats().allocatedBlocks };
  const atBaseline = () => {
    expect(rt.stats().liveObjects).toBe(baseline.objects);
    expect(pool.stats().allocatedBlocks).toBe(baseline.blocks);
    pool.checkHeap();
  };
  return { pool, rt, o, Point, Vec, atBaseline };
}

/** Convert there and back, checking the object is released cleanly. */
function roundTrip(o: Objects, value: unknown, options?: { arrays?: 'list' | 'tuple' }): JSValue {
  const p = o.fromJS(value, options);
  const back = o.toJS(p);
  o.rt.decref(p);
  return back;
}

/**
 * Deep equality with Object.is on numbers (so -0 and NaN count), Maps
 * compared entry by entry in order; a pair of objects already under
 * comparison counts as equal (so cycles end, and sharing on one side only
 * is fine).
 */
function same(a: unknown, b: unknown, seen = new Map<unknown, Set<unknown>>()): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  const pairs = seen.get(a) ?? new Set<unknown>();
  if (pairs.has(b)) return true;
  seen.set(a, pairs.add(b));
  if (a instanceof Uint8Array) return b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i], seen));
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    const eb = [...b.entries()];
    return [...a.entries()].every(([k, v], i) => same(k, eb[i][0], seen) && same(v, eb[i][1], seen));
  }
  if (Array.isArray(b) || b instanceof Map || b instanceof Uint8Array) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && same((a as never)[k], (b as never)[k], seen));
}

describe.each(['arraybuffer', 'wasm'] as const)('toJS / fromJS on a %s heap', (backend: HeapBackend) => {
  it('scalars map as the table says', () => {
    const { o, rt, atBaseline } = setup(backend);
    expect(roundTrip(o, null)).toBe(null);
    expect(roundTrip(o, undefined)).toBe(null);
    expect(o.fromJS(undefined)).toBe(o.None);
    expect(roundTrip(o, true)).toBe(true);
    expect(roundTrip(o, false)).toBe(false);
    expect(o.fromJS(true)).toBe(o.True);
    for (const n of [0, 7, -5, 256, 1000, -123456789, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
      const p = o.fromJS(n);
      expect(rt.typeIdOf(p)).toBe(o.int.type);
      expect(o.toJS(p)).toBe(n);
      rt.decref(p);
    }
    // integral numbers beyond the safe range are ints too; they come back as bigints
    const big = o.fromJS(2 ** 60);
    expect(rt.typeIdOf(big)).toBe(o.int.type);
    expect(o.toJS(big)).toBe(2n ** 60n);
    rt.decref(big);
    expect(roundTrip(o, 12345678901234567890123n)).toBe(12345678901234567890123n);
    expect(roundTrip(o, 5n)).toBe(5); // a bigint that fits comes back as a number
    for (const x of [1.5, -0, NaN, Infinity, -Infinity, 1e-300]) {
      const p = o.fromJS(x);
      expect(rt.typeIdOf(p)).toBe(o.float.type);
      expect(Object.is(o.toJS(p), x)).toBe(true);
      rt.decref(p);
    }
    // a float with an integral value comes out as a plain number (lossy on purpose)
    const f = o.float.new(2);
    expect(o.toJS(f)).toBe(2);
    rt.decref(f);
    for (const s of ['', 'abc', 'héllo wörld', '😀 emoji', 'x'.repeat(1000)]) expect(roundTrip(o, s)).toBe(s);
    const bytes = roundTrip(o, new Uint8Array([0, 1, 255]));
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect([...(bytes as Uint8Array)]).toEqual([0, 1, 255]);
    atBaseline();
  });

  it('lists are Arrays, tuples frozen Arrays, dicts Maps', () => {
    const { o, rt, atBaseline } = setup(backend);
    const value = [1, 'two', [3.5, null], new Map<unknown, unknown>([['k', true], [7, []]])];
    const list = o.fromJS(value);
    expect(rt.typeIdOf(list)).toBe(o.list.type);
    expect(same(o.toJS(list), value)).toBe(true);
    expect(Object.isFrozen(o.toJS(list))).toBe(false);
    rt.decref(list);

    const tuple = o.fromJS([1, [2, [3]]], { arrays: 'tuple' });
    expect(rt.typeIdOf(tuple)).toBe(o.tuple.type);
    expect(rt.typeIdOf(o.tuple.get(tuple, 1))).toBe(o.tuple.type);
    const js = o.toJS(tuple) as JSValue[];
    expect(Object.isFrozen(js)).toBe(true);
    expect(Object.isFrozen(js[1])).toBe(true);
    expect(same(js, [1, [2, [3]]])).toBe(true);
    rt.decref(tuple);
    expect(o.fromJS([], { arrays: 'tuple' })).toBe(o.tuple.empty);
    atBaseline();
  });

  it('plain objects become dicts with str keys; Map keys keep their types and arrays as keys are tuples', () => {
    const { o, rt, atBaseline } = setup(backend);
    const d = o.fromJS({ a: 1, b: [2], ['__proto__']: 3 });
    expect(rt.typeIdOf(d)).toBe(o.dict.type);
    expect(same(o.toJS(d), new Map<unknown, unknown>([['a', 1], ['b', [2]], ['__proto__', 3]]))).toBe(true);
    rt.decref(d);

    const key = [1, 'x', [2n ** 70n]];
    const m = o.fromJS(new Map<unknown, unknown>([[key, 'tuple key'], [1.5, 'float key'], [new Uint8Array([9]), 'bytes key'], [null, 'none']]));
    const entries = o.dict.entries(m);
    expect(entries.map(([k]) => rt.typeIdOf(k))).toEqual([o.tuple.type, o.float.type, o.bytes.type, o.noneType]);
    const back = o.toJS(m) as Map<JSValue, JSValue>;
    expect(same([...back.keys()], [[1, 'x', [2n ** 70n]], 1.5, new Uint8Array([9]), null])).toBe(true);
    expect(Object.isFrozen([...back.keys()][0])).toBe(true);
    rt.decref(m);
    atBaseline();
  });

  it('instances show as { __class__, ...attrs } and plain objects naming a class come back as instances', () => {
    const { o, rt, Point, Vec, atBaseline } = setup(backend);
    const inner = Vec.new();
    const x = o.int.new(3);
    Vec.setattr(inner, 'y', x);
    const p = Point.new({ z: inner, x });
    expect(same(o.toJS(p), { __class__: 'Point', z: { __class__: 'Vec', y: 3 }, x: 3 })).toBe(true);
    rt.decref(inner);
    rt.decref(p);
    rt.decref(x);

    const q = o.fromJS({ __class__: 'Point', x: [1], y: { __class__: 'Vec', x: 'a' } });
    expect(o.instances.classOf(q)).toBe(Point);
    expect(rt.typeIdOf(Point.getattr(q, 'x'))).toBe(o.list.type);
    const v = Point.getattr(q, 'y');
    expect(o.instances.classOf(v)).toBe(Vec);
    expect(o.str.value(Vec.getattr(v, 'x'))).toBe('a');
    rt.decref(q);
    // an unknown class name is just a dict key
    const d = o.fromJS({ __class__: 'Nobody', x: 1 });
    expect(rt.typeIdOf(d)).toBe(o.dict.type);
    rt.decref(d);
    atBaseline();
  });

  it('weakrefs show their referent, or null once it is dead', () => {
    const { o, rt, Point, atBaseline } = setup(backend);
    const p = Point.new();
    const wr = rt.newWeakref(p);
    expect(same(o.toJS(wr), { __weakref__: { __class__: 'Point' } })).toBe(true);
    rt.decref(p);
    expect(o.toJS(wr)).toEqual({ __weakref__: null });
    rt.decref(wr);
    atBaseline();
  });

  it('toJS refuses objects of types it does not know, without changing them', () => {
    const { o, rt, atBaseline } = setup(backend);
    const opaque = rt.registerType({ name: 'Opaque', basicSize: 8 });
    const p = rt.newObject(opaque);
    expect(() => o.toJS(p)).toThrow(/cannot convert a 'Opaque' object/);
    const l = o.list.new([p]);
    expect(() => o.toJS(l)).toThrow(ObjectTypeError);
    expect(rt.refcount(p)).toBe(2);
    rt.decref(l);
    rt.decref(p);
    atBaseline();
  });

  it('toJS keeps identity: shared objects and cycles map to shared JS objects', () => {
    const { o, rt, Point, atBaseline } = setup(backend);
    const shared = o.list.new();
    const outer = o.list.new([shared, shared]);
    o.list.append(outer, outer); // outer contains itself
    const d = o.dict.new();
    o.dict.set(d, o.str.intern('self'), d);
    o.list.append(outer, d);
    const inst = Point.new({ self: outer });
    o.list.append(outer, inst);

    const js = o.toJS(outer) as JSValue[];
    expect(js[0]).toBe(js[1]);
    expect(js[2]).toBe(js);
    const jd = js[3] as Map<JSValue, JSValue>;
    expect(jd.get('self')).toBe(jd);
    expect((js[4] as Record<string, JSValue>).self).toBe(js);

    for (const c of [outer, d, inst]) rt.clear(c); // no collector here: break the cycles by hand
    for (const c of [shared, outer, d, inst]) rt.decref(c);
    atBaseline();
  });

  it('fromJS keeps identity and closes JS cycles through arrays, maps and objects', () => {
    const { o, rt, atBaseline } = setup(backend);
    const shared = ['s'];
    const arr: unknown[] = [shared, shared];
    arr.push(arr);
    const map = new Map<unknown, unknown>();
    map.set('me', map);
    map.set('arr', arr);
    const obj: Record<string, unknown> = { arr };
    obj.obj = obj;
    arr.push(map, obj);

    const l = o.fromJS(arr);
    const items = o.list.items(l);
    expect(items[0]).toBe(items[1]);
    expect(items[2]).toBe(l);
    const m = items[3];
    expect(o.dict.getStr(m, 'me')).toBe(m);
    expect(o.dict.getStr(m, 'arr')).toBe(l);
    const od = items[4];
    expect(o.dict.getStr(od, 'obj')).toBe(od);
    // and back: the same shape of JS graph
    const js = o.toJS(l) as JSValue[];
    expect(js[2]).toBe(js);
    expect(js[0]).toBe(js[1]);
    expect(js[0]).toEqual(['s']);
    const jm = js[3] as Map<JSValue, JSValue>;
    expect(jm.get('me')).toBe(jm);
    expect(jm.get('arr')).toBe(js);
    const jo = js[4] as Map<JSValue, JSValue>; // a plain object came in as a dict: it goes out as a Map
    expect(jo.get('obj')).toBe(jo);
    expect(jo.get('arr')).toBe(js);

    for (const c of [l, m, od]) rt.clear(c);
    rt.decref(l);
    atBaseline();
  });

  it('a tuple may reach itself through a list, but not through tuples alone', () => {
    const { o, rt, atBaseline } = setup(backend);
    const t: unknown[] = [];
    const inner = new Map<unknown, unknown>([['t', t]]);
    t.push(inner, 1);
    const p = o.fromJS(t, { arrays: 'tuple' });
    const d = o.tuple.get(p, 0);
    expect(o.dict.getStr(d, 't')).toBe(p);
    rt.clear(d);
    rt.decref(p);
    atBaseline();

    const loop: unknown[] = [1];
    loop.push([2, loop]);
    expect(() => o.fromJS(loop, { arrays: 'tuple' })).toThrow(/tuple cannot contain itself/);
    atBaseline();
    const key: unknown[] = ['k'];
    key.push(key);
    expect(() => o.fromJS(new Map([[key, 1]]))).toThrow(ObjectTypeError);
    atBaseline();
  });

  it('unsupported JS values throw ObjectTypeError before anything is allocated', () => {
    const { o, rt, pool, atBaseline } = setup(backend);
    class Custom {}
    const bad: unknown[] = [
      () => 1,
      Symbol('s'),
      new Set([1]),
      new Date(),
      new Custom(),
      new Int32Array(2),
      [1, 2, { deep: [new Map([['f', () => 0]])] }],
      new Map([[Symbol.iterator, 1]]),
      { __class__: 'Vec', x: 1, w: 2 }, // 'w' is not a slot of Vec
    ];
    for (const value of bad) {
      const live = rt.stats().liveObjects;
      const blocks = pool.stats().allocatedBlocks;
      expect(() => o.fromJS(value)).toThrow(ObjectTypeError);
      expect(rt.stats().liveObjects).toBe(live);
      expect(pool.stats().allocatedBlocks).toBe(blocks);
    }
    expect(() => o.fromJS([() => 0])).toThrow(/cannot convert a function \(at \[0\]\)/);
    expect(() => o.fromJS(1, { arrays: 'set' as 'list' })).toThrow(ObjectTypeError);
    atBaseline();
  });

  it('an error found while building releases everything built so far', () => {
    const { o, atBaseline } = setup(backend);
    // an unhashable key (a dict) is only found when the dict stores it
    const cyclic: unknown[] = ['a', new Uint8Array(3), 'x'.repeat(600)];
    cyclic.push(cyclic, new Map([[1, cyclic]]));
    // (containers fill last-made first: the cyclic list is complete when the bad key turns up)
    const value = [new Map<unknown, unknown>([[1, cyclic], [{ not: 'hashable' }, 3]]), cyclic];
    expect(() => o.fromJS(value)).toThrow(ObjectTypeError);
    atBaseline();
    expect(() => o.fromJS(new Map([[[1, [2, new Map()]], 1]]))).toThrow(ObjectTypeError); // a dict inside a key tuple
    atBaseline();
    // a getter that passes the check and then answers with a function
    let reads = 0;
    const sly = {
      get x(): unknown {
        return ++reads === 1 ? 1 : () => 0;
      },
    };
    expect(() => o.fromJS([['a', 'b'], sly])).toThrow(/cannot convert a function/);
    atBaseline();
  });

  it('running out of memory midway releases everything built so far', () => {
    const { o, rt, atBaseline } = setup(backend, 4 << 20);
    const big: unknown[] = [];
    big.push(big);
    for (let i = 0; i < 20_000; i++) big.push({ i, s: `item ${i}`.repeat(8), l: [i, big] });
    expect(() => o.fromJS(big)).toThrow(OutOfMemoryError);
    atBaseline();
    // and the heap still works
    const p = o.fromJS([1, 2, 3]);
    expect(o.toJS(p)).toEqual([1, 2, 3]);
    rt.decref(p);
    atBaseline();
  });
});

describe('deep nesting', () => {
  it.each([
    ['list', 'arraybuffer'],
    ['tuple', 'wasm'],
  ] as const)('nested 10^5 deep as %s (%s heap) converts both ways without a stack overflow', (arrays, backend) => {
    const { o, rt, atBaseline } = setup(backend);
    const depth = 100_000;
    let js: unknown[] = [];
    const innermost = js;
    for (let i = 0; i < depth; i++) js = [js, i];
    const p = o.fromJS(js, { arrays });
    let back = o.toJS(p) as JSValue[];
    let mismatches = 0;
    for (let i = depth - 1; i >= 0; i--) {
      if (back.length !== 2 || back[1] !== i) mismatches++;
      back = back[0] as JSValue[];
    }
    expect(mismatches).toBe(0);
    expect(back).toEqual(innermost);
    rt.decref(p);
    atBaseline();
  });
});

describe('round trip (property)', () => {
  const scalar = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.maxSafeInteger(),
    fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }),
    fc.double().filter((x) => !Number.isInteger(x) || Object.is(x, -0)),
    fc.string(),
    fc.uint8Array({ maxLength: 8 }),
  );
  const key = fc.oneof(fc.string({ maxLength: 4 }), fc.integer({ min: -3, max: 3 }));
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('array'), tie('map'), tie('object')),
    array: fc.array(tie('tree'), { maxLength: 5 }),
    map: fc.uniqueArray(fc.tuple(key, tie('tree')), { maxLength: 4, selector: ([k]) => k }).map((e) => new Map(e)),
    object: fc.dictionary(fc.string({ maxLength: 4 }).filter((k) => k !== '__class__' && k !== '__proto__'), tie('tree'), {
      maxKeys: 4,
    }),
  }));

  /** What toJS gives back for `v`: plain objects as Maps, safe bigints as numbers. */
  function expected(v: unknown): unknown {
    if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v ? Number(v) : v;
    if (typeof v !== 'object' || v === null || v instanceof Uint8Array) return v;
    if (Array.isArray(v)) return v.map(expected);
    if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, expected(x)]));
    return new Map(Object.entries(v).map(([k, x]) => [k, expected(x)]));
  }

  it.each(['list', 'tuple'] as const)('toJS(fromJS(v)) equals v (arrays as %s)', (arrays) => {
    const { o, rt, atBaseline } = setup('wasm');
    assertProperty(
      fc.property(tree, (v) => {
        const p = o.fromJS(v, { arrays });
        const back = o.toJS(p);
        rt.decref(p);
        atBaseline();
        return same(back, expected(v));
      }),
      { numRuns: 200 },
    );
  });
});
