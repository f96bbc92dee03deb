import type { HeapBackend, Ptr } from '@pymem/core';
import { assertProperty } from '@pymem/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SLOTS, setup } from './helpers.js';

/** Where the model keeps an object: a generation, or the permanent one. */
const PERMANENT = 3;

type Op =
  | { kind: 'new'; fin: boolean }
  | { kind: 'link'; from: number; slot: number; to: number }
  | { kind: 'unlink'; from: number; slot: number }
  | { kind: 'drop'; i: number }
  | { kind: 'collect'; gen: number }
  | { kind: 'freeze' }
  | { kind: 'unfreeze' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('new' as const), fin: fc.boolean() }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('link' as const), from: fc.nat(), slot: fc.nat(SLOTS - 1), to: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unlink' as const), from: fc.nat(), slot: fc.nat(SLOTS - 1) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('drop' as const), i: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('collect' as const), gen: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('freeze' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unfreeze' as const) }) },
);

/**
 * The model: objects by index with their slots, whether JS holds them, and
 * their generation. Refcounting frees what nothing references; collect(g)
 * frees exactly the objects of generations 0..g that nothing outside that
 * set reaches (JS, older generations, the permanent one), then refcounting
 * frees what only that garbage held; the survivors move up one generation.
 */
class Model {
  alive: boolean[] = [];
  held: boolean[] = [];
  gen: number[] = [];
  slots: number[][] = [];
  count = [0, 0, 0];
  collections = [0, 0, 0];

  add(): number {
    this.alive.push(true);
    this.held.push(true);
    this.gen.push(0);
    this.slots.push(new Array<number>(SLOTS).fill(-1));
    this.count[0]++;
    return this.alive.length - 1;
  }

  free(i: number): void {
    this.alive[i] = false;
    if (this.count[0] > 0) this.count[0]--;
  }

  /** Free everything whose refcount (held + incoming slots from live objects) is 0, transitively. */
  refcountSweep(): void {
    for (;;) {
      const refs = this.alive.map((_, i) => (this.held[i] ? 1 : 0));
      this.alive.forEach((a, i) => a && this.slots[i].forEach((c) => c >= 0 && refs[c]++));
      const dead = this.alive.findIndex((a, i) => a && refs[i] === 0);
      if (dead < 0) return;
      this.free(dead);
    }
  }

  collect(g: number): void {
    this.collections[g]++;
    if (g < 2) this.count[g + 1]++;
    for (let k = 0; k <= g; k++) this.count[k] = 0;
    const inSet = (i: number) => this.alive[i] && this.gen[i] <= g;
    const reached = new Set<number>();
    const stack = this.alive.flatMap((a, i) => (a && (this.held[i] || !inSet(i)) ? [i] : []));
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (reached.has(i)) continue;
      reached.add(i);
      for (const c of this.slots[i]) if (c >= 0) stack.push(c);
    }
    const garbage = this.alive.flatMap((_, i) => (inSet(i) && !reached.has(i) ? [i] : []));
    this.alive.forEach((_, i) => inSet(i) && reached.has(i) && (this.gen[i] = Math.min(g + 1, 2)));
    garbage.forEach((i) => this.free(i));
    this.refcountSweep();
  }

  ofGen(g: number): number[] {
    return this.alive.flatMap((a, i) => (a && this.gen[i] === g ? [i] : []));
  }
}

function runProgram(backend: HeapBackend, ops: Op[]): void {
  const s = setup({ backend, enabled: false });
  const model = new Model();
  const ptrs: Ptr[] = [];
  const fins: boolean[] = [];
  /** Finalizer runs of objects whose address a newer object took (the counts are kept by address). */
  const savedRuns: number[] = [];
  const owner = new Map<Ptr, number>();
  const finalizerRuns = (i: number): number => savedRuns[i] ?? s.finalized.get(ptrs[i]) ?? 0;
  const pick = (n: number): number => (ptrs.length === 0 ? -1 : n % ptrs.length);
  const check = (): void => {
    const live = model.alive.flatMap((a, i) => (a ? [i] : []));
    expect(s.rt.stats().liveObjects).toBe(live.length);
    for (const i of live) {
      expect(s.rt.isObject(ptrs[i])).toBe(true);
      model.slots[i].forEach((c, k) => expect(s.slot(ptrs[i], k)).toBe(c >= 0 ? ptrs[c] : 0));
      expect(finalizerRuns(i)).toBe(0);
    }
    for (let g = 0; g < 3; g++) expect(new Set(s.gc.getObjects(g))).toEqual(new Set(model.ofGen(g).map((i) => ptrs[i])));
    expect(s.gc.getFreezeCount()).toBe(model.ofGen(PERMANENT).length);
    expect(s.gc.getCount()).toEqual(model.count);
    expect(s.gc.getStats().map((st) => st.collections)).toEqual(model.collections);
    s.gc.checkInvariants();
  };
  const finalizedOnce = (): void => {
    model.alive.forEach((a, i) => !a && fins[i] && expect(finalizerRuns(i)).toBe(1));
  };
  for (const op of ops) {
    switch (op.kind) {
      case 'new': {
        const p = s.rt.newObject(op.fin ? s.fin : s.node);
        const previous = owner.get(p);
        if (previous !== undefined) savedRuns[previous] = s.finalized.get(p) ?? 0;
        s.finalized.delete(p);
        owner.set(p, ptrs.length);
        ptrs.push(p);
        fins.push(op.fin);
        model.add();
        break;
      }
      case 'link':
      case 'unlink': {
        const from = pick(op.from);
        const to = op.kind === 'link' ? pick(op.to) : -1;
        if (from < 0 || !model.alive[from] || (to >= 0 && !model.alive[to])) break;
        s.link(ptrs[from], op.slot, to >= 0 ? ptrs[to] : 0);
        model.slots[from][op.slot] = to;
        model.refcountSweep();
        break;
      }
      case 'drop': {
        const i = pick(op.i);
        if (i < 0 || !model.alive[i] || !model.held[i]) break;
        s.rt.decref(ptrs[i]);
        model.held[i] = false;
        model.refcountSweep();
        break;
      }
      case 'collect':
        s.gc.collect(op.gen);
        model.collect(op.gen);
        check();
        break;
      case 'freeze':
        s.gc.freeze();
        model.alive.forEach((a, i) => a && (model.gen[i] = PERMANENT));
        model.count[0] = 0;
        break;
      case 'unfreeze':
        s.gc.unfreeze();
        model.alive.forEach((a, i) => a && model.gen[i] === PERMANENT && (model.gen[i] = 2));
        break;
    }
  }
  check();
  finalizedOnce();
  // Let go of everything: a full collection leaves nothing behind.
  s.gc.unfreeze();
  model.alive.forEach((a, i) => a && model.held[i] && s.rt.decref(ptrs[i]));
  s.gc.collect();
  expect(s.rt.stats().liveObjects).toBe(0);
  fins.forEach((f, i) => f && expect(finalizerRuns(i)).toBe(1));
}

describe('random programs against a reachability model', () => {
  for (const backend of ['arraybuffer', 'wasm'] as const) {
    it(`collect(gen) frees exactly the unreachable objects of generations 0..gen (${backend})`, () => {
      assertProperty(
        fc.property(fc.array(opArb, { minLength: 1, maxLength: 80 }), (ops) => runProgram(backend, ops)),
        { numRuns: 800 },
      );
    });
  }
});
