import { InvalidSizeError } from '@pymem/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLD, MarkSweepGc } from '../src/index.js';
import { BACKENDS, setup } from './helpers.js';

describe.each(BACKENDS)('automatic collection (%s heap)', (backend) => {
  it('collects when creations net of destructions reach the threshold', () => {
    const s = setup({ backend, threshold: 100 });
    const { rt, gc, link, newNode } = s;
    expect(gc.getThreshold()).toBe(100);
    // 99 self-cycles: 99 creations, no collection yet.
    for (let i = 0; i < 99; i++) {
      const p = newNode();
      link(p, 0, p);
      rt.decref(p);
    }
    expect(gc.getCount()).toBe(99);
    expect(gc.stats().collections).toBe(0);
    const last = newNode(); // the 100th: collection, the new object (held by us) survives
    expect(gc.stats()).toMatchObject({ collections: 1, collected: 99, marked: 1 });
    expect(rt.isObject(last)).toBe(true);
    expect(gc.getCount()).toBe(0);
    expect(s.live()).toBe(1);
  });

  it('destructions count back down (never below zero)', () => {
    const s = setup({ backend, threshold: 10 });
    const { rt, gc, newNode } = s;
    for (let i = 0; i < 1000; i++) rt.decref(newNode()); // freed by refcounting at once
    expect(gc.stats().collections).toBe(0);
    expect(gc.getCount()).toBe(0);
    const kept = Array.from({ length: 9 }, () => newNode());
    expect(gc.getCount()).toBe(9);
    kept.forEach((p) => rt.decref(p));
    rt.decref(newNode());
    expect(gc.getCount()).toBe(0);
    expect(gc.stats().collections).toBe(0);
  });

  it('disable/enable and threshold 0 turn automatic collection off; collect() still works', () => {
    const s = setup({ backend, threshold: 5 });
    const { rt, gc, newNode } = s;
    gc.disable();
    expect(gc.isEnabled()).toBe(false);
    const kept = Array.from({ length: 50 }, () => newNode());
    expect(gc.stats().collections).toBe(0);
    expect(gc.getCount()).toBe(50);
    gc.enable();
    expect(gc.isEnabled()).toBe(true);
    kept.push(newNode()); // count 51 >= 5
    expect(gc.stats().collections).toBe(1);
    gc.setThreshold(0);
    for (let i = 0; i < 50; i++) kept.push(newNode());
    expect(gc.stats().collections).toBe(1);
    expect(rt.collect().collected).toBe(0);
    expect(gc.stats().collections).toBe(2);
    gc.setThreshold(20);
    for (let i = 0; i < 20; i++) kept.push(newNode());
    expect(gc.stats().collections).toBe(3);
    expect(gc.stats().marked).toBe(kept.length);
  });

  it('options: defaults, enabled: false, and bad thresholds (InvalidSizeError, nothing changed)', () => {
    const { gc } = setup({ backend, threshold: DEFAULT_THRESHOLD });
    expect(gc.getThreshold()).toBe(10_000);
    expect(gc.isEnabled()).toBe(true);
    for (const bad of [-1, 1.5, NaN, 2 ** 32, '10' as unknown as number, Infinity]) {
      expect(() => gc.setThreshold(bad)).toThrow(InvalidSizeError);
      expect(() => new MarkSweepGc({ threshold: bad })).toThrow(InvalidSizeError);
    }
    expect(gc.getThreshold()).toBe(10_000);
    expect(setup({ backend, enabled: false, threshold: 3 }).gc.isEnabled()).toBe(false);
  });

  it('automatic collections free 20,000 dropped 2-cycles as they go, with default settings', () => {
    const s = setup({ backend, threshold: DEFAULT_THRESHOLD });
    const { rt, gc, link, newNode } = s;
    for (let i = 0; i < 20_000; i++) {
      const a = newNode();
      const b = newNode();
      link(a, 0, b);
      link(b, 0, a);
      rt.decref(a);
      rt.decref(b);
    }
    // Collections at creations 10k, 20k, 30k, 40k; each one keeps the pair being built
    // (its first object is held from JS, the second is the new one), which the next frees.
    expect(gc.stats().collections).toBe(4);
    expect(gc.stats().totalCollected).toBe(40_000 - 2);
    expect(s.live()).toBe(2);
    expect(rt.collect().collected).toBe(2);
    expect(gc.stats().lastPauseMs).toBeGreaterThan(0);
  });
});
