import type { GcHost, GcResult, GcStrategy, Ptr } from '@pymem/core';
import { describe, expect, it } from 'vitest';
import { makeRuntime, registerNode, setSlot, SLOT0 } from './helpers.js';

/** Records every hook call, tracking in a JS set. */
class Recorder implements GcStrategy {
  readonly name = 'recorder';
  readonly log: string[] = [];
  readonly tracked = new Set<Ptr>();
  host: GcHost | null = null;
  constructor(readonly wantsDecref: boolean) {}
  attach(host: GcHost): void {
    this.host = host;
  }
  onCreate(p: Ptr): void {
    this.log.push(`create ${p}`);
    this.tracked.add(p);
  }
  onDestroy(p: Ptr): void {
    expect(this.tracked.has(p)).toBe(false);
    this.log.push(`destroy ${p}`);
  }
  track(p: Ptr): void {
    this.log.push(`track ${p}`);
    this.tracked.add(p);
  }
  untrack(p: Ptr): void {
    this.log.push(`untrack ${p}`);
    this.tracked.delete(p);
  }
  isTracked(p: Ptr): boolean {
    return this.tracked.has(p);
  }
  onDecref(p: Ptr, n: number): void {
    this.log.push(`decref ${p} ${n}`);
  }
  collect(): GcResult {
    return { collected: 0, uncollectable: 0 };
  }
}

/**
 * A naive cycle collector written against GcHost alone (CPython's algorithm
 * without generations, over a JS set), to show that a collector plugs into
 * the runtime without touching it.
 */
class NaiveCollector extends Recorder {
  override collect(): GcResult {
    const host = this.host!;
    const refs = new Map<Ptr, number>();
    for (const p of this.tracked) refs.set(p, host.refcount(p));
    for (const p of this.tracked) host.traverse(p, (c) => (refs.has(c) && refs.set(c, refs.get(c)! - 1), 0), 0);
    const reachable = new Set<Ptr>();
    const stack = [...refs].filter(([, n]) => n > 0).map(([p]) => p);
    while (stack.length > 0) {
      const p = stack.pop()!;
      if (reachable.has(p)) continue;
      reachable.add(p);
      host.traverse(p, (c) => (refs.has(c) && stack.push(c), 0), 0);
    }
    const garbage = [...this.tracked].filter((p) => !reachable.has(p));
    for (const p of garbage) host.incref(p);
    for (const p of garbage) host.finalize(p);
    for (const p of garbage) if (host.refcount(p) > 1) host.clear(p);
    for (const p of garbage) host.decref(p);
    return { collected: garbage.length, uncollectable: 0 };
  }
}

describe('the GC strategy hook', () => {
  it('sees creation, untrack at zero, the finalizer window, then destroy, for GC types only', () => {
    const gc = new Recorder(false);
    const rt = makeRuntime({ gc });
    expect(gc.host).toBe(rt);
    const node = registerNode(rt);
    const plain = registerNode(rt, 'plain', 1, false);
    const fin = rt.registerType({ name: 'fin', basicSize: 8, flags: 1, finalize: () => gc.log.push('finalizer') });
    const a = rt.newObject(node);
    const b = rt.newObject(plain);
    const f = rt.newObject(fin);
    rt.incref(a);
    rt.decref(a);
    rt.decref(b);
    rt.decref(a);
    rt.decref(f);
    expect(gc.log).toEqual([
      `create ${a}`,
      `create ${f}`,
      `untrack ${a}`,
      `destroy ${a}`,
      `untrack ${f}`,
      `track ${f}`,
      'finalizer',
      `untrack ${f}`,
      `destroy ${f}`,
    ]);
  });

  it('notifies decrefs to non-zero of GC objects only when the strategy asks', () => {
    const gc = new Recorder(true);
    const rt = makeRuntime({ gc });
    const node = registerNode(rt);
    const plain = registerNode(rt, 'plain', 1, false);
    const a = rt.newObject(node);
    const b = rt.newObject(plain);
    rt.incref(a);
    rt.incref(b);
    rt.decref(a);
    rt.decref(b);
    expect(gc.log.filter((l) => l.startsWith('decref'))).toEqual([`decref ${a} 1`]);
  });

  it('makeImmortal untracks; explicit track/untrack reach the strategy for GC types only', () => {
    const gc = new Recorder(false);
    const rt = makeRuntime({ gc });
    const a = rt.newObject(registerNode(rt));
    const b = rt.newObject(registerNode(rt, 'plain', 1, false));
    rt.untrack(a);
    expect(rt.isTracked(a)).toBe(false);
    rt.track(a);
    expect(rt.isTracked(a)).toBe(true);
    rt.track(b);
    expect(rt.isTracked(b)).toBe(false);
    rt.makeImmortal(a);
    expect(rt.isTracked(a)).toBe(false);
  });

  it('lets a collector written against GcHost alone free cycles, finalizers and weakrefs included', () => {
    const gc = new NaiveCollector(false);
    const rt = makeRuntime({ gc });
    const node = registerNode(rt, 'node', 2);
    let finalized = 0;
    const fin = rt.registerType({
      name: 'fin',
      basicSize: SLOT0 + 4,
      flags: 1,
      dealloc: (ctx, p) => ctx.xdecref(ctx.heap.u32[(p + SLOT0) >>> 2]),
      traverse: (p, visit, arg) => {
        const c = rt.heap.u32[(p + SLOT0) >>> 2];
        return c !== 0 ? visit(c, arg) : 0;
      },
      clear: (ctx, p) => {
        const c = ctx.heap.u32[(p + SLOT0) >>> 2];
        ctx.heap.u32[(p + SLOT0) >>> 2] = 0;
        ctx.xdecref(c);
      },
      finalize: () => finalized++,
    });
    // A 3-cycle a -> b -> f -> a, plus a kept object pointing into nothing.
    const a = rt.newObject(node);
    const b = rt.newObject(node);
    const f = rt.newObject(fin);
    rt.incref(b);
    setSlot(rt, a, 0, b);
    rt.incref(f);
    setSlot(rt, b, 0, f);
    rt.incref(a);
    rt.heap.u32[(f + SLOT0) >>> 2] = a;
    const kept = rt.newObject(node);
    rt.decref(a);
    rt.decref(b);
    rt.decref(f);
    expect(rt.stats().liveObjects).toBe(4);
    expect(rt.collect()).toEqual({ collected: 3, uncollectable: 0 });
    expect(finalized).toBe(1);
    expect(rt.stats().liveObjects).toBe(1);
    expect(rt.isObject(kept)).toBe(true);
    rt.decref(kept);
    expect(rt.stats().liveObjects).toBe(0);
  });
});
