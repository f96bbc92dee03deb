import type { HeapBackend, Ptr } from '@pymem/core';
import { assertProperty } from '@pymem/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RootHandle } from '../src/index.js';
import { SLOTS, setup, type Setup } from './helpers.js';

const MAX_OBJECTS = 40;

/** One random heap: objects, edges, and who holds what from outside. */
const graph = fc.record({
  n: fc.integer({ min: 1, max: MAX_OBJECTS }),
  edges: fc.array(fc.tuple(fc.nat(), fc.nat(SLOTS - 1), fc.nat()), { maxLength: 3 * MAX_OBJECTS }),
  /** Per object: 0 dropped, 1 held from JS, 2 explicit root, 3 root added then removed, 4 held and rooted twice. */
  holds: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: MAX_OBJECTS, maxLength: MAX_OBJECTS }),
  /** Per object: 0 plain node, 1 finalizer, 2 finalizer that resurrects by rooting itself. */
  kinds: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: MAX_OBJECTS, maxLength: MAX_OBJECTS }),
});

type Graph = typeof graph extends fc.Arbitrary<infer T> ? T : never;

/** Everything reachable from `from` along the model's edges. */
function reach(from: Iterable<number>, slots: number[][]): Set<number> {
  const seen = new Set<number>();
  const stack = [...from];
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (seen.has(i)) continue;
    seen.add(i);
    for (const c of slots[i]) if (c >= 0) stack.push(c);
  }
  return seen;
}

/**
 * One runtime per backend serves every run (each run ends with the heap
 * empty and the invariants checked), so slots, roots and lists are reused
 * as in a long-lived program. A failed run discards it.
 */
const runtimes = new Map<HeapBackend, Setup>();

function checkGraph(backend: HeapBackend, g: Graph): void {
  const s = runtimes.get(backend) ?? setup({ backend });
  runtimes.delete(backend);
  s.finalized.clear();
  s.hooks.onFinalize = null;
  checkGraphIn(s, g);
  runtimes.set(backend, s);
}

function checkGraphIn(s: Setup, { n, edges, holds, kinds }: Graph): void {
  const { rt, gc, node, fin, link, finalized, hooks, slotOf } = s;
  const objs = Array.from({ length: n }, (_, i) => rt.newObject(kinds[i] === 0 ? node : fin));
  const index = new Map(objs.map((p, i) => [p, i]));
  const slots = objs.map(() => new Array<number>(SLOTS).fill(-1));
  for (const [from, slot, to] of edges) {
    link(objs[from % n], slot, objs[to % n]);
    slots[from % n][slot] = to % n;
  }
  // Outside references: JS-held objects keep their creation reference; roots.
  const held = new Set<number>();
  const rootHandles: RootHandle[] = [];
  objs.forEach((p, i) => {
    const h = holds[i];
    if (h === 2) rootHandles.push(gc.addRoot(p));
    if (h === 3) gc.removeRoot(gc.addRoot(p));
    if (h === 4) rootHandles.push(gc.addRoot(p), gc.addRoot(p));
    if (h === 1 || h === 4) held.add(i);
    else rt.decref(p);
  });
  const all = objs.map((_, i) => i);
  const rooted = new Set(all.filter((i) => holds[i] === 1 || holds[i] === 2 || holds[i] === 4));

  // Model. Refcounting has already freed (and finalized) whatever no root and no cycle
  // holds. The collector's garbage is the rest minus what the roots reach. Resurrecting
  // finalizers root their object, so what those reach survives; the rest is freed; every
  // finalizer of the garbage runs once.
  const onCycle = all.filter((i) => slots[i].some((c) => c >= 0 && reach([c], slots).has(i)));
  const afterRefcounting = reach([...rooted, ...onCycle], slots);
  expect(rt.stats().liveObjects).toBe(afterRefcounting.size);
  const live = reach(rooted, slots);
  const garbage = [...afterRefcounting].filter((i) => !live.has(i));
  const survivors = reach([...live, ...garbage.filter((i) => kinds[i] === 2)], slots);
  const resurrectionRoots: RootHandle[] = [];
  hooks.onFinalize = (p) => {
    if (kinds[index.get(p)!] === 2) resurrectionRoots.push(gc.addRoot(p));
  };

  const before = rt.stats().liveObjects;
  const collectionsBefore = gc.stats().collections;
  const result = rt.collect();
  expect(result.collected).toBe(before - survivors.size);
  expect(rt.stats().liveObjects).toBe(survivors.size);
  expect(gc.stats()).toMatchObject({ collections: collectionsBefore + 1, marked: live.size, swept: garbage.length });
  // Survivors alive with their references intact, the rest freed; one comparison per run.
  const state = (i: number): (number | null)[] | null =>
    rt.isObject(objs[i]) ? slots[i].map((_, slot) => slotOf(objs[i], slot)) : null;
  const expected = (i: number): (number | null)[] | null => (survivors.has(i) ? slots[i].map((c) => (c >= 0 ? objs[c] : 0)) : null);
  expect(all.map(state)).toEqual(all.map(expected));
  expect(all.map((i) => finalized.get(objs[i]) ?? 0)).toEqual(all.map((i) => (kinds[i] !== 0 && !live.has(i) ? 1 : 0)));
  gc.checkInvariants();

  // Drop every outside reference: all of it is garbage now, each finalizer still runs once.
  hooks.onFinalize = null;
  for (const h of [...rootHandles, ...resurrectionRoots]) gc.removeRoot(h);
  for (const i of held) rt.decref(objs[i]);
  rt.collect();
  expect(rt.stats().liveObjects).toBe(0);
  expect(objs.map((p: Ptr) => finalized.get(p) ?? 0)).toEqual(kinds.slice(0, n).map((k) => (k === 0 ? 0 : 1)));
  gc.checkInvariants();
}

describe('random object graphs with random root sets, against a reachability model', () => {
  it.each(['arraybuffer', 'wasm'] as const)('%s heap', (backend) => {
    assertProperty(
      fc.property(graph, (g) => checkGraph(backend, g)),
      { numRuns: 5000 },
    );
  });
});
