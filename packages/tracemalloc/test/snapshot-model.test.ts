import type { Allocator } from '@pymem/core';
import { createPool } from '@pymem/pool';
import { assertProperty } from '@pymem/testing';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Snapshot, createTracemalloc, type KeyType, type Snapshot as SnapshotT } from '../src/index.js';
import { relay1, relay2, type Site } from './relay.js';
import { allocA1, allocA2 } from './site-a.js';
import { allocB1 } from './site-b.js';
import { fileOf, lineOf } from './where.js';

/** Each site with the file and line the model expects for it. */
const SITES: { fn: Site; file: string; line: number }[] = [
  { fn: allocA1, file: fileOf('site-a.ts'), line: lineOf('site-a.ts', '@site-a1') },
  { fn: allocA2, file: fileOf('site-a.ts'), line: lineOf('site-a.ts', '@site-a2') },
  { fn: allocB1, file: fileOf('site-b.ts'), line: lineOf('site-b.ts', '@site-b1') },
];
const RELAYS = [
  { fn: relay1, file: fileOf('relay.ts'), line: lineOf('relay.ts', '@relay-1') },
  { fn: relay2, file: fileOf('relay.ts'), line: lineOf('relay.ts', '@relay-2') },
];

type Op = { kind: 'alloc'; site: number; relay: number; size: number } | { kind: 'free'; pick: number } | { kind: 'snap' };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('alloc' as const), site: fc.nat(2), relay: fc.nat(1), size: fc.integer({ min: 0, max: 700 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('free' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('snap' as const)}) },
);

interface Live { site: number; relay: number; size: number }
type Model = Map<number, Live>;

/** Model statistics: key string -> [size, count], keyed as the Statistic prints its traceback. */
function modelGroups(model: Model, key: KeyType, cumulative: boolean): Map<string, [number, number]> {
  const groups = new Map<string, [number, number]>();
  const add = (k: string, size: number) => {
    const g = groups.get(k) ?? [0, 0];
    g[0] += size;
    g[1] += 1;
    groups.set(k, g);
  };
  for (const live of model.values()) {
    const s = SITES[live.site];
    const r = RELAYS[live.relay];
    if (key === 'traceback') add(`${r.file}:${r.line}\n${s.file}:${s.line}`, live.size);
    else if (!cumulative) add(key === 'lineno' ? `${s.file}:${s.line}` : `${s.file}:0`, live.size);
    else for (const f of [s, r]) add(key === 'lineno' ? `${f.file}:${f.line}` : `${f.file}:0`, live.size);
  }
  return groups;
}

/** Independent model of CPython's order: tuples compared field by field, reversed. */
function modelOrder(a: (number | string)[], b: (number | string)[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? 1 : -1;
  return 0;
}

function check(snap: SnapshotT, model: Model, key: KeyType, cumulative: boolean): void {
  const stats = snap.statistics(key, cumulative);
  const got = new Map(stats.map((s) => [s.traceback.key, [s.size, s.count] as [number, number]]));
  expect(got).toEqual(modelGroups(model, key, cumulative));
  const sortKey = (s: (typeof stats)[number]) => [s.size, s.count, ...s.traceback.frames.flatMap((f) => [f.filename, f.lineno])];
  const sorted = [...stats].sort((x, y) => modelOrder(sortKey(x), sortKey(y)));
  expect(stats).toEqual(sorted);
}

function run(ops: Op[], a: Allocator, model: Model, onSnap: () => void): void {
  for (const op of ops) {
    if (op.kind === 'alloc') {
      const ptr = RELAYS[op.relay].fn(SITES[op.site].fn, a, op.size);
      model.set(ptr, { site: op.site, relay: op.relay, size: op.size });
    } else if (op.kind === 'free' && model.size > 0) {
      const ptr = [...model.keys()][op.pick % model.size];
      a.free(ptr);
      model.delete(ptr);
    } else if (op.kind === 'snap') {
      onSnap();
    }
  }
}

describe('snapshot statistics and diffs against a model', () => {
  test('statistics by filename, lineno, traceback (cumulative too) and compareTo', () => {
    assertProperty(
      fc.property(fc.array(opArb, { maxLength: 80 }), fc.array(opArb, { maxLength: 80 }), (first, second) => {
        const tm = createTracemalloc();
        const a = tm.wrap(createPool());
        tm.start(2);
        const model: Model = new Map();
        run(first, a, model, () => check(tm.takeSnapshot(), model, 'lineno', false));
        const old = tm.takeSnapshot();
        const oldModel = new Map(model);
        run(second, a, model, () => undefined);
        const now = tm.takeSnapshot();
        const cases: [KeyType, boolean][] = [['filename', false], ['lineno', false], ['traceback', false], ['lineno', true], ['filename', true]];
        for (const [key, cumulative] of cases) {
          check(now, model, key, cumulative);
          const diffs = now.compareTo(old, key, cumulative);
          const before = modelGroups(oldModel, key, cumulative);
          const after = modelGroups(model, key, cumulative);
          const want = new Map<string, number[]>();
          for (const [k, [size, count]] of after) {
            const [s0, c0] = before.get(k) ?? [0, 0];
            want.set(k, [size, size - s0, count, count - c0]);
          }
          for (const [k, [s0, c0]] of before) if (!after.has(k)) want.set(k, [0, -s0, 0, -c0]);
          expect(new Map(diffs.map((d) => [d.traceback.key, [d.size, d.sizeDiff, d.count, d.countDiff]]))).toEqual(want);
          const sortKey = (d: (typeof diffs)[number]) => [
            Math.abs(d.sizeDiff), d.size, Math.abs(d.countDiff), d.count, ...d.traceback.frames.flatMap((f) => [f.filename, f.lineno]),
          ];
          expect(diffs).toEqual([...diffs].sort((x, y) => modelOrder(sortKey(x), sortKey(y))));
        }
        const [current] = tm.getTracedMemory();
        expect(current).toBe([...model.values()].reduce((s, l) => s + l.size, 0));
        // dump/load keeps every statistic.
        const loaded = Snapshot.load(now.dump());
        expect(loaded.statistics('traceback').map(String)).toEqual(now.statistics('traceback').map(String));
        a.checkHeap();
      }),
      { numRuns: 60 },
    );
  });

  test('bad key types (CPython ValueError messages)', () => {
    const tm = createTracemalloc();
    tm.start();
    const snap = tm.takeSnapshot();
    expect(() => snap.statistics('traceback', true)).toThrow("cumulative mode cannot by used with key type 'traceback'");
    expect(() => snap.statistics('line' as KeyType)).toThrow("unknown key_type: 'line'");
    expect(() => snap.compareTo(snap, 'traceback', true)).toThrow(RangeError);
  });
});
