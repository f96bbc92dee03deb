import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IndexError, ObjectTypeError, type HeapBackend, type Ptr } from '@pymem/core';
import { createPool } from '@pymem/pool';
import { Runtime } from '@pymem/refcount';
import { assertProperty } from '@pymem/testing';
import { Objects } from '../src/index.js';

function setup(backend: HeapBackend = 'shared') {
  const pool = createPool({ backend });
  const rt = new Runtime({ allocator: pool });
  const o = new Objects(rt);
  const baseline = { objects: rt.stats().liveObjects, blocks: pool.stats().allocatedBlocks };
  const atBaseline = (): void => {
    expect(rt.stats().liveObjects).toBe(baseline.objects);
    expect(pool.stats().allocatedBlocks).toBe(baseline.blocks);
  };
  return { pool, rt, o, atBaseline };
}

/**
 * CPython's tuplehash at either word width, in bigint arithmetic, from the
 * items' hashes: the 64-bit form is checked against real CPython values,
 * the 32-bit form against o.tuple.hash.
 */
function referenceTupleHash(lanes: readonly bigint[], bits: 32 | 64): bigint {
  const width = BigInt(bits);
  const mask = (1n << width) - 1n;
  const [prime1, prime2, prime5, rotate] =
    bits === 64
      ? [11400714785074694791n, 14029467366897019727n, 2870177450012600261n, 31n]
      : [2654435761n, 2246822519n, 374761393n, 13n];
  let acc = prime5;
  for (const lane of lanes) {
    acc = (acc + (lane & mask) * prime2) & mask;
    acc = ((acc << rotate) | (acc >> (width - rotate))) & mask;
    acc = (acc * prime1) & mask;
  }
  acc = (acc + (BigInt(lanes.length) ^ (prime5 ^ 3527539n))) & mask;
  if (acc === mask) return 1546275796n;
  return BigInt.asIntN(bits, acc);
}

/** hash() of small ints on 64-bit CPython: the value itself, -1 -> -2. */
const int64Hash = (n: number): bigint => BigInt(n === -1 ? -2 : n);

describe('tuple hash', () => {
  it('the reference algorithm reproduces 64-bit CPython 3.11 values', () => {
    // Facts of CPython (python3.11 -c "print(hash(()), hash((1, 2)), hash((1, (2, 3), -1)))").
    expect(referenceTupleHash([], 64)).toBe(5740354900026072187n);
    expect(referenceTupleHash([int64Hash(1), int64Hash(2)], 64)).toBe(-3550055125485641917n);
    const inner = referenceTupleHash([int64Hash(2), int64Hash(3)], 64);
    expect(referenceTupleHash([int64Hash(1), inner, int64Hash(-1)], 64)).toBe(-4691468712706788113n);
  });

  it('o.tuple.hash is the same algorithm with 32-bit lanes', () => {
    const { rt, o, atBaseline } = setup();
    assertProperty(
      fc.property(fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 8 })), { maxLength: 12 }), (values) => {
        const items = values.map((v) => (typeof v === 'number' ? o.int.new(v) : o.str.new(v)));
        const t = o.tuple.new(items);
        const expected = referenceTupleHash(items.map((p) => BigInt(o.hash(p))), 32);
        expect(o.tuple.hash(t)).toBe(Number(expected));
        expect(o.hash(t)).toBe(Number(expected));
        for (const p of [t, ...items]) rt.decref(p);
      }),
      { numRuns: 200 },
    );
    atBaseline();
  });

  it('a tuple holding something unhashable is unhashable', () => {
    const { rt, o, atBaseline } = setup();
    const l = o.list.new();
    const t = o.tuple.new([o.None, l]);
    const outer = o.tuple.new([t]);
    expect(() => o.tuple.hash(t)).toThrow("unhashable type: 'list'");
    expect(() => o.hash(outer)).toThrow(ObjectTypeError);
    for (const p of [outer, t, l]) rt.decref(p);
    atBaseline();
  });
});

// Python values as data, for the equality property: numbers tagged with their type.
type Shape =
  | { t: 'int'; v: number | bigint }
  | { t: 'float'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'none' }
  | { t: 'str'; v: string }
  | { t: 'tuple'; items: Shape[] };

const numberShape: fc.Arbitrary<Shape> = fc.oneof(
  fc.integer({ min: -3, max: 3 }).map((v) => ({ t: 'int' as const, v })),
  fc.integer({ min: -3, max: 3 }).map((v) => ({ t: 'float' as const, v })),
  fc.boolean().map((v) => ({ t: 'bool' as const, v })),
  fc.constantFrom(2 ** 53, 2 ** 60, -(2 ** 70)).map((v) => ({ t: 'float' as const, v })),
  fc.constantFrom(2n ** 53n, 2n ** 60n, -(2n ** 70n), 2n ** 53n + 1n).map((v) => ({ t: 'int' as const, v })),
  fc.constantFrom(0.5, -0, NaN, Infinity).map((v) => ({ t: 'float' as const, v })),
);
const leafShape: fc.Arbitrary<Shape> = fc.oneof(
  { weight: 4, arbitrary: numberShape },
  { weight: 1, arbitrary: fc.constant({ t: 'none' as const }) },
  { weight: 2, arbitrary: fc.constantFrom('', 'a', 'b', 'é').map((v) => ({ t: 'str' as const, v })) },
);
const shapeArb: fc.Arbitrary<Shape> = fc.letrec<{ shape: Shape }>((tie) => ({
  shape: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafShape,
    fc.array(tie('shape'), { maxLength: 4 }).map((items) => ({ t: 'tuple' as const, items })),
  ),
})).shape;

function numeric(s: Shape): number | bigint | null {
  if (s.t === 'int' || s.t === 'float') return s.v;
  if (s.t === 'bool') return s.v ? 1 : 0;
  return null;
}

/** Python's == on shapes (NaN is never equal: the objects built are distinct). */
function pyEquals(a: Shape, b: Shape): boolean {
  const x = numeric(a);
  const y = numeric(b);
  if (x !== null && y !== null) {
    if (typeof x === 'number' && typeof y === 'number') return x === y;
    if (typeof x === 'bigint' && typeof y === 'bigint') return x === y;
    const num = (typeof x === 'number' ? x : y) as number;
    const big = (typeof x === 'bigint' ? x : y) as bigint;
    return Number.isInteger(num) && BigInt(num) === big;
  }
  if (a.t === 'none' || b.t === 'none') return a.t === b.t;
  if (a.t === 'str' && b.t === 'str') return a.v === b.v;
  if (a.t === 'tuple' && b.t === 'tuple') return a.items.length === b.items.length && a.items.every((item, i) => pyEquals(item, b.items[i]));
  return false;
}

function build(o: Objects, s: Shape): Ptr {
  switch (s.t) {
    case 'int':
      return o.int.new(s.v);
    case 'float':
      return o.float.new(s.v);
    case 'bool':
      return o.bool(s.v);
    case 'none':
      return o.None;
    case 'str':
      return o.str.new(s.v);
    case 'tuple': {
      const items = s.items.map((item) => build(o, item));
      const t = o.tuple.new(items);
      for (const p of items) o.rt.decref(p);
      return t;
    }
  }
}

describe('tuple equality and hash', () => {
  it.each(['shared', 'arraybuffer'] as const)('equal tuples hash equal; == follows Python (%s)', (backend) => {
    const { rt, o, atBaseline } = setup(backend);
    assertProperty(
      fc.property(shapeArb, shapeArb, (sa, sb) => {
        const a = build(o, sa);
        const b = build(o, sb);
        const a2 = build(o, sa);
        expect(o.equals(a, b)).toBe(pyEquals(sa, sb));
        expect(o.equals(b, a)).toBe(pyEquals(sa, sb));
        if (o.equals(a, b)) expect(o.hash(a)).toBe(o.hash(b));
        expect(o.hash(a2)).toBe(o.hash(a)); // same shape, separate objects
        expect(o.equals(a, a)).toBe(true); // identity, even holding NaN
        for (const p of [a, b, a2]) rt.decref(p);
      }),
      { numRuns: 300 },
    );
    atBaseline();
  });

  it('(1, 2.0) == (1.0, True + 1) and they hash alike', () => {
    const { rt, o, atBaseline } = setup();
    const items1 = [o.int.new(1), o.float.new(2)];
    const items2 = [o.float.new(1), o.int.new(2)];
    const t1 = o.tuple.new(items1);
    const t2 = o.tuple.new(items2);
    expect(o.tuple.equals(t1, t2)).toBe(true);
    expect(o.tuple.hash(t1)).toBe(o.tuple.hash(t2));
    expect(() => o.tuple.equals(t1, items1[0])).toThrow(ObjectTypeError);
    for (const p of [t1, t2, ...items1, ...items2]) rt.decref(p);
    atBaseline();
  });
});

describe('tuple objects', () => {
  it('the empty tuple is one immortal singleton', () => {
    const { rt, o, atBaseline } = setup();
    const e = o.tuple.new([]);
    expect(e).toBe(o.tuple.empty);
    expect(o.tuple.newUninitialized(0)).toBe(e);
    expect(rt.isImmortal(e)).toBe(true);
    expect(o.tuple.size(e)).toBe(0);
    rt.decref(e);
    rt.decref(e);
    expect(rt.isObject(e)).toBe(true);
    atBaseline();
  });

  it('new/get/size/items with Python index rules; IndexError is typed and changes nothing', () => {
    const { rt, o, atBaseline } = setup();
    const items = ['a', 'b', 'c'].map((s) => o.str.new(s));
    const t = o.tuple.new(items);
    expect(o.tuple.size(t)).toBe(3);
    expect(o.tuple.items(t)).toEqual(items);
    expect(o.tuple.get(t, 0)).toBe(items[0]);
    expect(o.tuple.get(t, -1)).toBe(items[2]);
    for (const bad of [3, -4, 1.5, NaN]) expect(() => o.tuple.get(t, bad)).toThrow(IndexError);
    for (const p of items) expect(rt.refcount(p)).toBe(2);
    expect(o.tuple.items(t)).toEqual(items);
    expect(() => o.tuple.get(items[0], 0)).toThrow(ObjectTypeError);
    rt.decref(t);
    for (const p of items) expect(rt.refcount(p)).toBe(1);
    for (const p of items) rt.decref(p);
    atBaseline();
  });

  it('new with a dead item throws and leaves every refcount as it was', () => {
    const { rt, o, atBaseline } = setup();
    const a = o.str.new('a');
    const dead = o.str.new('dead');
    rt.decref(dead);
    expect(() => o.tuple.new([a, a, dead, a])).toThrow();
    expect(rt.refcount(a)).toBe(1);
    rt.decref(a);
    atBaseline();
  });

  it('newUninitialized + setInitial steal references, once per slot', () => {
    const { rt, o, atBaseline } = setup();
    const t = o.tuple.newUninitialized(2);
    expect(o.tuple.size(t)).toBe(2);
    expect(rt.traverse(t, () => 1, 0)).toBe(0); // empty slots are skipped
    const a = o.str.new('a');
    o.tuple.setInitial(t, 0, a); // steals our reference
    expect(rt.refcount(a)).toBe(1);
    expect(() => o.tuple.setInitial(t, 0, o.None)).toThrow(ObjectTypeError);
    expect(() => o.tuple.setInitial(t, 2, o.None)).toThrow(IndexError);
    o.tuple.setInitial(t, 1, o.None);
    expect(o.tuple.items(t)).toEqual([a, o.None]);
    rt.decref(t); // frees a too
    atBaseline();
  });

  it('traverse visits the items; clear empties the slots and keeps the tuple valid', () => {
    const { rt, o, atBaseline } = setup();
    const items = ['a', 'b'].map((s) => o.str.new(s));
    const t = o.tuple.new(items);
    const seen: Ptr[] = [];
    expect(rt.traverse(t, (child) => (seen.push(child), 0), 0)).toBe(0);
    expect(seen).toEqual(items);
    expect(rt.traverse(t, (child) => (child === items[1] ? 9 : 0), 0)).toBe(9);
    rt.clear(t);
    expect(o.tuple.size(t)).toBe(2);
    expect(o.tuple.get(t, 0)).toBe(0);
    expect(rt.traverse(t, () => 1, 0)).toBe(0);
    for (const p of items) expect(rt.refcount(p)).toBe(1);
    rt.decref(t);
    for (const p of items) rt.decref(p);
    atBaseline();
  });

  it.each(['shared', 'arraybuffer'] as const)('random tuples over a pool: refcounts follow the model (%s)', (backend) => {
    const { rt, o, atBaseline } = setup(backend);
    const pool = [o.str.new('x'), o.int.new(10 ** 6), o.float.new(0.25), o.None];
    assertProperty(
      fc.property(fc.array(fc.array(fc.nat({ max: pool.length - 1 }), { maxLength: 40 }), { maxLength: 30 }), (specs) => {
        const tuples = specs.map((spec) => o.tuple.new(spec.map((i) => pool[i])));
        for (const p of pool) {
          if (rt.isImmortal(p)) continue;
          const held = specs.flat().filter((i) => pool[i] === p).length;
          expect(rt.refcount(p)).toBe(1 + held);
        }
        tuples.forEach((t, k) => expect(o.tuple.items(t)).toEqual(specs[k].map((i) => pool[i])));
        for (const t of tuples) rt.decref(t);
        for (const p of pool) if (!rt.isImmortal(p)) expect(rt.refcount(p)).toBe(1);
      }),
      { numRuns: 60 },
    );
    for (const p of pool) rt.decref(p);
    atBaseline();
  });
});
