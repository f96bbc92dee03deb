import { describe, expect, it } from 'vitest';
import { BACKENDS, setup } from './helpers.js';

/*
 * The question of pymem issue 4: under this strategy, does refcounting still
 * free acyclic garbage promptly? It does: the runtime deallocates an object
 * the moment its refcount reaches zero, whatever the strategy; the strategy
 * only hears of it (untrack, onDestroy). The tracer sees what is left.
 */
describe.each(BACKENDS)('refcounting under mark-sweep (%s heap)', (backend) => {
  it('frees acyclic garbage at the last decref, with no collection', () => {
    const s = setup({ backend, threshold: 0 });
    const { rt, gc, link, newNode } = s;
    // A tree of 1 + 3 + 9 nodes and a chain of 1000: acyclic.
    const root = newNode();
    for (let i = 0; i < 3; i++) {
      const c = newNode();
      link(root, i, c);
      for (let j = 0; j < 3; j++) {
        const g = newNode();
        link(c, j, g);
        rt.decref(g);
      }
      rt.decref(c);
    }
    const head = newNode();
    let cur = head;
    for (let i = 0; i < 999; i++) {
      const n = newNode();
      link(cur, 0, n);
      rt.decref(n);
      cur = n;
    }
    expect(s.live()).toBe(13 + 1000);
    rt.decref(root);
    expect(s.live()).toBe(1000); // gone at once
    rt.decref(head);
    expect(s.live()).toBe(0);
    expect(rt.stats().freedObjects).toBe(1013);
    expect(gc.stats().collections).toBe(0);
    expect(gc.trackedObjects()).toEqual([]);
    expect(gc.getCount()).toBe(0); // creations net of destructions
  });

  it('the tracer only ever sees what refcounting could not free', () => {
    const s = setup({ backend, threshold: 0 });
    const { rt, gc, link, newNode } = s;
    // 500 acyclic pairs and one 3-cycle, all dropped.
    for (let i = 0; i < 500; i++) {
      const a = newNode();
      const b = newNode();
      link(a, 0, b);
      rt.decref(b);
      rt.decref(a);
    }
    const c = [newNode(), newNode(), newNode()];
    c.forEach((p, i) => link(p, 0, c[(i + 1) % 3]));
    c.forEach((p) => rt.decref(p));
    expect(rt.stats().freedObjects).toBe(1000);
    expect(gc.trackedObjects().sort()).toEqual([...c].sort());
    expect(rt.collect().collected).toBe(3);
    expect(gc.stats()).toMatchObject({ marked: 0, swept: 3 });
  });
});
