import { IMMORTAL_REFCNT, InvalidSizeError, OB_TYPE, UnknownTypeError, GC_HEAD_SIZE } from '@pymem/core';
import { describe, expect, it } from 'vitest';
import { makeRuntime, registerNode, setSlot } from './helpers.js';

describe.each(['pool', 'tlsf'] as const)('refcounts over %s', (kind) => {
  it('creates objects with refcount 1, their type and a zeroed payload', () => {
    const rt = makeRuntime({ kind });
    const big = rt.registerType({ name: 'big', basicSize: 8, itemSize: 1 });
    // Dirty a block first so zeroing is observable.
    const dirty = rt.allocator.malloc(300);
    rt.heap.u8.fill(0xab, dirty, dirty + 300);
    rt.allocator.free(dirty);
    const p = rt.newObject(big, 280);
    expect(rt.refcount(p)).toBe(1);
    expect(rt.typeOf(p).name).toBe('big');
    expect(rt.heap.u8.subarray(p + 8, p + 288).every((b) => b === 0)).toBe(true);
    expect(p % 8).toBe(0);
    rt.decref(p);
  });

  it('puts GC objects 8 bytes into their block, behind a zeroed GC head', () => {
    const rt = makeRuntime({ kind });
    const node = registerNode(rt);
    const p = rt.newObject(node);
    expect(rt.allocator.owns(p - GC_HEAD_SIZE)).toBe(true);
    expect(rt.heap.u32[(p - 8) >>> 2]).toBe(0);
    expect(rt.heap.u32[(p - 4) >>> 2]).toBe(0);
    rt.decref(p);
    expect(rt.allocator.owns(p - GC_HEAD_SIZE)).toBe(false);
  });

  it('frees exactly when the count reaches zero and returns memory to the allocator', () => {
    const rt = makeRuntime({ kind });
    const node = registerNode(rt);
    const base = rt.allocator.stats().allocatedBlocks;
    const p = rt.newObject(node);
    rt.incref(p);
    rt.incref(p);
    expect(rt.refcount(p)).toBe(3);
    rt.decref(p);
    rt.decref(p);
    expect(rt.isObject(p)).toBe(true);
    rt.decref(p);
    expect(rt.isObject(p)).toBe(false);
    expect(rt.allocator.stats().allocatedBlocks).toBe(base);
    expect(rt.stats()).toMatchObject({ liveObjects: 0, createdObjects: 1, freedObjects: 1 });
  });

  it('dispatches dealloc through the registry, which drops children', () => {
    const rt = makeRuntime({ kind });
    const node = registerNode(rt);
    const seen: number[] = [];
    const leaf = rt.registerType({ name: 'leaf', basicSize: 8, dealloc: (_c, p) => seen.push(p) });
    const parent = rt.newObject(node);
    const a = rt.newObject(leaf);
    const b = rt.newObject(leaf);
    setSlot(rt, parent, 0, a);
    setSlot(rt, parent, 1, b);
    rt.incref(b);
    rt.decref(parent);
    expect(seen).toEqual([a]);
    expect(rt.refcount(b)).toBe(1);
    rt.decref(b);
    expect(seen).toEqual([a, b]);
  });

  it('xincref / xdecref ignore NULL', () => {
    const rt = makeRuntime({ kind });
    const p = rt.newObject(registerNode(rt));
    rt.xincref(0);
    rt.xdecref(0);
    rt.xincref(p);
    expect(rt.refcount(p)).toBe(2);
    rt.xdecref(p);
    rt.xdecref(p);
    expect(rt.isObject(p)).toBe(false);
  });

  it('leaves immortal objects alone (PEP 683)', () => {
    const rt = makeRuntime({ kind });
    const node = registerNode(rt);
    const p = rt.newObject(node);
    rt.makeImmortal(p);
    expect(rt.isImmortal(p)).toBe(true);
    for (let i = 0; i < 10; i++) rt.decref(p);
    for (let i = 0; i < 5; i++) rt.incref(p);
    expect(rt.refcount(p)).toBe(IMMORTAL_REFCNT);
    expect(rt.isObject(p)).toBe(true);
    expect(rt.isTracked(p)).toBe(false);
  });

  it('rejects unknown types and bad sizes before allocating anything', () => {
    const rt = makeRuntime({ kind });
    const node = registerNode(rt);
    const before = rt.allocator.stats().allocatedBlocks;
    expect(() => rt.newObject(0)).toThrow(UnknownTypeError);
    expect(() => rt.newObject(999)).toThrow(UnknownTypeError);
    expect(() => rt.newObject(node, -1)).toThrow(InvalidSizeError);
    expect(() => rt.newObject(node, 1.5)).toThrow(InvalidSizeError);
    expect(rt.allocator.stats().allocatedBlocks).toBe(before);
    expect(rt.stats().createdObjects).toBe(0);
  });

  it('keeps the type word flags apart from the type id', () => {
    const rt = makeRuntime({ kind });
    const t = rt.registerType({ name: 'f', basicSize: 8, finalize: () => {} });
    const p = rt.newObject(t);
    rt.incref(p);
    expect(rt.finalize(p)).toBe(true);
    expect(rt.heap.u32[(p + OB_TYPE) >>> 2] >>> 24).not.toBe(0);
    expect(rt.typeIdOf(p)).toBe(t);
    expect(rt.typeOf(p).name).toBe('f');
    rt.decref(p);
    rt.decref(p);
  });
});
