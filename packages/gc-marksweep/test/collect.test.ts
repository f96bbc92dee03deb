import { TypeFlags } from '@pymem/core';
import { describe, expect, it } from 'vitest';
import { BACKENDS, SLOTS, ring, setup } from './helpers.js';

describe.each(BACKENDS)('collecting cycles (%s heap)', (backend) => {
  it('frees a self-cycle, a 2-cycle, a ring and a doubly linked ring; keeps nothing else', () => {
    const s = setup({ backend });
    const { rt, gc, link, newNode } = s;
    const self = newNode();
    link(self, 0, self);
    rt.decref(self);
    const a = newNode();
    const b = newNode();
    link(a, 0, b);
    link(b, 0, a);
    rt.decref(a);
    rt.decref(b);
    ring(s, 100);
    ring(s, 21, true);
    expect(s.live()).toBe(1 + 2 + 100 + 21);
    expect(rt.collect()).toEqual({ collected: 124, uncollectable: 0 });
    expect(s.live()).toBe(0);
    expect(gc.trackedObjects()).toEqual([]);
    expect(gc.stats()).toMatchObject({ collections: 1, marked: 0, swept: 124, collected: 124, resurrected: 0, totalCollected: 124 });
    gc.checkInvariants();
  });

  it('frees cliques, nested cycles and cycles joined by chains', () => {
    const s = setup({ backend });
    const { rt, link, newNode } = s;
    // A 4-clique through 3 slots: every node points at the 3 others.
    const clique = Array.from({ length: 4 }, () => newNode());
    clique.forEach((p, i) => [1, 2, 3].forEach((d, slot) => link(p, slot, clique[(i + d) % 4])));
    // Nested: an outer ring whose every node also starts an inner 3-ring.
    const outer = Array.from({ length: 5 }, () => newNode());
    outer.forEach((p, i) => {
      link(p, 0, outer[(i + 1) % 5]);
      const inner = [newNode(), newNode(), newNode()];
      inner.forEach((q, j) => link(q, 0, inner[(j + 1) % 3]));
      link(p, 1, inner[0]);
      link(inner[0], 1, p); // and back: the rings are one strongly connected component
      inner.forEach((q) => rt.decref(q));
    });
    // Two cycles joined by a chain (garbage that is not one strongly connected component).
    const c1 = ring(s, 3);
    const c2 = ring(s, 3);
    const chain = [newNode(), newNode()];
    link(c1[0], 1, chain[0]);
    link(chain[0], 0, chain[1]);
    link(chain[1], 0, c2[0]);
    chain.forEach((p) => rt.decref(p));
    [...clique, ...outer].forEach((p) => rt.decref(p));
    const total = 4 + 5 * 4 + 3 + 3 + 2;
    expect(s.live()).toBe(total);
    expect(rt.collect().collected).toBe(total);
    expect(s.live()).toBe(0);
  });

  it('keeps what is held from JS and everything it reaches, intact', () => {
    const s = setup({ backend });
    const { rt, gc, link, slotOf, newNode } = s;
    const held = newNode(); // the JS reference is the only thing holding it
    const r = ring(s, 10);
    link(held, 0, r[0]);
    const cycleBehind = ring(s, 4);
    link(r[5], 1, cycleBehind[0]);
    const garbage = ring(s, 7);
    expect(rt.collect().collected).toBe(7);
    expect(garbage.some((p) => rt.isObject(p))).toBe(false);
    expect(s.live()).toBe(15);
    expect(slotOf(held, 0)).toBe(r[0]);
    r.forEach((p, i) => expect(slotOf(p, 0)).toBe(r[(i + 1) % 10]));
    expect(slotOf(r[5], 1)).toBe(cycleBehind[0]);
    expect(gc.stats()).toMatchObject({ marked: 15, swept: 7 });
    gc.checkInvariants();
    rt.decref(held); // the ring of 10 and the ring behind it are now garbage
    expect(rt.collect().collected).toBe(14);
    expect(s.live()).toBe(0);
  });

  it('keeps cycles referenced from an untracked container', () => {
    const s = setup({ backend });
    const { rt, link, newNode } = s;
    const box = newNode();
    rt.untrack(box); // the collector cannot see into it: its references count as outside ones
    const r = ring(s, 5);
    link(box, 0, r[0]);
    expect(rt.collect().collected).toBe(0);
    expect(s.live()).toBe(6);
    rt.decref(box);
    expect(rt.collect().collected).toBe(5);
    expect(s.live()).toBe(0);
  });

  it('ignores non-GC children (no GC head to mark)', () => {
    const s = setup({ backend });
    const { rt, link, newNode, leaf } = s;
    const r = ring(s, 3);
    const l = rt.newObject(leaf);
    link(r[0], 1, l);
    rt.decref(l);
    expect(rt.collect().collected).toBe(3); // the leaf is freed by refcounting when the ring is cleared
    expect(s.live()).toBe(0);
    const kept = newNode();
    const l2 = rt.newObject(leaf);
    link(kept, 0, l2);
    rt.decref(l2);
    expect(rt.collect().collected).toBe(0);
    expect(rt.isObject(l2)).toBe(true);
  });
});

describe('deep structures (no recursion)', () => {
  it('marks a 10^6-deep live chain held by its head, then collects it as garbage hanging off a cycle', () => {
    const s = setup({ backend: 'shared', checks: false });
    const { rt, gc, link, newNode } = s;
    const head = newNode();
    let cur = head;
    for (let i = 0; i < 1_000_000; i++) {
      const n = newNode();
      link(cur, 0, n);
      rt.decref(n);
      cur = n;
    }
    expect(rt.collect().collected).toBe(0);
    expect(gc.stats().marked).toBe(1_000_001);
    link(cur, 1, head); // close it: one 10^6-long cycle
    rt.decref(head);
    expect(rt.collect().collected).toBe(1_000_001);
    expect(s.live()).toBe(0);
  });

  it('marks a wide tree (3-ary, 9 levels) reached from one root', () => {
    const s = setup({ backend: 'wasm' });
    const { rt, gc, link, newNode } = s;
    const root = newNode();
    let level = [root];
    for (let d = 0; d < 9; d++) {
      const next: number[] = [];
      for (const p of level) {
        for (let slot = 0; slot < SLOTS; slot++) {
          const c = newNode();
          link(p, slot, c);
          rt.decref(c);
          next.push(c);
        }
      }
      level = next;
    }
    const size = (3 ** 10 - 1) / 2;
    for (const leafNode of level) link(leafNode, 0, root); // every leaf points back: all one cycle
    expect(rt.collect().collected).toBe(0);
    expect(gc.stats().marked).toBe(size);
    rt.decref(root);
    expect(rt.collect().collected).toBe(size);
    expect(s.live()).toBe(0);
  });
});

describe('a traverse that throws', () => {
  it('propagates the error and leaves the collector as it was', () => {
    const s = setup();
    const { rt, gc, link, newNode } = s;
    let broken = false;
    const bad = rt.registerType({
      name: 'bad',
      basicSize: 12,
      flags: TypeFlags.GC,
      traverse: () => {
        if (broken) throw new Error('broken traverse');
        return 0;
      },
    });
    const held = newNode();
    const r = ring(s, 4);
    link(held, 0, r[0]);
    const b = rt.newObject(bad);
    ring(s, 3);
    broken = true;
    expect(() => rt.collect()).toThrow('broken traverse');
    expect(gc.isCollecting()).toBe(false);
    gc.checkInvariants();
    expect(s.live()).toBe(1 + 4 + 1 + 3);
    broken = false;
    expect(rt.collect().collected).toBe(3);
    rt.decref(b);
    rt.decref(held);
    expect(rt.collect().collected).toBe(4);
    expect(s.live()).toBe(0);
  });
});
