import { describe, expect, it } from 'vitest';
import {
  formatRate,
  renderObjectsReport,
  renderRuntimeNotes,
  renderRuntimeTable,
  runtimeHeading,
  RESULTS_SCHEMA,
  machineInfo,
  noiseInfo,
  type PhaseResult,
  type RuntimeBenchResults,
  type RuntimeResult,
  type RuntimeSettings,
  type RuntimeWorkloadInfo,
} from '../src/index.js';

/*
 * The objects table from hand-made results: contenders side by side, the
 * ratio to the first contender, ops/s, peak heap once per workload, and
 * failed series shown as such.
 */

const settings: RuntimeSettings = { heap: 'shared', checks: false, scale: 1, warmup: 1, runs: 3, budgetSeconds: 30, timeoutSeconds: 60 };

const workloads: RuntimeWorkloadInfo[] = [
  { name: 'churn', summary: '', unit: 'object', size: 100, phases: [{ phase: 'churn', ops: 100 }], headline: 'churn' },
  {
    name: 'deep_chain',
    summary: '',
    unit: 'object',
    size: 10,
    phases: [
      { phase: 'build', ops: 20 },
      { phase: 'dealloc', ops: 20 },
    ],
    headline: 'dealloc',
  },
];

function phase(name: string, ns: number | null, ops: number): PhaseResult {
  return {
    phase: name,
    nsPerOp: ns,
    mad: ns === null ? null : 0,
    ops,
    runsNs: ns === null ? [] : [ns, ns, ns],
    spread: ns === null ? null : { min: ns, max: ns, rmad: 0.05 },
  };
}

function result(workload: RuntimeWorkloadInfo, contender: string, ns: (number | null)[], peak: number | null, extra: Partial<RuntimeResult> = {}): RuntimeResult {
  const phases = workload.phases.map((p, i) => phase(p.phase, ns[i], p.ops));
  const head = phases.find((p) => p.phase === workload.headline)!;
  return {
    workload: workload.name,
    contender,
    nsPerOp: head.nsPerOp,
    mad: head.mad,
    ops: head.ops,
    peakHeapBytes: peak,
    phase: head.phase,
    unit: workload.unit,
    opsPerSecond: head.nsPerOp === null ? null : 1e9 / head.nsPerOp,
    runs: head.nsPerOp === null ? 0 : 3,
    heap: 'shared',
    checks: false,
    status: head.nsPerOp === null ? 'error' : 'ok',
    runsNs: head.runsNs,
    spread: head.spread,
    warmup: 1,
    replaysPerRun: 1,
    size: workload.size,
    phases,
    check: null,
    ...extra,
  };
}

const [churn, chain] = workloads;
const results = [
  result(churn, 'pool', [50], 1024 * 1024),
  result(churn, 'tlsf', [100], 64 * 1024),
  result(chain, 'pool', [20, 10], 2 * 1024 * 1024),
  result(chain, 'tlsf', [null, null], null, { note: 'error: RuntimeError: boom' }),
];

/** The cells of the row whose first cell is `label`. */
function row(table: string, label: string): string[] {
  const line = table.split('\n').find((l) => l.startsWith(`│ ${label} `))!;
  return line
    .split('│')
    .slice(1, -1)
    .map((c) => c.trim());
}

describe('renderRuntimeTable', () => {
  const table = renderRuntimeTable(workloads, results, false);

  it('puts the contenders side by side with the ratio to the first', () => {
    expect(row(table, 'workload')).toEqual(['workload', 'ops/run', 'pool ns/op', 'tlsf ns/op', 'tlsf/pool', 'pool ops/s', 'tlsf ops/s', 'pool peak heap', 'tlsf peak heap']);
    expect(row(table, 'churn')).toEqual(['churn', '100 objects', '50.0 ±5.0%', '100.0 ±5.0%', '2.00', '20.0 M', '10.0 M', '1.00 MiB', '64.00 KiB']);
  });

  it('gives each phase a row, marks the headline, shows the peak heap once, and a failed series as error', () => {
    expect(row(table, 'deep_chain · build')).toEqual(['deep_chain · build', '20 objects', '20.0 ±5.0%', 'error', '—', '50.0 M', '—', '2.00 MiB', '—']);
    expect(row(table, 'deep_chain · dealloc *')).toEqual(['deep_chain · dealloc *', '20 objects', '10.0 ±5.0%', 'error', '—', '100 M', '—', '', '']);
    expect(renderRuntimeNotes(results)).toEqual(['  deep_chain · tlsf (error): error: RuntimeError: boom']);
  });

  it('shows a missing contender as a dash', () => {
    const only = renderRuntimeTable([churn], [results[0]], false);
    expect(row(only, 'churn')).toEqual(['churn', '100 objects', '50.0 ±5.0%', '20.0 M', '1.00 MiB']);
    const missing = renderRuntimeTable(workloads, results.slice(0, 3), false);
    expect(row(missing, 'deep_chain · build').slice(2, 5)).toEqual(['20.0 ±5.0%', '—', '—']);
  });
});

describe('objects report', () => {
  it('states the heap, the checks and the scale in its heading, and explains the columns', () => {
    expect(runtimeHeading(settings)).toBe('objects · runtime over each allocator — heap shared, runtime checks off; median of 3 timed runs after 1 warm-up(s)');
    expect(runtimeHeading({ ...settings, checks: true, scale: 0.5 })).toContain('runtime checks on, --scale 0.5;');
    const bench: RuntimeBenchResults = {
      schema: RESULTS_SCHEMA,
      command: 'objects',
      createdAt: new Date(0).toISOString(),
      machine: machineInfo(),
      noise: noiseInfo([], 0),
      settings,
      workloads,
      results,
    };
    const text = renderObjectsReport(bench, false);
    expect(text).toContain('tlsf/pool: ');
    expect(text).toContain('deep_chain · tlsf (error)');
  });

  it('formats rates with three significant digits', () => {
    expect([formatRate(999), formatRate(1234), formatRate(12_345_678), formatRate(2e9)]).toEqual(['999', '1.23 k', '12.3 M', '2.00 G']);
  });
});
