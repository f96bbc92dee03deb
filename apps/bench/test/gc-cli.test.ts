import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULTS,
  main,
  probePython,
  PYTHON_ENV,
  RESULTS_SCHEMA,
  suiteWorkloads,
  type CliContext,
  type GcBenchResults,
  type GcResult,
} from '../src/index.js';
import { buildWorkerBundle } from './worker-bundle.js';

/*
 * `gc` end to end: main(argv) in-process with real workers running a bundle
 * of src/worker.ts, and python3 running the shipped script when it exists.
 * No timing assertions: every workload x contender is present and well
 * formed, and every collection found what its shape makes.
 */

const SCALE = 0.1;
const WORKLOADS = ['gc_collect', 'gc_traversal', 'binary_trees'];
const CONTENDERS = ['none', 'generational', 'trial-deletion', 'mark-sweep', 'cpython'];
const CONTRACT = ['workload', 'contender', 'collectNs', 'objects', 'edges', 'collected'];

let workerScript: URL;
let pythonHere: boolean;

beforeAll(async () => {
  workerScript = await buildWorkerBundle();
  pythonHere = (await probePython()).ok;
});

const savedPython = process.env[PYTHON_ENV];
afterEach(() => {
  if (savedPython === undefined) delete process.env[PYTHON_ENV];
  else process.env[PYTHON_ENV] = savedPython;
});

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const ctx: Partial<CliContext> = { out: (s) => (out += s), err: (s) => (err += s), barStream: null, color: false, workerScript };
  const code = await main(argv, ctx);
  return { code, out, err };
}

function tempJson(): string {
  return join(mkdtempSync(join(tmpdir(), 'pymem-bench-gc-')), 'sub', 'gc.json');
}

/** What one full collection must find: the model of each shape, from its size. */
function expectedCollected(r: GcResult): number {
  if (r.workload !== 'gc_collect' || r.contender === 'none') return 0;
  return r.size * 21;
}

/** The shape's objects and edges, from the size. */
function expectedShape(r: GcResult): { objects: number; edges: number } {
  switch (r.workload) {
    case 'gc_collect':
      return { objects: r.size * 21, edges: r.size * 42 };
    case 'gc_traversal':
      return { objects: r.size, edges: (r.size * (r.size - 1)) / 2 };
    case 'binary_trees': {
      const nodes = 2 ** (Math.max(6, r.size) + 1) - 1;
      return { objects: nodes, edges: nodes - 1 };
    }
    default:
      throw new Error(`unexpected workload ${r.workload}`);
  }
}

function expectMeasured(x: GcResult, runs: number): void {
  expect(x.status).toBe('ok');
  expect(x.runs).toBe(runs);
  expect(x.collectNs).toBeGreaterThan(0);
  expect(x.runsNs).toHaveLength(runs);
  expect(x.mad).toBeGreaterThanOrEqual(0);
  expect(x.spread!.min).toBeLessThanOrEqual(x.collectNs!);
  expect(x.spread!.max).toBeGreaterThanOrEqual(x.collectNs!);
  expect(x.totalNs).toBeGreaterThanOrEqual(x.collectNs!);
  expect(x.collected).toBe(expectedCollected(x));
  expect({ objects: x.objects, edges: x.edges }).toEqual(expectedShape(x));
  expect(x.nsPerEdge).toBeCloseTo(x.collectNs! / x.edges!, 6);
  expect(x.nsPerObject).toBeCloseTo(x.collectNs! / x.objects!, 6);
  expect(x.collections).toBeGreaterThanOrEqual(x.contender === 'none' ? 0 : 1);
}

describe('pymem-bench gc', () => {
  it('runs every workload under every strategy and cpython (--quick) and writes well-formed JSON', async () => {
    const json = tempJson();
    const r = await cli(['gc', '--quick', '--scale', String(SCALE), '--json', json]);
    expect(r.code).toBe(0);
    const results = JSON.parse(readFileSync(json, 'utf8')) as GcBenchResults;
    expect(results.schema).toBe(RESULTS_SCHEMA);
    expect(results.command).toBe('gc');
    expect(results.settings).toMatchObject({ heap: 'shared', allocator: 'pool', checks: false, scale: SCALE, warmup: DEFAULTS.gcQuickWarmup, runs: 3 });
    expect(results.workloads.map((w) => [w.name, w.collectPhase])).toEqual(WORKLOADS.map((w) => [w, 'collect']));
    expect(results.workloads.map((w) => w.size)).toEqual([10, 100, 1]);
    expect(results.results.map((x) => `${x.workload}/${x.contender}`)).toEqual(WORKLOADS.flatMap((w) => CONTENDERS.map((c) => `${w}/${c}`)));
    for (const x of results.results) {
      expect(Object.keys(x)).toEqual(expect.arrayContaining([...CONTRACT, 'mad', 'runs', 'nsPerEdge', 'nsPerObject', 'vsCpython', 'totalNs', 'collections']));
      if (x.contender === 'cpython' && !pythonHere) {
        expect(x).toMatchObject({ status: 'skipped', collectNs: null, runs: 0 });
        continue;
      }
      expectMeasured(x, 3);
      expect(x.phases.map((p) => p.phase)).toEqual(results.workloads.find((w) => w.name === x.workload)!.phases);
      if (x.contender === 'cpython') {
        expect(x).toMatchObject({ heap: 'python', allocator: 'pymalloc', python: results.python.version, vsCpython: 1 });
      } else {
        expect(x).toMatchObject({ heap: 'shared', allocator: 'pool', replaysPerRun: expect.any(Number) as number });
        expect(x.check).toMatchObject({ liveObjectsAfter: x.check!.liveObjectsBefore, allocatedBlocksAfter: x.check!.allocatedBlocksBefore });
      }
    }
    if (pythonHere) {
      expect(results.python).toMatchObject({ status: 'ok', command: 'python3' });
      for (const x of results.results) expect(x.vsCpython).toBeGreaterThan(0);
      expect(r.out).toContain('vs cpython');
    } else {
      expect(results.python.status).toBe('skipped');
      expect(r.err).toMatch(/^ {2}cpython: skipped: `python3 --version` failed/m);
    }
    for (const h of ['gc_collect — size 10: 210 objects, 420 edges', 'gc_traversal — size 100: 100 objects, 4,950 edges', 'collect ±MAD', 'ns/edge', 'trial-deletion']) {
      expect(r.out).toContain(h);
    }
    expect(r.out).toContain(`Results written to ${json}`);
  });

  it('writes the records of the issue for gc_traversal and gc_collect at full size', async () => {
    const r = await cli(['gc', '--workloads', 'gc_traversal,gc_collect', '--strategies', 'generational', '--runs', '1', '--warmup', '0', '--json', '-']);
    expect(r.code).toBe(0);
    const results = JSON.parse(r.out) as GcBenchResults;
    expect(results.python.status).toBe('not requested');
    expect(results.results.map((x) => [x.workload, x.contender, x.objects, x.edges, x.collected])).toEqual([
      ['gc_traversal', 'generational', 1000, 499_500, 0],
      ['gc_collect', 'generational', 2100, 4200, 2100],
    ]);
    for (const x of results.results) {
      expect(Object.keys(x).slice(0, CONTRACT.length)).toEqual(CONTRACT);
      expectMeasured(x, 1);
      expect(x.vsCpython).toBeNull();
    }
    expect(r.err).toContain('gc_traversal: size 1,000, 1 contenders, allocator pool, heap shared');
  });

  it('skips cpython with a one-line note when there is no python3, on a wasm heap over tlsf', async () => {
    process.env[PYTHON_ENV] = '/nonexistent/python3';
    const r = await cli(['gc', '--workloads', 'gc_collect', '--strategies', 'none,cpython', '--allocator', 'tlsf', '--heap', 'wasm', '--runs', '1', '--warmup', '0', '--scale', '0.05']);
    expect(r.code).toBe(0);
    const notes = r.err.split('\n').filter((line) => line.includes('cpython'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^ {2}cpython: skipped: `\/nonexistent\/python3 --version` failed \(.*ENOENT/);
    expect(r.out).toMatch(/│ cpython\s+│\s+skipped │/);
    expect(r.out).toMatch(/gc_collect · cpython \(skipped\): `\/nonexistent\/python3 --version` failed/);
    expect(r.out).toContain('allocator tlsf, heap wasm');
  });

  it.each([
    [['gc', '--strategies', 'generational,boehm'], /unknown GC strategy "boehm"; known: none, generational, trial-deletion, mark-sweep, cpython/],
    [['gc', '--workloads', 'gc_collect,churn'], /unknown gc workload "churn"; known: gc_collect, gc_traversal, binary_trees/],
    [['gc', '--allocator', 'thing'], /--allocator must be one of pool, pool-unchecked, tlsf; got "thing"/],
    [['gc', '--scale', '-1'], /--scale must be a positive number; got "-1"/],
  ])('refuses %j before any worker starts (exit 2)', async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
  });

  it('lists its workloads and strategies in --help', async () => {
    const r = await cli(['gc', '--help']);
    expect(r.code).toBe(0);
    for (const w of suiteWorkloads('gc')) expect(r.out).toContain(`  ${w.name} `);
    for (const s of CONTENDERS) expect(r.out).toContain(`  ${s} `);
    for (const o of ['--strategies <list>', '--allocator <name>', '--quick', '--json <file>']) expect(r.out).toContain(o);
  });
});
