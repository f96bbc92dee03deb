/**
 * Property tests on random object graphs.
 *
 * 1. Against an exact model of trial deletion. Trial deletion does not look
 *    at the whole heap: it examines the candidates (objects whose count fell
 *    to a non-zero value since the last collection, plus objects tracked
 *    again) and what they reach. So the model keeps, besides refcounts and
 *    edges, the candidate set K, and predicts one collection with plain
 *    graph reachability, no colours:
 *      S      = everything reachable from K through tracked objects;
 *      whites = the members of S that nothing outside S reaches: not a
 *               reference held by the test, not an object outside S
 *               (untracked objects included), not through S from those.
 *    The whites are freed; what they referenced loses a reference (freed at
 *    zero, a candidate otherwise); K is then those new candidates.
 *    Random programs (create, link, drop, take, untrack, track, collect)
 *    run on both; after every step the live objects, their refcounts and
 *    slots, the buffer (candidates(), isBuffered) and collect's result
 *    must agree exactly.
 * 2. The behavioural property (as in the other collectors' suites): random
 *    graphs with finalizers and a random small bufferSize, so automatic
 *    collections fire in the middle of dealloc cascades. After an explicit
 *    collect, exactly what the held objects reach is alive, and every
 *    finalizer of a freed object ran once. Why one collect is enough here:
 *    every reference is dropped through decref, so a garbage cycle always
 *    has a candidate upstream of it (the object whose count fell when its
 *    last outside reference went); only untracking hides one, and these
 *    graphs untrack nothing.
 */
import type { HeapBackend, Ptr } from '@pymem/core';
import { assertProperty } from '@pymem/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SLOTS, setup, type Setup } from './helpers.js';

const BACKENDS: HeapBackend[] = ['arraybuffer', 'wasm'];

type Op =
  | { kind: 'new'; fin: boolean }
  | { kind: 'link'; from: number; slot: number; to: number | null }
  | { kind: 'drop' | 'take' | 'untrack' | 'track'; obj: number }
  | { kind: 'collect' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('new' as const), fin: fc.boolean() }) },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('link' as const),
      from: fc.nat(),
      slot: fc.nat(SLOTS - 1),
      to: fc.option(fc.nat(), { nil: null, freq: 6 }),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('drop' as const), obj: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('take' as const), obj: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('untrack' as const), obj: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('track' as const), obj: fc.nat() }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'collect' as const }) },
);

/** Trial deletion on a graph of indices (see the file comment). */
class Model {
  rc: number[] = [];
  alive: boolean[] = [];
  tracked: boolean[] = [];
  /** References the test itself owns. */
  held: number[] = [];
  slots: number[][] = [];
  /** Candidates: the buffer. */
  readonly K = new Set<number>();

  create(): number {
    this.rc.push(1);
    this.alive.push(true);
    this.tracked.push(true);
    this.held.push(1);
    this.slots.push(new Array<number>(SLOTS).fill(-1));
    return this.rc.length - 1;
  }

  link(from: number, slot: number, to: number): void {
    if (to >= 0) this.rc[to]++;
    const old = this.slots[from][slot];
    this.slots[from][slot] = to;
    if (old >= 0) this.decref(old);
  }

  /** A decref: freed at zero (its children decrefed in turn), a candidate otherwise when tracked. */
  decref(x: number): void {
    const work = [x];
    while (work.length > 0) {
      const y = work.pop()!;
      if (--this.rc[y] > 0) {
        if (this.tracked[y]) this.K.add(y);
        continue;
      }
      this.alive[y] = false;
      this.K.delete(y);
      for (const c of this.slots[y]) if (c >= 0) work.push(c);
    }
  }

  untrack(x: number): void {
    this.tracked[x] = false;
    this.K.delete(x);
  }

  track(x: number): void {
    if (this.tracked[x]) return;
    this.tracked[x] = true;
    this.K.add(x);
  }

  /** One collection: returns the whites (freed). */
  collect(): Set<number> {
    const inS = this.closure([...this.K], (c) => this.tracked[c]);
    const supported: number[] = [];
    for (const x of inS) if (this.held[x] > 0) supported.push(x);
    this.alive.forEach((a, y) => {
      if (a && !inS.has(y)) for (const c of this.slots[y]) if (c >= 0 && inS.has(c)) supported.push(c);
    });
    const black = this.closure(supported, (c) => inS.has(c));
    const whites = new Set([...inS].filter((x) => !black.has(x)));
    this.K.clear();
    for (const w of whites) {
      this.alive[w] = false;
      this.rc[w] = 0;
    }
    for (const w of whites) for (const c of this.slots[w]) if (c >= 0 && !whites.has(c)) this.decref(c);
    return whites;
  }

  private closure(from: number[], follow: (c: number) => boolean): Set<number> {
    const seen = new Set<number>(from);
    const stack = [...from];
    while (stack.length > 0) {
      for (const c of this.slots[stack.pop()!]) {
        if (c >= 0 && !seen.has(c) && follow(c)) {
          seen.add(c);
          stack.push(c);
        }
      }
    }
    return seen;
  }
}

function runProgram(s: Setup, ops: Op[]): void {
  const { rt, gc, types, link, hooks } = s;
  const model = new Model();
  const objs: Ptr[] = [];
  const fin: boolean[] = [];
  /** Which model object lives at an address now (addresses are reused after a free). */
  const indexOf = new Map<Ptr, number>();
  const finalizedRuns: number[] = [];
  hooks.onFinalize = (p) => finalizedRuns[indexOf.get(p)!]++;
  /** The n-th live object (index), or -1 when none is alive. */
  const pick = (n: number): number => {
    const liveIdx = model.alive.flatMap((a, i) => (a ? [i] : []));
    return liveIdx.length === 0 ? -1 : liveIdx[n % liveIdx.length];
  };
  const check = (): void => {
    expect(gc.candidates()).toBe(model.K.size);
    expect(rt.stats().liveObjects).toBe(model.alive.filter(Boolean).length);
    objs.forEach((p, i) => {
      expect(finalizedRuns[i]).toBe(fin[i] && !model.alive[i] ? 1 : 0);
      if (!model.alive[i]) {
        expect(rt.isObject(p) && indexOf.get(p) === i).toBe(false);
        return;
      }
      expect(rt.isObject(p)).toBe(true);
      expect(rt.refcount(p)).toBe(model.rc[i]);
      expect(rt.isTracked(p)).toBe(model.tracked[i]);
      expect(gc.isBuffered(p)).toBe(model.K.has(i));
      model.slots[i].forEach((c, k) => expect(s.slot(p, k)).toBe(c >= 0 ? objs[c] : 0));
    });
    gc.checkInvariants();
  };
  for (const op of ops) {
    if (op.kind === 'new') {
      const p = rt.newObject(op.fin ? types.fin : types.node);
      indexOf.set(p, model.create());
      objs.push(p);
      fin.push(op.fin);
      finalizedRuns.push(0);
    } else if (op.kind === 'collect') {
      const whites = model.collect();
      expect(gc.collect()).toEqual({ collected: whites.size, uncollectable: 0 });
    } else if (op.kind === 'link') {
      const from = pick(op.from);
      const to = op.to === null ? -1 : pick(op.to);
      if (from < 0) continue;
      link(objs[from], op.slot, to < 0 ? 0 : objs[to]);
      model.link(from, op.slot, to);
    } else {
      const x = pick(op.obj);
      if (x < 0) continue;
      if (op.kind === 'drop') {
        if (model.held[x] === 0) continue;
        model.held[x]--;
        model.decref(x);
        rt.decref(objs[x]);
      } else if (op.kind === 'take') {
        model.held[x]++;
        model.rc[x]++;
        rt.incref(objs[x]);
      } else if (op.kind === 'untrack') {
        model.untrack(x);
        rt.untrack(objs[x]);
      } else {
        model.track(x);
        rt.track(objs[x]);
      }
    }
    check();
  }
}

describe.each(BACKENDS)('random programs against a model of trial deletion (%s heap)', (backend) => {
  it('live objects, counts, slots, buffer and collect results match the model after every step', () => {
    assertProperty(
      fc.property(fc.array(opArb, { maxLength: 150 }), (ops) => runProgram(setup({ backend }), ops)),
      { numRuns: 1000 },
    );
  });
});

describe.each(BACKENDS)('random graphs, automatic collection (%s heap)', (backend) => {
  it('after collect, exactly what is reachable from held objects is alive; finalizers run once', () => {
    assertProperty(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(SLOTS - 1), fc.nat()), { maxLength: 120 }),
        fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
        fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
        fc.integer({ min: 1, max: 16 }),
        (n, edges, heldFlags, finFlags, bufferSize) => {
          const { rt, gc, types, link, finalized } = setup({ backend, bufferSize });
          const objs = Array.from({ length: n }, (_, i) => rt.newObject(finFlags[i] ? types.fin : types.node));
          const slots = objs.map(() => new Array<number>(SLOTS).fill(-1));
          for (const [from, slot, to] of edges) {
            link(objs[from % n], slot, objs[to % n]);
            slots[from % n][slot] = to % n;
          }
          const held = new Set<number>();
          objs.forEach((p, i) => (heldFlags[i] ? held.add(i) : rt.decref(p)));
          const reachable = new Set<number>();
          const stack = [...held];
          while (stack.length > 0) {
            const i = stack.pop()!;
            if (reachable.has(i)) continue;
            reachable.add(i);
            for (const c of slots[i]) if (c >= 0) stack.push(c);
          }
          gc.collect();
          objs.forEach((p, i) => {
            if (reachable.has(i)) {
              expect(rt.isObject(p)).toBe(true);
              slots[i].forEach((c, s) => expect(rt.heap.u32[(p + 8 + 4 * s) >>> 2]).toBe(c >= 0 ? objs[c] : 0));
            } else {
              expect(rt.isObject(p)).toBe(false);
              if (finFlags[i]) expect(finalized.get(p)).toBe(1);
            }
          });
          expect(rt.stats().liveObjects).toBe(reachable.size);
          gc.checkInvariants();
          for (const i of held) rt.decref(objs[i]);
          gc.collect();
          expect(rt.stats().liveObjects).toBe(0);
          objs.forEach((p, i) => finFlags[i] && expect(finalized.get(p)).toBe(1));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
