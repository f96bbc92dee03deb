import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  reservedPerLive,
  type AllBenchResults,
  type AllocSection,
  type AnyBenchResults,
  type GcSection,
  type MachineInfo,
  type NoiseInfo,
  type RuntimeSection,
} from '../results.js';
import { formatBytes, formatCount, formatNs, formatPercent, formatRatio } from './format.js';

/*
 * report.html: one self-contained page, opened offline.
 *
 * ```
 *   <head>  <style>                                   inline CSS
 *           <script>  chart.umd.min.js  </script>     the chart library, inlined from node_modules
 *   <body>  machine block, noise line
 *           per chart: <section><h2><canvas data-kind="..."></section>
 *           the tables as HTML
 *           <script type="application/json" id="bench-data">{ results, charts }</script>
 *           <script>  new Chart(canvas, chart.config) for every chart  </script>
 * ```
 *
 * Chart configs are plain JSON built here (no functions), so the page's own
 * script is a loop. The data JSON has every `<` escaped, so no string in
 * it can close the script element.
 */

/** The kinds of chart the page may hold, one canvas each. */
export const CHART_KINDS = ['alloc-ns', 'alloc-memory', 'alloc-fragmentation', 'objects-ns', 'gc-collect'] as const;
export type ChartKind = (typeof CHART_KINDS)[number];

/** One chart: its canvas, heading, and the Chart.js config. */
export interface ChartSpec {
  kind: ChartKind;
  title: string;
  note: string;
  config: Record<string, unknown>;
}

/** The JSON embedded in the page (`#bench-data`). */
export interface ReportData {
  results: AnyBenchResults;
  charts: ChartSpec[];
}

const BYTES_PER_MIB = 1024 * 1024;
const NS_PER_US = 1000;
const PERCENT = 100;
/** A colour per series, in order (Chart.js's own palette, darker). */
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** The chart library's file, inlined into every page. */
export function chartLibrarySource(): string {
  const entry = createRequire(import.meta.url).resolve('chart.js');
  const source = readFileSync(join(dirname(entry), 'chart.umd.min.js'), 'utf8');
  // Either would end or confuse the <script> element it is inlined into.
  if (/<\/script|<!--/i.test(source)) throw new Error('chart.umd.min.js contains "</script" or "<!--" and cannot be inlined as is');
  return source;
}

/** The sections of any results file, by suite. */
export function sectionsOf(results: AnyBenchResults): { alloc?: AllocSection; objects?: RuntimeSection; gc?: GcSection } {
  switch (results.command) {
    case 'alloc':
      return { alloc: results };
    case 'objects':
      return { objects: results };
    case 'gc':
      return { gc: results };
    case 'all': {
      const all: AllBenchResults = results;
      return { alloc: all.alloc, objects: all.objects, gc: all.gc };
    }
  }
}

/** Every chart the results allow, in CHART_KINDS order. */
export function buildCharts(results: AnyBenchResults): ChartSpec[] {
  const { alloc, objects, gc } = sectionsOf(results);
  const charts: ChartSpec[] = [];
  if (alloc) {
    charts.push(allocNsChart(alloc));
    if (alloc.memory) charts.push(memoryChart(alloc));
    if (alloc.memory?.fragmentation) charts.push(fragmentationChart(alloc));
  }
  if (objects) charts.push(objectsChart(objects));
  if (gc) charts.push(gcChart(gc));
  return charts;
}

/** A grouped bar chart: x = workloads, one dataset per contender; y on a log axis. */
function groupedBars(workloads: string[], contenders: string[], value: (w: string, c: string) => number | null, yTitle: string): Record<string, unknown> {
  return {
    type: 'bar',
    data: {
      labels: workloads,
      datasets: contenders.map((c, i) => ({ label: c, backgroundColor: PALETTE[i % PALETTE.length], data: workloads.map((w) => value(w, c)) })),
    },
    options: {
      animation: false,
      responsive: true,
      scales: { y: { type: 'logarithmic', title: { display: true, text: yTitle } } },
      plugins: { legend: { position: 'bottom' } },
    },
  };
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

function allocNsChart(alloc: AllocSection): ChartSpec {
  const find = (w: string, c: string): number | null => alloc.results.find((r) => r.workload === w && r.contender === c)?.nsPerEvent ?? null;
  return {
    kind: 'alloc-ns',
    title: 'Allocators: ns per event, per workload',
    note: 'Median of the timed runs; lower is faster; log scale. A missing bar: the contender was skipped, timed out or failed.',
    config: groupedBars(
      alloc.workloads.map((w) => w.name),
      unique(alloc.results.map((r) => r.contender)),
      find,
      'ns / event',
    ),
  };
}

function memoryChart(alloc: AllocSection): ChartSpec {
  const memory = alloc.memory!;
  const mib = (xs: number[], events: number[]): { x: number; y: number }[] => xs.map((y, i) => ({ x: events[i], y: y / BYTES_PER_MIB }));
  const datasets: Record<string, unknown>[] = [];
  memory.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    datasets.push({ label: `${s.contender}: reserved (heap)`, borderColor: color, backgroundColor: color, pointRadius: 0, borderWidth: 2, data: mib(s.reservedBytes, s.events) });
    datasets.push({ label: `${s.contender}: allocated (usable)`, borderColor: color, backgroundColor: color, borderDash: [4, 3], pointRadius: 0, borderWidth: 1, data: mib(s.allocatedBytes, s.events) });
  });
  const first = memory.series[0];
  datasets.push({ label: 'live (requested)', borderColor: '#000', backgroundColor: '#000', pointRadius: 0, borderWidth: 1, data: mib(first.liveBytes, first.events) });
  return {
    kind: 'alloc-memory',
    title: `Reserved vs live bytes during one replay of ${memory.workload}`,
    note: `A separate, untimed replay per pymem allocator on a fresh heap, sampled every ${formatCount(memory.every)} events: heap.byteLength, stats().allocatedBytes, and the bytes the trace has requested and not freed.`,
    config: {
      type: 'line',
      data: { datasets },
      options: {
        animation: false,
        responsive: true,
        parsing: true,
        scales: { x: { type: 'linear', title: { display: true, text: 'events replayed' } }, y: { title: { display: true, text: 'MiB' } } },
        plugins: { legend: { position: 'bottom' } },
      },
    },
  };
}

function fragmentationChart(alloc: AllocSection): ChartSpec {
  const classes = alloc.memory!.fragmentation!.filter((c) => c.pools > 0);
  return {
    kind: 'alloc-fragmentation',
    title: `Pool fragmentation per size class at the end of ${alloc.memory!.workload}`,
    note: "From the pool's stats() after the memory replay, the trace's leftovers still live: used and free blocks in the pools in use of each size class (left axis), and the free fraction (right axis). Classes without a pool are left out.",
    config: {
      type: 'bar',
      data: {
        labels: classes.map((c) => `${c.blockSize} B`),
        datasets: [
          { label: 'blocks in use', backgroundColor: PALETTE[0], stack: 'blocks', data: classes.map((c) => c.blocksInUse), yAxisID: 'y' },
          { label: 'free blocks', backgroundColor: PALETTE[1], stack: 'blocks', data: classes.map((c) => c.freeBlocks), yAxisID: 'y' },
          { type: 'line', label: 'free fraction (%)', borderColor: PALETTE[3], backgroundColor: PALETTE[3], data: classes.map((c) => (c.freeFraction ?? 0) * PERCENT), yAxisID: 'fraction' },
        ],
      },
      options: {
        animation: false,
        responsive: true,
        scales: {
          x: { stacked: true, title: { display: true, text: 'size class (block size)' } },
          y: { stacked: true, title: { display: true, text: 'blocks' } },
          fraction: { position: 'right', min: 0, max: PERCENT, grid: { drawOnChartArea: false }, title: { display: true, text: 'free %' } },
        },
        plugins: { legend: { position: 'bottom' } },
      },
    },
  };
}

function objectsChart(objects: RuntimeSection): ChartSpec {
  const find = (w: string, c: string): number | null => objects.results.find((r) => r.workload === w && r.contender === c)?.nsPerOp ?? null;
  return {
    kind: 'objects-ns',
    title: 'Object workloads: ns per op of the headline phase, per allocator under the runtime',
    note: 'Median of the timed runs; lower is faster; log scale.',
    config: groupedBars(
      objects.workloads.map((w) => w.name),
      unique(objects.results.map((r) => r.contender)),
      find,
      'ns / op',
    ),
  };
}

function gcChart(gc: GcSection): ChartSpec {
  const find = (w: string, c: string): number | null => {
    const ns = gc.results.find((r) => r.workload === w && r.contender === c)?.collectNs;
    return ns === null || ns === undefined ? null : ns / NS_PER_US;
  };
  return {
    kind: 'gc-collect',
    title: 'Collection time per strategy, per GC workload',
    note: 'One full collection, median of the timed runs, in µs; log scale. cpython is CPython’s own gc module, when python3 is here.',
    config: groupedBars(
      gc.workloads.map((w) => w.name),
      unique(gc.results.map((r) => r.contender)),
      find,
      'µs per collection',
    ),
  };
}

/** Escape text for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON safe inside a <script> element: every `<` escaped (so no `</script>` and no `<!--`). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function table(headers: string[], rows: string[][]): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const DASH = '—';
const orDash = <T,>(x: T | null | undefined, f: (v: T) => string): string => (x === null || x === undefined ? DASH : f(x));

function allocTables(alloc: AllocSection): string {
  return alloc.workloads
    .map((w) => {
      const rows = alloc.results.filter((r) => r.workload === w.name);
      const base = (name: string): number | null => rows.find((r) => r.contender === name)?.nsPerEvent ?? null;
      const ratio = (ns: number | null, b: number | null): string => (ns !== null && b !== null && b > 0 ? formatRatio(ns / b) : DASH);
      const body = rows.map((r) => [
        r.contender,
        r.heap,
        r.status === 'ok' ? formatNs(r.nsPerEvent ?? 0) : r.status,
        orDash(r.spread, (s) => `±${formatPercent(s.rmad)}`),
        String(r.runs),
        ratio(r.nsPerEvent, base('pool')),
        ratio(r.nsPerEvent, base('cpython')),
        orDash(r.peakReservedBytes, formatBytes),
        orDash(reservedPerLive(r), formatRatio),
        r.note ?? '',
      ]);
      const heading = `<h3>alloc · ${escapeHtml(w.name)} — ${formatCount(w.events)} events, peak live ${formatBytes(w.peakLiveBytes)} in ${formatCount(w.peakLiveBlocks)} blocks</h3>`;
      return heading + table(['contender', 'heap', 'ns/event', 'spread', 'runs', 'time vs pool', 'vs cpython', 'peak reserved', 'reserved/live', 'note'], body);
    })
    .join('\n');
}

function objectsTable(objects: RuntimeSection): string {
  const rows = objects.results.map((r) => [
    r.workload,
    r.contender,
    r.phase,
    r.status === 'ok' ? formatNs(r.nsPerOp ?? 0) : r.status,
    orDash(r.spread, (s) => `±${formatPercent(s.rmad)}`),
    String(r.runs),
    orDash(r.peakHeapBytes, formatBytes),
    r.note ?? '',
  ]);
  return `<h3>objects</h3>${table(['workload', 'allocator', 'phase', 'ns/op', 'spread', 'runs', 'peak heap', 'note'], rows)}`;
}

function gcTable(gc: GcSection): string {
  const rows = gc.results.map((r) => [
    r.workload,
    r.contender,
    r.status === 'ok' ? `${formatNs((r.collectNs ?? 0) / NS_PER_US)} µs` : r.status,
    orDash(r.spread, (s) => `±${formatPercent(s.rmad)}`),
    orDash(r.objects, formatCount),
    orDash(r.edges, formatCount),
    orDash(r.collected, formatCount),
    orDash(r.nsPerEdge, formatNs),
    orDash(r.vsCpython, formatRatio),
    r.note ?? '',
  ]);
  return `<h3>gc</h3>${table(['workload', 'contender', 'collection', 'spread', 'objects', 'edges', 'collected', 'ns/edge', 'vs cpython', 'note'], rows)}`;
}

function machineBlock(machine: MachineInfo, noise: NoiseInfo): string {
  const items: [string, string][] = [
    ['CPU', `${machine.cpuModel} × ${machine.cpus} cores`],
    ['memory', formatBytes(machine.totalMemoryBytes)],
    ['OS', `${machine.os} (${machine.platform}/${machine.arch})`],
    ['Node', `${machine.node} (V8 ${machine.v8})`],
    ['Python', machine.python ?? 'not used'],
    ['heap backend', machine.heap],
    ['date', machine.date],
    ['noise', noise.medianRmad === null ? 'no repeated series' : `median spread ±${formatPercent(noise.medianRmad)} (MAD / median) over ${noise.series} series, max ±${formatPercent(noise.maxRmad ?? 0)}`],
    ['load average', `${noise.loadStart.toFixed(2)} at start, ${noise.loadEnd.toFixed(2)} at end`],
  ];
  return `<dl class="machine">${items.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}h3{font-size:1em;margin-top:1.5em}
dl.machine{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:600}dd{margin:0}
table{border-collapse:collapse;margin:.5em 0;font-variant-numeric:tabular-nums}th,td{border:1px solid #ccc;padding:.2em .5em;text-align:right}
th:first-child,td:first-child,td:nth-child(2){text-align:left}p.note{color:#555;font-size:.9em}section.chart{margin-bottom:2em}`;

/** The page's own script: draw every chart of #bench-data into its canvas. */
const DRAW = `const data = JSON.parse(document.getElementById('bench-data').textContent);
for (const chart of data.charts) new Chart(document.getElementById('chart-' + chart.kind), chart.config);`;

/** The whole page for a results file. */
export function renderHtmlReport(results: AnyBenchResults, library = chartLibrarySource()): string {
  const charts = buildCharts(results);
  const data: ReportData = { results, charts };
  const { alloc, objects, gc } = sectionsOf(results);
  const sections = charts
    .map((c) => `<section class="chart"><h2>${escapeHtml(c.title)}</h2><canvas id="chart-${c.kind}" data-kind="${c.kind}"></canvas><p class="note">${escapeHtml(c.note)}</p></section>`)
    .join('\n');
  const tables = [alloc ? allocTables(alloc) : '', objects ? objectsTable(objects) : '', gc ? gcTable(gc) : ''].join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>pymem bench · ${escapeHtml(results.command)} · ${escapeHtml(results.createdAt)}</title>
<style>${STYLE}</style>
<script>${library}</script>
</head>
<body>
<h1>pymem bench — ${escapeHtml(results.command)}</h1>
${machineBlock(results.machine, results.noise)}
${sections}
<h2>Tables</h2>
${tables}
<script type="application/json" id="bench-data">${scriptJson(data)}</script>
<script>${DRAW}</script>
</body>
</html>
`;
}
