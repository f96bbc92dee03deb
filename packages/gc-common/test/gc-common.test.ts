import { TypeFlags, type ObjectContext, type Ptr } from '@pymem/core';
import { createPool } from '@pymem/pool';
import { Runtime } from '@pymem/refcount';
import { assertProperty } from '@pymem/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listToArray, listSize, newList, listAppend, listRemove, listMerge, listIsEmpty, gcPrev } from '../src/index.js';
import { OneListCollector } from './one-list.js';

const SLOTS = 3;
const SLOT0 = 8;
const WEAKLIST = SLOT0 + 4 * SLOTS;

function setup(checks = true) {
  const gc = new OneListCollector();
  const rt = new Runtime({ allocator: createPool({ backend: 'shared' }), gc, checks });
  const finalized = new Map<Ptr, number>();
  let resurrect: ((p: Ptr) => void) | null = null;
  const slots = {
    basicSize: WEAKLIST + 4,
    flags: TypeFlags.GC,
    weaklistOffset: WEAKLIST,
    dealloc: (ctx: ObjectContext, p: Ptr) => {
      for (let i = 0; i < SLOTS; i++) ctx.xdecref(ctx.heap.u32[(p + SLOT0 + 4 * i) >>> 2]);
    },
    traverse: (p: Ptr, visit: (c: Ptr, a: number) => number, arg: number) => {
      for (let i = 0; i < SLOTS; i++) {
        const c = rt.heap.u32[(p + SLOT0 + 4 * i) >>> 2];
        if (c !== 0) visit(c, arg);
      }
      return 0;
    },
    clear: (ctx: ObjectContext, p: Ptr) => {
      for (let i = 0; i < SLOTS; i++) {
        const at = (p + SLOT0 + 4 * i) >>> 2;
        const c = ctx.heap.u32[at];
        ctx.heap.u32[at] = 0;
        ctx.xdecref(c);
      }
    },
  };
  const node = rt.registerType({ name: 'node', ...slots });
  const fin = rt.registerType({
    name: 'fin',
    ...slots,
    finalize: (_c, p) => {
      finalized.set(p, (finalized.get(p) ?? 0) + 1);
      resurrect?.(p);
    },
  });
  const link = (parent: Ptr, slot: number, child: Ptr): void => {
    rt.incref(child);
    const at = (parent + SLOT0 + 4 * slot) >>> 2;
    const old = rt.heap.u32[at];
    rt.heap.u32[at] = child;
    rt.xdecref(old);
  };
  return { gc, rt, node, fin, finalized, link, setResurrect: (f: typeof resurrect) => (resurrect = f) };
}

describe('GC-head lists', () => {
  it('append, remove, merge keep a circular doubly linked list', () => {
    const { rt, gc } = setup();
    const u = () => rt.heap.u32;
    const other = newList(rt.allocator);
    const objs = [1, 2, 3, 4].map(() => rt.newObject(2));
    expect(listToArray(u(), gc.all)).toEqual(objs);
    listRemove(u(), objs[1]);
    listAppend(u(), other, objs[1]);
    expect(listToArray(u(), gc.all)).toEqual([objs[0], objs[2], objs[3]]);
    listMerge(u(), gc.all, other);
    expect(listIsEmpty(u(), gc.all)).toBe(true);
    expect(listToArray(u(), other)).toEqual([objs[1], objs[0], objs[2], objs[3]]);
    expect(gcPrev(u(), objs[0])).toBe(objs[1]);
    expect(listSize(u(), other)).toBe(4);
  });
});

describe('collecting with gc-common (one list of all objects)', () => {
  it('frees a self-cycle and a long ring, keeps what is held', () => {
    const { rt, gc, node, link } = setup();
    const self = rt.newObject(node);
    link(self, 0, self);
    const ring = Array.from({ length: 1000 }, () => rt.newObject(node));
    ring.forEach((p, i) => link(p, 0, ring[(i + 1) % ring.length]));
    const held = rt.newObject(node);
    link(held, 0, ring[0]);
    rt.decref(self);
    ring.forEach((p) => rt.decref(p));
    expect(rt.collect()).toEqual({ collected: 1, uncollectable: 0 });
    expect(rt.stats().liveObjects).toBe(1001);
    link(held, 0, held);
    expect(rt.collect().collected).toBe(1000);
    rt.decref(held);
    expect(rt.collect().collected).toBe(1);
    expect(rt.stats().liveObjects).toBe(0);
    expect(listSize(rt.heap.u32, gc.all)).toBe(0);
  });

  it('runs finalizers once; resurrection is transitive and does not block the rest', () => {
    const { rt, node, fin, link, finalized, setResurrect } = setup();
    const saved: Ptr[] = [];
    setResurrect((p) => {
      rt.incref(p);
      saved.push(p);
    });
    // Cycle A: fin <-> node (fin resurrects itself, so the node survives too).
    const f = rt.newObject(fin);
    const n = rt.newObject(node);
    link(f, 0, n);
    link(n, 0, f);
    // Cycle B: plain self-cycles, unrelated.
    const others = Array.from({ length: 10 }, () => rt.newObject(node));
    others.forEach((o) => link(o, 0, o));
    rt.decref(f);
    rt.decref(n);
    others.forEach((o) => rt.decref(o));
    expect(rt.collect().collected).toBe(10);
    expect(finalized.get(f)).toBe(1);
    expect(rt.isObject(f) && rt.isObject(n)).toBe(true);
    expect(rt.isFinalized(f)).toBe(true);
    // Drop the resurrecting reference: now the cycle goes, finalizer not rerun.
    rt.decref(saved.pop()!);
    expect(rt.collect().collected).toBe(2);
    expect(finalized.get(f)).toBe(1);
    expect(rt.stats().liveObjects).toBe(0);
  });

  it('clears weakrefs to garbage; calls back only weakrefs that are not garbage', () => {
    const { rt, node, link } = setup();
    const calls: string[] = [];
    const a = rt.newObject(node);
    const b = rt.newObject(node);
    link(a, 0, b);
    link(b, 0, a);
    const outside = rt.newWeakref(a, () => calls.push('outside'));
    const inside = rt.newWeakref(b, () => calls.push('inside'));
    link(a, 1, inside); // the weakref to b is itself part of the garbage
    rt.decref(inside);
    rt.decref(a);
    rt.decref(b);
    rt.collect();
    expect(calls).toEqual(['outside']);
    expect(rt.weakrefGet(outside)).toBe(0);
    expect(rt.isObject(a) || rt.isObject(b) || rt.isObject(inside)).toBe(false);
    rt.decref(outside);
    expect(rt.stats().liveObjects).toBe(0);
  });

  it('saveAll keeps the garbage in `garbage` instead of clearing it', () => {
    const { rt, gc, node, link } = setup();
    gc.options = { saveAll: true };
    const a = rt.newObject(node);
    link(a, 0, a);
    rt.decref(a);
    expect(rt.collect().collected).toBe(1);
    expect(gc.garbage).toEqual([a]);
    expect(rt.refcount(a)).toBe(2);
  });

  it('frees a 10^5-deep chain hanging off a cycle without deep recursion', () => {
    const { rt, node, link } = setup(false);
    const head = rt.newObject(node);
    link(head, 0, head);
    let cur = head;
    for (let i = 0; i < 100_000; i++) {
      const n = rt.newObject(node);
      link(cur, 1, n);
      rt.decref(n);
      cur = n;
    }
    rt.decref(head);
    expect(rt.collect().collected).toBe(100_001);
    expect(rt.stats().liveObjects).toBe(0);
  });
});

describe('random object graphs', () => {
  it('after collect, exactly what is reachable from held objects is alive; finalizers run once', () => {
    assertProperty(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(SLOTS - 1), fc.nat()), { maxLength: 120 }),
        fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
        fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
        (n, edges, heldFlags, finFlags) => {
          const { rt, node, fin, link, finalized } = setup();
          const objs = Array.from({ length: n }, (_, i) => rt.newObject(finFlags[i] ? fin : node));
          const slots = objs.map(() => new Array<number>(SLOTS).fill(-1));
          for (const [from, slot, to] of edges) {
            link(objs[from % n], slot, objs[to % n]);
            slots[from % n][slot] = to % n;
          }
          const held = new Set<number>();
          objs.forEach((p, i) => (heldFlags[i] ? held.add(i) : rt.decref(p)));
          const reachable = new Set<number>();
          const stack = [...held];
          while (stack.length) {
            const i = stack.pop()!;
            if (reachable.has(i)) continue;
            reachable.add(i);
            for (const c of slots[i]) if (c >= 0) stack.push(c);
          }
          rt.collect();
          objs.forEach((p, i) => {
            if (reachable.has(i)) {
              expect(rt.isObject(p)).toBe(true);
              slots[i].forEach((c, s) => expect(rt.heap.u32[(p + SLOT0 + 4 * s) >>> 2]).toBe(c >= 0 ? objs[c] : 0));
            } else {
              expect(rt.isObject(p)).toBe(false);
              if (finFlags[i]) expect(finalized.get(p)).toBe(1);
            }
          });
          expect(rt.stats().liveObjects).toBe(reachable.size);
          for (const i of held) rt.decref(objs[i]);
          rt.collect();
          expect(rt.stats().liveObjects).toBe(0);
          objs.forEach((p, i) => finFlags[i] && expect(finalized.get(p)).toBe(1));
        },
      ),
      { numRuns: 1500 },
    );
  });
});
