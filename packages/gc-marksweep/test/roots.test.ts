import { InvalidObjectError, OutOfMemoryError, RefcountError } from '@pymem/core';
import { describe, expect, it } from 'vitest';
import { GcAttachError, GcRootError, MAX_ROOTS, MarkSweepGc, type RootHandle } from '../src/index.js';
import { BACKENDS, ring, setup } from './helpers.js';

describe.each(BACKENDS)('explicit roots (%s heap)', (backend) => {
  it('a root holds a reference to its object while registered', () => {
    const { rt, gc, newNode } = setup({ backend });
    const p = newNode();
    const h = gc.addRoot(p);
    expect(rt.refcount(p)).toBe(2);
    expect(gc.roots()).toEqual([{ handle: h, ptr: p }]);
    expect(gc.rootObject(h)).toBe(p);
    rt.decref(p); // the caller's reference goes; the root keeps it alive
    expect(rt.isObject(p)).toBe(true);
    expect(rt.refcount(p)).toBe(1);
    gc.removeRoot(h); // the last reference: refcounting frees it at once, no collection needed
    expect(rt.isObject(p)).toBe(false);
    expect(gc.roots()).toEqual([]);
    expect(gc.stats().collections).toBe(0);
  });

  it('an explicit root on an object otherwise only cyclically referenced keeps its cycle', () => {
    const s = setup({ backend });
    const { rt, gc, slotOf } = s;
    const r = ring(s, 6); // no JS references left: only the cycle holds it
    const h = gc.addRoot(r[3]);
    expect(rt.collect().collected).toBe(0);
    expect(s.live()).toBe(6);
    r.forEach((p, i) => expect(slotOf(p, 0)).toBe(r[(i + 1) % 6]));
    expect(rt.collect().collected).toBe(0); // and again
    gc.removeRoot(h); // refcount of r[3] drops back to 1: refcounting cannot free the cycle...
    expect(s.live()).toBe(6);
    expect(rt.collect().collected).toBe(6); // ...the next collection does
    expect(s.live()).toBe(0);
  });

  it('the same object may be rooted many times; each handle holds its own reference', () => {
    const s = setup({ backend });
    const { rt, gc } = s;
    const r = ring(s, 2);
    const h1 = gc.addRoot(r[0]);
    const h2 = gc.addRoot(r[0]);
    expect(h1).not.toBe(h2);
    expect(rt.refcount(r[0])).toBe(3);
    gc.removeRoot(h1);
    expect(rt.collect().collected).toBe(0);
    gc.removeRoot(h2);
    expect(rt.collect().collected).toBe(2);
  });

  it('roots non-GC and untracked objects too (they stay alive; nothing to trace)', () => {
    const s = setup({ backend });
    const { rt, gc, leaf, link, newNode } = s;
    const l = rt.newObject(leaf);
    const hl = gc.addRoot(l);
    rt.decref(l);
    const box = newNode();
    rt.untrack(box);
    const r = ring(s, 3);
    link(box, 0, r[0]);
    const hb = gc.addRoot(box);
    rt.decref(box);
    expect(rt.collect().collected).toBe(0);
    expect(s.live()).toBe(5);
    gc.removeRoot(hl);
    expect(rt.isObject(l)).toBe(false);
    gc.removeRoot(hb); // box freed by refcounting; the ring it held becomes cyclic garbage
    expect(rt.collect().collected).toBe(3);
    expect(s.live()).toBe(0);
  });

  it('removing a root twice is a GcRootError (ERR_GC_ROOT), and changes nothing', () => {
    const s = setup({ backend });
    const { rt, gc, newNode } = s;
    const p = newNode();
    const h = gc.addRoot(p);
    gc.removeRoot(h);
    expect(rt.refcount(p)).toBe(1);
    expect(() => gc.removeRoot(h)).toThrow(GcRootError);
    try {
      gc.removeRoot(h);
    } catch (e) {
      expect((e as GcRootError).code).toBe('ERR_GC_ROOT');
      expect((e as GcRootError).handle).toBe(h);
      expect((e as Error).message).toMatch(/already removed/);
    }
    expect(rt.refcount(p)).toBe(1);
    // Its slot is reused by the next root; the old handle stays dead.
    const q = newNode();
    const h2 = gc.addRoot(q);
    expect(h2 % MAX_ROOTS).toBe(h % MAX_ROOTS);
    expect(() => gc.removeRoot(h)).toThrow(/stale/);
    expect(() => gc.rootObject(h)).toThrow(GcRootError);
    expect(rt.refcount(q)).toBe(2);
    expect(gc.roots()).toEqual([{ handle: h2, ptr: q }]);
    gc.checkInvariants();
  });

  it('rejects handles it never issued, before changing anything', () => {
    const { gc, newNode } = setup({ backend });
    const p = newNode();
    const h = gc.addRoot(p);
    for (const bad of [0, -1, 1.5, NaN, 7, h + 1, h + MAX_ROOTS, 2 ** 60, '3' as unknown as number]) {
      expect(() => gc.removeRoot(bad as RootHandle)).toThrow(GcRootError);
    }
    expect(gc.roots()).toEqual([{ handle: h, ptr: p }]);
    gc.checkInvariants();
  });

  it('addRoot rejects what is not a live object, before changing anything', () => {
    const { rt, gc, newNode } = setup({ backend });
    const p = newNode();
    const freed = newNode();
    rt.decref(freed);
    for (const bad of [0, -8, 3, p + 4, 2 ** 40, NaN]) expect(() => gc.addRoot(bad)).toThrow(InvalidObjectError);
    expect(() => gc.addRoot(freed)).toThrow(RefcountError);
    expect(gc.roots()).toEqual([]);
    expect(rt.refcount(p)).toBe(1);
  });

  it('addRoot that cannot grow the table throws OutOfMemoryError and changes nothing', () => {
    const { rt, gc, newNode } = setup({ backend, maxBytes: 4 << 20 });
    const objs = Array.from({ length: 16 }, () => newNode());
    const handles = objs.map((p) => gc.addRoot(p)); // the first table is full
    const extra = newNode();
    // Exhaust the heap for blocks of the grown table's size (and everything larger).
    const blocks: number[] = [];
    for (;;) {
      try {
        blocks.push(rt.allocator.malloc(512));
      } catch (e) {
        expect(e).toBeInstanceOf(OutOfMemoryError);
        break;
      }
    }
    expect(() => gc.addRoot(extra)).toThrow(OutOfMemoryError);
    expect(rt.refcount(extra)).toBe(1);
    expect(gc.roots().map((r) => r.handle)).toEqual(handles);
    gc.checkInvariants();
    blocks.forEach((b) => rt.allocator.free(b));
    const h = gc.addRoot(extra); // room again
    expect(rt.refcount(extra)).toBe(2);
    expect(gc.roots()).toHaveLength(17);
    gc.removeRoot(h);
  });

  it('grows its table past the initial capacity and reuses freed slots', () => {
    const { rt, gc, newNode } = setup({ backend });
    const objs = Array.from({ length: 5000 }, () => newNode());
    const handles = objs.map((p) => gc.addRoot(p));
    objs.forEach((p) => rt.decref(p));
    expect(new Set(handles).size).toBe(5000);
    expect(gc.roots().map((r) => r.ptr)).toEqual(objs);
    gc.checkInvariants();
    for (let i = 0; i < 5000; i += 2) gc.removeRoot(handles[i]);
    expect(rt.stats().liveObjects).toBe(2500);
    const again = Array.from({ length: 2500 }, () => newNode());
    const handles2 = again.map((p) => gc.addRoot(p));
    again.forEach((p) => rt.decref(p));
    // Every freed slot was reused (no new slot needed): indexes are the even ones.
    expect(handles2.map((h) => h % MAX_ROOTS).sort((a, b) => a - b)).toEqual(Array.from({ length: 2500 }, (_, i) => 2 * i));
    gc.checkInvariants();
    expect(rt.collect().collected).toBe(0);
    for (const h of [...handles.filter((_, i) => i % 2 === 1), ...handles2]) gc.removeRoot(h);
    expect(rt.stats().liveObjects).toBe(0);
    gc.checkInvariants();
  });

  it('roots added and removed by finalizers during a collection take effect', () => {
    const s = setup({ backend });
    const { rt, gc, fin, link, newNode } = s;
    const handles: RootHandle[] = [];
    s.hooks.onFinalize = (p) => handles.push(gc.addRoot(p)); // resurrect by rooting
    const f = rt.newObject(fin);
    const n = newNode();
    link(f, 0, n);
    link(n, 0, f);
    rt.decref(f);
    rt.decref(n);
    expect(rt.collect().collected).toBe(0);
    expect(gc.stats().resurrected).toBe(2);
    expect(s.live()).toBe(2);
    expect(gc.roots().map((r) => r.ptr)).toEqual([f]);
    gc.removeRoot(handles[0]);
    expect(rt.collect().collected).toBe(2); // finalizer does not run again
    expect(s.finalized.get(f)).toBe(1);
  });
});

describe('attachment', () => {
  it('a strategy serves one runtime; using it unattached is a GcAttachError', () => {
    const gc = new MarkSweepGc();
    expect(() => gc.addRoot(8)).toThrow(GcAttachError);
    expect(() => gc.collect()).toThrow(GcAttachError);
    expect(() => gc.stats()).toThrow(GcAttachError);
    const { gc: attached, rt } = setup();
    expect(() => attached.attach(rt)).toThrow(GcAttachError);
  });
});
