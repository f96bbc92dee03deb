import Table from 'cli-table3';
import pc from 'picocolors';
import type { GcResult, GcSettings, GcWorkloadInfo, PythonInfo } from '../results.js';
import { formatCount, formatNs, formatPercent, formatRatio } from './format.js';

/*
 * Rendering only: the `gc` report. One table per workload, one row per
 * contender (the strategies, then cpython), so the strategies sit side by
 * side with CPython's own collector on the same shape:
 *
 * ```
 *   gc_traversal — size 1,000: 1,000 objects, 499,500 edges
 *   contender | collection ±MAD | ns/edge | ns/object | vs cpython | collected | collections/run | run total
 * ```
 */

const NS_PER_US = 1e3;
const NS_PER_MS = 1e6;
const NS_PER_S = 1e9;

/** A duration in ns as ns / µs / ms / s with three significant digits. */
export function formatDuration(ns: number): string {
  if (ns >= NS_PER_S) return `${(ns / NS_PER_S).toPrecision(3)} s`;
  if (ns >= NS_PER_MS) return `${(ns / NS_PER_MS).toPrecision(3)} ms`;
  if (ns >= NS_PER_US) return `${(ns / NS_PER_US).toPrecision(3)} µs`;
  return `${ns.toFixed(0)} ns`;
}

/** The heading line of a gc run. */
export function gcHeading(settings: Pick<GcSettings, 'heap' | 'allocator' | 'warmup' | 'runs' | 'scale'>, python: PythonInfo): string {
  const scale = settings.scale === 1 ? '' : `, --scale ${settings.scale}`;
  const cpython = python.status === 'ok' ? `; cpython: Python ${python.version}` : '';
  return (
    `gc · one full collection per strategy — allocator ${settings.allocator}, heap ${settings.heap}, runtime checks off${scale}${cpython}; ` +
    `median of ${settings.runs} timed runs after ${settings.warmup} warm-up(s)`
  );
}

/** One table per workload, in the order run. */
export function renderGcTables(workloads: readonly GcWorkloadInfo[], results: readonly GcResult[], color: boolean): string {
  return workloads.map((w) => renderWorkload(w, results.filter((r) => r.workload === w.name), color)).join('\n');
}

function renderWorkload(w: GcWorkloadInfo, rows: readonly GcResult[], color: boolean): string {
  const c = pc.createColors(color);
  const head = ['contender', `${w.collectPhase} ±MAD`, 'ns/edge', 'ns/object', 'vs cpython', 'collected', 'collections/run', 'run total'];
  const table = new Table({
    head: head.map((h) => c.bold(h)),
    style: { head: [], border: [] },
    colAligns: ['left', ...head.slice(1).map(() => 'right' as const)],
  });
  for (const r of rows) {
    table.push([
      r.contender,
      collectCell(r, c),
      r.nsPerEdge === null ? '—' : formatNs(r.nsPerEdge),
      r.nsPerObject === null ? '—' : formatNs(r.nsPerObject),
      r.vsCpython === null ? '—' : formatRatio(r.vsCpython),
      r.collected === null ? '—' : formatCount(r.collected),
      r.collections === null ? '—' : formatCount(r.collections),
      r.totalNs === null ? '—' : formatDuration(r.totalNs),
    ]);
  }
  return `${c.bold(workloadTitle(w, rows))}\n${table.toString()}`;
}

/** `gc_collect — size 100: 2,100 objects, 4,200 edges`, from the first contender that reported the shape. */
function workloadTitle(w: GcWorkloadInfo, rows: readonly GcResult[]): string {
  const shape = rows.find((r) => r.objects !== null && r.edges !== null);
  const facts = shape ? `: ${formatCount(shape.objects!)} objects, ${formatCount(shape.edges!)} edges` : '';
  return `${w.name} — size ${formatCount(w.size)}${facts}`;
}

function collectCell(r: GcResult, c: ReturnType<typeof pc.createColors>): string {
  if (r.collectNs !== null) return `${c.bold(formatDuration(r.collectNs))} ±${formatPercent(r.spread?.rmad ?? 0)}`;
  if (r.status === 'skipped') return c.dim('skipped');
  return r.status === 'timeout' ? c.yellow('timeout') : c.red('error');
}

/** Lines explaining skipped, cut or failed series, one per result with a note. */
export function renderGcNotes(results: readonly GcResult[]): string[] {
  return results.filter((r) => r.note !== undefined).map((r) => `  ${r.workload} · ${r.contender} (${r.status}): ${r.note}`);
}

/** What the columns mean, under the tables. */
export function gcLegend(): string {
  return (
    'collect: median over the timed runs of one full collection (± median absolute deviation / median), freeing included.\n' +
    'ns/edge, ns/object: that time over the references and objects of the shape. vs cpython: over CPython\'s time on the same shape.\n' +
    'collected: what the collection found and freed. collections/run: collections the contender ran in one run (automatic,\n' +
    'periodic and the timed one). run total: median of a whole run (building the shape, collecting, tearing down).'
  );
}
