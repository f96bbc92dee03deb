import { describe, expect, it } from 'vitest';
import {
  DEFAULTS,
  formatDuration,
  gcHeading,
  machineInfo,
  noiseInfo,
  renderGcNotes,
  renderGcReport,
  resolveGcOptions,
  RESULTS_SCHEMA,
  UsageError,
  type GcBenchResults,
  type GcResult,
  type GcSettings,
  type GcWorkloadInfo,
} from '../src/index.js';

/*
 * The gc report from hand-made results: one table per workload, the
 * contenders as rows with ns per edge and per object and the ratio to
 * cpython, failed and skipped series shown as such. And gc's options.
 */

const settings: GcSettings = { heap: 'shared', checks: false, scale: 1, warmup: 1, runs: 3, budgetSeconds: 30, timeoutSeconds: 60, allocator: 'pool' };

const workloads: GcWorkloadInfo[] = [
  { name: 'gc_traversal', summary: '', size: 1000, phases: ['touch', 'collect'], collectPhase: 'collect' },
  { name: 'gc_collect', summary: '', size: 100, phases: ['build', 'collect', 'teardown'], collectPhase: 'collect' },
];

function result(workload: string, contender: string, collectNs: number | null, shape: [number, number, number], extra: Partial<GcResult> = {}): GcResult {
  const [objects, edges, collected] = shape;
  return {
    workload,
    contender,
    collectNs,
    objects,
    edges,
    collected,
    mad: collectNs === null ? null : 0,
    runs: collectNs === null ? 0 : 3,
    nsPerEdge: collectNs === null ? null : collectNs / edges,
    nsPerObject: collectNs === null ? null : collectNs / objects,
    vsCpython: null,
    totalNs: collectNs === null ? null : collectNs * 2,
    collections: 1,
    status: collectNs === null ? 'error' : 'ok',
    runsNs: collectNs === null ? [] : [collectNs, collectNs, collectNs],
    spread: collectNs === null ? null : { min: collectNs, max: collectNs, rmad: 0.05 },
    warmup: 1,
    replaysPerRun: 1,
    heap: 'shared',
    allocator: 'pool',
    size: 1,
    phases: [],
    check: null,
    ...extra,
  };
}

const traversal: [number, number, number] = [1000, 499_500, 0];
const rings: [number, number, number] = [2100, 4200, 2100];

const results: GcBenchResults = {
  schema: RESULTS_SCHEMA,
  command: 'gc',
  createdAt: '2025-01-01T00:00:00.000Z',
  machine: machineInfo(),
  noise: noiseInfo([], 0),
  settings,
  workloads,
  python: { status: 'ok', command: 'python3', version: '3.13.1' },
  results: [
    result('gc_traversal', 'generational', 2_997_000, traversal, { vsCpython: 1.1 }),
    result('gc_traversal', 'mark-sweep', null, traversal, { note: 'error: RangeError: boom' }),
    result('gc_traversal', 'cpython', 2_747_250, traversal, { vsCpython: 1 }),
    result('gc_collect', 'none', 400, [2100, 4200, 0]),
    result('gc_collect', 'cpython', null, rings, { status: 'skipped', note: 'python3 not found', objects: null, edges: null, collected: null }),
  ],
};

describe('gc report', () => {
  it('puts each workload in its own table, contenders as rows, with per-edge and per-object figures', () => {
    const text = renderGcReport(results, false);
    expect(text).toContain('gc · one full collection per strategy — allocator pool, heap shared, runtime checks off; cpython: Python 3.13.1; median of 3 timed runs after 1 warm-up(s)');
    expect(text).toContain('gc_traversal — size 1,000: 1,000 objects, 499,500 edges');
    expect(text).toContain('gc_collect — size 100: 2,100 objects, 4,200 edges');
    const row = (name: string, after: string) => text.slice(text.indexOf(after)).split('\n').find((line) => line.startsWith(`│ ${name} `))!;
    // 2,997,000 ns / 499,500 edges = 6.00 ns/edge; / 1,000 objects = 2,997 ns/object.
    expect(row('generational', 'gc_traversal')).toMatch(/│\s+3\.00 ms ±5\.0% │\s+6\.00 │\s+2,997 │\s+1\.10 │\s+0 │\s+1 │\s+5\.99 ms │/);
    expect(row('mark-sweep', 'gc_traversal')).toMatch(/│\s+error │\s+— │\s+— │\s+— │/);
    expect(row('cpython', 'gc_traversal')).toMatch(/│\s+2\.75 ms ±5\.0% │\s+5\.50 │/);
    expect(row('none', 'gc_collect')).toMatch(/│\s+400 ns ±5\.0% │\s+0\.10 │\s+0\.19 │\s+— │\s+0 │/);
    expect(row('cpython', 'gc_collect')).toMatch(/│\s+skipped │\s+— │\s+— │\s+— │\s+— │/);
    expect(text).toContain('  gc_traversal · mark-sweep (error): error: RangeError: boom');
    expect(text).toContain('  gc_collect · cpython (skipped): python3 not found');
    expect(text).toContain('ns/edge, ns/object');
  });

  it('leaves the cpython version and --scale out or in as they apply', () => {
    expect(gcHeading({ ...settings, scale: 0.1 }, { status: 'skipped', note: 'no python' })).toBe(
      'gc · one full collection per strategy — allocator pool, heap shared, runtime checks off, --scale 0.1; median of 3 timed runs after 1 warm-up(s)',
    );
    expect(renderGcNotes([result('gc_collect', 'none', 1, rings)])).toEqual([]);
  });

  it('formats durations with three significant digits', () => {
    expect([formatDuration(412), formatDuration(4_120), formatDuration(41_200_000), formatDuration(1_234_000_000)]).toEqual(['412 ns', '4.12 µs', '41.2 ms', '1.23 s']);
  });
});

describe('gc options', () => {
  it('default to every workload and contender over pool, checks off', () => {
    const o = resolveGcOptions({});
    expect(o.workloads).toEqual(['gc_collect', 'gc_traversal', 'binary_trees']);
    expect(o.strategies).toEqual(['none', 'generational', 'trial-deletion', 'mark-sweep', 'cpython']);
    expect(o.settings).toMatchObject({ allocator: 'pool', checks: false, scale: 1, warmup: DEFAULTS.gcWarmup, runs: 7, heap: 'shared' });
    expect(resolveGcOptions({ quick: true, allocator: 'tlsf' }).settings).toMatchObject({ warmup: DEFAULTS.gcQuickWarmup, runs: 3, allocator: 'tlsf' });
  });

  it.each([
    [{ strategies: [] }, '--strategies needs at least one name'],
    [{ workloads: [] }, '--workloads needs at least one name'],
    [{ allocator: 'native' }, '--allocator must be one of pool, pool-unchecked, tlsf; got "native"'],
    [{ runs: '0' }, '--runs must be an integer >= 1; got "0"'],
  ])('refuse %j', (raw, message) => {
    expect(() => resolveGcOptions(raw)).toThrow(UsageError);
    expect(() => resolveGcOptions(raw)).toThrow(message);
  });
});
