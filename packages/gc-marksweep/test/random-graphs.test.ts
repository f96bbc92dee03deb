import type { HeapBackend, Ptr } from '@pymem/core';
import { assertProperty } from '@pymem/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RootHandle } from '../src/index.js';
import { SLOTS, setup } from './helpers.js';

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

function checkGraph(backend: HeapBackend, { n, edges, holds, kinds }: Graph): void {
  const s = setup({ backend });
  const { rt, gc, node, fin, link, finalized, hooks, slotOf } = s;
  const objs = Array.from({ length: n }, (_, i) => rt.newObject(kinds[i] === 0 ? node : fin));
  const index = new Map(objs.map((p, i) => [p, i]));
  const slots = objs.map(() => new Array<number>(SLOTS).fill(-1));
  for (const [from, slot, to] of edges) {
    link(objs[from % n], slot, objs[to % n]);
    slots[from % n][slot] = to % n;
  }
  const resurrectionRoots: RootHandle[] = [];
  hooks.onFinalize = (p) => {
    if (kinds[index.get(p)!] === 2) resurrectionRoots.push(gc.addRoot(p));
  };
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
  const rooted = new Set(objs.map((_, i) => i).filter((i) => holds[i] === 1 || holds[i] === 2 || holds[i] === 4));

  // Model: live = reachable from the roots; of the garbage, resurrecting finalizers root
  // themselves, so what they reach survives too; every finalizer of the garbage runs once.
  const live = reach(rooted, slots);
  const garbage = objs.map((_, i) => i).filter((i) => !live.has(i));
  const survivors = reach([...live, ...garbage.filter((i) => kinds[i] === 2)], slots);

  const before = rt.stats().liveObjects;
  const result = rt.collect();
  expect(result.collected).toBe(before - survivors.size);
  expect(rt.stats().liveObjects).toBe(survivors.size);
  expect(gc.stats()).toMatchObject({ marked: live.size, swept: garbage.length });
  objs.forEach((p, i) => {
    if (survivors.has(i)) {
      expect(rt.isObject(p)).toBe(true);
      slots[i].forEach((c, slot) => expect(slotOf(p, slot)).toBe(c >= 0 ? objs[c] : 0));
    } else {
      expect(rt.isObject(p)).toBe(false);
    }
    const expectedRuns = kinds[i] !== 0 && !live.has(i) ? 1 : 0;
    expect(finalized.get(p) ?? 0).toBe(expectedRuns);
  });
  gc.checkInvariants();

  // Drop every outside reference: all of it is garbage now, each finalizer still runs once.
  hooks.onFinalize = null;
  for (const h of [...rootHandles, ...resurrectionRoots]) gc.removeRoot(h);
  for (const i of held) rt.decref(objs[i]);
  rt.collect();
  expect(rt.stats().liveObjects).toBe(0);
  objs.forEach((p: Ptr, i) => expect(finalized.get(p) ?? 0).toBe(kinds[i] === 0 ? 0 : 1));
  gc.checkInvariants();
}

describe('random object graphs with random root sets, against a reachability model', () => {
  it.each(['arraybuffer', 'wasm'] as const)('%s heap', (backend) => {
    assertProperty(
      fc.property(graph, (g) => checkGraph(backend, g)),
      { numRuns: 2500 },
    );
  });
});
