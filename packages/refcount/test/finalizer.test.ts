import { TypeFlags, type Ptr } from '@pymem/core';
import { describe, expect, it } from 'vitest';
import type { Runtime } from '../src/index.js';
import { makeRuntime, registerNode, setSlot, SLOT0 } from './helpers.js';

/** A GC type with one slot whose finalizer calls `onFinalize`. */
function registerFinalizable(rt: Runtime, onFinalize: (p: Ptr) => void, gc = true): number {
  return rt.registerType({
    name: gc ? 'fin' : 'fin_nogc',
    basicSize: SLOT0 + 4,
    flags: gc ? TypeFlags.GC : 0,
    dealloc: (ctx, p) => ctx.xdecref(ctx.heap.u32[(p + SLOT0) >>> 2]),
    finalize: (_ctx, p) => onFinalize(p),
  });
}

describe.each([true, false])('finalizers (PEP 442), GC type: %s', (gc) => {
  it('runs once, before dealloc, with the object still intact', () => {
    const rt = makeRuntime();
    const order: string[] = [];
    const leaf = rt.registerType({ name: 'leaf', basicSize: 8, dealloc: () => order.push('child dealloc') });
    const t = registerFinalizable(rt, (p) => {
      order.push(`finalize rc=${rt.refcount(p)} finalized=${rt.isFinalized(p)}`);
      expect(rt.isObject(rt.heap.u32[(p + SLOT0) >>> 2])).toBe(true);
    }, gc);
    const p = rt.newObject(t);
    rt.heap.u32[(p + SLOT0) >>> 2] = rt.newObject(leaf);
    expect(rt.isFinalized(p)).toBe(false);
    rt.decref(p);
    expect(order).toEqual(['finalize rc=1 finalized=true', 'child dealloc']);
    expect(rt.isObject(p)).toBe(false);
  });

  it('lets the finalizer resurrect the object, and never runs it again', () => {
    const rt = makeRuntime();
    const saved: Ptr[] = [];
    let calls = 0;
    const t = registerFinalizable(rt, (p) => {
      calls++;
      rt.incref(p);
      saved.push(p);
    }, gc);
    const p = rt.newObject(t);
    rt.decref(p);
    expect(calls).toBe(1);
    expect(rt.isObject(p)).toBe(true);
    expect(rt.refcount(p)).toBe(1);
    expect(rt.isFinalized(p)).toBe(true);
    if (gc) expect(rt.isTracked(p)).toBe(rt.gc.isTracked(p));
    rt.decref(saved.pop()!);
    expect(calls).toBe(1);
    expect(rt.isObject(p)).toBe(false);
  });

  it('resurrection is transitive: what the resurrected object holds survives', () => {
    const rt = makeRuntime();
    const node = registerNode(rt, 'n', 1, gc);
    const saved: Ptr[] = [];
    const t = registerFinalizable(rt, (p) => {
      rt.incref(p);
      saved.push(p);
    }, gc);
    const p = rt.newObject(t);
    const child = rt.newObject(node);
    rt.heap.u32[(p + SLOT0) >>> 2] = child;
    rt.decref(p);
    expect(rt.isObject(child)).toBe(true);
    rt.decref(saved.pop()!);
    expect(rt.isObject(child)).toBe(false);
    expect(rt.stats().liveObjects).toBe(0);
  });

  it('reports a throwing finalizer as unraisable and still frees the object', () => {
    const errors: string[] = [];
    const rt = makeRuntime({ onUnraisable: (e, where) => errors.push(`${where}: ${(e as Error).message}`) });
    const t = registerFinalizable(rt, () => {
      throw new Error('boom');
    }, gc);
    const p = rt.newObject(t);
    rt.decref(p);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/finalizer of fin.* object at 0x[0-9a-f]+: boom/);
    expect(rt.isObject(p)).toBe(false);
  });

  it('runs finalizers of objects freed inside a dealloc chain', () => {
    const rt = makeRuntime();
    const node = registerNode(rt, 'n', 1, gc);
    let finalized = 0;
    const t = registerFinalizable(rt, () => finalized++, gc);
    const head = rt.newObject(node);
    let cur = head;
    for (let i = 0; i < 1000; i++) {
      const f = rt.newObject(t);
      setSlot(rt, cur, 0, f);
      const n = rt.newObject(node);
      rt.heap.u32[(f + SLOT0) >>> 2] = n;
      cur = n;
    }
    rt.decref(head);
    expect(finalized).toBe(1000);
    expect(rt.stats().liveObjects).toBe(0);
  });
});

describe('GcHost.finalize', () => {
  it('runs the finalizer once with the object kept alive, and reports whether it ran', () => {
    const rt = makeRuntime();
    let seen = 0;
    const t = registerFinalizable(rt, (p) => {
      seen = rt.refcount(p);
    });
    const p = rt.newObject(t);
    expect(rt.finalize(p)).toBe(true);
    expect(seen).toBe(2);
    expect(rt.finalize(p)).toBe(false);
    expect(rt.refcount(p)).toBe(1);
    rt.decref(p);
    expect(rt.isObject(p)).toBe(false);
    const plain = rt.newObject(registerNode(rt));
    expect(rt.finalize(plain)).toBe(false);
    rt.decref(plain);
  });
});
