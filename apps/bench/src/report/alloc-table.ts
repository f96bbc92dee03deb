import Table from 'cli-table3';
import pc from 'picocolors';
import { reservedPerLive, type AllocResult, type AllocSettings, type WorkloadInfo } from '../results.js';
import { formatBytes, formatCount, formatNs, formatPercent, formatRatio } from './format.js';

/*
 * Rendering only: every figure comes from AllocResult objects the runner
 * built, so a results.json can be rendered again the same way.
 */

/** A column comparing each contender's time with one named contender's. */
export interface Baseline {
  contender: string;
  header: string;
  /** speedup: baseline ns / this ns (higher is faster). relative: this ns / baseline ns (1.00 = same). */
  kind: 'speedup' | 'relative';
}

/**
 * The default comparison columns; a column is left out when its contender did
 * not run. `vs cpython` is the headline: pymem's time over CPython's own
 * pymalloc on the same machine in the same run.
 */
export const BASELINES: readonly Baseline[] = [
  { contender: 'native', header: '× native', kind: 'speedup' },
  { contender: 'pool', header: 'time vs pool', kind: 'relative' },
  { contender: 'cpython', header: 'vs cpython', kind: 'relative' },
];

export interface TableOptions {
  color: boolean;
  baselines?: readonly Baseline[];
}

/** The heading line of one workload's table. */
export function workloadHeading(w: WorkloadInfo, settings: Pick<AllocSettings, 'warmup' | 'runs'>): string {
  return (
    `alloc · ${w.name} — ${formatCount(w.events)} events, peak live ${formatBytes(w.peakLiveBytes)} ` +
    `in ${formatCount(w.peakLiveBlocks)} blocks; median of ${settings.runs} timed runs after ${settings.warmup} warm-up(s)`
  );
}

/** One workload's table: a row per contender, in the order given. */
export function renderAllocTable(results: readonly AllocResult[], options: TableOptions): string {
  const c = pc.createColors(options.color);
  const baselines = (options.baselines ?? BASELINES).filter((b) => okResult(results, b.contender));
  const head = [
    'contender',
    'heap',
    'ns/event',
    'spread ±MAD (min–max)',
    'runs × replays',
    ...baselines.map((b) => b.header),
    'peak reserved',
    'peak live',
    'reserved/live',
  ];
  const table = new Table({
    head: head.map((h) => c.bold(h)),
    style: { head: [], border: [] },
    colAligns: ['left', 'left', ...head.slice(2).map(() => 'right' as const)],
  });
  for (const r of results) {
    table.push([
      r.contender,
      r.heap,
      nsCell(r, c),
      spreadCell(r),
      r.replaysPerRun > 1 ? `${r.runs} × ${r.replaysPerRun}` : String(r.runs),
      ...baselines.map((b) => ratioCell(r, okResult(results, b.contender)!, b)),
      r.peakReservedBytes === null ? '—' : formatBytes(r.peakReservedBytes),
      formatBytes(r.peakLiveBytes),
      ratioOrDash(reservedPerLive(r)),
    ]);
  }
  return table.toString();
}

/** Lines explaining short, cut or failed series, one per result that has a note. */
export function renderNotes(results: readonly AllocResult[]): string[] {
  return results.filter((r) => r.note !== undefined).map((r) => `  ${r.contender} (${r.status}): ${r.note}`);
}

function okResult(results: readonly AllocResult[], contender: string): AllocResult | undefined {
  return results.find((r) => r.contender === contender && r.nsPerEvent !== null);
}

function nsCell(r: AllocResult, c: ReturnType<typeof pc.createColors>): string {
  if (r.nsPerEvent !== null) return c.bold(formatNs(r.nsPerEvent));
  if (r.status === 'skipped') return c.dim('skipped');
  return r.status === 'timeout' ? c.yellow('timeout') : c.red('error');
}

function spreadCell(r: AllocResult): string {
  if (!r.spread || r.nsPerEvent === null) return '—';
  return `±${formatPercent(r.spread.rmad)} (${formatNs(r.spread.min)}–${formatNs(r.spread.max)})`;
}

function ratioCell(r: AllocResult, base: AllocResult, b: Baseline): string {
  if (r.nsPerEvent === null || base.nsPerEvent === null || r.nsPerEvent <= 0) return '—';
  const ratio = b.kind === 'speedup' ? base.nsPerEvent / r.nsPerEvent : r.nsPerEvent / base.nsPerEvent;
  return b.kind === 'speedup' ? `${formatRatio(ratio)}×` : formatRatio(ratio);
}

function ratioOrDash(r: number | null): string {
  return r === null ? '—' : formatRatio(r);
}
