import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InvalidObjectError, KeyError, ObjectTypeError, OutOfMemoryError, type HeapBackend, type Ptr } from '@pymem/core';
import { createPool } from '@pymem/pool';
import { createTlsf } from '@pymem/tlsf';
import { Runtime } from '@pymem/refcount';
import { assertProperty } from '@pymem/testing';
import { Objects } from '../src/index.js';

function setup(backend: HeapBackend = 'shared', maxBytes?: number) {
  const pool = createPool(maxBytes === undefined ? { backend } : { backend, maxBytes });
  const rt = new Runtime({ allocator: pool });
  const o = new Objects(rt);
  const baseline = { objects: rt.stats().liveObjects, blocks: pool.stats().allocatedBlocks };
  const atBaseline = (): void => {
    expect(rt.stats().liveObjects).toBe(baseline.objects);
    expect(pool.stats().allocatedBlocks).toBe(baseline.blocks);
  };
  return { pool, rt, o, atBaseline };
}

/** The dict's table-size policy as a model: PyDict_MINSIZE 8, usable 2/3, rebuild for used * 3. */
class TableModel {
  size = 0;
  usable = 0;
  nentries = 0;
  insert(used: number): void {
    if (this.size === 0) {
      this.size = 8;
      this.usable = 5;
      this.nentries = 0;
    } else if (this.usable === 0) {
      let size = 8;
      while (size < used * 3) size *= 2;
      this.size = size;
      this.nentries = used;
      this.usable = Math.floor((2 * size) / 3) - used;
    }
    this.nentries++;
    this.usable--;
  }
  clear(): void {
    this.size = this.usable = this.nentries = 0;
  }
}

describe('dict basics', () => {
  it('set/get/has/delete/pop with str, int, bytes, tuple, bool, None and float keys', () => {
    const { rt, o, atBaseline } = setup();
    const d = o.dict.new();
    const keys = [o.str.new('name'), o.int.new(12345), o.bytes.new(new Uint8Array([1, 2, 3])), o.None, o.True, o.float.new(2.5)];
    const tupleKey = o.tuple.new([keys[0], keys[1]]);
    keys.push(tupleKey);
    const values = keys.map((_, i) => o.str.new(`value ${i}`));
    keys.forEach((k, i) => o.dict.set(d, k, values[i]));
    o.dict.checkInvariants(d);
    expect(o.dict.size(d)).toBe(keys.length);
    expect(o.dict.keys(d)).toEqual(keys);
    expect(o.dict.values(d)).toEqual(values);
    // equal keys that are different objects find the same entries
    const name2 = o.str.new('name');
    const int2 = o.int.new(12345);
    const bytes2 = o.bytes.new(new Uint8Array([1, 2, 3]));
    const tuple2 = o.tuple.new([name2, int2]);
    const one = o.int.new(1);
    const oneF = o.float.new(1);
    expect(o.dict.get(d, name2)).toBe(values[0]);
    expect(o.dict.get(d, int2)).toBe(values[1]);
    expect(o.dict.get(d, bytes2)).toBe(values[2]);
    expect(o.dict.get(d, tuple2)).toBe(values[6]);
    expect(o.dict.get(d, one)).toBe(values[4]); // 1 == True
    expect(o.dict.get(d, oneF)).toBe(values[4]); // 1.0 == True
    expect(o.dict.has(d, o.False)).toBe(false);
    expect(o.dict.get(d, o.False)).toBe(0);
    // replacing keeps the original key object and the position
    o.dict.set(d, name2, values[3]);
    expect(o.dict.keys(d)[0]).toBe(keys[0]);
    expect(o.dict.values(d)[0]).toBe(values[3]);
    expect(rt.refcount(name2)).toBe(2); // ours + tuple2's
    expect(rt.refcount(values[0])).toBe(1);
    // pop hands back a new reference
    const popped = o.dict.pop(d, int2);
    expect(popped).toBe(values[1]);
    expect(rt.refcount(values[1])).toBe(2); // ours + the popped one (the dict's, handed over)
    expect(rt.refcount(keys[1])).toBe(2); // ours + the tuple key's
    rt.decref(popped);
    expect(o.dict.delete(d, bytes2)).toBe(true);
    expect(o.dict.delete(d, bytes2)).toBe(false);
    expect(o.dict.keys(d)).toEqual([keys[0], o.None, o.True, keys[5], tupleKey]);
    o.dict.checkInvariants(d);
    rt.decref(d);
    for (const p of [...keys, ...values, name2, int2, bytes2, tuple2, one, oneF]) rt.decref(p);
    atBaseline();
  });

  it('unhashable keys throw ObjectTypeError before any change', () => {
    const { rt, o, atBaseline } = setup();
    const d = o.dict.new();
    const v = o.str.new('v');
    o.dict.set(d, v, v);
    const list = o.list.new();
    const dict = o.dict.new();
    const tupleWithList = o.tuple.new([v, list]);
    for (const bad of [list, dict, tupleWithList]) {
      expect(() => o.dict.set(d, bad, v)).toThrow(ObjectTypeError);
      expect(() => o.dict.get(d, bad)).toThrow(ObjectTypeError);
      expect(() => o.dict.has(d, bad)).toThrow(ObjectTypeError);
      expect(() => o.dict.delete(d, bad)).toThrow(ObjectTypeError);
      expect(() => o.dict.pop(d, bad)).toThrow(ObjectTypeError);
    }
    expect(() => o.dict.set(d, list, v)).toThrow("unhashable type: 'list'");
    expect(() => o.dict.set(d, dict, v)).toThrow("unhashable type: 'dict'");
    const fresh = o.dict.new();
    expect(() => o.dict.set(fresh, list, v)).toThrow(ObjectTypeError); // even into an empty dict
    rt.decref(fresh);
    expect(o.dict.entries(d)).toEqual([[v, v]]);
    expect(rt.refcount(v)).toBe(4); // ours, key, value, tuple item
    expect(rt.refcount(list)).toBe(2);
    o.dict.checkInvariants(d);
    for (const p of [d, tupleWithList, list, dict, v]) rt.decref(p);
    atBaseline();
  });

  it('KeyError from pop is typed and changes nothing', () => {
    const { rt, o, atBaseline } = setup();
    const d = o.dict.new();
    const k = o.str.new('present');
    const missing = o.str.new('missing');
    expect(() => o.dict.pop(d, missing)).toThrow(KeyError);
    o.dict.set(d, k, k);
    expect(() => o.dict.pop(d, missing)).toThrow(/KeyError: "missing"/);
    expect(o.dict.entries(d)).toEqual([[k, k]]);
    expect(rt.refcount(missing)).toBe(1);
    expect(rt.refcount(k)).toBe(3);
    for (const p of [d, k, missing]) rt.decref(p);
    atBaseline();
  });

  it('a NaN key is found by identity only', () => {
    const { rt, o, atBaseline } = setup();
    const d = o.dict.new();
    const nan = o.float.new(NaN);
    const nan2 = o.float.new(NaN);
    o.dict.set(d, nan, o.None);
    expect(o.dict.get(d, nan)).toBe(o.None);
    expect(o.dict.get(d, nan2)).toBe(0);
    o.dict.set(d, nan2, o.True);
    expect(o.dict.size(d)).toBe(2);
    for (const p of [d, nan, nan2]) rt.decref(p);
    atBaseline();
  });

  it('wrong types throw ObjectTypeError', () => {
    const { rt, o, atBaseline } = setup();
    const l = o.list.new();
    expect(() => o.dict.set(l, o.None, o.None)).toThrow(ObjectTypeError);
    expect(() => o.dict.get(l, o.None)).toThrow(ObjectTypeError);
    expect(() => o.dict.size(l)).toThrow(ObjectTypeError);
    expect(() => o.dict.getStr(l, 'x')).toThrow(ObjectTypeError);
    rt.decref(l);
    atBaseline();
  });

  it('a dead value throws before any change', () => {
    const { rt, o, atBaseline } = setup();
    const d = o.dict.new();
    const k = o.str.new('k');
    const dead = o.str.new('dead');
    rt.decref(dead);
    expect(() => o.dict.set(d, k, dead)).toThrow();
    expect(() => o.dict.set(d, dead, k)).toThrow();
    expect(o.dict.size(d)).toBe(0);
    expect(o.dict.tableSize(d)).toBe(0);
    expect(rt.refcount(k)).toBe(1);
    for (const p of [d, k]) rt.decref(p);
    atBaseline();
  });

  it('dict equality is by value, whatever the insertion order', () => {
    const { rt, o, atBaseline } = setup();
    const a = o.dict.new();
    const b = o.dict.new();
    const one = o.int.new(1);
    const oneF = o.float.new(1);
    o.dict.setStr(a, 'x', one);
    o.dict.setStr(a, 'y', o.None);
    o.dict.setStr(b, 'y', o.None);
    o.dict.setStr(b, 'x', oneF);
    expect(o.equals(a, b)).toBe(true);
    o.dict.setStr(b, 'z', o.None);
    expect(o.equals(a, b)).toBe(false);
    o.dict.deleteStr(b, 'z');
    o.dict.setStr(b, 'x', o.False);
    expect(o.equals(a, b)).toBe(false);
    for (const p of [a, b, one, oneF]) rt.decref(p);
    atBaseline();
  });
});

describe('dict by JS string (getStr / setStr / deleteStr)', () => {
  it('finds str keys by their UTF-8 bytes without making a str object', () => {
    const { rt, o, atBaseline } = setup();
    const d = o.dict.new();
    const names = ['x', '', 'héllo', '日本語', '😀 emoji', 'lone \ud800 surrogate', 'a'.repeat(300)];
    const keys = names.map((s) => o.str.new(s));
    keys.forEach((k, i) => o.dict.set(d, k, keys[i]));
    const created = rt.stats().createdObjects;
    names.forEach((s, i) => expect(o.dict.getStr(d, s)).toBe(keys[i]));
    expect(o.dict.getStr(d, 'missing')).toBe(0);
    expect(o.dict.getStr(d, 'lone \ufffd surrogate')).toBe(keys[5]); // both encode U+FFFD
    expect(rt.stats().createdObjects).toBe(created);
    // setStr on an existing key keeps the key object; on a new one makes a str
    o.dict.setStr(d, 'héllo', o.None);
    expect(o.dict.keys(d)[2]).toBe(keys[2]);
    expect(rt.stats().createdObjects).toBe(created);
    o.dict.setStr(d, 'new key', o.True);
    const newKey = o.dict.keys(d).at(-1)!;
    expect(o.str.value(newKey)).toBe('new key');
    expect(rt.refcount(newKey)).toBe(1);
    const probe = o.str.new('new key');
    expect(o.dict.get(d, probe)).toBe(o.True);
    expect(o.dict.deleteStr(d, 'new key')).toBe(true);
    expect(o.dict.deleteStr(d, 'new key')).toBe(false);
    // an int key whose hash could collide never matches a name
    const int = o.int.new(7);
    o.dict.set(d, int, o.None);
    expect(o.dict.getStr(d, '7')).toBe(0);
    o.dict.checkInvariants(d);
    for (const p of [d, ...keys, probe, int]) rt.decref(p);
    atBaseline();
  });

  it('setStr with an invalid value leaves nothing behind', () => {
    const { rt, o, atBaseline } = setup();
    const d = o.dict.new();
    const bogus = 8 * 12345; // never an object (a freed one could be reused by the key str)
    expect(() => o.dict.setStr(d, 'k', bogus)).toThrow(InvalidObjectError);
    expect(o.dict.size(d)).toBe(0);
    rt.decref(d);
    atBaseline();
  });
});

describe('dict table', () => {
  it('grows 8 -> 16 -> 32 ... as CPython, through i8, i16 and i32 index tables', () => {
    const { rt, o, atBaseline } = setup('shared');
    const d = o.dict.new();
    const model = new TableModel();
    const ints: Ptr[] = [];
    const sizes: number[] = [];
    const modelSizes: number[] = [];
    const N = 22_000; // past usableFraction(2^15) = 21845: the table reaches 2^16 slots (i32 indices)
    for (let i = 0; i < N; i++) {
      const k = o.int.new(i * 7919 - 50_000);
      ints.push(k);
      o.dict.set(d, k, k);
      model.insert(i);
      if (sizes.at(-1) !== o.dict.tableSize(d)) sizes.push(o.dict.tableSize(d));
      if (modelSizes.at(-1) !== model.size) modelSizes.push(model.size);
    }
    expect(sizes).toEqual(modelSizes);
    expect(sizes).toEqual([8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536]);
    o.dict.checkInvariants(d);
    expect(ints.filter((k) => o.dict.get(d, k) !== k)).toEqual([]);
    expect(ints.filter((k, i) => i % 2 === 0 && !o.dict.delete(d, k))).toEqual([]);
    o.dict.checkInvariants(d);
    expect(ints.filter((k, i) => o.dict.has(d, k) !== (i % 2 === 1))).toEqual([]);
    expect(o.dict.keys(d)).toEqual(ints.filter((_, i) => i % 2 === 1));
    for (let i = 0; i < N; i += 2) o.dict.set(d, ints[i], o.None); // reinserts: to the end
    o.dict.checkInvariants(d);
    expect(o.dict.keys(d)).toEqual([...ints.filter((_, i) => i % 2 === 1), ...ints.filter((_, i) => i % 2 === 0)]);
    rt.decref(d);
    for (const k of ints) expect(rt.refcount(k)).toBe(1);
    for (const k of ints) rt.decref(k);
    atBaseline();
  });

  it('churn (insert one, delete one) reuses dummies and rebuilds without growing', () => {
    const { rt, o, atBaseline } = setup();
    const d = o.dict.new();
    const model = new TableModel();
    const live: Ptr[] = [];
    // every key is owned by the dict alone: deleting it frees it
    for (let i = 0; i < 3; i++) {
      live.push(o.int.new(1000 + i));
      o.dict.set(d, live[i], o.None);
      rt.decref(live[i]);
      model.insert(i);
    }
    for (let i = 3; i < 2000; i++) {
      const k = o.int.new(1000 + i);
      o.dict.set(d, k, o.None);
      model.insert(live.length);
      rt.decref(k);
      const gone = live.shift()!;
      expect(o.dict.delete(d, gone)).toBe(true);
      expect(rt.isObject(gone)).toBe(false);
      live.push(k);
      expect(o.dict.tableSize(d)).toBe(model.size);
      expect(model.size).toBeLessThanOrEqual(16);
    }
    o.dict.checkInvariants(d);
    expect(o.dict.keys(d)).toEqual(live);
    o.dict.clear(d);
    expect(o.dict.tableSize(d)).toBe(0);
    rt.decref(d);
    atBaseline();
  });

  it('OutOfMemoryError on growth leaves the dict, key and value unchanged', () => {
    const { pool, rt, o, atBaseline } = setup('arraybuffer', 4 << 20);
    const d = o.dict.new();
    const empty = o.dict.new();
    const v = o.str.new('value');
    const keys = Array.from({ length: 6 }, (_, i) => o.int.new(i)); // small ints: immortal, no allocation
    for (let i = 0; i < 5; i++) o.dict.set(d, keys[i], v);
    const ballast = fillHeap(pool);
    expect(() => o.dict.set(d, keys[5], v)).toThrow(OutOfMemoryError); // the rebuild 8 -> 16 fails
    expect(() => o.dict.set(empty, keys[5], v)).toThrow(OutOfMemoryError); // the first table fails
    expect(o.dict.keys(d)).toEqual(keys.slice(0, 5));
    expect(o.dict.tableSize(d)).toBe(8);
    expect(o.dict.size(empty)).toBe(0);
    expect(rt.refcount(v)).toBe(6);
    o.dict.set(d, keys[0], v); // replacing needs no room
    o.dict.checkInvariants(d);
    for (const p of ballast) pool.free(p);
    o.dict.set(d, keys[5], v);
    expect(o.dict.tableSize(d)).toBe(16);
    for (const p of [d, empty, v]) rt.decref(p);
    atBaseline();
  });
});

describe('dict slots: dealloc, traverse, clear', () => {
  it('traverse visits keys and values; clear empties and keeps the dict usable', () => {
    const { rt, o, atBaseline } = setup();
    const d = o.dict.new();
    expect(rt.traverse(d, () => 1, 0)).toBe(0);
    const k = o.str.new('k');
    const v = o.str.new('v');
    o.dict.set(d, k, v);
    const seen: Ptr[] = [];
    expect(rt.traverse(d, (child) => (seen.push(child), 0), 0)).toBe(0);
    expect(seen.sort()).toEqual([k, v].sort());
    expect(rt.traverse(d, (child) => (child === v ? 3 : 0), 0)).toBe(3);
    rt.clear(d);
    expect(o.dict.size(d)).toBe(0);
    expect(rt.refcount(k)).toBe(1);
    o.dict.set(d, k, v);
    expect(o.dict.get(d, k)).toBe(v);
    for (const p of [d, k, v]) rt.decref(p);
    atBaseline();
  });

  it('a value dying in set/delete/pop/clear already sees the dict updated', () => {
    const { rt, o, atBaseline } = setup();
    const seen: Ptr[][] = [];
    let d = 0;
    const probeType = rt.registerType({ name: 'probe', basicSize: 8, dealloc: () => seen.push(o.dict.values(d)) });
    d = o.dict.new();
    const k = o.str.new('k');
    const put = (): void => {
      const p = rt.newObject(probeType);
      o.dict.set(d, k, p);
      rt.decref(p);
    };
    put();
    o.dict.set(d, k, o.None);
    expect(seen.pop()).toEqual([o.None]);
    put();
    o.dict.delete(d, k);
    expect(seen.pop()).toEqual([]);
    put();
    o.dict.clear(d);
    expect(seen.pop()).toEqual([]);
    put();
    rt.decref(o.dict.pop(d, k));
    expect(seen.pop()).toEqual([]);
    rt.decref(d);
    rt.decref(k);
    atBaseline();
  });

  it.each(['shared', 'arraybuffer'] as const)('dicts and tuples nested 10^5 deep free without a stack overflow (%s)', (backend) => {
    const { rt, o, atBaseline } = setup(backend);
    const key = o.int.new(0);
    let inner = o.dict.new();
    for (let i = 0; i < 100_000; i++) {
      const outer = i % 2 === 0 ? o.dict.new() : o.tuple.new([inner]);
      if (i % 2 === 0) o.dict.set(outer, key, inner);
      rt.decref(inner);
      inner = outer;
    }
    rt.decref(inner);
    atBaseline();
  });

  it('works on a tlsf allocator too', () => {
    const tlsf = createTlsf({ backend: 'shared' });
    const rt = new Runtime({ allocator: tlsf });
    const o = new Objects(rt);
    const blocks = tlsf.stats().allocatedBlocks;
    const d = o.dict.new();
    for (let i = 0; i < 1000; i++) o.dict.setStr(d, `key ${i}`, o.None);
    for (let i = 0; i < 1000; i += 3) o.dict.deleteStr(d, `key ${i}`);
    o.dict.checkInvariants(d);
    rt.decref(d);
    expect(tlsf.stats().allocatedBlocks).toBe(blocks);
  });
});

/** Allocate until the heap is full at every size, down to each pool size class; returns the blocks. */
function fillHeap(pool: { malloc(n: number): number }): number[] {
  const blocks: number[] = [];
  const sizes = [1 << 16, 1 << 12, ...Array.from({ length: 32 }, (_, i) => 512 - 16 * i)];
  for (const size of sizes) {
    for (;;) {
      try {
        blocks.push(pool.malloc(size));
      } catch (error) {
        if (!(error instanceof OutOfMemoryError)) throw error;
        break;
      }
    }
  }
  return blocks;
}

// ─────────────────────────── model-based test ───────────────────────────

type Op =
  | { kind: 'set'; key: number; value: number }
  | { kind: 'setStr'; key: number; value: number }
  | { kind: 'get'; key: number }
  | { kind: 'getStr'; key: number }
  | { kind: 'delete'; key: number }
  | { kind: 'deleteStr'; key: number }
  | { kind: 'pop'; key: number }
  | { kind: 'clear' }
  | { kind: 'fill'; value: number; seed: number }
  | { kind: 'drain'; keep: number }
  | { kind: 'unhashable'; value: number };

const TEXTS = [...Array.from({ length: 20 }, (_, i) => `k${i}`), 'é', '日本', '', 'a longer key, with spaces', 'k0'];
const INTS: (number | bigint)[] = [...Array.from({ length: 16 }, (_, i) => 1000 + i), -1000, 2 ** 40, -(2 ** 40), 2n ** 70n, 1, 0, -1, 7];
/** Extra numeric keys equal to pool ints: float 1000.0 == 1000, True == 1, float 0.0 == 0. */
const EXTRA = 3;
const KEY_COUNT = TEXTS.length + INTS.length + EXTRA;
const VALUE_COUNT = 6;

const key = fc.nat({ max: KEY_COUNT - 1 });
const strKey = fc.nat({ max: TEXTS.length - 1 });
const value = fc.nat({ max: VALUE_COUNT - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('set' as const), key, value }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('setStr' as const), key: strKey, value }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('get' as const), key }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('getStr' as const), key: strKey }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('delete' as const), key }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('deleteStr' as const), key: strKey }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('pop' as const), key }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fill' as const), value, seed: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drain' as const), keep: fc.nat({ max: 7 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unhashable' as const), value }) },
);

interface Entry {
  key: Ptr;
  value: Ptr;
}

function runModel(backend: HeapBackend, ops: Op[]): void {
  const { rt, o, atBaseline } = setup(backend);
  const keys: Ptr[] = [...TEXTS.map((s) => o.str.new(s)), ...INTS.map((n) => o.int.new(n)), o.float.new(1000), o.True, o.float.new(0)];
  const canon: string[] = [
    ...TEXTS.map((s) => `s:${s}`),
    ...INTS.map((n) => `n:${String(n)}`),
    'n:1000',
    'n:1',
    'n:0',
  ];
  const values: Ptr[] = [o.str.new('v0'), o.str.new('v1'), o.int.new(123456), o.None, o.float.new(1.5), o.tuple.new([])];
  const unhashable = [o.list.new(), o.dict.new()];
  const d = o.dict.new();
  const model = new Map<string, Entry>();
  const table = new TableModel();
  /** Strs the dict made itself (setStr of a new name): owned by the dict only. */
  const setModel = (c: string, k: Ptr, v: Ptr): void => {
    const had = model.get(c);
    if (had) had.value = v;
    else {
      table.insert(model.size);
      model.set(c, { key: k, value: v });
    }
  };

  const check = (): void => {
    expect(o.dict.size(d)).toBe(model.size);
    expect(o.dict.entries(d)).toEqual([...model.values()].map((e) => [e.key, e.value]));
    expect(o.dict.tableSize(d)).toBe(table.size);
    o.dict.checkInvariants(d);
    for (const p of [...keys, ...values]) {
      if (rt.isImmortal(p)) continue;
      let held = 0;
      for (const e of model.values()) held += (e.key === p ? 1 : 0) + (e.value === p ? 1 : 0);
      expect(rt.refcount(p)).toBe(1 + held);
    }
    for (const e of model.values()) if (!keys.includes(e.key)) expect(rt.refcount(e.key)).toBe(1);
  };

  for (const op of ops) {
    switch (op.kind) {
      case 'set':
        o.dict.set(d, keys[op.key], values[op.value]);
        setModel(canon[op.key], keys[op.key], values[op.value]);
        break;
      case 'setStr': {
        o.dict.setStr(d, TEXTS[op.key], values[op.value]);
        const c = canon[op.key];
        setModel(c, model.get(c)?.key ?? o.dict.keys(d).at(-1)!, values[op.value]);
        break;
      }
      case 'get':
        expect(o.dict.get(d, keys[op.key])).toBe(model.get(canon[op.key])?.value ?? 0);
        expect(o.dict.has(d, keys[op.key])).toBe(model.has(canon[op.key]));
        break;
      case 'getStr':
        expect(o.dict.getStr(d, TEXTS[op.key])).toBe(model.get(canon[op.key])?.value ?? 0);
        break;
      case 'delete':
        expect(o.dict.delete(d, keys[op.key])).toBe(model.delete(canon[op.key]));
        break;
      case 'deleteStr':
        expect(o.dict.deleteStr(d, TEXTS[op.key])).toBe(model.delete(canon[op.key]));
        break;
      case 'pop': {
        const c = canon[op.key];
        const had = model.get(c);
        if (!had) {
          expect(() => o.dict.pop(d, keys[op.key])).toThrow(KeyError);
          break;
        }
        const got = o.dict.pop(d, keys[op.key]);
        expect(got).toBe(had.value);
        model.delete(c);
        rt.decref(got);
        break;
      }
      case 'clear':
        o.dict.clear(d);
        model.clear();
        table.clear();
        break;
      case 'fill': {
        // every key, in a seeded order: forces resizes
        const order = keys.map((_, i) => i).sort((a, b) => ((a * 2654435761 + op.seed) % 1009) - ((b * 2654435761 + op.seed) % 1009));
        for (const i of order) {
          o.dict.set(d, keys[i], values[op.value]);
          setModel(canon[i], keys[i], values[op.value]);
        }
        break;
      }
      case 'drain': {
        // delete all but a few: many dummies for the next inserts
        const doomed = [...model.keys()].slice(op.keep);
        for (const c of doomed) {
          expect(o.dict.delete(d, model.get(c)!.key)).toBe(true);
          model.delete(c);
        }
        break;
      }
      case 'unhashable':
        for (const bad of unhashable) expect(() => o.dict.set(d, bad, values[op.value])).toThrow(ObjectTypeError);
        break;
    }
    check();
  }
  rt.decref(d);
  for (const p of [...keys, ...values, ...unhashable]) rt.decref(p);
  atBaseline();
}

describe('dict against a JS Map model', () => {
  it.each(['shared', 'arraybuffer'] as const)('random operation sequences (%s)', (backend) => {
    assertProperty(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 200 }), (ops) => runModel(backend, ops)),
      { numRuns: 40 },
    );
  });
});
