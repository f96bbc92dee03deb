import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OP_FREE, OP_MALLOC, traceStats, type Trace } from '@pymem/trace';
import { beforeAll, describe, expect, it } from 'vitest';
import { main, RESULTS_SCHEMA, type BenchResults, type CliContext } from '../src/index.js';
import { syntheticTrace, writeTraceFile } from './fixtures.js';
import { buildWorkerBundle } from './worker-bundle.js';

/*
 * The whole CLI in-process: main(argv) with real worker threads running a
 * bundle of src/worker.ts. No timing assertions: only that every contender
 * ran and the figures are sane.
 */

const ALL = ['pool', 'pool-unchecked', 'tlsf', 'debug', 'tracemalloc', 'thing', 'native'];
const HEAP_CONTENDERS = ['pool', 'pool-unchecked', 'tlsf', 'debug', 'tracemalloc'];

let workerScript: URL;
let traceA: string;
let traceB: string;
const trace = syntheticTrace(6000, 21);

beforeAll(async () => {
  workerScript = await buildWorkerBundle();
  traceA = writeTraceFile(trace, 'synthA');
  traceB = writeTraceFile(syntheticTrace(3000, 22), 'synthB');
});

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const ctx: Partial<CliContext> = { out: (s) => (out += s), err: (s) => (err += s), barStream: null, color: false, workerScript };
  const code = await main(argv, ctx);
  return { code, out, err };
}

function tempJson(): string {
  return join(mkdtempSync(join(tmpdir(), 'pymem-bench-out-')), 'sub', 'out.json');
}

function readResults(path: string): BenchResults {
  return JSON.parse(readFileSync(path, 'utf8')) as BenchResults;
}

describe('pymem-bench alloc', () => {
  it('replays a trace with every contender and writes well-formed JSON (--quick, shared heap by default)', async () => {
    const json = tempJson();
    const r = await cli(['alloc', '--trace', traceA, '--quick', '--allocators', ALL.join(','), '--json', json]);
    expect(r.err).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const results = readResults(json);
    expect(results.schema).toBe(RESULTS_SCHEMA);
    expect(results.settings).toMatchObject({ heap: 'shared', warmup: 1, runs: 3 });
    expect(results.workloads).toEqual([
      { name: 'synthA', source: traceA, events: 6000, peakLiveBytes: traceStats(trace).peakLiveBytes, peakLiveBlocks: traceStats(trace).peakLiveBlocks },
    ]);
    expect(results.results.map((x) => x.contender)).toEqual(ALL);
    for (const x of results.results) {
      expect(Object.keys(x)).toEqual(expect.arrayContaining(['workload', 'contender', 'nsPerEvent', 'peakReservedBytes', 'peakLiveBytes', 'runs']));
      expect(x.workload).toBe('synthA');
      expect(x.status).toBe('ok');
      expect(x.runs).toBe(3);
      expect(x.runsNs).toHaveLength(3);
      expect(x.replaysPerRun).toBeGreaterThanOrEqual(1);
      expect(x.nsPerEvent).toBeGreaterThan(0);
      expect(x.spread!.min).toBeLessThanOrEqual(x.nsPerEvent!);
      expect(x.spread!.max).toBeGreaterThanOrEqual(x.nsPerEvent!);
      expect(x.peakLiveBytes).toBe(traceStats(trace).peakLiveBytes);
      expect(x.peakReservedBytes).toBeGreaterThan(0);
      if (HEAP_CONTENDERS.includes(x.contender)) {
        expect(x.heap).toBe('shared');
        expect(x.peakReservedBytes).toBeGreaterThanOrEqual(x.peakLiveBytes);
      }
    }
    // The table went to stdout with every contender and the reference line.
    for (const name of ALL) expect(r.out).toContain(` ${name} `);
    expect(r.out).toContain('Reference, not measured in this run');
    expect(r.out).toContain(`Results written to ${json}`);
  });

  it('runs pool and tlsf on an arraybuffer heap over two traces (comma list and repeat)', async () => {
    const json = tempJson();
    const r = await cli(['--trace', `${traceA},${traceB}`, '--allocators', 'pool', '--allocators', 'tlsf', '--heap', 'arraybuffer', '--runs', '2', '--warmup', '0', '--json', json, '--no-progress']);
    expect(r.code).toBe(0);
    const results = readResults(json);
    expect(results.workloads.map((w) => w.name)).toEqual(['synthA', 'synthB']);
    expect(results.results.map((x) => `${x.workload}/${x.contender}/${x.heap}/${x.runs}`)).toEqual([
      'synthA/pool/arraybuffer/2',
      'synthA/tlsf/arraybuffer/2',
      'synthB/pool/arraybuffer/2',
      'synthB/tlsf/arraybuffer/2',
    ]);
    for (const x of results.results) expect(x.peakReservedBytes).toBeGreaterThanOrEqual(x.peakLiveBytes);
    expect(r.err).toBe('');
  });

  it('--json - prints only JSON on stdout; notes go to stderr', async () => {
    const r = await cli(['--trace', traceB, '--allocators', 'native', '--runs', '1', '--warmup', '0', '--json', '-']);
    expect(r.code).toBe(0);
    const results = JSON.parse(r.out) as BenchResults;
    expect(results.results).toHaveLength(1);
    expect(results.results[0]).toMatchObject({ contender: 'native', heap: 'js', runs: 1, status: 'ok' });
    expect(r.err).toContain('synthB: 3,000 events, 1 contenders, heap shared');
  });

  it('reports a contender that does not answer in time as a timeout, not a failure', async () => {
    const json = tempJson();
    const r = await cli(['--trace', traceB, '--allocators', 'tlsf', '--quick', '--timeout', '0.001', '--json', json, '--no-progress']);
    expect(r.code).toBe(0);
    const [x] = readResults(json).results;
    expect(x).toMatchObject({ contender: 'tlsf', status: 'timeout', nsPerEvent: null, runs: 0, peakReservedBytes: null });
    expect(x.note).toMatch(/^timeout: the worker did not start within 0.001 s/);
    expect(r.out).toContain('timeout');
  });

  it('stops a replay that overruns --timeout and says how far it got', async () => {
    // 100,000 mallocs, then frees oldest first: each of MemPool's frees walks
    // its whole used list, so the frees alone need minutes.
    const n = 100_000;
    const ops = new Uint8Array(2 * n).fill(OP_MALLOC, 0, n).fill(OP_FREE, n);
    const ids = new Uint32Array(2 * n);
    for (let i = 0; i < n; i++) ids[i] = ids[n + i] = i;
    const slow: Trace = { name: 'slow', nevents: 2 * n, nids: n, flags: 0, ops, ids, sizes: new Uint32Array(2 * n).fill(32) };
    const json = tempJson();
    const r = await cli(['--trace', writeTraceFile(slow, 'slow'), '--allocators', 'thing', '--timeout', '1', '--json', json, '--no-progress']);
    expect(r.code).toBe(0);
    const [x] = readResults(json).results;
    expect(x).toMatchObject({ contender: 'thing', status: 'timeout', nsPerEvent: null, peakReservedBytes: null, runs: 0 });
    expect(x.note).toMatch(/^timeout: one replay took over 1 s \(--timeout\), so at least 5,000 ns\/event; it had replayed [\d,]+ of 200,000 events$/);
  });

  it('exits 1 and reports the error when a contender’s worker fails', async () => {
    let err = '';
    let out = '';
    const code = await main(['--trace', traceB, '--allocators', 'pool', '--quick', '--no-progress'], {
      out: (s) => (out += s),
      err: (s) => (err += s),
      barStream: null,
      color: false,
      workerScript: new URL('file:///nonexistent/pymem-bench/worker.js'),
    });
    expect(code).toBe(1);
    expect(out).toMatch(/pool \(error\): error: .*Cannot find module/);
    expect(err).toBe('');
  });
});
