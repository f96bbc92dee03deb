import { formatPtr } from '@pymem/core';
import { describe, expect, it } from 'vitest';
import { DEBUG_COLLECTABLE, DEBUG_LEAK, DEBUG_SAVEALL, DEBUG_STATS, DEBUG_UNCOLLECTABLE } from '../src/index.js';
import { setup } from './helpers.js';

function capture(debug: number) {
  const lines: string[] = [];
  const s = setup({ debug, write: (line) => lines.push(line) });
  return { ...s, lines };
}

describe('debug flags (gc.set_debug)', () => {
  it("have CPython's values", () => {
    expect([DEBUG_STATS, DEBUG_COLLECTABLE, DEBUG_UNCOLLECTABLE, DEBUG_SAVEALL, DEBUG_LEAK]).toEqual([1, 2, 4, 32, 38]);
    const s = setup();
    s.gc.setDebug(DEBUG_LEAK);
    expect(s.gc.getDebug()).toBe(38);
  });

  it('DEBUG_STATS prints the start lines and the done line', () => {
    const s = capture(DEBUG_STATS);
    const a = s.make();
    s.link(a, 0, a);
    const b = s.make(a);
    s.link(a, 1, b);
    s.make(); // held: survives
    s.gc.collect(1);
    s.rt.decref(a);
    s.rt.decref(b);
    s.gc.freeze();
    s.gc.unfreeze();
    s.gc.collect(0);
    s.gc.collect(2);
    expect(s.lines.slice(0, 4)).toEqual([
      'gc: collecting generation 1...',
      'gc: objects in each generation: 3 0 0',
      'gc: objects in permanent generation: 0',
      expect.stringMatching(/^gc: done, 0 unreachable, 0 uncollectable, \d+\.\d{4}s elapsed$/),
    ]);
    expect(s.lines.slice(4, 8)).toEqual([
      'gc: collecting generation 0...',
      'gc: objects in each generation: 0 0 3',
      'gc: objects in permanent generation: 0',
      expect.stringMatching(/^gc: done, 0 unreachable, 0 uncollectable, \d+\.\d{4}s elapsed$/),
    ]);
    expect(s.lines[8]).toBe('gc: collecting generation 2...');
    expect(s.lines[11]).toMatch(/^gc: done, 2 unreachable, 0 uncollectable, \d+\.\d{4}s elapsed$/);
    expect(s.lines).toHaveLength(12);
  });

  it('DEBUG_COLLECTABLE prints each unreachable object with its type name and address', () => {
    const s = capture(DEBUG_COLLECTABLE);
    const a = s.make();
    const f = s.rt.newObject(s.fin);
    s.link(a, 0, f);
    s.link(f, 0, a);
    s.rt.decref(a);
    s.rt.decref(f);
    s.make();
    expect(s.gc.collect().collected).toBe(2);
    expect(s.lines).toEqual([`gc: collectable <node ${formatPtr(a)}>`, `gc: collectable <fin ${formatPtr(f)}>`]);
    expect(s.lines[0]).toMatch(/^gc: collectable <node 0x[0-9a-f]+>$/);
  });

  it('DEBUG_SAVEALL keeps the garbage in `garbage`, each entry holding a reference', () => {
    const s = capture(DEBUG_SAVEALL);
    const a = s.make();
    const b = s.make(a);
    s.link(a, 0, b);
    s.rt.decref(a);
    s.rt.decref(b);
    // CPython counts saved objects as collected (only legacy finalizers are uncollectable).
    expect(s.gc.collect()).toEqual({ collected: 2, uncollectable: 0 });
    expect(new Set(s.gc.garbage)).toEqual(new Set([a, b]));
    expect(s.rt.refcount(a)).toBe(2);
    expect(s.slot(a, 0)).toBe(b); // not cleared
    expect(s.lines).toEqual([]);
    s.gc.setDebug(0);
    s.gc.clearGarbage();
    expect(s.gc.garbage).toEqual([]);
    expect(s.rt.isObject(a)).toBe(true); // still a cycle
    expect(s.gc.collect().collected).toBe(2);
    expect(s.rt.stats().liveObjects).toBe(0);
  });

  it('DEBUG_LEAK = collectable lines + saved garbage; DEBUG_UNCOLLECTABLE never prints (no legacy finalizers)', () => {
    const s = capture(DEBUG_LEAK);
    const a = s.make();
    s.link(a, 0, a);
    s.rt.decref(a);
    s.gc.collect();
    expect(s.lines).toEqual([`gc: collectable <node ${formatPtr(a)}>`]);
    expect(s.gc.garbage).toEqual([a]);
    expect(s.gc.getStats()[2]).toEqual({ collections: 1, collected: 1, uncollectable: 0 });
  });

  it('writes to console.error by default', () => {
    const s = setup({ debug: DEBUG_STATS, write: undefined });
    const original = console.error;
    const seen: unknown[] = [];
    console.error = (...args: unknown[]) => seen.push(args.join(' '));
    try {
      s.gc.collect(0);
    } finally {
      console.error = original;
    }
    expect(seen[0]).toBe('gc: collecting generation 0...');
    expect(seen).toHaveLength(4);
  });
});
