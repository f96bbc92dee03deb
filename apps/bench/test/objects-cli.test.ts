import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main, RESULTS_SCHEMA, suiteWorkloads, type CliContext, type RuntimeBenchResults, type RuntimeResult } from '../src/index.js';
import { DICT_ENTRIES, LIST_LENGTH, TUPLE_LENGTH } from '../src/workloads/objects/containers.js';
import { buildWorkerBundle } from './worker-bundle.js';

/*
 * `objects` end to end: main(argv) in-process with real workers running a
 * bundle of src/worker.ts, at --scale 0.001 (a 1,000-deep chain). No timing
 * assertions: every workload x contender is present, well formed, and the
 * first run's checks hold.
 */

const SCALE = 0.001;
const WORKLOADS = ['churn', 'containers', 'deep_chain', 'mixed'];

let workerScript: URL;

beforeAll(async () => {
  workerScript = await buildWorkerBundle();
});

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const ctx: Partial<CliContext> = { out: (s) => (out += s), err: (s) => (err += s), barStream: null, color: false, workerScript };
  const code = await main(argv, ctx);
  return { code, out, err };
}

function tempJson(): string {
  return join(mkdtempSync(join(tmpdir(), 'pymem-bench-objects-')), 'sub', 'objects.json');
}

/** What each workload's first run must have built, from its size (a model independent of the workload code). */
function expectCheck(r: RuntimeResult): void {
  const c = r.check!;
  expect(c.liveObjectsAfter).toBe(c.liveObjectsBefore);
  expect(c.allocatedBlocksAfter).toBe(c.allocatedBlocksBefore);
  expect(c.objectsFreed).toBe(c.objectsCreated);
  switch (r.workload) {
    case 'churn':
      expect(c.objectsCreated).toBe(r.size);
      break;
    case 'containers':
      expect(c).toMatchObject({ listLength: LIST_LENGTH, dictEntries: DICT_ENTRIES, tupleLength: TUPLE_LENGTH });
      expect(c.objectsCreated).toBe(r.size * (3 + LIST_LENGTH + 2 * DICT_ENTRIES + TUPLE_LENGTH));
      break;
    case 'deep_chain':
      expect(c).toMatchObject({ listChainDepth: r.size, nodeChainDepth: r.size, liveAfterBuild: 2 * r.size, objectsCreated: 2 * r.size });
      break;
    case 'mixed':
      expect(c).toMatchObject({ pointAttributes: 3, pairAttributes: 2, objectsCreated: 7 * r.size });
      break;
    default:
      throw new Error(`unexpected workload ${r.workload}`);
  }
}

describe('pymem-bench objects', () => {
  it('runs every workload on pool and tlsf (--quick) and writes well-formed JSON whose checks hold', async () => {
    const json = tempJson();
    const r = await cli(['objects', '--quick', '--scale', String(SCALE), '--json', json]);
    expect(r.code).toBe(0);
    expect(r.err).not.toMatch(/error/);
    const results = JSON.parse(readFileSync(json, 'utf8')) as RuntimeBenchResults;
    expect(results.schema).toBe(RESULTS_SCHEMA);
    expect(results.command).toBe('objects');
    expect(results.settings).toMatchObject({ heap: 'shared', checks: false, scale: SCALE, warmup: 1, runs: 3 });
    expect(results.workloads.map((w) => w.name)).toEqual(WORKLOADS);
    expect(results.workloads.find((w) => w.name === 'deep_chain')).toMatchObject({
      size: 1000,
      unit: 'object',
      headline: 'dealloc',
      phases: [
        { phase: 'build', ops: 2000 },
        { phase: 'dealloc', ops: 2000 },
      ],
    });
    expect(results.results.map((x) => `${x.workload}/${x.contender}`)).toEqual(WORKLOADS.flatMap((w) => [`${w}/pool`, `${w}/tlsf`]));
    for (const x of results.results) {
      const info = results.workloads.find((w) => w.name === x.workload)!;
      expect(Object.keys(x)).toEqual(expect.arrayContaining(['workload', 'contender', 'nsPerOp', 'mad', 'ops', 'peakHeapBytes']));
      expect(x).toMatchObject({ status: 'ok', runs: 3, heap: 'shared', checks: false, size: info.size, unit: info.unit, phase: info.headline });
      expect(x.nsPerOp).toBeGreaterThan(0);
      expect(x.mad).toBeGreaterThanOrEqual(0);
      expect(x.opsPerSecond).toBeCloseTo(1e9 / x.nsPerOp!, 6);
      expect(x.runsNs).toHaveLength(3);
      expect(x.spread!.min).toBeLessThanOrEqual(x.nsPerOp!);
      expect(x.spread!.max).toBeGreaterThanOrEqual(x.nsPerOp!);
      expect(x.peakHeapBytes).toBeGreaterThan(0);
      expect(x.phases.map((p) => [p.phase, p.ops])).toEqual(info.phases.map((p) => [p.phase, p.ops]));
      expect(x.ops).toBe(info.phases.find((p) => p.phase === info.headline)!.ops);
      for (const p of x.phases) expect(p.nsPerOp).toBeGreaterThan(0);
      expectCheck(x);
    }
    // The side-by-side table went to stdout.
    for (const h of ['pool ns/op', 'tlsf ns/op', 'tlsf/pool', 'pool ops/s', 'tlsf peak heap', 'deep_chain · dealloc *', 'deep_chain · build']) {
      expect(r.out).toContain(h);
    }
    expect(r.out).toContain('runtime checks off');
    expect(r.out).toContain(`Results written to ${json}`);
  });

  it('runs checked on a wasm heap, with pool-unchecked, and prints only JSON for --json -', async () => {
    const r = await cli(['objects', '--checks', '--heap', 'wasm', '--workloads', 'deep_chain,churn', '--allocators', 'pool-unchecked', '--runs', '1', '--warmup', '0', '--scale', String(SCALE), '--json', '-']);
    expect(r.code).toBe(0);
    const results = JSON.parse(r.out) as RuntimeBenchResults;
    expect(results.settings).toMatchObject({ heap: 'wasm', checks: true, runs: 1, warmup: 0 });
    expect(results.results.map((x) => `${x.workload}/${x.contender}/${x.heap}/${x.checks}/${x.runs}`)).toEqual([
      'deep_chain/pool-unchecked/wasm/true/1',
      'churn/pool-unchecked/wasm/true/1',
    ]);
    for (const x of results.results) expectCheck(x);
    expect(r.err).toContain('deep_chain: size 1,000, 4,000 objects per run, 1 contenders, heap wasm, checks on');
  });

  it.each([
    [['objects', '--allocators', 'pool,thing'], /unknown runtime allocator "thing"; a runtime needs a pymem heap: pool, pool-unchecked, tlsf/],
    [['objects', '--workloads', 'churn,cycles'], /unknown objects workload "cycles"; known: churn, containers, deep_chain, mixed/],
    [['objects', '--scale', '0'], /--scale must be a positive number; got "0"/],
    [['objects', '--runs', '0'], /--runs must be an integer >= 1; got "0"/],
  ])('refuses %j before any worker starts (exit 2)', async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
  });

  it('lists its workloads and allocators in --help', async () => {
    const r = await cli(['objects', '--help']);
    expect(r.code).toBe(0);
    for (const w of suiteWorkloads('objects')) expect(r.out).toContain(`  ${w.name} `);
    expect(r.out).toContain('--checks');
    expect(r.out).toContain('--scale <factor>');
  });
});
