import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IndexError, ObjectTypeError } from '@pymem/core';
import { assertProperty } from '@pymem/testing';
import { BYTES_DATA, BYTES_HASH, HASH_NOT_COMPUTED } from '../src/index.js';
import { fixHash, hashBytesRange, xxHash32 } from '../src/hash.js';
import { BACKENDS, setup } from './scalar-setup.js';

// ----------------------------------------------------------- reference model

const MASK32 = 0xffffffffn;
const PRIMES = [0x9e3779b1n, 0x85ebca77n, 0xc2b2ae3dn, 0x27d4eb2fn, 0x165667b1n] as const;
const [P1, P2, P3, P4, P5] = PRIMES;

function rotl(x: bigint, r: bigint): bigint {
  return ((x << r) | (x >> (32n - r))) & MASK32;
}

function le32(b: Uint8Array, i: number): bigint {
  return BigInt(b[i] + b[i + 1] * 2 ** 8 + b[i + 2] * 2 ** 16 + b[i + 3] * 2 ** 24);
}

/** xxHash32, seed 0, written from the specification in plain bigint arithmetic (mod 2^32). */
function referenceXxh32(b: Uint8Array): number {
  const len = b.length;
  let i = 0;
  let h: bigint;
  if (len >= 16) {
    const v = [(P1 + P2) & MASK32, P2, 0n, (0n - P1) & MASK32];
    for (; i + 16 <= len; i += 16) {
      for (let lane = 0; lane < 4; lane++) v[lane] = (rotl((v[lane] + le32(b, i + 4 * lane) * P2) & MASK32, 13n) * P1) & MASK32;
    }
    h = (rotl(v[0], 1n) + rotl(v[1], 7n) + rotl(v[2], 12n) + rotl(v[3], 18n)) & MASK32;
  } else {
    h = P5;
  }
  h = (h + BigInt(len)) & MASK32;
  for (; i + 4 <= len; i += 4) h = (rotl((h + le32(b, i) * P3) & MASK32, 17n) * P4) & MASK32;
  for (; i < len; i++) h = (rotl((h + BigInt(b[i]) * P5) & MASK32, 11n) * P1) & MASK32;
  h ^= h >> 15n;
  h = (h * P2) & MASK32;
  h ^= h >> 13n;
  h = (h * P3) & MASK32;
  h ^= h >> 16n;
  return Number(BigInt.asIntN(32, h));
}

function compareModel(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return Math.sign(a.length - b.length);
}

const someBytes = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc.uint8Array({ minLength: 480, maxLength: 1100 }),
  fc.constantFrom(new Uint8Array(0), Uint8Array.of(0), Uint8Array.of(255, 0, 255)),
);

describe('bytes hash (xxHash32 in hash.ts)', () => {
  it('matches the published xxHash32 test vectors', () => {
    const enc = new TextEncoder();
    const xxh = (s: string) => {
      const u = enc.encode(s);
      return xxHash32(u, 0, u.length) >>> 0;
    };
    expect(xxh('')).toBe(0x02cc5d05);
    expect(xxh('a')).toBe(0x550d7456);
    expect(xxh('abc')).toBe(0x32d153ff);
    expect(xxh('Nobody inspects the spammish repetition')).toBe(0xe2293b2f);
  });

  it('matches a bigint reference at every length and offset', () => {
    assertProperty(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(7), (data, offset) => {
        const u8 = new Uint8Array(offset + data.length);
        u8.set(data, offset);
        expect(xxHash32(u8, offset, data.length)).toBe(referenceXxh32(data));
        expect(hashBytesRange(u8, offset, data.length)).toBe(fixHash(referenceXxh32(data)));
      }),
      { numRuns: 500 },
    );
  });

  it('never returns -1', () => {
    expect(fixHash(-1)).toBe(-2);
    expect(fixHash(0xffffffff)).toBe(-2);
    expect(fixHash(5)).toBe(5);
  });
});

describe.each(BACKENDS)('bytes on a %s heap', (backend) => {
  it('round-trips Uint8Arrays and arrays of byte values, with a trailing NUL', () => {
    const { o, rt, atBaseline } = setup(backend);
    assertProperty(
      fc.property(someBytes, fc.boolean(), (data, asArray) => {
        const p = o.bytes.new(asArray ? Array.from(data) : data);
        expect(o.bytes.length(p)).toBe(data.length);
        expect(o.bytes.toUint8Array(p)).toEqual(data);
        expect(rt.heap.u8[p + BYTES_DATA + data.length]).toBe(0);
        expect(rt.heap.i32[(p + BYTES_HASH) >>> 2]).toBe(HASH_NOT_COMPUTED);
        for (const i of [0, data.length >> 1, data.length - 1]) if (i >= 0 && i < data.length) expect(o.bytes.get(p, i)).toBe(data[i]);
        const h = o.bytes.hash(p);
        expect(h).toBe(fixHash(referenceXxh32(data)));
        expect(rt.heap.i32[(p + BYTES_HASH) >>> 2]).toBe(h);
        expect(o.bytes.hash(p)).toBe(h);
        rt.decref(p);
      }),
      { numRuns: 200 },
    );
    atBaseline();
  });

  it('toUint8Array is a copy, and new copies its input', () => {
    const { o, rt, atBaseline } = setup(backend);
    const input = Uint8Array.of(1, 2, 3);
    const p = o.bytes.new(input);
    input[0] = 9;
    const out = o.bytes.toUint8Array(p);
    out[1] = 9;
    expect(o.bytes.toUint8Array(p)).toEqual(Uint8Array.of(1, 2, 3));
    rt.decref(p);
    atBaseline();
  });

  it('copies a view of its own heap even when the allocation grows the heap', () => {
    const { o, rt, atBaseline } = setup(backend);
    const source = o.bytes.new(Uint8Array.from({ length: 300 }, (_, i) => i & 0xff));
    const expected = o.bytes.toUint8Array(source);
    const made = [];
    for (let k = 0; k < 40; k++) {
      const view = rt.heap.u8.subarray(source + BYTES_DATA, source + BYTES_DATA + 300);
      made.push(o.bytes.new(view));
      made.push(o.bytes.new(new Uint8Array(100_000)));
    }
    for (let k = 0; k < made.length; k += 2) expect(o.bytes.toUint8Array(made[k])).toEqual(expected);
    for (const p of made) rt.decref(p);
    rt.decref(source);
    atBaseline();
  });

  it('equals, compare, hash and concat agree with a model', () => {
    const { o, rt, atBaseline } = setup(backend);
    const pair = fc.oneof(
      fc.tuple(someBytes, someBytes),
      someBytes.map((b) => [b, b.slice()] as const),
      someBytes.filter((b) => b.length > 0).map((b) => [b, b.subarray(0, b.length - 1)] as const),
    );
    assertProperty(
      fc.property(pair, fc.boolean(), ([x, y], hashFirst) => {
        const a = o.bytes.new(x);
        const b = o.bytes.new(y);
        if (hashFirst) {
          o.bytes.hash(a);
          o.bytes.hash(b);
        }
        const same = compareModel(x, y) === 0;
        expect(o.bytes.equals(a, b)).toBe(same);
        expect(o.equals(a, b)).toBe(same);
        expect(o.bytes.compare(a, b)).toBe(compareModel(x, y));
        if (same) expect(o.bytes.hash(a)).toBe(o.bytes.hash(b));
        const c = o.bytes.concat(a, b);
        const joined = new Uint8Array(x.length + y.length);
        joined.set(x);
        joined.set(y, x.length);
        expect(o.bytes.toUint8Array(c)).toEqual(joined);
        expect(rt.heap.u8[c + BYTES_DATA + joined.length]).toBe(0);
        expect(o.bytes.hash(c)).toBe(fixHash(referenceXxh32(joined)));
        for (const p of [a, b, c]) rt.decref(p);
      }),
      { numRuns: 120 },
    );
    atBaseline();
  });

  it('frees each object exactly when its refcount reaches zero', () => {
    const { o, rt, atBaseline } = setup(backend);
    assertProperty(
      fc.property(fc.array(fc.tuple(someBytes, fc.nat(3)), { maxLength: 20 }), (specs) => {
        const objs = specs.map(([data, extra]) => ({ p: o.bytes.new(data), refs: 1 + extra }));
        for (const obj of objs) for (let i = 1; i < obj.refs; i++) rt.incref(obj.p);
        for (const obj of objs) {
          for (let i = 0; i < obj.refs; i++) {
            expect(rt.isObject(obj.p)).toBe(true);
            rt.decref(obj.p);
          }
          expect(rt.isObject(obj.p)).toBe(false);
        }
        atBaseline();
      }),
      { numRuns: 50 },
    );
  });

  it('throws typed errors for bad input and wrong-type objects, changing nothing', () => {
    const { o, rt, snapshot, unchangedSince, atBaseline } = setup(backend);
    const b = o.bytes.new([1, 2, 3]);
    const s = o.str.new('abc');
    const before = snapshot();
    for (const bad of ['abc', null, undefined, 5, [256], [-1], [1.5], [0, '1'], { length: -1 }]) {
      expect(() => o.bytes.new(bad as number[]), JSON.stringify(bad)).toThrow(ObjectTypeError);
    }
    for (const i of [-1, 3, 1.5, NaN]) expect(() => o.bytes.get(b, i)).toThrow(IndexError);
    expect(() => o.bytes.length(s)).toThrow(ObjectTypeError);
    expect(() => o.bytes.get(s, 0)).toThrow(ObjectTypeError);
    expect(() => o.bytes.toUint8Array(s)).toThrow(ObjectTypeError);
    expect(() => o.bytes.hash(s)).toThrow(ObjectTypeError);
    expect(() => o.bytes.equals(b, s)).toThrow(ObjectTypeError);
    expect(() => o.bytes.compare(s, b)).toThrow(ObjectTypeError);
    expect(() => o.bytes.concat(b, s)).toThrow(/^bytes\.concat: expected a 'bytes' object, got 'str'/);
    unchangedSince(before);
    rt.decref(b);
    rt.decref(s);
    atBaseline();
  });
});
