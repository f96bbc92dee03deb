import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ObjectTypeError } from '@pymem/core';
import { assertProperty } from '@pymem/testing';
import { FLOAT_VALUE } from '../src/index.js';
import { HASH_INF, HASH_MODULUS, hashDouble } from '../src/hash.js';
import { BACKENDS, setup } from './scalar-setup.js';

// ----------------------------------------------------------- reference model

const P = 2n ** 31n - 1n;
/** 2^-1 mod P: 2 * 2^30 = 2^31 ≡ 1. */
const HALF = 2n ** 30n;

function modPow(base: bigint, exp: bigint): bigint {
  let result = 1n;
  for (let b = base % P, e = exp; e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) result = (result * b) % P;
  return result;
}

/**
 * hash(d) as the rational rule says, by exact bigint arithmetic: write d as
 * m / 2^k (doubling a non-integral double is exact), then m * (2^-1)^k mod P.
 */
function referenceHash(d: number): number {
  if (Number.isNaN(d)) return 0;
  if (d === Infinity) return 314159;
  if (d === -Infinity) return -314159;
  let m = d;
  let k = 0n;
  while (!Number.isInteger(m)) {
    m *= 2;
    k++;
  }
  const num = BigInt(m);
  const magnitude = Number((((num < 0n ? -num : num) % P) * modPow(HALF, k)) % P);
  const h = num < 0n ? 0 - magnitude : magnitude;
  return h === -1 ? -2 : h;
}

describe('float hash rule (hash.ts)', () => {
  it('matches the exact rational rule for every double', () => {
    assertProperty(
      fc.property(fc.double(), (d) => {
        expect(hashDouble(d)).toBe(referenceHash(d));
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the documented constants and small values', () => {
    expect(hashDouble(Infinity)).toBe(HASH_INF);
    expect(hashDouble(-Infinity)).toBe(-HASH_INF);
    expect(hashDouble(NaN)).toBe(0);
    expect(hashDouble(0)).toBe(0);
    expect(hashDouble(-0)).toBe(0);
    expect(hashDouble(-1)).toBe(-2);
    expect(hashDouble(0.5)).toBe(2 ** 30);
    expect(hashDouble(1.5)).toBe(2 ** 30 + 1);
    expect(hashDouble(HASH_MODULUS)).toBe(0);
    expect(hashDouble(Number.MIN_VALUE)).toBe(referenceHash(Number.MIN_VALUE));
    expect(hashDouble(Number.MAX_VALUE)).toBe(referenceHash(Number.MAX_VALUE));
  });
});

describe.each(BACKENDS)('float on a %s heap', (backend) => {
  it('round-trips every double, NaN and -0.0 included', () => {
    const { o, rt, atBaseline } = setup(backend);
    assertProperty(
      fc.property(fc.double(), (d) => {
        const p = o.float.new(d);
        expect(Object.is(o.float.value(p), d)).toBe(true);
        expect(Object.is(rt.heap.f64[(p + FLOAT_VALUE) >>> 3], d)).toBe(true);
        expect(o.float.hash(p)).toBe(referenceHash(d));
        rt.decref(p);
      }),
      { numRuns: 500 },
    );
    atBaseline();
  });

  it('equals is IEEE equality and equal floats hash alike', () => {
    const { o, rt, atBaseline } = setup(backend);
    const pair = fc.oneof(
      fc.tuple(fc.double(), fc.double()),
      fc.double().map((d) => [d, d] as const),
      fc.constant([0, -0] as const),
      fc.constant([NaN, NaN] as const),
    );
    assertProperty(
      fc.property(pair, ([x, y]) => {
        const a = o.float.new(x);
        const b = o.float.new(y);
        expect(o.float.equals(a, b)).toBe(x === y);
        if (x === y) expect(o.float.hash(a)).toBe(o.float.hash(b));
        rt.decref(a);
        rt.decref(b);
      }),
      { numRuns: 300 },
    );
    atBaseline();
  });

  it('makes a fresh object each time and frees it on the last decref', () => {
    const { o, rt, atBaseline } = setup(backend);
    const a = o.float.new(2.5);
    const b = o.float.new(2.5);
    expect(a).not.toBe(b);
    rt.incref(a);
    rt.decref(a);
    expect(rt.isObject(a)).toBe(true);
    rt.decref(a);
    rt.decref(b);
    expect(rt.isObject(a)).toBe(false);
    atBaseline();
  });

  it('throws ObjectTypeError for non-numbers and wrong-type objects, changing nothing', () => {
    const { o, rt, pool, atBaseline } = setup(backend);
    const i = o.int.new(1000);
    const f = o.float.new(1);
    const live = rt.stats().liveObjects;
    const blocks = pool.stats().allocatedBlocks;
    for (const bad of ['1', 1n, null, undefined, {}]) expect(() => o.float.new(bad as number)).toThrow(ObjectTypeError);
    expect(() => o.float.value(i)).toThrow(ObjectTypeError);
    expect(() => o.float.hash(i)).toThrow(ObjectTypeError);
    expect(() => o.float.equals(f, i)).toThrow(ObjectTypeError);
    expect(() => o.float.equals(i, f)).toThrow(ObjectTypeError);
    expect(rt.stats().liveObjects).toBe(live);
    expect(pool.stats().allocatedBlocks).toBe(blocks);
    expect(o.float.value(f)).toBe(1);
    rt.decref(i);
    rt.decref(f);
    atBaseline();
  });
});
