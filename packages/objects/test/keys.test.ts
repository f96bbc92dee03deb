import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ObjectTypeError, type HeapBackend, type Ptr } from '@pymem/core';
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

describe('hashObject dispatch', () => {
  it("each hashable type's hash is its own ops' hash; bool hashes 0/1", () => {
    const { rt, o, atBaseline } = setup();
    const s = o.str.new('text');
    const i = o.int.new(2n ** 80n);
    const f = o.float.new(1.25);
    const b = o.bytes.new(new Uint8Array([9, 8, 7]));
    const t = o.tuple.new([s, i]);
    expect(o.hash(s)).toBe(o.str.hash(s));
    expect(o.hash(i)).toBe(o.int.hash(i));
    expect(o.hash(f)).toBe(o.float.hash(f));
    expect(o.hash(b)).toBe(o.bytes.hash(b));
    expect(o.hash(t)).toBe(o.tuple.hash(t));
    expect(o.hash(o.True)).toBe(1);
    expect(o.hash(o.False)).toBe(0);
    expect(o.hash(o.None)).toBe(o.hash(o.None));
    expect(o.hash(o.None)).not.toBe(-1);
    for (const p of [t, s, i, f, b]) rt.decref(p);
    atBaseline();
  });

  it('lists, dicts, weakrefs and other types are unhashable', () => {
    const { rt, o, atBaseline } = setup();
    const l = o.list.new();
    const d = o.dict.new();
    const otherType = rt.registerType({ name: 'Thing', basicSize: 12, weaklistOffset: 8 });
    const thing = rt.newObject(otherType);
    const weak = rt.newWeakref(thing);
    expect(() => o.hash(l)).toThrow("unhashable type: 'list'");
    expect(() => o.hash(d)).toThrow("unhashable type: 'dict'");
    expect(() => o.hash(thing)).toThrow("unhashable type: 'Thing'");
    expect(() => o.hash(weak)).toThrow(ObjectTypeError);
    for (const p of [weak, thing, l, d]) rt.decref(p);
    atBaseline();
  });
});

// ───────────────────────────── numeric equality ─────────────────────────

type Num = { t: 'int'; v: number | bigint } | { t: 'float'; v: number } | { t: 'bool'; v: boolean };

const numArb: fc.Arbitrary<Num> = fc.oneof(
  fc.integer({ min: -4, max: 4 }).map((v) => ({ t: 'int' as const, v })),
  fc.integer({ min: -4, max: 4 }).map((v) => ({ t: 'float' as const, v })),
  fc.boolean().map((v) => ({ t: 'bool' as const, v })),
  fc.constantFrom(2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 53 - 1).map((v) => ({ t: 'int' as const, v })),
  fc.constantFrom(2 ** 31 - 1, 2 ** 31, 2 ** 53, 2 ** 64, -(2 ** 70)).map((v) => ({ t: 'float' as const, v })),
  fc.constantFrom(2n ** 53n, 2n ** 53n + 1n, 2n ** 64n, -(2n ** 70n), 2n ** 200n).map((v) => ({ t: 'int' as const, v })),
  fc.constantFrom(0.5, -0, -2.5, 1e-300, NaN, Infinity, -Infinity).map((v) => ({ t: 'float' as const, v })),
  fc.double().map((v) => ({ t: 'float' as const, v })),
);

/** Python's == between numbers: exact, across int (arbitrary precision), float and bool. */
function numEquals(a: Num, b: Num): boolean {
  const x = a.t === 'bool' ? (a.v ? 1 : 0) : a.v;
  const y = b.t === 'bool' ? (b.v ? 1 : 0) : b.v;
  if (typeof x === 'number' && typeof y === 'number') return x === y;
  if (typeof x === 'bigint' && typeof y === 'bigint') return x === y;
  const num = (typeof x === 'number' ? x : y) as number;
  const big = (typeof x === 'bigint' ? x : y) as bigint;
  return Number.isInteger(num) && BigInt(num) === big;
}

function makeNum(o: Objects, n: Num): Ptr {
  if (n.t === 'bool') return o.bool(n.v);
  return n.t === 'int' ? o.int.new(n.v) : o.float.new(n.v);
}

describe('numeric equality across int, float and bool', () => {
  it.each(['shared', 'arraybuffer'] as const)('== is exact and equal numbers hash equal (%s)', (backend) => {
    const { rt, o, atBaseline } = setup(backend);
    assertProperty(
      fc.property(numArb, numArb, (na, nb) => {
        const a = makeNum(o, na);
        const b = makeNum(o, nb);
        const equal = numEquals(na, nb);
        expect(o.equals(a, b)).toBe(equal);
        expect(o.equals(b, a)).toBe(equal);
        if (equal) expect(o.hash(a)).toBe(o.hash(b));
        rt.decref(a);
        rt.decref(b);
      }),
      { numRuns: 1000 },
    );
    atBaseline();
  });

  it('1 == 1.0 == True, 0 == -0.0 == False, and a NaN equals only itself', () => {
    const { rt, o, atBaseline } = setup();
    const one = o.int.new(1);
    const oneF = o.float.new(1);
    const zeroF = o.float.new(-0);
    const zero = o.int.new(0);
    const nan = o.float.new(NaN);
    const nan2 = o.float.new(NaN);
    const big = o.int.new(2n ** 53n + 1n);
    const bigF = o.float.new(2 ** 53);
    expect(o.equals(one, oneF) && o.equals(oneF, o.True) && o.equals(o.True, one)).toBe(true);
    expect(o.equals(zero, zeroF) && o.equals(zeroF, o.False)).toBe(true);
    expect(o.equals(o.True, o.False)).toBe(false);
    expect(o.equals(nan, nan)).toBe(true);
    expect(o.equals(nan, nan2)).toBe(false);
    expect(o.equals(big, bigF)).toBe(false); // no rounding: 2^53 + 1 != 2.0 ** 53
    expect(new Set([one, oneF, o.True].map((p) => o.hash(p))).size).toBe(1);
    for (const p of [one, oneF, zeroF, zero, nan, nan2, big, bigF]) rt.decref(p);
    atBaseline();
  });
});

describe('equality of other types', () => {
  it('str and bytes compare by content, never with each other or with numbers', () => {
    const { rt, o, atBaseline } = setup();
    const s1 = o.str.new('abc');
    const s2 = o.str.new('abc');
    const s3 = o.str.new('abd');
    const b1 = o.bytes.new(new TextEncoder().encode('abc'));
    const b2 = o.bytes.new(new TextEncoder().encode('abc'));
    const n = o.int.new(97);
    expect(o.equals(s1, s2)).toBe(true);
    expect(o.hash(s1)).toBe(o.hash(s2));
    expect(o.equals(s1, s3)).toBe(false);
    expect(o.equals(b1, b2)).toBe(true);
    expect(o.hash(b1)).toBe(o.hash(b2));
    expect(o.equals(s1, b1)).toBe(false);
    expect(o.equals(s1, n)).toBe(false);
    expect(o.equals(o.None, o.False)).toBe(false);
    expect(o.equals(o.None, o.None)).toBe(true);
    for (const p of [s1, s2, s3, b1, b2, n]) rt.decref(p);
    atBaseline();
  });

  it('lists and dicts compare by value, recursively; a self-containing list equals itself', () => {
    const { rt, o, atBaseline } = setup();
    const x = o.str.new('x');
    const inner1 = o.list.new([x]);
    const inner2 = o.list.new([x]);
    const d1 = o.dict.new();
    const d2 = o.dict.new();
    o.dict.set(d1, x, inner1);
    o.dict.set(d2, x, inner2);
    const l1 = o.list.new([d1, o.None]);
    const l2 = o.list.new([d2, o.None]);
    expect(o.equals(l1, l2)).toBe(true);
    o.list.append(inner2, o.None);
    expect(o.equals(l1, l2)).toBe(false);
    expect(o.equals(inner1, o.tuple.empty)).toBe(false); // list != tuple, as in Python
    o.list.append(l1, l1);
    expect(o.equals(l1, l1)).toBe(true);
    o.list.clear(l1); // break the cycle before releasing
    for (const p of [l1, l2, d1, d2, inner1, inner2, x]) rt.decref(p);
    atBaseline();
  });
});
