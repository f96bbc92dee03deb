/**
 * Random programs against a JS model of reference counts: objects with two
 * pointer slots, created, increfed, decrefed and linked into acyclic graphs
 * (refcounting alone frees those). The runtime must free each object exactly
 * when the model's count reaches zero, never earlier, run finalizers once,
 * kill weakrefs with their referents, and end with the heap at baseline.
 */
import { TypeFlags, type ObjectContext, type Ptr } from '@pymem/core';
import { assertProperty } from '@pymem/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Runtime } from '../src/index.js';
import { makeRuntime, SLOT0, type AllocatorKind } from './helpers.js';

const SLOTS = 2;

type Op =
  | { op: 'new'; kind: number }
  | { op: 'incref'; i: number }
  | { op: 'decref'; i: number }
  | { op: 'link'; parent: number; slot: number; child: number }
  | { op: 'unlink'; parent: number; slot: number }
  | { op: 'weakref'; i: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('new' as const), kind: fc.nat(2) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('incref' as const), i: fc.nat() }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('decref' as const), i: fc.nat() }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('link' as const), parent: fc.nat(), slot: fc.nat(SLOTS - 1), child: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('unlink' as const), parent: fc.nat(), slot: fc.nat(SLOTS - 1) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('weakref' as const), i: fc.nat() }) },
);

interface ModelObject {
  ptr: Ptr;
  ext: number;
  slots: (ModelObject | null)[];
  alive: boolean;
  finalizable: boolean;
  finalized: number;
  weakrefs: Ptr[];
}

class Model {
  readonly all: ModelObject[] = [];
  /** Who was created last at each address (a weakref, null, may reuse a dead object's block). */
  readonly byPtr = new Map<Ptr, ModelObject | null>();
  live(): ModelObject[] {
    return this.all.filter((m) => m.alive);
  }
  held(): ModelObject[] {
    return this.all.filter((m) => m.alive && m.ext > 0);
  }
  refcount(m: ModelObject): number {
    let n = m.ext;
    for (const o of this.all) if (o.alive) for (const s of o.slots) if (s === m) n++;
    return n;
  }
  /** Drop one reference to m; cascade deaths in the model. */
  release(m: ModelObject): void {
    const dying = [m];
    while (dying.length > 0) {
      const d = dying.pop()!;
      if (!d.alive || this.refcount(d) > 0) continue;
      d.alive = false;
      if (d.finalizable) d.finalized++;
      for (const s of d.slots) if (s) dying.push(s);
    }
  }
  reaches(from: ModelObject, to: ModelObject): boolean {
    const stack = [from];
    const seen = new Set<ModelObject>();
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (x === to) return true;
      if (seen.has(x)) continue;
      seen.add(x);
      for (const s of x.slots) if (s) stack.push(s);
    }
    return false;
  }
}

function setup(kind: AllocatorKind) {
  const rt = makeRuntime({ kind });
  const finalizedCount = new Map<Ptr, number>();
  const common = {
    basicSize: SLOT0 + 4 * SLOTS + 4,
    weaklistOffset: SLOT0 + 4 * SLOTS,
    dealloc: (ctx: ObjectContext, p: Ptr) => {
      for (let i = 0; i < SLOTS; i++) ctx.xdecref(ctx.heap.u32[(p + SLOT0 + 4 * i) >>> 2]);
    },
  };
  const types = [
    rt.registerType({ name: 'gc', flags: TypeFlags.GC, ...common }),
    rt.registerType({ name: 'plain', ...common }),
    rt.registerType({
      name: 'fin',
      flags: TypeFlags.GC,
      ...common,
      finalize: (_c, p) => finalizedCount.set(p, (finalizedCount.get(p) ?? 0) + 1),
    }),
  ];
  return { rt, types, finalizedCount };
}

function run(kind: AllocatorKind, ops: Op[]): void {
  const { rt, types, finalizedCount } = setup(kind);
  const base = rt.allocator.stats().allocatedBlocks;
  const model = new Model();
  const pick = (i: number): ModelObject | null => {
    const held = model.held();
    return held.length === 0 ? null : held[i % held.length];
  };
  const pickLive = (i: number): ModelObject | null => {
    const live = model.live();
    return live.length === 0 ? null : live[i % live.length];
  };
  for (const op of ops) {
    switch (op.op) {
      case 'new': {
        const ptr = rt.newObject(types[op.kind]);
        const m: ModelObject = { ptr, ext: 1, slots: [null, null], alive: true, finalizable: op.kind === 2, finalized: 0, weakrefs: [] };
        model.all.push(m);
        model.byPtr.set(ptr, m);
        finalizedCount.delete(ptr);
        break;
      }
      case 'incref': {
        const m = pick(op.i);
        if (!m) break;
        rt.incref(m.ptr);
        m.ext++;
        break;
      }
      case 'decref': {
        const m = pick(op.i);
        if (!m) break;
        rt.decref(m.ptr);
        m.ext--;
        model.release(m);
        break;
      }
      case 'link': {
        const parent = pickLive(op.parent);
        const child = pick(op.child);
        if (!parent || !child || model.reaches(child, parent)) break; // stay acyclic
        const at = (parent.ptr + SLOT0 + 4 * op.slot) >>> 2;
        const old = parent.slots[op.slot];
        rt.incref(child.ptr);
        rt.heap.u32[at] = child.ptr;
        parent.slots[op.slot] = child;
        if (old) {
          rt.decref(old.ptr);
          model.release(old);
        }
        break;
      }
      case 'unlink': {
        const parent = pickLive(op.parent);
        const old = parent?.slots[op.slot];
        if (!parent || !old) break;
        rt.heap.u32[(parent.ptr + SLOT0 + 4 * op.slot) >>> 2] = 0;
        parent.slots[op.slot] = null;
        rt.decref(old.ptr);
        model.release(old);
        break;
      }
      case 'weakref': {
        const m = pick(op.i);
        if (!m) break;
        const wr = rt.newWeakref(m.ptr);
        m.weakrefs.push(wr);
        if (!model.byPtr.has(wr) || model.byPtr.get(wr) !== null) model.byPtr.set(wr, null);
        break;
      }
    }
    check(rt, model, finalizedCount);
  }
  // Release everything the program still holds; the heap returns to baseline.
  for (const m of model.all) {
    while (m.alive && m.ext > 0) {
      rt.decref(m.ptr);
      m.ext--;
      model.release(m);
    }
  }
  check(rt, model, finalizedCount);
  const weakrefs = new Set(model.all.flatMap((m) => m.weakrefs));
  for (const m of model.all) for (const w of m.weakrefs) expect(rt.weakrefGet(w)).toBe(0);
  for (const w of weakrefs) while (rt.isObject(w)) rt.decref(w);
  expect(rt.stats().liveObjects).toBe(0);
  expect(rt.allocator.stats().allocatedBlocks).toBe(base);
  rt.allocator.checkHeap();
}

function check(rt: Runtime, model: Model, finalizedCount: Map<Ptr, number>): void {
  const live = model.live();
  const weakrefs = new Set(model.all.flatMap((m) => m.weakrefs));
  let liveWeakrefs = 0;
  for (const w of weakrefs) if (rt.isObject(w)) liveWeakrefs++;
  expect(rt.stats().liveObjects).toBe(live.length + liveWeakrefs);
  for (const m of live) {
    expect(rt.isObject(m.ptr)).toBe(true);
    expect(rt.refcount(m.ptr)).toBe(model.refcount(m));
    for (const w of m.weakrefs) expect(rt.weakrefGet(w)).toBe(m.ptr);
  }
  for (const m of model.all) {
    if (m.alive) continue;
    if (model.byPtr.get(m.ptr) === m) expect(rt.isObject(m.ptr)).toBe(false);
    if (m.finalizable && model.byPtr.get(m.ptr) === m) expect(finalizedCount.get(m.ptr)).toBe(1);
  }
}

describe.each(['pool', 'tlsf'] as const)('random refcount programs over %s', (kind) => {
  it('free each object exactly when its model count reaches zero', () => {
    assertProperty(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 150 }), (ops) => run(kind, ops)),
      { numRuns: 400 },
    );
  });
});
