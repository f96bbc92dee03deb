import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IndexError, ObjectTypeError, OutOfMemoryError, type HeapBackend, type Ptr } from '@pymem/core';
import { createPool } from '@pymem/pool';
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

/** CPython 3.9+'s list_resize as a model: the capacity after resizing to `newsize` from (size, allocated). */
function modelResize(size: number, allocated: number, newsize: number): number {
  if (allocated >= newsize && newsize >= allocated >> 1) return allocated;
  if (newsize === 0) return 0;
  let capacity = (newsize + (newsize >> 3) + 6) & ~3;
  if (newsize - size > capacity - newsize) capacity = (newsize + 3) & ~3;
  return capacity;
}

describe('list growth (list_resize)', () => {
  it('appending 0..100 follows the formula and CPython 3.11 sequence of allocated sizes', () => {
    const { rt, o, atBaseline } = setup();
    const l = o.list.new();
    const seen: number[] = [o.list.allocated(l)];
    let allocated = 0;
    for (let n = 0; n <= 100; n++) {
      expect(o.list.allocated(l)).toBe(allocated);
      o.list.append(l, o.None);
      allocated = modelResize(n, allocated, n + 1);
      if (seen[seen.length - 1] !== o.list.allocated(l)) seen.push(o.list.allocated(l));
    }
    // sys.getsizeof on CPython 3.11 while appending 101 items (a fact of CPython, not of this code).
    expect(seen).toEqual([0, 4, 8, 16, 24, 32, 40, 52, 64, 76, 92, 108]);
    rt.decref(l);
    atBaseline();
  });

  it('popping shrinks as CPython does, and a list emptied frees its array', () => {
    const { rt, o, atBaseline } = setup();
    const l = o.list.new(Array.from({ length: 10 }, () => o.None));
    expect(o.list.allocated(l)).toBe(10);
    const seen: [number, number][] = [];
    while (o.list.size(l) > 0) {
      o.list.pop(l);
      seen.push([o.list.size(l), o.list.allocated(l)]);
    }
    // CPython 3.11: l = list(range(10)); l.pop() until empty.
    expect(seen).toEqual([[9, 10], [8, 10], [7, 10], [6, 10], [5, 10], [4, 8], [3, 8], [2, 8], [1, 4], [0, 0]]);
    o.list.checkInvariants(l);
    rt.decref(l);
    atBaseline();
  });

  it('a big extend allocates exactly (n + 3) & ~3', () => {
    const { rt, o, atBaseline } = setup();
    const src = o.tuple.new(Array.from({ length: 100 }, () => o.None));
    const l = o.list.new();
    o.list.extend(l, src);
    expect(o.list.allocated(l)).toBe(100);
    o.list.append(l, o.None);
    expect(o.list.allocated(l)).toBe(modelResize(100, 100, 101));
    rt.decref(l);
    rt.decref(src);
    atBaseline();
  });
});

describe('list operations', () => {
  it('get/set/insert/pop/delete with Python index rules', () => {
    const { rt, o, atBaseline } = setup();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((s) => o.str.new(s)) as [Ptr, Ptr, Ptr, Ptr];
    const l = o.list.new([a, b]);
    expect(rt.refcount(a)).toBe(2);
    o.list.append(l, c);
    expect(o.list.items(l)).toEqual([a, b, c]);
    expect(o.list.get(l, -1)).toBe(c);
    expect(o.list.get(l, -3)).toBe(a);
    o.list.insert(l, -1, d); // before the last
    expect(o.list.items(l)).toEqual([a, b, d, c]);
    o.list.insert(l, 100, a); // clamped to the end
    o.list.insert(l, -100, b); // clamped to the start
    expect(o.list.items(l)).toEqual([b, a, b, d, c, a]);
    o.list.set(l, -2, a);
    expect(o.list.items(l)).toEqual([b, a, b, d, a, a]);
    expect(rt.refcount(c)).toBe(1);
    const popped = o.list.pop(l, 0);
    expect(popped).toBe(b);
    expect(rt.refcount(b)).toBe(3); // ours, the list's one, and the popped reference
    rt.decref(popped);
    o.list.delete(l, -1);
    expect(o.list.items(l)).toEqual([a, b, d, a]);
    expect(o.list.indexOf(l, d)).toBe(2);
    expect(o.list.indexOf(l, c)).toBe(-1);
    const a2 = o.str.new('a');
    expect(o.list.indexOf(l, a2)).toBe(0); // by equality
    o.list.clear(l);
    expect(o.list.size(l)).toBe(0);
    expect(o.list.allocated(l)).toBe(0);
    for (const p of [a, b, c, d, a2]) expect(rt.refcount(p)).toBe(1);
    for (const p of [a, b, c, d, a2, l]) rt.decref(p);
    atBaseline();
  });

  it('indexOf returns the first equal item even when an identical one comes later', () => {
    const { rt, o, atBaseline } = setup();
    const x1 = o.str.new('x');
    const x2 = o.str.new('x');
    const l = o.list.new([x1, x2]);
    expect(o.list.indexOf(l, x2)).toBe(0);
    for (const p of [l, x1, x2]) rt.decref(p);
    atBaseline();
  });

  it('IndexError is typed and leaves the list unchanged', () => {
    const { rt, o, atBaseline } = setup();
    const s = o.str.new('s');
    const l = o.list.new([s]);
    const before = (): unknown => [o.list.items(l), o.list.allocated(l), rt.refcount(s)];
    const snapshot = before();
    expect(() => o.list.get(l, 1)).toThrow(IndexError);
    expect(() => o.list.get(l, -2)).toThrow(IndexError);
    expect(() => o.list.get(l, 0.5)).toThrow(IndexError);
    expect(() => o.list.set(l, 1, s)).toThrow(IndexError);
    expect(() => o.list.delete(l, 5)).toThrow(IndexError);
    expect(() => o.list.pop(l, 1)).toThrow(IndexError);
    expect(before()).toEqual(snapshot);
    o.list.pop(l);
    rt.decref(s); // the popped reference
    expect(() => o.list.pop(l)).toThrow(/empty/);
    rt.decref(l);
    rt.decref(s);
    atBaseline();
  });

  it('wrong types and dead items throw before any change', () => {
    const { rt, o, atBaseline } = setup();
    const s = o.str.new('s');
    const l = o.list.new([s]);
    const d = o.dict.new();
    expect(() => o.list.append(d, s)).toThrow(ObjectTypeError);
    expect(() => o.list.extend(l, d)).toThrow(ObjectTypeError);
    expect(() => o.list.extend(l, s)).toThrow(ObjectTypeError);
    const dead = o.str.new('dead');
    rt.decref(dead);
    expect(() => o.list.append(l, dead)).toThrow();
    expect(() => o.list.set(l, 0, dead)).toThrow();
    expect(() => o.list.insert(l, 0, dead)).toThrow();
    expect(() => o.list.new([s, dead])).toThrow();
    expect(o.list.items(l)).toEqual([s]);
    expect(rt.refcount(s)).toBe(2);
    for (const p of [l, d, s]) rt.decref(p);
    atBaseline();
  });

  it('extend by itself doubles the list', () => {
    const { rt, o, atBaseline } = setup();
    const items = ['a', 'b', 'c'].map((s) => o.str.new(s));
    const l = o.list.new(items);
    o.list.extend(l, l);
    o.list.extend(l, l);
    expect(o.list.items(l)).toEqual([...items, ...items, ...items, ...items]);
    for (const p of items) expect(rt.refcount(p)).toBe(5);
    rt.decref(l);
    for (const p of items) rt.decref(p);
    atBaseline();
  });

  it('list equality is by value', () => {
    const { rt, o, atBaseline } = setup();
    const one = o.int.new(1);
    const oneF = o.float.new(1);
    const a = o.list.new([one, o.None]);
    const b = o.list.new([oneF, o.None]);
    const c = o.list.new([oneF]);
    expect(o.equals(a, b)).toBe(true);
    expect(o.equals(a, c)).toBe(false);
    for (const p of [a, b, c, one, oneF]) rt.decref(p);
    atBaseline();
  });
});

describe('list slots: dealloc, traverse, clear', () => {
  it('traverse visits every item and stops at the first non-zero result', () => {
    const { rt, o, atBaseline } = setup();
    const items = ['a', 'b', 'c'].map((s) => o.str.new(s));
    const l = o.list.new(items);
    const visited: Ptr[] = [];
    expect(rt.traverse(l, (child) => (visited.push(child), 0), 0)).toBe(0);
    expect(visited).toEqual(items);
    expect(rt.traverse(l, (child) => (child === items[1] ? 7 : 0), 0)).toBe(7);
    const fresh = o.list.new();
    expect(rt.traverse(fresh, () => 1, 0)).toBe(0);
    rt.clear(l); // tp_clear: the list stays valid and empty
    expect(o.list.size(l)).toBe(0);
    for (const p of items) expect(rt.refcount(p)).toBe(1);
    o.list.append(l, items[0]);
    for (const p of [l, fresh, ...items]) rt.decref(p);
    atBaseline();
  });

  it('an old item dying in set/delete/clear already sees the list updated', () => {
    const { rt, o, atBaseline } = setup();
    const seen: Ptr[][] = [];
    let target = 0;
    const probeType = rt.registerType({ name: 'probe', basicSize: 8, dealloc: () => seen.push(o.list.items(target)) });
    const keep = o.str.new('keep');
    target = o.list.new([keep]);
    const probe = (): Ptr => {
      const p = rt.newObject(probeType);
      o.list.append(target, p);
      rt.decref(p);
      return p;
    };
    probe();
    o.list.set(target, 1, keep);
    expect(seen.pop()).toEqual([keep, keep]);
    probe();
    o.list.delete(target, 2);
    expect(seen.pop()).toEqual([keep, keep]);
    probe();
    o.list.clear(target);
    expect(seen.pop()).toEqual([]);
    rt.decref(target);
    rt.decref(keep);
    atBaseline();
  });

  it.each(['shared', 'arraybuffer', 'wasm'] as const)('a list nested 10^5 deep frees without a stack overflow (%s)', (backend) => {
    const { rt, o, atBaseline } = setup(backend);
    let inner = o.list.new();
    for (let i = 0; i < 100_000; i++) {
      const outer = o.list.new([inner]);
      rt.decref(inner);
      inner = outer;
    }
    rt.decref(inner);
    atBaseline();
    // and through clear(): the outermost clear drops a 10^5 chain too
    inner = o.list.new();
    for (let i = 0; i < 100_000; i++) {
      const outer = o.list.new();
      o.list.append(outer, inner);
      rt.decref(inner);
      inner = outer;
    }
    o.list.clear(inner);
    rt.decref(inner);
    atBaseline();
  });

  it('OutOfMemoryError when the array cannot grow leaves the list and the item unchanged', () => {
    const { pool, rt, o, atBaseline } = setup('arraybuffer', 4 << 20);
    const s = o.str.new('s');
    const l = o.list.new([s, s, s, s]);
    const ballast = fillHeap(pool);
    expect(() => o.list.append(l, s)).toThrow(OutOfMemoryError);
    expect(() => o.list.insert(l, 0, s)).toThrow(OutOfMemoryError);
    expect(() => o.list.extend(l, l)).toThrow(OutOfMemoryError);
    expect(o.list.items(l)).toEqual([s, s, s, s]);
    expect(o.list.allocated(l)).toBe(4);
    expect(rt.refcount(s)).toBe(5);
    for (const p of ballast) pool.free(p);
    o.list.append(l, s);
    expect(o.list.size(l)).toBe(5);
    rt.decref(l);
    rt.decref(s);
    atBaseline();
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
  | { kind: 'append'; which: number; item: number }
  | { kind: 'insert'; which: number; index: number; item: number }
  | { kind: 'pop'; which: number; index: number | undefined }
  | { kind: 'set'; which: number; index: number; item: number }
  | { kind: 'delete'; which: number; index: number }
  | { kind: 'get'; which: number; index: number }
  | { kind: 'clear'; which: number }
  | { kind: 'extend'; which: number; source: 'self' | 'other' | 'tuple' }
  | { kind: 'indexOf'; which: number; item: number };

const POOL_TEXTS = ['a', 'b', 'c', 'a', 'é', '日本', 'longer string value'];
const POOL_INTS = [1000, -7, 2 ** 40, 3];
const POOL_SIZE = POOL_TEXTS.length + POOL_INTS.length + 3;

const index = fc.integer({ min: -14, max: 14 });
const item = fc.nat({ max: POOL_SIZE - 1 });
const which = fc.nat({ max: 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('append' as const), which, item }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('insert' as const), which, index, item }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('pop' as const), which, index: fc.option(index, { nil: undefined }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('set' as const), which, index, item }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), which, index }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('get' as const), which, index }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const), which }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('extend' as const), which, source: fc.constantFrom('self' as const, 'other' as const, 'tuple' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('indexOf' as const), which, item }) },
);

/** Python's index normalization; null when out of range. */
function norm(i: number, n: number): number | null {
  const k = i < 0 ? i + n : i;
  return k >= 0 && k < n ? k : null;
}

function runModel(backend: HeapBackend, ops: Op[]): void {
  const { rt, o, atBaseline } = setup(backend);
  const items: Ptr[] = [
    ...POOL_TEXTS.map((s) => o.str.new(s)),
    ...POOL_INTS.map((n) => o.int.new(n)),
    o.float.new(0.5),
    o.float.new(3), // == int 3
    o.None,
  ];
  /** Python equality of the pool's items, as a string: numbers by value across int and float. */
  const valueKey = (p: Ptr): string => {
    const t = rt.typeIdOf(p);
    if (t === o.str.type) return `s:${o.str.value(p)}`;
    if (t === o.int.type) return `n:${String(o.int.value(p))}`;
    if (t === o.float.type) return `n:${o.float.value(p)}`;
    return `id:${p}`;
  };
  const lists = [o.list.new(), o.list.new()];
  const model: Ptr[][] = [[], []];
  const allocated = [0, 0];
  const tupleItems = [items[0], items[5], items[9]];
  const tuple = o.tuple.new(tupleItems);

  /** The model's resize, as list_resize would do it. */
  const resize = (w: number, newsize: number): void => {
    allocated[w] = modelResize(model[w].length, allocated[w], newsize);
  };
  const check = (): void => {
    for (let w = 0; w < 2; w++) {
      expect(o.list.items(lists[w])).toEqual(model[w]);
      expect(o.list.allocated(lists[w])).toBe(allocated[w]);
      o.list.checkInvariants(lists[w]);
    }
    for (const p of items) {
      if (rt.isImmortal(p)) continue;
      const held = [...model[0], ...model[1], ...tupleItems].filter((x) => x === p).length;
      expect(rt.refcount(p)).toBe(1 + held);
    }
  };

  for (const op of ops) {
    const l = lists[op.which];
    const m = model[op.which];
    switch (op.kind) {
      case 'append':
        o.list.append(l, items[op.item]);
        resize(op.which, m.length + 1);
        m.push(items[op.item]);
        break;
      case 'insert': {
        o.list.insert(l, op.index, items[op.item]);
        const where = op.index < 0 ? Math.max(0, op.index + m.length) : Math.min(op.index, m.length);
        resize(op.which, m.length + 1);
        m.splice(where, 0, items[op.item]);
        break;
      }
      case 'pop': {
        const k = norm(op.index ?? -1, m.length);
        if (k === null) {
          expect(() => (op.index === undefined ? o.list.pop(l) : o.list.pop(l, op.index))).toThrow(IndexError);
          break;
        }
        const got = op.index === undefined ? o.list.pop(l) : o.list.pop(l, op.index);
        expect(got).toBe(m[k]);
        resize(op.which, m.length - 1);
        m.splice(k, 1);
        rt.decref(got);
        break;
      }
      case 'set': {
        const k = norm(op.index, m.length);
        if (k === null) {
          expect(() => o.list.set(l, op.index, items[op.item])).toThrow(IndexError);
          break;
        }
        o.list.set(l, op.index, items[op.item]);
        m[k] = items[op.item]!;
        break;
      }
      case 'delete': {
        const k = norm(op.index, m.length);
        if (k === null) {
          expect(() => o.list.delete(l, op.index)).toThrow(IndexError);
          break;
        }
        o.list.delete(l, op.index);
        resize(op.which, m.length - 1);
        m.splice(k, 1);
        break;
      }
      case 'get': {
        const k = norm(op.index, m.length);
        if (k === null) expect(() => o.list.get(l, op.index)).toThrow(IndexError);
        else expect(o.list.get(l, op.index)).toBe(m[k]);
        break;
      }
      case 'clear':
        o.list.clear(l);
        m.length = 0;
        allocated[op.which] = 0;
        break;
      case 'extend': {
        const source = op.source === 'self' ? [...m] : op.source === 'other' ? [...model[1 - op.which]] : tupleItems;
        if (m.length + source.length > 4000) break;
        o.list.extend(l, op.source === 'self' ? l : op.source === 'other' ? lists[1 - op.which] : tuple);
        if (source.length > 0) resize(op.which, m.length + source.length);
        m.push(...source);
        break;
      }
      case 'indexOf': {
        const key = valueKey(items[op.item]);
        expect(o.list.indexOf(l, items[op.item])).toBe(m.findIndex((x) => valueKey(x) === key));
        break;
      }
    }
    check();
  }
  for (const p of [...lists, tuple, ...items]) rt.decref(p);
  atBaseline();
}

describe('list against a JS Array model', () => {
  it.each(['shared', 'arraybuffer'] as const)('random operation sequences (%s)', (backend) => {
    assertProperty(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 250 }), (ops) => runModel(backend, ops)),
      { numRuns: 40 },
    );
  });
});
