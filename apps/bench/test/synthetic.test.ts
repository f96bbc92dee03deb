import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPool, type PoolStats } from '@pymem/pool';
import { OP_FREE, OP_MALLOC, OP_REALLOC, readTrace, replayChecked, traceStats, type Trace } from '@pymem/trace';
import { describe, expect, it } from 'vitest';
import {
  bundledTracesDir,
  larson,
  listCapacity,
  mixedSizes,
  poolFragmentation,
  reallocGrowth,
  resolveAllocOptions,
  resolveWorkloads,
  sameSizeChurn,
  syntheticEvents,
  MIN_SYNTHETIC_EVENTS,
  memoryProfile,
  loadWorkload,
} from '../src/index.js';

/*
 * The synthetic alloc workloads: valid traces (traceStats walks them with a
 * model of live ids and throws on a free of a dead one), deterministic, of
 * the asked length, and each with the shape it promises.
 */

const N = 20_000;
const startup = traceStats(readTrace(readFileSync(join(bundledTracesDir(), 'startup.pymtrace')), 'startup'));

const all = (): Trace[] => [sameSizeChurn(N), mixedSizes(N, startup), reallocGrowth(N), larson(N)];

describe('synthetic workloads', () => {
  it('are valid traces of the asked length, the same for the same seed, and leave blocks live', () => {
    for (const t of all()) {
      const stats = traceStats(t);
      expect(t.nevents).toBeGreaterThan(N - 3);
      expect(t.nevents).toBeLessThanOrEqual(N);
      expect(stats.liveAtEnd).toBeGreaterThan(0);
      expect(t.nids).toBeLessThan(N / 2);
    }
    expect(all()).toEqual(all());
    expect(sameSizeChurn(N, 9).ids).not.toEqual(sameSizeChurn(N, 10).ids);
  });

  it('replay on the pool with every block checked', () => {
    for (const t of all()) {
      const report = replayChecked(createPool({ backend: 'wasm' }), t, { checkEvery: 5000 });
      expect(report.events).toBe(t.nevents);
    }
  });

  it('same_size_churn asks for one size; mixed_sizes follows the startup histogram', () => {
    const churn = sameSizeChurn(N);
    expect(new Set(Array.from(churn.sizes.filter((_, i) => churn.ops[i] === OP_MALLOC)))).toEqual(new Set([64]));
    const mixed = traceStats(mixedSizes(100_000, startup));
    const requests = (s: typeof startup): number => s.mallocs + s.callocs + s.reallocs;
    for (let c = 0; c < 32; c++) {
      const want = startup.sizeClassCounts[c] / requests(startup);
      expect(Math.abs(mixed.sizeClassCounts[c] / requests(mixed) - want)).toBeLessThan(0.01);
    }
    expect(Math.abs(mixed.size0 / requests(mixed) - startup.size0 / requests(startup))).toBeLessThan(0.01);
  });

  it('realloc_growth grows each list by the list_resize rule', () => {
    // CPython: 0 -> 4 -> 8 -> 16 -> 24 -> 32 -> 40 -> 52 -> 64 -> 76 items.
    const caps: number[] = [];
    for (let n = 1, cap = 0; n <= 70; n++) if (n > cap) caps.push((cap = listCapacity(n, cap)));
    expect(caps).toEqual([4, 8, 16, 24, 32, 40, 52, 64, 76]);
    const t = reallocGrowth(N);
    const last = new Map<number, number>();
    let reallocs = 0;
    for (let i = 0; i < t.nevents; i++) {
      if (t.ops[i] === OP_MALLOC) last.set(t.ids[i], t.sizes[i]);
      if (t.ops[i] === OP_REALLOC) {
        reallocs++;
        const before = last.get(t.ids[i])! / 8;
        expect(t.sizes[i] / 8).toBe(listCapacity(before + 1, before));
        last.set(t.ids[i], t.sizes[i]);
      }
    }
    expect(reallocs).toBeGreaterThan(t.nevents / 2);
  });

  it('larson frees every block from the slot after the one that allocated it', () => {
    const t = larson(N);
    // Round robin over 4 slots: the k-th malloc is slot k % 4's; its block goes to slot k % 4 + 1.
    const owner = new Map<number, number>();
    let step = -1;
    for (let i = 0; i < t.nevents; i++) {
      if (t.ops[i] === OP_MALLOC) owner.set(t.ids[i], ++step % 4);
      else if (t.ops[i] === OP_FREE) expect(owner.get(t.ids[i])).toBe((step + 3) % 4);
    }
  });

  it('scale with --scale (never below the minimum) and resolve by name or kind', () => {
    expect(syntheticEvents(1)).toBe(200_000);
    expect(syntheticEvents(0.000001)).toBe(MIN_SYNTHETIC_EVENTS);
    expect(resolveAllocOptions({ workloads: ['synthetic'] }).traces).toEqual(['same_size_churn', 'mixed_sizes', 'realloc_growth', 'larson']);
    expect(resolveAllocOptions({ workloads: ['trace', 'larson'], trace: ['x.pymtrace'] }).traces).toEqual(['x.pymtrace', 'startup', 'larson']);
    expect(resolveAllocOptions({}).traces).toEqual(['startup', 'same_size_churn', 'mixed_sizes', 'realloc_growth', 'larson']);
    expect(() => resolveAllocOptions({ workloads: ['nope'] })).toThrow(/unknown alloc workload\(s\) "nope"/);
    const [w] = resolveWorkloads(['larson'], 0.05);
    expect(w.load().nevents).toBeGreaterThanOrEqual(10_000 - 2);
  });
});

describe('memory profile', () => {
  it('samples reserved >= allocated >= requested bytes and reads the pool’s size classes', () => {
    const [spec] = resolveWorkloads(['mixed_sizes'], 0.05);
    const workload = loadWorkload(spec);
    const profile = memoryProfile(workload, ['pool', 'thing', 'tlsf'], 'wasm')!;
    expect(profile.series.map((s) => s.contender)).toEqual(['pool', 'tlsf']);
    for (const s of profile.series) {
      expect(s.events.at(-1)).toBe(workload.trace.nevents);
      for (let i = 0; i < s.events.length; i++) {
        expect(s.reservedBytes[i]).toBeGreaterThanOrEqual(s.allocatedBytes[i]);
        expect(s.allocatedBytes[i]).toBeGreaterThanOrEqual(s.liveBytes[i]);
      }
    }
    const live = profile.fragmentation!.reduce((a, c) => a + c.blocksInUse, 0);
    expect(live).toBeGreaterThan(0);
    expect(memoryProfile(workload, ['native'], 'wasm')).toBeNull();
  });

  it('computes the free fraction per class, null for a class without pools', () => {
    const stats = { sizeClasses: [{ sizeClass: 0, blockSize: 16, pools: 2, blocksInUse: 300, availableBlocks: 100 }, { sizeClass: 1, blockSize: 32, pools: 0, blocksInUse: 0, availableBlocks: 0 }] } as unknown as PoolStats;
    expect(poolFragmentation(stats)).toEqual([
      { sizeClass: 0, blockSize: 16, pools: 2, blocksInUse: 300, freeBlocks: 100, freeFraction: 0.25 },
      { sizeClass: 1, blockSize: 32, pools: 0, blocksInUse: 0, freeBlocks: 0, freeFraction: null },
    ]);
  });
});
