import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ObjectTypeError, type Ptr } from '@pymem/core';
import { assertProperty } from '@pymem/testing';
import { INT_DIGITS, INT_SIZE } from '../src/index.js';
import { hashDouble } from '../src/hash.js';
import { BACKENDS, setup } from './scalar-setup.js';

// ----------------------------------------------------------- reference model

const P = 2n ** 31n - 1n;
const DIGIT = 2n ** 30n;

/** The 30-bit digits of |n|, least significant first, by plain bigint division. */
function referenceDigits(n: bigint): number[] {
  const digits: number[] = [];
  for (let m = n < 0n ? -n : n; m > 0n; m /= DIGIT) digits.push(Number(m % DIGIT));
  return digits;
}

/** hash(n) by the rule in the brief: sign(n) * (|n| mod (2^31 - 1)), -1 -> -2. */
function referenceHash(n: bigint): number {
  const magnitude = Number((n < 0n ? -n : n) % P);
  const h = n < 0n ? 0 - magnitude : magnitude;
  return h === -1 ? -2 : h;
}

/** Integers of every size: small, one digit, two digits, around 2^53, and huge. */
const anyInt = fc.oneof(
  fc.bigInt(-10n, 300n),
  fc.bigInt(-(2n ** 31n), 2n ** 31n),
  fc.bigInt(-(2n ** 60n), 2n ** 60n),
  fc.bigInt(-(2n ** 53n) - 5n, -(2n ** 53n) + 5n),
  fc.bigInt(2n ** 53n - 5n, 2n ** 53n + 5n),
  fc.bigInt(-(2n ** 3000n), 2n ** 3000n),
);

function asJs(n: bigint): number | bigint {
  return n >= -BigInt(Number.MAX_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

describe.each(BACKENDS)('int on a %s heap', (backend) => {
  it('round-trips every safe integer given as a number', () => {
    const { o, rt, atBaseline } = setup(backend);
    assertProperty(
      fc.property(fc.maxSafeInteger(), (n) => {
        const p = o.int.new(n);
        expect(o.int.value(p)).toBe(n === 0 ? 0 : n);
        expect(o.int.toBigInt(p)).toBe(BigInt(n));
        rt.decref(p);
      }),
      { numRuns: 300 },
    );
    atBaseline();
  });

  it('round-trips bigints of any size and stores CPython digits', () => {
    const { o, rt, atBaseline } = setup(backend);
    assertProperty(
      fc.property(anyInt, (n) => {
        const p = o.int.new(n);
        expect(o.int.toBigInt(p)).toBe(n);
        const v = o.int.value(p);
        expect(v).toBe(asJs(n));
        const digits = referenceDigits(n);
        expect(rt.heap.i32[(p + INT_SIZE) >>> 2]).toBe(n < 0n ? -digits.length : digits.length);
        const stored = Array.from(rt.heap.u32.subarray((p + INT_DIGITS) >>> 2, ((p + INT_DIGITS) >>> 2) + digits.length));
        expect(stored).toEqual(digits);
        expect(o.int.digitCount(p)).toBe(digits.length);
        expect(o.int.sign(p)).toBe(n < 0n ? -1 : n > 0n ? 1 : 0);
        rt.decref(p);
      }),
      { numRuns: 300 },
    );
    atBaseline();
  });

  it('takes integral numbers beyond 2^53 exactly', () => {
    const { o, rt, atBaseline } = setup(backend);
    for (const x of [2 ** 53, -(2 ** 60), 1e300, -Number.MAX_VALUE, 2 ** 1023]) {
      const p = o.int.new(x);
      expect(o.int.toBigInt(p)).toBe(BigInt(x));
      expect(o.int.hash(p)).toBe(referenceHash(BigInt(x)));
      rt.decref(p);
    }
    atBaseline();
  });

  it('compare, equals and hash agree with bigint arithmetic', () => {
    const { o, rt, atBaseline } = setup(backend);
    const pair = fc.oneof(
      fc.tuple(anyInt, anyInt),
      anyInt.map((n) => [n, n] as const),
      anyInt.map((n) => [n, n + 1n] as const),
      anyInt.map((n) => [n, -n] as const),
    );
    assertProperty(
      fc.property(pair, ([x, y]) => {
        const a = o.int.new(x);
        const b = o.int.new(y);
        expect(o.int.compare(a, b)).toBe(x < y ? -1 : x > y ? 1 : 0);
        expect(o.int.compare(b, a)).toBe(y < x ? -1 : y > x ? 1 : 0);
        expect(o.int.equals(a, b)).toBe(x === y);
        expect(o.int.hash(a)).toBe(referenceHash(x));
        if (x === y) expect(o.int.hash(a)).toBe(o.int.hash(b));
        expect(o.equals(a, b)).toBe(x === y);
        rt.decref(a);
        rt.decref(b);
      }),
      { numRuns: 400 },
    );
    atBaseline();
  });

  it('hashes small ints to themselves, except -1', () => {
    const { o } = setup(backend);
    for (let k = -5; k <= 256; k++) expect(o.int.hash(o.int.new(k))).toBe(k === -1 ? -2 : k);
  });

  it('hash(int k) == hash(float k) for integral k, and equalsDouble is exact', () => {
    const { o, rt, atBaseline } = setup(backend);
    const integral = fc.oneof(
      fc.maxSafeInteger(),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => Math.trunc(d)),
    );
    assertProperty(
      fc.property(integral, (k) => {
        const i = o.int.new(k);
        const f = o.float.new(k);
        expect(o.int.hash(i)).toBe(o.float.hash(f));
        expect(o.int.hash(i)).toBe(hashDouble(k));
        expect(o.int.equalsDouble(i, k)).toBe(true);
        if (!Number.isInteger(k + 0.5)) expect(o.int.equalsDouble(i, k + 0.5)).toBe(false);
        rt.decref(i);
        rt.decref(f);
      }),
      { numRuns: 300 },
    );
    const big = o.int.new(2n ** 53n + 1n);
    expect(o.int.equalsDouble(big, 2 ** 53)).toBe(false);
    expect(o.int.equalsDouble(big, NaN)).toBe(false);
    expect(o.int.equalsDouble(big, Infinity)).toBe(false);
    rt.decref(big);
    atBaseline();
  });

  it('add, sub and mul agree with bigint arithmetic', () => {
    const { o, rt, atBaseline } = setup(backend);
    assertProperty(
      fc.property(anyInt, anyInt, (x, y) => {
        const a = o.int.new(x);
        const b = o.int.new(y);
        for (const [op, expected] of [
          ['add', x + y],
          ['sub', x - y],
          ['mul', x * y],
        ] as const) {
          const r = o.int[op](a, b);
          expect(o.int.toBigInt(r)).toBe(expected);
          expect(o.int.value(r)).toBe(asJs(expected));
          rt.decref(r);
        }
        rt.decref(a);
        rt.decref(b);
      }),
      { numRuns: 300 },
    );
    atBaseline();
  });

  it('caches -5..256 as immortal objects: same pointer, refcount pinned', () => {
    const { o, rt, atBaseline } = setup(backend);
    for (let v = -5; v <= 256; v++) {
      const p = o.int.new(v);
      expect(o.int.new(v)).toBe(p);
      expect(o.int.new(BigInt(v))).toBe(p);
      expect(o.int.isSmall(v)).toBe(true);
      expect(rt.isImmortal(p)).toBe(true);
      const before = rt.refcount(p);
      rt.incref(p);
      rt.decref(p);
      rt.decref(p);
      rt.decref(p);
      expect(rt.refcount(p)).toBe(before);
      expect(rt.isObject(p)).toBe(true);
      expect(o.int.value(p)).toBe(v);
    }
    expect(o.int.new(-0)).toBe(o.int.new(0));
    expect(o.int.isSmall(257)).toBe(false);
    expect(o.int.isSmall(-6)).toBe(false);
    expect(o.int.isSmall(1.5)).toBe(false);
    atBaseline();
  });

  it('frees other ints exactly when their refcount reaches zero', () => {
    const { o, rt, atBaseline } = setup(backend);
    assertProperty(
      fc.property(fc.array(fc.tuple(anyInt, fc.nat(3)), { maxLength: 40 }), (specs) => {
        const live = specs.map(([n, extra]) => ({ p: o.int.new(n), refs: 1 + extra, small: o.int.isSmall(n), n }));
        for (const obj of live) for (let i = 1; i < obj.refs; i++) rt.incref(obj.p);
        for (const obj of live) {
          const again = o.int.new(obj.n);
          expect(again === obj.p).toBe(obj.small);
          rt.decref(again);
          for (let i = 0; i < obj.refs; i++) {
            expect(rt.isObject(obj.p)).toBe(true);
            rt.decref(obj.p);
          }
          expect(rt.isObject(obj.p)).toBe(obj.small);
        }
        atBaseline();
      }),
      { numRuns: 100 },
    );
  });

  it('throws ObjectTypeError for non-integers and wrong-type objects, changing nothing', () => {
    const { o, rt, snapshot, unchangedSince, atBaseline } = setup(backend);
    const f = o.float.new(1.5);
    const s = o.str.new('12');
    const i = o.int.new(1000);
    const before = snapshot();
    for (const bad of [1.5, NaN, Infinity, -Infinity, '3', null, undefined, {}, 2 ** 51 + 0.5, -0.25]) {
      expect(() => o.int.new(bad as number)).toThrow(ObjectTypeError);
    }
    expect(() => o.int.value(f)).toThrow(ObjectTypeError);
    expect(() => o.int.toBigInt(s)).toThrow(ObjectTypeError);
    expect(() => o.int.hash(f)).toThrow(ObjectTypeError);
    expect(() => o.int.compare(i, f)).toThrow(ObjectTypeError);
    expect(() => o.int.equals(s, i)).toThrow(ObjectTypeError);
    expect(() => o.int.add(i, f)).toThrow(ObjectTypeError);
    expect(() => o.int.sub(f, i)).toThrow(ObjectTypeError);
    expect(() => o.int.mul(i, s)).toThrow(ObjectTypeError);
    expect(() => o.int.equalsDouble(f, 1)).toThrow(ObjectTypeError);
    expect(() => o.int.add(i, o.None)).toThrow(/expected a 'int' object, got 'NoneType'/);
    unchangedSince(before);
    for (const p of [f, s, i] as Ptr[]) rt.decref(p);
    atBaseline();
  });
});
