import type { HeapBackend } from '@pymem/core';
import { describe, expect, it } from 'vitest';
import { setup } from './helpers.js';

const BACKENDS: HeapBackend[] = ['arraybuffer', 'wasm'];

describe.each(BACKENDS)('cycles of every shape (%s heap)', (backend) => {
  it('a self-loop', () => {
    const { rt, gc, types, link, live } = setup({ backend });
    const a = rt.newObject(types.node);
    link(a, 0, a);
    rt.decref(a);
    expect(gc.candidates()).toBe(1);
    expect(gc.collect()).toEqual({ collected: 1, uncollectable: 0 });
    expect(rt.isObject(a)).toBe(false);
    expect(live()).toBe(0);
    gc.checkInvariants();
  });

  it('a ring of 1000, dropped member by member', () => {
    const { gc, many, ring, dropAll, live } = setup({ backend });
    dropAll(ring(many(1000)));
    expect(gc.candidates()).toBe(1000);
    expect(gc.collect().collected).toBe(1000);
    expect(live()).toBe(0);
    expect(gc.stats()).toMatchObject({ lastExamined: 1000, lastCollected: 1000, candidates: 0 });
  });

  it('two rings sharing a node (a figure eight)', () => {
    const { rt, gc, types, many, link, dropAll, live } = setup({ backend });
    const shared = rt.newObject(types.node);
    const left = many(4);
    const right = many(5);
    for (const side of [left, right]) {
      const loop = [shared, ...side];
      loop.forEach((p, i) => link(p, side === left ? 0 : 1, loop[(i + 1) % loop.length]));
    }
    dropAll([shared, ...left, ...right]);
    expect(gc.collect().collected).toBe(10);
    expect(live()).toBe(0);
  });

  it('two rings sharing a node, one of them held from outside: nothing goes', () => {
    const { rt, gc, types, many, link, dropAll, live } = setup({ backend });
    const shared = rt.newObject(types.node);
    const left = many(4);
    const right = many(5);
    for (const side of [left, right]) {
      const loop = [shared, ...side];
      loop.forEach((p, i) => link(p, side === left ? 0 : 1, loop[(i + 1) % loop.length]));
    }
    dropAll([shared, ...left, ...right.slice(1)]); // right[0] still ours
    expect(gc.collect().collected).toBe(0);
    expect(live()).toBe(10);
    expect(gc.candidates()).toBe(0);
    rt.decref(right[0]);
    expect(gc.collect().collected).toBe(10);
    expect(live()).toBe(0);
  });

  it('a cycle with a tail hanging off it', () => {
    const { rt, gc, types, many, ring, link, live } = setup({ backend });
    const cycle = ring(many(2));
    let cur = cycle[1];
    for (let i = 0; i < 3; i++) {
      const t = rt.newObject(types.node);
      link(cur, 1, t);
      rt.decref(t); // buffered: held by cur
      cur = t;
    }
    cycle.forEach((p) => rt.decref(p));
    expect(gc.collect().collected).toBe(5);
    expect(live()).toBe(0);
  });

  it('a cycle with a tail leading into it: the tail goes by refcount, the cycle by collection', () => {
    const { rt, gc, types, many, ring, link, dropAll, live } = setup({ backend });
    const cycle = ring(many(3));
    const tail = rt.newObject(types.node);
    link(tail, 0, cycle[0]);
    dropAll(cycle);
    expect(gc.collect().collected).toBe(0); // held through the tail
    rt.decref(tail); // freed now; cycle[0] becomes a candidate
    expect(live()).toBe(3);
    expect(gc.candidates()).toBe(1);
    expect(gc.collect().collected).toBe(3);
    expect(live()).toBe(0);
  });

  it('a cycle held from outside is not collected; its candidates leave the buffer', () => {
    const { rt, gc, types, many, ring, link, dropAll, live, slot } = setup({ backend });
    const holder = rt.newObject(types.node);
    const cycle = ring(many(3));
    link(holder, 0, cycle[2]);
    dropAll(cycle);
    expect(gc.collect()).toEqual({ collected: 0, uncollectable: 0 });
    expect(live()).toBe(4);
    cycle.forEach((p) => expect(gc.colourOf(p)).toBe('black'));
    expect(slot(cycle[0], 0)).toBe(cycle[1]);
    expect(rt.refcount(cycle[2])).toBe(2);
    expect(gc.candidates()).toBe(0);
    link(holder, 0, 0); // the last reference from outside goes: cycle[2] is a candidate again
    expect(gc.candidates()).toBe(1);
    expect(gc.collect().collected).toBe(3);
    expect(live()).toBe(1);
  });

  it('a cycle held by an untracked object is not collected (its references count as external)', () => {
    const { rt, gc, types, many, ring, link, dropAll, live } = setup({ backend });
    const keeper = rt.newObject(types.node);
    rt.untrack(keeper);
    const cycle = ring(many(2));
    link(keeper, 0, cycle[0]);
    link(cycle[1], 1, keeper); // keeper is part of the cycle too
    rt.decref(keeper);
    dropAll(cycle);
    expect(gc.collect().collected).toBe(0);
    expect(live()).toBe(3);
    rt.track(keeper); // tracked again: a candidate, and the whole cycle is garbage
    expect(gc.collect().collected).toBe(3);
    expect(live()).toBe(0);
  });

  it('garbage reaching live objects: only the garbage goes, the live ones become candidates', () => {
    const { rt, gc, many, ring, link, dropAll, live } = setup({ backend });
    const kept = ring(many(2));
    const cycle = ring(many(3));
    link(cycle[0], 1, kept[0]);
    link(cycle[1], 1, kept[1]);
    dropAll(cycle);
    rt.decref(kept[1]); // kept[0] still ours; kept[1] held by kept[0]
    expect(gc.collect().collected).toBe(3);
    expect(live()).toBe(2);
    expect(gc.candidates()).toBe(2); // both lost a reference from the freed cycle
    expect(gc.collect().collected).toBe(0);
    rt.decref(kept[0]);
    expect(gc.collect().collected).toBe(2);
  });
});

describe('automatic collection', () => {
  it('runs when the buffer fills', () => {
    const { rt, gc, types, link, live } = setup({ bufferSize: 4 });
    const loops = [0, 1, 2, 3].map(() => rt.newObject(types.node));
    loops.forEach((p) => link(p, 0, p));
    loops.slice(0, 3).forEach((p) => rt.decref(p));
    expect(gc.candidates()).toBe(3);
    expect(gc.stats().collections).toBe(0);
    rt.decref(loops[3]); // the fourth candidate fills the buffer
    expect(gc.stats()).toMatchObject({ collections: 1, automatic: 1, collected: 4, maxBuffer: 4, candidates: 0 });
    expect(live()).toBe(0);
    gc.checkInvariants();
  });

  it('with bufferSize 1, every decref to non-zero collects', () => {
    const { gc, many, ring, dropAll, live } = setup({ bufferSize: 1 });
    const objs = ring(many(3));
    expect(gc.stats().collections).toBe(0);
    dropAll(objs);
    expect(gc.stats()).toMatchObject({ collections: 3, automatic: 3, collected: 3, maxBuffer: 1 });
    expect(live()).toBe(0);
  });

  it('never bigger than bufferSize between collections, and everything goes in the end', () => {
    const { gc, many, ring, dropAll, live } = setup({ bufferSize: 7 });
    for (let i = 0; i < 50; i++) {
      dropAll(ring(many(1 + (i % 5))));
      expect(gc.candidates()).toBeLessThan(7);
    }
    expect(gc.stats().automatic).toBeGreaterThan(10);
    gc.collect();
    expect(live()).toBe(0);
  });

  it('is not started by decrefs during a collection; the next decref starts it', () => {
    const { rt, gc, types, many, link, hooks, live } = setup({ bufferSize: 3 });
    const outside = many(4);
    outside.forEach((p) => rt.incref(p)); // count 2: each decref leaves it alive
    const f = rt.newObject(types.fin);
    link(f, 0, f);
    hooks.onFinalize = () => outside.forEach((p) => rt.decref(p)); // 4 candidates, bufferSize 3
    rt.decref(f);
    expect(gc.collect().collected).toBe(1);
    expect(gc.stats().collections).toBe(1);
    expect(gc.candidates()).toBe(4);
    gc.checkInvariants();
    const x = rt.newObject(types.node);
    rt.incref(x);
    rt.decref(x);
    expect(gc.stats()).toMatchObject({ collections: 2, automatic: 1, candidates: 0 });
    expect(live()).toBe(5);
  });

  it('inside a dealloc cascade, objects the dying parent still holds are left alone', () => {
    const { rt, gc, types, many, ring, link, live } = setup({ bufferSize: 1 });
    // parent holds three cycles; freeing it decrefs each cycle's entry (to
    // non-zero), and each decref collects while the parent is mid-dealloc.
    const parent = rt.newObject(types.node);
    const cycles = [0, 1, 2].map(() => ring(many(2)));
    cycles.forEach((c, i) => link(parent, i, c[0]));
    for (const c of cycles) c.forEach((p) => rt.decref(p));
    expect(gc.stats().automatic).toBeGreaterThan(0);
    expect(live()).toBe(7);
    rt.decref(parent);
    expect(live()).toBe(0);
    expect(gc.candidates()).toBe(0);
  });
});

describe('deep structures (no recursion)', () => {
  const DEPTH = 100_000;

  it('a 10^5-deep chain hanging off a cycle', () => {
    const { rt, gc, types, link, live } = setup({ checks: false, backend: 'wasm' });
    const head = rt.newObject(types.node);
    link(head, 0, head);
    let cur = head;
    for (let i = 0; i < DEPTH; i++) {
      const n = rt.newObject(types.node);
      link(cur, 1, n);
      rt.decref(n);
      cur = n;
    }
    rt.decref(head);
    expect(gc.candidates()).toBe(DEPTH + 1);
    expect(gc.collect().collected).toBe(DEPTH + 1);
    expect(live()).toBe(0);
  });

  it('a 10^5-long ring, collected; and one held by a single outside reference, kept', () => {
    const { rt, gc, many, ring, dropAll, live, link, types } = setup({ checks: false });
    const big = ring(many(DEPTH));
    const holder = rt.newObject(types.node);
    link(holder, 0, big[DEPTH - 1]);
    dropAll(big);
    // Every member is a candidate; scanBlack walks the whole ring from the held one.
    expect(gc.collect().collected).toBe(0);
    expect(gc.stats().lastExamined).toBe(DEPTH);
    expect(live()).toBe(DEPTH + 1);
    link(holder, 0, 0);
    expect(gc.collect().collected).toBe(DEPTH);
    expect(live()).toBe(1);
  });

  it('a 10^5-deep live chain examined from its head', () => {
    const { rt, gc, types, link, live } = setup({ checks: false });
    const head = rt.newObject(types.node);
    let cur = head;
    for (let i = 0; i < DEPTH; i++) {
      const n = rt.newObject(types.node);
      link(cur, 0, n);
      rt.decref(n);
      cur = n;
    }
    gc.collect(); // the chain's candidates leave; all black
    rt.incref(head);
    rt.decref(head);
    expect(gc.candidates()).toBe(1);
    expect(gc.collect().collected).toBe(0);
    expect(gc.stats().lastExamined).toBe(DEPTH + 1);
    rt.decref(head); // the runtime frees the chain (trashcan)
    expect(live()).toBe(0);
  });
});
