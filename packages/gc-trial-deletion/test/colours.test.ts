import { OB_FLAGS_GC_RESERVED, OB_FLAG_FINALIZED, OB_TYPE, type Ptr } from '@pymem/core';
import { describe, expect, it } from 'vitest';
import { BUFFERED, COLOUR_MASK, GC_BITS, TRACKED } from '../src/colour.js';
import { STATE_BYTES } from '../src/state.js';
import { setup } from './helpers.js';

describe('type-word bits', () => {
  it('are exactly the bits core reserves for the GC strategy', () => {
    expect(GC_BITS >>> 0).toBe(OB_FLAGS_GC_RESERVED);
    expect((COLOUR_MASK & BUFFERED) | (COLOUR_MASK & TRACKED) | (BUFFERED & TRACKED)).toBe(0);
    expect(STATE_BYTES % 16).toBe(0);
  });

  it('leave the type id and the FINALIZED flag alone', () => {
    const { rt, gc, types, hooks } = setup();
    const a = rt.newObject(types.fin);
    rt.incref(a);
    rt.decref(a); // purple, buffered, tracked: bits 28..31 all in use
    expect(gc.colourOf(a)).toBe('purple');
    expect(rt.typeIdOf(a)).toBe(types.fin);
    expect(rt.heap.u32[(a + OB_TYPE) >>> 2] >>> 28).toBe(0xf);
    expect(rt.finalize(a)).toBe(true);
    expect(rt.isFinalized(a)).toBe(true);
    expect(gc.isBuffered(a) && gc.colourOf(a) === 'purple').toBe(true);
    expect(rt.heap.u32[(a + OB_TYPE) >>> 2] & OB_FLAG_FINALIZED).not.toBe(0);
    hooks.onFinalize = () => expect.unreachable('finalizers run once');
    rt.decref(a);
    expect(rt.isObject(a)).toBe(false);
  });
});

describe('colours and the candidate buffer', () => {
  it('a new GC object is tracked, black and not buffered', () => {
    const { rt, gc, types } = setup();
    const a = rt.newObject(types.node);
    expect(rt.isTracked(a)).toBe(true);
    expect(gc.colourOf(a)).toBe('black');
    expect(gc.isBuffered(a)).toBe(false);
    expect(gc.candidates()).toBe(0);
    gc.checkInvariants();
  });

  it('a decref to non-zero buffers the object, purple, once', () => {
    const { rt, gc, types } = setup();
    const a = rt.newObject(types.node);
    rt.incref(a);
    rt.incref(a);
    rt.decref(a);
    expect(gc.colourOf(a)).toBe('purple');
    expect(gc.isBuffered(a)).toBe(true);
    expect(gc.candidates()).toBe(1);
    rt.decref(a);
    expect(gc.candidates()).toBe(1);
    expect(gc.stats().maxBuffer).toBe(1);
    gc.checkInvariants();
  });

  it('a decref to zero does not buffer (the runtime frees the object)', () => {
    const { rt, gc, types, live } = setup();
    const a = rt.newObject(types.node);
    rt.decref(a);
    expect(rt.isObject(a)).toBe(false);
    expect(gc.candidates()).toBe(0);
    expect(gc.stats().maxBuffer).toBe(0);
    expect(live()).toBe(0);
    gc.checkInvariants();
  });

  it('destroying a buffered object takes it out of the buffer', () => {
    const { rt, gc, types, link } = setup();
    const objs = [0, 1, 2, 3].map(() => rt.newObject(types.node));
    objs.forEach((p) => {
      rt.incref(p);
      rt.decref(p);
    });
    expect(gc.candidates()).toBe(4);
    rt.decref(objs[1]); // freed from the middle of the list
    rt.decref(objs[3]); // and from its tail
    expect(gc.candidates()).toBe(2);
    gc.checkInvariants();
    // Freed by a dealloc cascade: c is only held by b.
    const b = rt.newObject(types.node);
    const c = rt.newObject(types.node);
    link(b, 0, c);
    rt.decref(c); // buffered (count 1, held by b)
    expect(gc.isBuffered(c)).toBe(true);
    rt.decref(b);
    expect(rt.isObject(c)).toBe(false);
    expect(gc.candidates()).toBe(2);
    gc.checkInvariants();
    expect(gc.collect()).toEqual({ collected: 0, uncollectable: 0 });
    expect(gc.candidates()).toBe(0);
  });

  it('untrack takes an object out of the buffer; an untracked object is no candidate; track makes it one', () => {
    const { rt, gc, types } = setup();
    const a = rt.newObject(types.node);
    rt.incref(a);
    rt.incref(a);
    rt.decref(a);
    rt.untrack(a);
    expect(rt.isTracked(a)).toBe(false);
    expect(gc.isBuffered(a)).toBe(false);
    expect(gc.colourOf(a)).toBe('black');
    expect(gc.candidates()).toBe(0);
    rt.decref(a);
    expect(gc.candidates()).toBe(0);
    rt.untrack(a); // no-op
    rt.track(a);
    expect(rt.isTracked(a)).toBe(true);
    expect(gc.isBuffered(a)).toBe(true);
    expect(gc.colourOf(a)).toBe('purple');
    rt.track(a); // no-op
    expect(gc.candidates()).toBe(1);
    gc.checkInvariants();
  });

  it('immortal objects are untracked and never candidates', () => {
    const { rt, gc, types } = setup();
    const a = rt.newObject(types.node);
    rt.incref(a);
    rt.decref(a);
    rt.makeImmortal(a);
    expect(rt.isTracked(a)).toBe(false);
    expect(gc.candidates()).toBe(0);
    rt.decref(a);
    expect(gc.candidates()).toBe(0);
  });

  it('collect turns an externally held candidate black and empties the buffer', () => {
    const { rt, gc, types, link } = setup();
    const a = rt.newObject(types.node);
    const b = rt.newObject(types.node);
    link(a, 0, b);
    link(b, 0, a);
    rt.decref(b); // b: purple; a is still held by us
    expect(gc.collect()).toEqual({ collected: 0, uncollectable: 0 });
    expect(gc.colourOf(a)).toBe('black');
    expect(gc.colourOf(b)).toBe('black');
    expect(gc.candidates()).toBe(0);
    expect(gc.stats()).toMatchObject({ collections: 1, automatic: 0, lastExamined: 2, examined: 2, collected: 0 });
    gc.checkInvariants();
  });

  it('an empty buffer makes a collection that examines nothing', () => {
    const { gc } = setup();
    expect(gc.collect()).toEqual({ collected: 0, uncollectable: 0 });
    expect(gc.stats()).toMatchObject({ collections: 1, lastExamined: 0, examined: 0 });
  });

  it('shows gray during markGray, black during scanBlack, white during disposal', () => {
    const { rt, gc, types, link, hooks } = setup();
    const seen: string[] = [];
    const watched = new Set<Ptr>();
    const spy = rt.registerType({
      name: 'spy',
      basicSize: 16,
      flags: 1,
      traverse: (p, visit, arg) => {
        if (watched.has(p)) seen.push(`traverse ${gc.colourOf(p)}`);
        const c = rt.heap.u32[(p + 8) >>> 2];
        return c === 0 ? 0 : visit(c, arg);
      },
      clear: (ctx, p) => {
        const c = ctx.heap.u32[(p + 8) >>> 2];
        ctx.heap.u32[(p + 8) >>> 2] = 0;
        ctx.xdecref(c);
      },
      dealloc: (ctx, p) => ctx.xdecref(ctx.heap.u32[(p + 8) >>> 2]),
    });
    // Held from outside: gray in markGray, black in scanBlack.
    const s = rt.newObject(spy);
    const f = rt.newObject(types.fin);
    rt.incref(f);
    rt.heap.u32[(s + 8) >>> 2] = f;
    link(f, 0, s);
    watched.add(s);
    rt.decref(s);
    gc.collect();
    expect(seen).toEqual(['traverse gray', 'traverse black']);
    // Garbage: gray in markGray, never scanBlack'd, white in its finalizer and
    // in gc-common's resurrection check after the finalizers.
    seen.length = 0;
    hooks.onFinalize = (p) => seen.push(`finalize ${gc.colourOf(p)} ${gc.isCollecting()}`);
    rt.decref(f);
    gc.collect();
    expect(seen).toEqual(['traverse gray', 'finalize white true', 'traverse white']);
    expect(rt.isObject(s) || rt.isObject(f)).toBe(false);
    expect(gc.isCollecting()).toBe(false);
  });
});
