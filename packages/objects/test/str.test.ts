import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InvalidSizeError, ObjectTypeError, OutOfMemoryError } from '@pymem/core';
import { createPool } from '@pymem/pool';
import { createTlsf } from '@pymem/tlsf';
import { Runtime } from '@pymem/refcount';
import { assertProperty } from '@pymem/testing';
import { HASH_NOT_COMPUTED, Objects, STR_DATA, STR_HASH } from '../src/index.js';
import { hashBytesRange } from '../src/hash.js';
import { DECODE_LOOP_MAX_BYTES, ENCODE_INTO_MIN_UNITS } from '../src/str.js';
import { BACKENDS, setup } from './scalar-setup.js';

// ----------------------------------------------------------- reference model

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What a str keeps of `s`: its well-formed version (lone surrogates -> U+FFFD), as TextEncoder. */
function stored(s: string): string {
  return decoder.decode(encoder.encode(s));
}

function codePointCompare(x: string, y: string): number {
  const a = Array.from(x, (c) => c.codePointAt(0)!);
  const b = Array.from(y, (c) => c.codePointAt(0)!);
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return Math.sign(a.length - b.length);
}

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
/** Strings on both sides of the encode/decode crossovers, of every kind of character. */
const anyString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 120 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 100 }),
  fc.string({ unit: fc.oneof(fc.string({ unit: 'binary', maxLength: 1 }), loneSurrogate), maxLength: 80 }),
  fc.string({ unit: 'binary-ascii', minLength: 400, maxLength: 700 }),
);

describe.each(BACKENDS)('str on a %s heap', (backend) => {
  it('round-trips any text; stores TextEncoder bytes, code point length and a NUL', () => {
    const { o, rt, atBaseline } = setup(backend);
    assertProperty(
      fc.property(anyString, (s) => {
        const p = o.str.new(s);
        const utf8 = encoder.encode(s);
        const text = stored(s);
        expect(o.str.value(p)).toBe(text);
        expect(o.str.length(p)).toBe(Array.from(text).length);
        expect(o.str.byteLength(p)).toBe(utf8.length);
        expect(rt.heap.u8.slice(p + STR_DATA, p + STR_DATA + utf8.length)).toEqual(utf8);
        expect(rt.heap.u8[p + STR_DATA + utf8.length]).toBe(0);
        expect(rt.heap.i32[(p + STR_HASH) >>> 2]).toBe(HASH_NOT_COMPUTED);
        rt.decref(p);
      }),
      { numRuns: 400 },
    );
    atBaseline();
  });

  it('round-trips well-formed text exactly, around both crossovers', () => {
    const { o, rt, atBaseline } = setup(backend);
    const lengths = [0, 1, DECODE_LOOP_MAX_BYTES - 1, DECODE_LOOP_MAX_BYTES, DECODE_LOOP_MAX_BYTES + 1, ENCODE_INTO_MIN_UNITS - 1, ENCODE_INTO_MIN_UNITS, ENCODE_INTO_MIN_UNITS + 1];
    for (const unit of ['x', 'é', '語', '😀']) {
      for (const n of lengths) {
        const s = unit.repeat(n);
        const p = o.str.new(s);
        expect(o.str.value(p)).toBe(s);
        expect(o.str.length(p)).toBe(n);
        rt.decref(p);
      }
    }
    for (const s of ['a\uD800', '\uDC00b', '\uDBFF\uDBFF', '\uD83D\uDE00\uDE00']) {
      const p = o.str.new(s);
      expect(o.str.value(p)).toBe(stored(s));
      expect(o.str.value(p)).toMatch(/\uFFFD/);
      rt.decref(p);
    }
    atBaseline();
  });

  it('hashes the UTF-8 bytes (same as bytes of them), caches it, and equal text hashes alike', () => {
    const { o, rt, atBaseline } = setup(backend);
    assertProperty(
      fc.property(anyString, (s) => {
        const p = o.str.new(s);
        const q = o.str.new(s);
        const b = o.bytes.new(encoder.encode(s));
        const utf8 = encoder.encode(s);
        const h = o.str.hash(p);
        expect(h).toBe(hashBytesRange(utf8, 0, utf8.length));
        expect(h).toBe(o.bytes.hash(b));
        expect(rt.heap.i32[(p + STR_HASH) >>> 2]).toBe(h);
        expect(o.str.hash(q)).toBe(h);
        expect(o.hash(p)).toBe(h);
        for (const x of [p, q, b]) rt.decref(x);
      }),
      { numRuns: 200 },
    );
    atBaseline();
  });

  it('equals, compare and concat agree with a JS model', () => {
    const { o, rt, atBaseline } = setup(backend);
    const pair = fc.oneof(
      fc.tuple(anyString, anyString),
      anyString.map((s) => [s, s] as const),
      anyString.map((s) => [s, s + 'x'] as const),
      fc.tuple(fc.string({ unit: 'binary', maxLength: 3 }), fc.string({ unit: 'binary', maxLength: 3 })),
    );
    assertProperty(
      fc.property(pair, fc.boolean(), ([x, y], hashFirst) => {
        const a = o.str.new(x);
        const b = o.str.new(y);
        if (hashFirst) {
          o.str.hash(a);
          o.str.hash(b);
        }
        const sx = stored(x);
        const sy = stored(y);
        expect(o.str.equals(a, b)).toBe(sx === sy);
        expect(o.equals(a, b)).toBe(sx === sy);
        expect(o.str.compare(a, b)).toBe(codePointCompare(sx, sy));
        expect(o.str.compare(b, a)).toBe(codePointCompare(sy, sx));
        const c = o.str.concat(a, b);
        expect(o.str.value(c)).toBe(sx + sy);
        expect(o.str.length(c)).toBe(Array.from(sx + sy).length);
        expect(o.str.byteLength(c)).toBe(o.str.byteLength(a) + o.str.byteLength(b));
        expect(rt.heap.u8[c + STR_DATA + o.str.byteLength(c)]).toBe(0);
        const d = o.str.new(sx + sy);
        expect(o.str.hash(c)).toBe(o.str.hash(d));
        expect(o.str.equals(c, d)).toBe(true);
        for (const p of [a, b, c, d]) rt.decref(p);
      }),
      { numRuns: 300 },
    );
    atBaseline();
  });

  it('interns: the same immortal object for the same text', () => {
    const { o, rt } = setup(backend);
    assertProperty(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 8 }), { maxLength: 20 }), (texts) => {
        const first = texts.map((t) => o.str.intern(t));
        texts.forEach((t, i) => {
          const p = first[i];
          expect(o.str.intern(t)).toBe(p);
          expect(rt.isImmortal(p)).toBe(true);
          expect(o.str.value(p)).toBe(t);
          rt.decref(p);
          rt.decref(p);
          expect(rt.isObject(p)).toBe(true);
          const fresh = o.str.new(t);
          expect(fresh).not.toBe(p);
          expect(o.str.equals(fresh, p)).toBe(true);
          rt.decref(fresh);
        });
        const distinct = new Set(texts.map(stored));
        expect(new Set(first).size).toBe(distinct.size);
      }),
      { numRuns: 100 },
    );
    const lone = o.str.intern('a\uD800');
    expect(o.str.intern('a\uFFFD')).toBe(lone);
    expect(o.str.intern('a\uDFFF')).toBe(lone);
    expect(o.str.value(lone)).toBe('a\uFFFD');
  });

  it('frees each object exactly when its refcount reaches zero', () => {
    const { o, rt, atBaseline } = setup(backend);
    assertProperty(
      fc.property(fc.array(fc.tuple(anyString, fc.nat(3)), { maxLength: 20 }), (specs) => {
        const objs = specs.map(([s, extra]) => ({ p: o.str.new(s), refs: 1 + extra }));
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

  it('throws ObjectTypeError for non-strings and wrong-type objects, changing nothing', () => {
    const { o, rt, snapshot, unchangedSince, atBaseline } = setup(backend);
    const s = o.str.new('abc');
    const b = o.bytes.new([97, 98, 99]);
    const before = snapshot();
    for (const bad of [1, null, undefined, {}, ['a'], 1n]) expect(() => o.str.new(bad as string)).toThrow(ObjectTypeError);
    expect(() => o.str.intern(5 as unknown as string)).toThrow(ObjectTypeError);
    expect(() => o.str.value(b)).toThrow(ObjectTypeError);
    expect(() => o.str.length(b)).toThrow(ObjectTypeError);
    expect(() => o.str.byteLength(b)).toThrow(ObjectTypeError);
    expect(() => o.str.hash(b)).toThrow(ObjectTypeError);
    expect(() => o.str.equals(s, b)).toThrow(ObjectTypeError);
    expect(() => o.str.equals(b, s)).toThrow(ObjectTypeError);
    expect(() => o.str.compare(s, b)).toThrow(ObjectTypeError);
    expect(() => o.str.concat(s, b)).toThrow(/expected a 'str' object, got 'bytes'/);
    expect(() => o.str.concat(b, s)).toThrow(ObjectTypeError);
    expect(() => o.str.value(b)).toThrow(/^str\.value: /);
    unchangedSince(before);
    rt.decref(s);
    rt.decref(b);
    atBaseline();
  });
});

describe('scalars on other runtimes', () => {
  it('work over the tlsf allocator in an unchecked runtime, and free everything', () => {
    const tlsf = createTlsf({ backend: 'wasm' });
    const rt = new Runtime({ allocator: tlsf, checks: false });
    const o = new Objects(rt);
    const baseline = { objects: rt.stats().liveObjects, blocks: tlsf.stats().allocatedBlocks };
    assertProperty(
      fc.property(anyString, fc.bigInt(-(2n ** 200n), 2n ** 200n), fc.double(), (s, n, d) => {
        const made = [o.str.new(s), o.bytes.new(encoder.encode(s)), o.int.new(n), o.float.new(d)];
        expect(o.str.value(made[0])).toBe(stored(s));
        expect(o.bytes.toUint8Array(made[1])).toEqual(encoder.encode(s));
        expect(o.int.toBigInt(made[2])).toBe(n);
        expect(Object.is(o.float.value(made[3]), d)).toBe(true);
        expect(o.str.hash(made[0])).toBe(o.bytes.hash(made[1]));
        for (const p of made) rt.decref(p);
      }),
      { numRuns: 100 },
    );
    expect(rt.stats().liveObjects).toBe(baseline.objects);
    expect(tlsf.stats().allocatedBlocks).toBe(baseline.blocks);
  });

  it('OutOfMemoryError (full heap) and InvalidSizeError (above its maximum) change nothing', () => {
    const pool = createPool({ backend: 'arraybuffer', maxBytes: 4 << 20 });
    const rt = new Runtime({ allocator: pool });
    const o = new Objects(rt);
    const keep = o.str.new('kept');
    const filler = o.bytes.new(new Uint8Array(2 << 20));
    const live = rt.stats().liveObjects;
    const blocks = pool.stats().allocatedBlocks;
    const MiB = 1 << 20;
    expect(() => o.str.new('x'.repeat(2.5 * MiB))).toThrow(OutOfMemoryError);
    expect(() => o.bytes.new(new Uint8Array(2.5 * MiB))).toThrow(OutOfMemoryError);
    expect(() => o.int.new(2n ** BigInt(20 * MiB))).toThrow(OutOfMemoryError);
    expect(() => o.str.new('x'.repeat(8 * MiB))).toThrow(InvalidSizeError);
    expect(() => o.bytes.new(new Uint8Array(8 * MiB))).toThrow(InvalidSizeError);
    expect(() => o.int.new(2n ** BigInt(40 * MiB))).toThrow(InvalidSizeError);
    expect(rt.stats().liveObjects).toBe(live);
    expect(pool.stats().allocatedBlocks).toBe(blocks);
    expect(o.str.value(keep)).toBe('kept');
    rt.decref(keep);
    rt.decref(filler);
  });
});
