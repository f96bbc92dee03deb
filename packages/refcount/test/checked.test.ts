import { InvalidObjectError, RefcountError } from '@pymem/core';
import { describe, expect, it } from 'vitest';
import { makeRuntime, registerNode, sameBytes, snapshot, SLOT0 } from './helpers.js';

describe.each(['pool', 'tlsf'] as const)('checked mode over %s', (kind) => {
  function setup() {
    const rt = makeRuntime({ kind });
    const node = registerNode(rt);
    const live = rt.newObject(node);
    const child = rt.newObject(node);
    rt.heap.u32[(live + SLOT0) >>> 2] = child;
    const freed = rt.newObject(node);
    rt.decref(freed);
    return { rt, node, live, child, freed };
  }

  it('decref of a freed object is a RefcountError and changes nothing', () => {
    const { rt, freed, live, child } = setup();
    const before = snapshot(rt);
    const stats = rt.stats();
    expect(() => rt.decref(freed)).toThrow(RefcountError);
    expect(() => rt.decref(freed)).toThrow(/already freed/);
    expect(() => rt.incref(freed)).toThrow(RefcountError);
    expect(sameBytes(snapshot(rt), before)).toBe(true);
    expect(rt.stats()).toEqual(stats);
    expect(rt.refcount(live)).toBe(1);
    expect(rt.refcount(child)).toBe(1);
    rt.allocator.checkHeap();
  });

  it('a pointer that is not an object is an InvalidObjectError and changes nothing', () => {
    const { rt, live } = setup();
    const raw = rt.allocator.malloc(32);
    const before = snapshot(rt);
    for (const p of [0, -8, 3, live + 4, live + 8, raw, rt.heap.byteLength + 64, 1.5, Number.NaN]) {
      expect(() => rt.decref(p), `decref ${p}`).toThrow(InvalidObjectError);
      expect(() => rt.incref(p), `incref ${p}`).toThrow(InvalidObjectError);
      expect(() => rt.refcount(p), `refcount ${p}`).toThrow(InvalidObjectError);
      expect(() => rt.typeOf(p), `typeOf ${p}`).toThrow(InvalidObjectError);
    }
    expect(sameBytes(snapshot(rt), before)).toBe(true);
    expect(rt.isObject(raw)).toBe(false);
    expect(rt.isObject(live)).toBe(true);
  });

  it('refcount underflow inside a dealloc (decref of a dying object) is a RefcountError', () => {
    const rt = makeRuntime({ kind });
    const errors: unknown[] = [];
    const t = rt.registerType({
      name: 'selfish',
      basicSize: 8,
      dealloc: (ctx, p) => {
        try {
          ctx.decref(p);
        } catch (e) {
          errors.push(e);
        }
      },
    });
    const p = rt.newObject(t);
    rt.decref(p);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(RefcountError);
    expect(String(errors[0])).toMatch(/refcount is 0/);
    expect(rt.stats().liveObjects).toBe(0);
    rt.allocator.checkHeap();
  });

  it('names the pointer in the message', () => {
    const { rt, freed } = setup();
    expect(() => rt.decref(freed)).toThrow(`0x${freed.toString(16)}`);
  });

  it('unchecked mode trusts callers (no object map)', () => {
    const rt = makeRuntime({ kind, checks: false });
    const node = registerNode(rt);
    const p = rt.newObject(node);
    expect(rt.checks).toBe(false);
    expect(rt.isObject(p)).toBe(true);
    rt.decref(p);
  });
});
