/**
 * The issue's main property: random programs over a pool of live objects,
 * run against a JS model of every reference count and container.
 *
 * A program creates objects of every type, increfs and decrefs them, and
 * moves them in and out of lists, dicts, tuples and instances. The model
 * counts, per object, the references the program holds (`ext`) and the
 * references model containers hold (`inbound`), and mirrors each container
 * as an Array or an insertion-ordered Map. After every step:
 *
 * - each model-alive object is a live runtime object whose refcount is
 *   exactly ext + inbound (IMMORTAL_REFCNT for the cached immortals);
 * - each container holds exactly the model's items, by identity and in order;
 * - every object whose model count reached zero in this step is gone
 *   (`rt.isObject` is exact in checked mode), and none other is;
 * - `rt.stats().liveObjects` is the baseline plus the model's live objects
 *   (plus the attribute dicts of instances that have one).
 *
 * At the end the program drops every reference it holds: the runtime's
 * live objects and the allocator's blocks are back at their baseline.
 * Programs never build a reference cycle (no collector runs here).
 */
import { IMMORTAL_REFCNT, ObjectTypeError, type Allocator, type Ptr } from '@pymem/core';
import { createPool } from '@pymem/pool';
import { Runtime } from '@pymem/refcount';
import { assertProperty } from '@pymem/testing';
import { createTlsf } from '@pymem/tlsf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AttributeError, Objects } from '../src/index.js';

type Kind = 'int' | 'float' | 'str' | 'bytes' | 'tuple' | 'list' | 'dict' | 'rec' | 'pair';
const KINDS: readonly Kind[] = ['int', 'float', 'str', 'bytes', 'tuple', 'list', 'dict', 'rec', 'pair'];

const INTS: readonly (number | bigint)[] = [0, 5, -5, 256, 257, -6, 1000, 2 ** 31, 2 ** 53, 10n ** 30n, -(2n ** 64n)];
const FLOATS: readonly number[] = [0.5, 2, -0, NaN, -1.5, 3e20, Infinity];
const STRS: readonly string[] = ['', 'a', 'b', 'hello', 'héllo', '€'.repeat(200)];
const BYTES: readonly Uint8Array[] = [new Uint8Array(0), new Uint8Array([1]), new Uint8Array([1, 2, 3]), new Uint8Array(600).fill(7)];
/** Attribute names: `rec` (a dict class) takes all, `pair` (slots a, b) refuses 'c'. */
const NAMES = ['a', 'b', 'c'] as const;

/** A model object. */
interface MObj {
  readonly id: number;
  readonly ptr: Ptr;
  readonly kind: Kind;
  /** Cached immortal (small int, empty tuple): refcount pinned, never freed, not in the live count. */
  readonly immortal: boolean;
  /** The scalar's value (int, float, str, bytes). */
  readonly value?: number | bigint | string | Uint8Array;
  /** References the program holds. */
  ext: number;
  /** References model containers hold. */
  inbound: number;
  /** tuple / list items. */
  items?: MObj[];
  /** dict entries by canonical key, in insertion order (the original key object is kept on replace). */
  entries?: Map<string, { key: MObj; value: MObj }>;
  /** rec / pair attributes, in insertion order. */
  attrs?: Map<string, MObj>;
  /** rec: an attribute dict exists (from the first setattr on; it stays). */
  hasDict?: boolean;
}

type Op =
  | { t: 'new'; kind: Kind; n: number; picks: number[] }
  | { t: 'incref'; i: number }
  | { t: 'decref'; i: number }
  | { t: 'append'; c: number; x: number }
  | { t: 'pop'; c: number; at: number }
  | { t: 'lset'; c: number; at: number; x: number }
  | { t: 'dset'; c: number; k: number; x: number }
  | { t: 'ddel'; c: number; k: number }
  | { t: 'setattr'; c: number; name: number; x: number }
  | { t: 'delattr'; c: number; name: number };

const idx = fc.nat(1000);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('new' as const), kind: fc.constantFrom(...KINDS), n: idx, picks: fc.array(idx, { maxLength: 3 }) }), weight: 5 },
  { arbitrary: fc.record({ t: fc.constant('incref' as const), i: idx }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('decref' as const), i: idx }), weight: 4 },
  { arbitrary: fc.record({ t: fc.constant('append' as const), c: idx, x: idx }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('pop' as const), c: idx, at: idx }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('lset' as const), c: idx, at: idx, x: idx }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('dset' as const), c: idx, k: idx, x: idx }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('ddel' as const), c: idx, k: idx }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('setattr' as const), c: idx, name: idx, x: idx }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('delattr' as const), c: idx, name: idx }), weight: 1 },
);
const programArb = fc.record({ ops: fc.array(opArb, { minLength: 1, maxLength: 150, size: 'max' }), releaseReversed: fc.boolean() });

/** Dict key identity as Python sees it: equal keys give equal strings; null for unhashable objects. */
function canon(m: MObj): string | null {
  switch (m.kind) {
    case 'int':
      return `n:${BigInt(m.value as number | bigint)}`;
    case 'float': {
      const v = m.value as number;
      if (Number.isNaN(v)) return `nan:${m.id}`; // NaN equals only itself (by identity)
      return Number.isInteger(v) ? `n:${BigInt(v)}` : `f:${v}`; // 2.0 == 2, -0.0 == 0
    }
    case 'str':
      return `s:${m.value as string}`;
    case 'bytes':
      return `b:${(m.value as Uint8Array).join(',')}`;
    case 'tuple': {
      const parts = m.items!.map(canon);
      return parts.includes(null) ? null : `t:${JSON.stringify(parts)}`;
    }
    default:
      return null;
  }
}

/** One program run against one runtime. */
class Machine {
  private readonly objs: MObj[] = []; // model-alive objects, by creation
  private nextId = 0;
  private died: MObj[] = [];

  constructor(
    private readonly o: Objects,
    private readonly baselineObjects: number,
  ) {}

  private get rt() {
    return this.o.rt;
  }

  /** The `i`-th (mod n) alive object matching `filter`, or undefined. */
  private pick(i: number, filter: (m: MObj) => boolean = () => true): MObj | undefined {
    const candidates = this.objs.filter(filter);
    return candidates.length === 0 ? undefined : candidates[i % candidates.length];
  }

  /** Whether `from` reaches `to` through model containers (storing `from` in `to` would close a cycle). */
  private reaches(from: MObj, to: MObj): boolean {
    const stack = [from];
    const seen = new Set<MObj>();
    while (stack.length > 0) {
      const m = stack.pop()!;
      if (m === to) return true;
      if (seen.has(m)) continue;
      seen.add(m);
      for (const child of children(m)) stack.push(child);
    }
    return false;
  }

  /** Steps that changed something, by op (and deaths): proof that programs do reach each path. */
  static readonly coverage = new Map<string, number>();

  private count(what: string): void {
    Machine.coverage.set(what, (Machine.coverage.get(what) ?? 0) + 1);
  }

  run(op: Op): void {
    this.died = [];
    this.dispatch(op);
    if (this.died.length > 0) this.count('death');
  }

  private dispatch(op: Op): void {
    switch (op.t) {
      case 'new':
        return this.create(op.kind, op.n, op.picks);
      case 'incref': {
        const m = this.pick(op.i);
        if (m === undefined) return;
        this.rt.incref(m.ptr);
        m.ext++;
        return this.count('incref');
      }
      case 'decref': {
        const m = this.pick(op.i, (x) => x.ext > 0);
        if (m === undefined) return;
        this.rt.decref(m.ptr);
        m.ext--;
        this.count('decref');
        return this.settle(m);
      }
      case 'append': {
        const l = this.pick(op.c, (x) => x.kind === 'list');
        const x = this.pick(op.x);
        if (l === undefined || x === undefined || this.reaches(x, l)) return;
        this.o.list.append(l.ptr, x.ptr);
        l.items!.push(x);
        x.inbound++;
        return this.count('append');
      }
      case 'pop': {
        const l = this.pick(op.c, (x) => x.kind === 'list' && x.items!.length > 0);
        if (l === undefined) return;
        const at = op.at % l.items!.length;
        const p = this.o.list.pop(l.ptr, at);
        const [x] = l.items!.splice(at, 1);
        expect(p).toBe(x.ptr);
        x.inbound--;
        x.ext++; // pop hands us the list's reference
        return this.count('pop');
      }
      case 'lset': {
        const l = this.pick(op.c, (x) => x.kind === 'list' && x.items!.length > 0);
        const x = this.pick(op.x);
        if (l === undefined || x === undefined || this.reaches(x, l)) return;
        const at = op.at % l.items!.length;
        this.o.list.set(l.ptr, at, x.ptr);
        const old = l.items![at];
        l.items![at] = x;
        x.inbound++;
        old.inbound--;
        this.count('lset');
        return this.settle(old);
      }
      case 'dset':
        return this.dictSet(op);
      case 'ddel': {
        const d = this.pick(op.c, (x) => x.kind === 'dict');
        if (d === undefined) return;
        // half the time a key the dict holds, else any hashable object (often absent)
        const held = [...d.entries!.values()].map((e) => e.key);
        const k = op.k % 2 === 0 && held.length > 0 ? held[(op.k >>> 1) % held.length] : this.pick(op.k, (x) => canon(x) !== null);
        if (k === undefined) return;
        const key = canon(k)!;
        const entry = d.entries!.get(key);
        expect(this.o.dict.delete(d.ptr, k.ptr)).toBe(entry !== undefined);
        if (entry === undefined) return;
        d.entries!.delete(key);
        entry.key.inbound--;
        entry.value.inbound--;
        this.count('ddel');
        return this.settle(entry.key, entry.value);
      }
      case 'setattr':
        return this.setattr(op);
      case 'delattr': {
        const inst = this.pick(op.c, (x) => x.kind === 'rec' || x.kind === 'pair');
        if (inst === undefined) return;
        const cls = this.classOf(inst);
        const name = NAMES[op.name % NAMES.length];
        const old = inst.attrs!.get(name);
        if (old === undefined) {
          expect(() => cls.delattr(inst.ptr, name)).toThrow(AttributeError);
          return this.count('delattr missing');
        }
        cls.delattr(inst.ptr, name);
        inst.attrs!.delete(name);
        old.inbound--;
        this.count('delattr');
        return this.settle(old);
      }
    }
  }

  private create(kind: Kind, n: number, picks: number[]): void {
    const o = this.o;
    const items = this.objs.length === 0 ? [] : picks.map((i) => this.objs[i % this.objs.length]);
    let ptr: Ptr;
    let value: MObj['value'];
    switch (kind) {
      case 'int':
        value = INTS[n % INTS.length]!;
        ptr = o.int.new(value);
        break;
      case 'float':
        value = FLOATS[n % FLOATS.length]!;
        ptr = o.float.new(value);
        break;
      case 'str':
        value = STRS[n % STRS.length]!;
        ptr = o.str.new(value);
        break;
      case 'bytes':
        value = BYTES[n % BYTES.length]!;
        ptr = o.bytes.new(value);
        break;
      case 'tuple':
        ptr = o.tuple.new(items.map((m) => m.ptr));
        break;
      case 'list':
        ptr = o.list.new(items.map((m) => m.ptr));
        break;
      case 'dict':
        ptr = o.dict.new();
        break;
      case 'rec':
      case 'pair': {
        const attrs: Record<string, Ptr> = {};
        items.slice(0, 2).forEach((m, i) => (attrs[NAMES[i]] = m.ptr)); // names a, b: valid for both classes
        ptr = (kind === 'rec' ? this.o.instances.lookup('Rec')! : this.o.instances.lookup('Pair')!).new(attrs);
        break;
      }
    }
    const immortal = this.rt.refcount(ptr) === IMMORTAL_REFCNT;
    const m: MObj = { id: this.nextId++, ptr, kind, immortal, value, ext: 1, inbound: 0 };
    if (kind === 'tuple' || kind === 'list') m.items = items;
    if (kind === 'dict') m.entries = new Map();
    if (kind === 'rec' || kind === 'pair') {
      m.attrs = new Map(items.slice(0, 2).map((x, i) => [NAMES[i], x]));
      m.hasDict = kind === 'rec' && m.attrs.size > 0;
    }
    if (!immortal) for (const child of children(m)) child.inbound++;
    if (value !== undefined && !(value instanceof Uint8Array)) {
      // ints come back as numbers when safe, else as bigints
      const want = kind === 'int' ? (Number.isSafeInteger(Number(value)) ? Number(value) : BigInt(value)) : value;
      expect(Object.is(o.toJS(ptr), want)).toBe(true);
    }
    this.objs.push(m);
    this.count('new');
  }

  private dictSet(op: Extract<Op, { t: 'dset' }>): void {
    const d = this.pick(op.c, (x) => x.kind === 'dict');
    if (d === undefined) return;
    // a third of the time a key the dict holds (a replace), else any object (maybe unhashable)
    const held = [...d.entries!.values()].map((e) => e.key);
    const k = op.k % 3 === 0 && held.length > 0 ? held[((op.k / 3) | 0) % held.length] : this.pick(op.k);
    const x = this.pick(op.x);
    if (k === undefined || x === undefined || this.reaches(x, d)) return;
    const key = canon(k);
    if (key === null) {
      // an unhashable key is refused before anything changes
      expect(() => this.o.dict.set(d.ptr, k.ptr, x.ptr)).toThrow(ObjectTypeError);
      return this.count('dset unhashable');
    }
    this.o.dict.set(d.ptr, k.ptr, x.ptr);
    const entry = d.entries!.get(key);
    this.count(entry === undefined ? 'dset' : 'dset replace');
    x.inbound++;
    if (entry === undefined) {
      d.entries!.set(key, { key: k, value: x });
      k.inbound++;
      return;
    }
    const old = entry.value;
    entry.value = x; // the original key object stays
    old.inbound--;
    this.settle(old);
  }

  private setattr(op: Extract<Op, { t: 'setattr' }>): void {
    const inst = this.pick(op.c, (m) => m.kind === 'rec' || m.kind === 'pair');
    const x = this.pick(op.x);
    if (inst === undefined || x === undefined || this.reaches(x, inst)) return;
    const cls = this.classOf(inst);
    const name = NAMES[op.name % NAMES.length];
    if (inst.kind === 'pair' && name === 'c') {
      expect(() => cls.setattr(inst.ptr, name, x.ptr)).toThrow(ObjectTypeError);
      return this.count('setattr refused');
    }
    cls.setattr(inst.ptr, name, x.ptr);
    const old = inst.attrs!.get(name);
    this.count(old === undefined ? 'setattr' : 'setattr replace');
    inst.attrs!.set(name, x);
    if (inst.kind === 'rec') inst.hasDict = true;
    x.inbound++;
    if (old !== undefined) {
      old.inbound--;
      this.settle(old);
    }
  }

  private classOf(m: MObj) {
    return this.o.instances.lookup(m.kind === 'rec' ? 'Rec' : 'Pair')!;
  }

  /** Objects whose count may have reached zero: they die, and their children lose a reference. */
  private settle(...candidates: MObj[]): void {
    const work = candidates.slice();
    while (work.length > 0) {
      const m = work.pop()!;
      if (m.immortal || m.ext + m.inbound > 0 || !this.objs.includes(m)) continue;
      this.objs.splice(this.objs.indexOf(m), 1);
      this.died.push(m);
      for (const child of children(m)) {
        child.inbound--;
        work.push(child);
      }
    }
  }

  /** Every invariant of the header comment; throws a readable error on the first mismatch. */
  check(): void {
    const rt = this.rt;
    for (const m of this.died) {
      if (rt.isObject(m.ptr)) throw new Error(`#${m.id} ${m.kind} at ${m.ptr}: model count 0, still alive`);
    }
    let live = 0;
    for (const m of this.objs) {
      if (!rt.isObject(m.ptr)) throw new Error(`#${m.id} ${m.kind} at ${m.ptr}: freed too early (model count ${m.ext + m.inbound})`);
      const want = m.immortal ? IMMORTAL_REFCNT : m.ext + m.inbound;
      const got = rt.refcount(m.ptr);
      if (got !== want) throw new Error(`#${m.id} ${m.kind}: refcount ${got}, model ${want}`);
      if (!m.immortal) live += 1 + (m.hasDict ? 1 : 0);
      this.checkContents(m);
    }
    const liveObjects = rt.stats().liveObjects;
    if (liveObjects !== this.baselineObjects + live) {
      throw new Error(`liveObjects ${liveObjects}, model ${this.baselineObjects} + ${live}`);
    }
  }

  private checkContents(m: MObj): void {
    const o = this.o;
    const same = (got: readonly Ptr[], want: readonly Ptr[], what: string) => {
      if (got.length !== want.length || got.some((p, i) => p !== want[i])) {
        throw new Error(`#${m.id} ${m.kind}: ${what} [${got.join(', ')}], model [${want.join(', ')}]`);
      }
    };
    if (m.kind === 'list') same(o.list.items(m.ptr), m.items!.map((x) => x.ptr), 'items');
    else if (m.kind === 'tuple' && !m.immortal) same(o.tuple.items(m.ptr), m.items!.map((x) => x.ptr), 'items');
    else if (m.kind === 'dict') {
      const entries = [...m.entries!.values()];
      same(o.dict.entries(m.ptr).flat(), entries.flatMap((e) => [e.key.ptr, e.value.ptr]), 'entries');
      if (o.dict.size(m.ptr) !== entries.length) throw new Error(`#${m.id}: dict size`);
    } else if (m.kind === 'rec' || m.kind === 'pair') {
      const cls = this.classOf(m);
      const names = cls.attrs(m.ptr);
      const want = m.kind === 'rec' ? [...m.attrs!.keys()] : NAMES.filter((n) => m.attrs!.has(n));
      if (names.join() !== want.join()) throw new Error(`#${m.id} ${m.kind}: attrs ${names.join()} model ${want.join()}`);
      same(names.map((n) => cls.getattr(m.ptr, n)), names.map((n) => m.attrs!.get(n)!.ptr), 'attribute values');
      if ((cls.dictOf(m.ptr) !== 0) !== (m.hasDict ?? false)) throw new Error(`#${m.id}: attribute dict presence`);
    }
  }

  /** Drop every reference the program holds; everything dies (there are no cycles). */
  releaseAll(reversed: boolean): void {
    const held = reversed ? this.objs.slice().reverse() : this.objs.slice();
    for (const m of held) {
      while (m.ext > 0) {
        this.died = [];
        this.rt.decref(m.ptr);
        m.ext--;
        this.settle(m);
        this.check();
      }
    }
    const left = this.objs.filter((m) => !m.immortal);
    if (left.length > 0) throw new Error(`after release, the model still holds ${left.map((m) => `#${m.id} ${m.kind}`).join(', ')}`);
  }
}

/** Children a model object holds references to. */
function children(m: MObj): MObj[] {
  if (m.items !== undefined) return m.items;
  if (m.entries !== undefined) return [...m.entries.values()].flatMap((e) => [e.key, e.value]);
  if (m.attrs !== undefined) return [...m.attrs.values()];
  return [];
}

/** Each kind of step must happen at least this often over one test's programs (typically 40 to 2,000 times). */
const MIN_COVERAGE = 10;

const ALLOCATORS: readonly (readonly [string, () => Allocator])[] = [
  ['pool', () => createPool({ backend: 'shared' })],
  ['tlsf', () => createTlsf({ backend: 'shared' })],
];

describe.each(ALLOCATORS)('random programs against a refcount model (%s allocator)', (_name, makeAllocator) => {
  it('every object lives exactly as long as its model count, and containers match their models', () => {
    Machine.coverage.clear();
    let steps = 0;
    assertProperty(
      fc.property(programArb, ({ ops, releaseReversed }) => {
        // a fresh runtime per program, so a failing program shrinks on its own
        const allocator = makeAllocator();
        const rt = new Runtime({ allocator, checks: true });
        const o = new Objects(rt);
        o.instances.defineClass({ name: 'Rec' });
        o.instances.defineClass({ name: 'Pair', slots: ['a', 'b'] });
        for (const name of NAMES) o.str.intern(name); // interned attribute names are immortal: make them before the baseline
        const baseline = { objects: rt.stats().liveObjects, blocks: allocator.stats().allocatedBlocks };
        const machine = new Machine(o, baseline.objects);
        for (const op of ops) {
          machine.run(op);
          machine.check();
          steps++;
        }
        machine.releaseAll(releaseReversed);
        expect(rt.stats().liveObjects).toBe(baseline.objects);
        expect(allocator.stats().allocatedBlocks).toBe(baseline.blocks);
        allocator.checkHeap();
      }),
      { numRuns: 150 },
    );
    expect(steps).toBeGreaterThan(5000);
    if (process.env.PYMEM_COVERAGE) console.log(steps, Object.fromEntries(Machine.coverage));
    // every kind of step really happened, error paths included
    const kinds = ['new', 'incref', 'decref', 'append', 'pop', 'lset', 'dset', 'dset replace', 'dset unhashable', 'ddel'];
    for (const what of [...kinds, 'setattr', 'setattr replace', 'setattr refused', 'delattr', 'delattr missing', 'death']) {
      expect(Machine.coverage.get(what) ?? 0, what).toBeGreaterThanOrEqual(MIN_COVERAGE);
    }
  });
});
