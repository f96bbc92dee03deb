import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatNs,
  formatRatio,
  referenceLine,
  renderAllocTable,
  renderNotes,
  renderReport,
  RESULTS_SCHEMA,
  machineInfo,
  noiseInfo,
  type AllocResult,
  type BenchResults,
} from '../src/index.js';

function result(contender: string, ns: number | null, extra: Partial<AllocResult> = {}): AllocResult {
  return {
    workload: 'w',
    contender,
    heap: 'wasm',
    status: ns === null ? 'timeout' : 'ok',
    nsPerEvent: ns,
    peakReservedBytes: 2 * 1024 * 1024,
    peakLiveBytes: 1024 * 1024,
    runs: ns === null ? 0 : 3,
    runsNs: ns === null ? [] : [ns, ns, ns],
    spread: ns === null ? null : { min: ns, max: ns, rmad: 0 },
    warmup: 1,
    replaysPerRun: 1,
    events: 1000,
    ...extra,
  };
}

/** The cells of the table's row for `contender` (cli-table3 draws │ between cells). */
function row(table: string, contender: string): string[] {
  const line = table.split('\n').find((l) => l.includes(`│ ${contender} `))!;
  return line
    .split('│')
    .slice(1, -1)
    .map((c) => c.trim());
}

describe('renderAllocTable', () => {
  const rows = [
    result('pool', 20, { replaysPerRun: 8 }),
    result('tlsf', 40),
    result('native', 400, { heap: 'js', peakReservedBytes: 5 * 1024 * 1024 }),
  ];
  const table = renderAllocTable(rows, { color: false });

  it('has the documented columns, both baselines present', () => {
    for (const h of ['contender', 'heap', 'ns/event', 'spread', 'runs × replays', '× native', 'time vs pool', 'peak reserved', 'peak live', 'reserved/live']) {
      expect(table).toContain(h);
    }
  });

  it('computes speed-up over native and time relative to pool', () => {
    expect(row(table, 'pool')).toEqual(['pool', 'wasm', '20.0', '±0.0% (20.0–20.0)', '3 × 8', '20.0×', '1.00', '2.00 MiB', '1.00 MiB', '2.00']);
    expect(row(table, 'tlsf').slice(4, 7)).toEqual(['3', '10.0×', '2.00']);
    expect(row(table, 'native').slice(5, 10)).toEqual(['1.00×', '20.0', '5.00 MiB', '1.00 MiB', '5.00']);
  });

  it('leaves out a baseline column whose contender did not run or has no time', () => {
    const t = renderAllocTable([result('tlsf', 40), result('pool', null)], { color: false });
    expect(t).not.toContain('time vs pool');
    expect(t).not.toContain('× native');
    expect(row(t, 'pool').slice(2, 5)).toEqual(['timeout', '—', '0']);
  });

  it('adds a vs cpython column when cpython ran, and shows a skipped cpython without it', () => {
    const withCpython = renderAllocTable([result('pool', 30), result('cpython', 20, { heap: 'pymalloc' })], { color: false });
    expect(withCpython).toContain('vs cpython');
    // pool: time vs pool 1.00, vs cpython 30 / 20
    expect(row(withCpython, 'pool').slice(5, 7)).toEqual(['1.00', '1.50']);
    expect(row(withCpython, 'cpython').slice(0, 7)).toEqual(['cpython', 'pymalloc', '20.0', '±0.0% (20.0–20.0)', '3', '0.67', '1.00']);
    const skipped = result('cpython', null, { status: 'skipped', heap: 'pymalloc', peakReservedBytes: null, replaysPerRun: 0, note: 'no cc' });
    const without = renderAllocTable([result('pool', 30), skipped], { color: false });
    expect(without).not.toContain('vs cpython');
    expect(row(without, 'cpython').slice(0, 6)).toEqual(['cpython', 'pymalloc', 'skipped', '—', '0', '—']);
    expect(renderNotes([skipped])).toEqual(['  cpython (skipped): no cc']);
  });

  it('lists notes of cut or failed series', () => {
    expect(renderNotes([result('thing', 5, { note: '1 of 7 timed runs' }), result('pool', 1)])).toEqual(['  thing (ok): 1 of 7 timed runs']);
  });
});

describe('renderReport', () => {
  it('prints a heading and table per workload, then the CPython reference line', () => {
    const results: BenchResults = {
      schema: RESULTS_SCHEMA,
      command: 'alloc',
      createdAt: new Date(0).toISOString(),
      machine: machineInfo(),
      noise: noiseInfo([], 0),
      settings: { heap: 'wasm', warmup: 1, runs: 3, budgetSeconds: 30, timeoutSeconds: 60, scale: 1 },
      workloads: [
        { name: 'a', source: 'a.pymtrace', events: 12345, peakLiveBytes: 2048, peakLiveBlocks: 7 },
        { name: 'b', source: 'b.pymtrace', events: 10, peakLiveBytes: 10, peakLiveBlocks: 1 },
      ],
      results: [result('pool', 1, { workload: 'a' }), result('pool', 2, { workload: 'b' })],
    };
    const text = renderReport(results, false);
    expect(text).toContain('alloc · a — 12,345 events, peak live 2.00 KiB in 7 blocks');
    expect(text).toContain('alloc · b — 10 events');
    expect(text.indexOf('alloc · a')).toBeLessThan(text.indexOf('alloc · b'));
    expect(text.trimEnd().split('\n').at(-1)).toBe(referenceLine());
  });
});

describe('reference line', () => {
  it('carries the CPython 3.11 figures for the three shipped traces and says they are not measured', () => {
    const line = referenceLine();
    expect(line).toMatch(/not measured in this run/);
    for (const s of ['startup 16.5 ns/event, reserved/live 1.19', 'test_gc 10.5 ns/event, reserved/live 1.11', 'etree 13.1 ns/event, reserved/live 1.12']) {
      expect(line).toContain(s);
    }
  });
});

describe('formatting', () => {
  it('formats bytes, ns and ratios', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(4874323)).toBe('4.65 MiB');
    expect(formatBytes(3 * 2 ** 30)).toBe('3.00 GiB');
    expect(formatNs(3.14159)).toBe('3.14');
    expect(formatNs(16.5)).toBe('16.5');
    expect(formatNs(52607.4)).toBe('52,607');
    expect(formatRatio(0.0044)).toBe('0.0044');
    expect(formatRatio(1.234)).toBe('1.23');
    expect(formatRatio(21.34)).toBe('21.3');
    expect(formatRatio(1234.5)).toBe('1,235');
  });
});
