import Table from 'cli-table3';
import pc from 'picocolors';
import type { PhaseResult, RuntimeResult, RuntimeSettings, RuntimeWorkloadInfo } from '../results.js';
import { formatBytes, formatCount, formatNs, formatPercent, formatRatio } from './format.js';

/*
 * Rendering only: the `objects` table, contenders side by side. One row per
 * workload phase; for each contender its ns per op (± relative MAD), then
 * each other contender's time relative to the first, ops per second and the
 * peak heap (on the workload's first row).
 */

/** Ops per second as k / M / G with three significant digits. */
const KILO = 1e3;
const MEGA = 1e6;
const GIGA = 1e9;

export function formatRate(perSecond: number): string {
  if (perSecond >= GIGA) return `${(perSecond / GIGA).toPrecision(3)} G`;
  if (perSecond >= MEGA) return `${(perSecond / MEGA).toPrecision(3)} M`;
  if (perSecond >= KILO) return `${(perSecond / KILO).toPrecision(3)} k`;
  return perSecond.toFixed(0);
}

/** The heading line of an objects run. */
export function runtimeHeading(settings: Pick<RuntimeSettings, 'heap' | 'checks' | 'warmup' | 'runs' | 'scale'>): string {
  const scale = settings.scale === 1 ? '' : `, --scale ${settings.scale}`;
  return (
    `objects · runtime over each allocator — heap ${settings.heap}, runtime checks ${settings.checks ? 'on' : 'off'}${scale}; ` +
    `median of ${settings.runs} timed runs after ${settings.warmup} warm-up(s)`
  );
}

/** The table of an objects run: contenders in the order of their first appearance, the first one the baseline. */
export function renderRuntimeTable(workloads: readonly RuntimeWorkloadInfo[], results: readonly RuntimeResult[], color: boolean): string {
  const c = pc.createColors(color);
  const contenders = [...new Set(results.map((r) => r.contender))];
  const [base, ...others] = contenders;
  const head = [
    'workload',
    'ops/run',
    ...contenders.map((name) => `${name} ns/op`),
    ...others.map((name) => `${name}/${base}`),
    ...contenders.map((name) => `${name} ops/s`),
    ...contenders.map((name) => `${name} peak heap`),
  ];
  const table = new Table({
    head: head.map((h) => c.bold(h)),
    style: { head: [], border: [] },
    colAligns: ['left', ...head.slice(1).map(() => 'right' as const)],
  });
  for (const w of workloads) {
    const rows = contenders.map((name) => results.find((r) => r.workload === w.name && r.contender === name));
    w.phases.forEach((p, i) => {
      const phases = rows.map((r) => r?.phases[i]);
      table.push([
        rowLabel(w, i),
        `${formatCount(p.ops)} ${p.ops === 1 ? w.unit : `${w.unit}s`}`,
        ...rows.map((r, k) => nsCell(r, phases[k], c)),
        ...others.map((_name, k) => ratioCell(phases[k + 1], phases[0])),
        ...phases.map((p) => rateCell(p)),
        ...rows.map((r) => (i === 0 ? peakCell(r) : '')),
      ]);
    });
  }
  return table.toString();
}

/** What the columns mean, under the table. */
export function runtimeLegend(contenders: readonly string[]): string {
  const [base, ...others] = contenders;
  const columns = others.map((name) => `${name}/${base}`).join(', ');
  const ratio = others.length > 0 ? ` ${columns}: ns/op over ${base}'s (above 1.00: slower than ${base}).` : '';
  return (
    `ns/op: median over the timed runs (±: median absolute deviation / median).${ratio} ops/s = 1e9 / ns per op.\n` +
    '*: the phase a workload reports as its nsPerOp. peak heap: heap.peakByteLength after the first run on a fresh runtime\n' +
    '(the built-in types and their singletons included).'
  );
}

/** Lines explaining cut or failed series, one per result with a note. */
export function renderRuntimeNotes(results: readonly RuntimeResult[]): string[] {
  return results.filter((r) => r.note !== undefined).map((r) => `  ${r.workload} · ${r.contender} (${r.status}): ${r.note}`);
}

function rowLabel(w: RuntimeWorkloadInfo, phase: number): string {
  if (w.phases.length === 1) return w.name;
  const name = w.phases[phase].phase;
  return `${w.name} · ${name}${name === w.headline ? ' *' : ''}`;
}

function nsCell(r: RuntimeResult | undefined, p: PhaseResult | undefined, c: ReturnType<typeof pc.createColors>): string {
  if (!r || !p) return '—';
  if (p.nsPerOp !== null) return `${c.bold(formatNs(p.nsPerOp))} ±${formatPercent(p.spread?.rmad ?? 0)}`;
  if (r.status === 'skipped') return c.dim('skipped');
  return r.status === 'timeout' ? c.yellow('timeout') : c.red('error');
}

function ratioCell(p: PhaseResult | undefined, base: PhaseResult | undefined): string {
  if (!p || !base || p.nsPerOp === null || base.nsPerOp === null || base.nsPerOp <= 0) return '—';
  return formatRatio(p.nsPerOp / base.nsPerOp);
}

function rateCell(p: PhaseResult | undefined): string {
  return p && p.nsPerOp !== null && p.nsPerOp > 0 ? formatRate(GIGA / p.nsPerOp) : '—';
}

function peakCell(r: RuntimeResult | undefined): string {
  return r && r.peakHeapBytes !== null ? formatBytes(r.peakHeapBytes) : '—';
}
