import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CHART_KINDS,
  CONTENDERS,
  DEFAULT_GC_CONTENDERS,
  DEFAULT_RUNTIME_CONTENDERS,
  main,
  RESULTS_SCHEMA,
  suiteWorkloads,
  type AllBenchResults,
  type CliContext,
  type ReportData,
} from '../src/index.js';
import { syntheticTrace, writeTraceFile } from './fixtures.js';
import { buildWorkerBundle } from './worker-bundle.js';

/*
 * `all --quick` end to end at a tiny scale: main(argv) in-process with real
 * workers (a bundle of src/worker.ts). It checks the shape of results.json
 * and report.html, never a timing.
 */

const SCALE = 0.001;
const SYNTHETIC = ['same_size_churn', 'mixed_sizes', 'realloc_growth', 'larson'];
const OBJECTS = suiteWorkloads('objects').map((w) => w.name);
const GC = suiteWorkloads('gc').map((w) => w.name);
const ALLOCATORS = CONTENDERS.map((c) => c.name);

let workerScript: URL;
let trace: string;

beforeAll(async () => {
  workerScript = await buildWorkerBundle();
  trace = writeTraceFile(syntheticTrace(4000, 31), 'tiny');
});

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const ctx: Partial<CliContext> = { out: (s) => (out += s), err: (s) => (err += s), barStream: null, color: false, workerScript };
  const code = await main(argv, ctx);
  return { code, out, err };
}

/** The text of every element `<tag ...>...</tag>` of `html`, checking that open and close tags pair up. */
function elements(html: string, tag: string): { attrs: string; body: string }[] {
  const opens = html.match(new RegExp(`<${tag}[\\s>]`, 'g')) ?? [];
  const closes = html.match(new RegExp(`</${tag}>`, 'g')) ?? [];
  expect(opens.length).toBe(closes.length);
  return [...html.matchAll(new RegExp(`<${tag}([^>]*)>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => ({ attrs: m[1], body: m[2] }));
}

describe('pymem-bench all', () => {
  it('runs alloc, objects and gc (--quick) into one well-formed results.json and one self-contained report.html', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pymem-bench-all-'));
    const json = join(dir, 'out', 'results.json');
    const html = join(dir, 'out', 'report.html');
    const workloads = ['synthetic', ...OBJECTS, ...GC].join(',');
    const r = await cli(['all', '--quick', '--scale', String(SCALE), '--trace', trace, '--workloads', workloads, '--json', json, '--html', html, '--no-progress']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Results written to ${json}`);
    expect(r.out).toContain(`Report written to ${html}`);
    expect(r.out).toMatch(/^Noise: /m);

    const results = JSON.parse(readFileSync(json, 'utf8')) as AllBenchResults;
    expect(results).toMatchObject({ schema: RESULTS_SCHEMA, command: 'all' });
    expect(Object.keys(results.machine).sort()).toEqual(['arch', 'cpuModel', 'cpus', 'date', 'heap', 'node', 'os', 'platform', 'python', 'totalMemoryBytes', 'v8'].sort());
    expect(results.machine.cpus).toBeGreaterThan(0);
    expect(results.machine.heap).toBe('shared');
    expect(results.machine.node).toBe(process.version);
    expect(results.noise.series).toBeGreaterThan(0);
    expect(results.noise.medianRmad).toBeGreaterThanOrEqual(0);
    expect(results.noise.loadStart).toBeGreaterThanOrEqual(0);

    const alloc = results.alloc!;
    expect(alloc.workloads.map((w) => w.name)).toEqual(['tiny', ...SYNTHETIC]);
    expect(alloc.results.map((x) => `${x.workload}/${x.contender}`)).toEqual(['tiny', ...SYNTHETIC].flatMap((w) => ALLOCATORS.map((c) => `${w}/${c}`)));
    for (const x of alloc.results) {
      if (x.contender === 'cpython' && x.status === 'skipped') continue;
      expect(x.status).toBe('ok');
      expect(x.nsPerEvent).toBeGreaterThan(0);
    }
    // The memory replay: one series per pymem allocator, the live line a property of the trace.
    const memory = alloc.memory!;
    expect(memory.workload).toBe('tiny');
    expect(memory.series.map((s) => s.contender)).toEqual(['pool', 'pool-unchecked', 'tlsf', 'debug']);
    for (const s of memory.series) {
      expect(s.events.at(-1)).toBe(4000);
      for (let i = 0; i < s.events.length; i++) expect(s.reservedBytes[i]).toBeGreaterThanOrEqual(s.allocatedBytes[i]);
      expect(s.liveBytes).toEqual(memory.series[0].liveBytes);
    }
    expect(memory.fragmentation).toHaveLength(32);
    expect(memory.fragmentation!.some((c) => c.pools > 0 && c.blocksInUse > 0)).toBe(true);

    expect(results.objects!.results.map((x) => `${x.workload}/${x.contender}`)).toEqual(OBJECTS.flatMap((w) => DEFAULT_RUNTIME_CONTENDERS.map((c) => `${w}/${c}`)));
    for (const x of results.objects!.results) expect(x.status).toBe('ok');
    expect(results.gc!.results.map((x) => `${x.workload}/${x.contender}`)).toEqual(GC.flatMap((w) => DEFAULT_GC_CONTENDERS.map((c) => `${w}/${c}`)));
    for (const x of results.gc!.results) expect(x.status).toBe(x.contender === 'cpython' && results.gc!.python.status !== 'ok' ? 'skipped' : 'ok');
    expect(results.machine.python).toBe(results.gc!.python.version ?? null);

    // The page: balanced elements, the chart library inlined, one canvas per chart kind, data that parses.
    const page = readFileSync(html, 'utf8');
    expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
    for (const tag of ['html', 'head', 'body', 'table', 'section']) elements(page, tag);
    const scripts = elements(page, 'script');
    expect(scripts).toHaveLength(3);
    expect(scripts[0].body.length).toBeGreaterThan(100_000);
    expect(scripts[0].body).toContain('Chart');
    expect(page).not.toMatch(/<script[^>]*\ssrc=/);
    const canvases = [...page.matchAll(/<canvas id="chart-([\w-]+)" data-kind="([\w-]+)">/g)].map((m) => m[2]);
    expect(canvases).toEqual([...CHART_KINDS]);
    const data = JSON.parse(scripts[1].body) as ReportData;
    expect(scripts[1].attrs).toContain('type="application/json"');
    expect(data.charts.map((c) => c.kind)).toEqual([...CHART_KINDS]);
    expect(data.results).toEqual(results);
    const allocChart = data.charts.find((c) => c.kind === 'alloc-ns')!.config as { data: { labels: string[]; datasets: { label: string }[] } };
    expect(allocChart.data.labels).toEqual(['tiny', ...SYNTHETIC]);
    expect(allocChart.data.datasets.map((d) => d.label)).toEqual(ALLOCATORS);
    const gcChart = data.charts.find((c) => c.kind === 'gc-collect')!.config as { data: { datasets: { label: string }[] } };
    expect(gcChart.data.datasets.map((d) => d.label)).toEqual(DEFAULT_GC_CONTENDERS);
    for (const name of ['CPU', 'noise', 'load average']) expect(page).toContain(`<dt>${name}</dt>`);
  });

  it('leaves out a suite none of --workloads belongs to, and refuses an unknown name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pymem-bench-all-'));
    const json = join(dir, 'r.json');
    const r = await cli(['all', '--runs', '1', '--warmup', '0', '--scale', String(SCALE), '--workloads', 'larson', '--allocators', 'pool,native', '--json', json, '--html', join(dir, 'r.html')]);
    expect(r.code).toBe(0);
    expect(r.err).toContain('objects: none of --workloads is an objects workload; left out');
    const results = JSON.parse(readFileSync(json, 'utf8')) as AllBenchResults;
    expect(results.alloc!.results.map((x) => `${x.workload}/${x.contender}`)).toEqual(['larson/pool', 'larson/native']);
    expect(results.objects).toBeUndefined();
    expect(results.gc).toBeUndefined();
    const bad = await cli(['all', '--workloads', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/unknown workload\(s\) "nope"/);
  });
});
