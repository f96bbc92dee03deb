import { describe, expect, it } from 'vitest';
import {
  CONTENDERS,
  DEFAULTS,
  UsageError,
  collectList,
  main,
  resolveAllocOptions,
  resolveContenders,
  resolveObjectsOptions,
  resolveWorkload,
  type CliContext,
} from '../src/index.js';
import { existsSync } from 'node:fs';

/** Run main() with captured output and no worker (these runs stop before any worker starts). */
async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const ctx: Partial<CliContext> = {
    out: (s) => (out += s),
    err: (s) => (err += s),
    barStream: null,
    color: false,
    workerScript: new URL('file:///nonexistent/worker.js'),
  };
  const code = await main(argv, ctx);
  return { code, out, err };
}

describe('resolveAllocOptions', () => {
  it('defaults to the bundled startup trace and the synthetic workloads, every contender, 2 warm-ups + 7 runs on shared', () => {
    const o = resolveAllocOptions({});
    expect(o.traces).toEqual(['startup', 'same_size_churn', 'mixed_sizes', 'realloc_growth', 'larson']);
    expect(o.allocators).toEqual(CONTENDERS.map((c) => c.name));
    expect(o.allocators).toEqual(['pool', 'pool-unchecked', 'tlsf', 'debug', 'tracemalloc', 'cpython', 'thing', 'native']);
    expect(o.settings).toEqual({
      heap: 'shared',
      warmup: DEFAULTS.warmup,
      runs: DEFAULTS.runs,
      budgetSeconds: DEFAULTS.budgetSeconds,
      timeoutSeconds: DEFAULTS.timeoutSeconds,
      scale: 1,
    });
    expect(o.json).toBeNull();
    expect(o.html).toBeNull();
    expect(o.progress).toBe(true);
  });

  it('--quick is 1 warm-up + 3 runs, and explicit counts win over it', () => {
    expect(resolveAllocOptions({ quick: true }).settings).toMatchObject({ warmup: 1, runs: 3, budgetSeconds: 10, timeoutSeconds: 15, scale: 0.25 });
    expect(resolveAllocOptions({ quick: true, scale: '2', budget: '5', timeout: '7' }).settings).toMatchObject({ scale: 2, budgetSeconds: 5, timeoutSeconds: 7 });
    expect(resolveAllocOptions({ quick: true, runs: '5', warmup: '0' }).settings).toMatchObject({ warmup: 0, runs: 5 });
  });

  it.each([
    [{ runs: '0' }, '--runs must be an integer >= 1; got "0"'],
    [{ runs: 'abc' }, '--runs must be an integer >= 1; got "abc"'],
    [{ runs: '1.5' }, '--runs must be an integer >= 1; got "1.5"'],
    [{ warmup: '-1' }, '--warmup must be an integer >= 0; got "-1"'],
    [{ heap: 'mmap' }, '--heap must be one of arraybuffer, wasm, shared; got "mmap"'],
    [{ budget: '0' }, '--budget must be a positive number of seconds; got "0"'],
    [{ timeout: 'soon' }, '--timeout must be a positive number of seconds; got "soon"'],
    [{ allocators: [] }, '--allocators needs at least one name'],
  ])('rejects %j', (raw, message) => {
    expect(() => resolveAllocOptions(raw)).toThrow(new UsageError(message));
  });

  it('accepts every heap backend and fractional seconds', () => {
    for (const heap of ['arraybuffer', 'wasm', 'shared']) expect(resolveAllocOptions({ heap }).settings.heap).toBe(heap);
    expect(resolveAllocOptions({ timeout: '0.5', budget: '2.5' }).settings).toMatchObject({ timeoutSeconds: 0.5, budgetSeconds: 2.5 });
  });
});

describe('collectList', () => {
  it('splits commas, trims, drops empties and appends to earlier values', () => {
    expect(collectList('pool, tlsf,,', undefined)).toEqual(['pool', 'tlsf']);
    expect(collectList('native', ['pool'])).toEqual(['pool', 'native']);
  });
});

describe('resolveContenders', () => {
  it('keeps the order given and drops repeats', () => {
    expect(resolveContenders(['native', 'pool', 'native']).map((c) => c.name)).toEqual(['native', 'pool']);
  });

  it('names every unknown allocator and lists the known ones', () => {
    expect(() => resolveContenders(['pool', 'jemalloc', 'dlmalloc'])).toThrow(
      'unknown allocators "jemalloc", "dlmalloc"; known allocators: pool, pool-unchecked, tlsf, debug, tracemalloc, cpython, thing, native',
    );
  });
});

describe('resolveWorkload', () => {
  it('finds the bundled startup trace', () => {
    const w = resolveWorkload('startup');
    expect(w.name).toBe('startup');
    expect(existsSync(w.source)).toBe(true);
  });

  it('rejects a missing file, naming it and the built-in workloads', () => {
    expect(() => resolveWorkload('/no/such/file.pymtrace')).toThrow(
      'no trace file "/no/such/file.pymtrace" (and no built-in workload of that name; built-in: startup, same_size_churn, mixed_sizes, realloc_growth, larson)',
    );
  });
});

describe('main (command line errors)', () => {
  it('exits 2 with the known allocators on an unknown one', async () => {
    const r = await cli(['alloc', '--allocators', 'pool,nope', '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown allocator "nope"; known allocators: pool, pool-unchecked, tlsf, debug, tracemalloc, cpython, thing, native');
    expect(r.out).toBe('');
  });

  it('routes options to alloc when no command is given', async () => {
    const r = await cli(['--runs', 'x']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--runs must be an integer >= 1; got "x"');
  });

  it('exits 2 on an unknown option or a bad choice', async () => {
    expect((await cli(['--bogus'])).code).toBe(2);
    const heap = await cli(['alloc', '--heap', 'mmap']);
    expect(heap.code).toBe(2);
    expect(heap.err).toContain("argument 'mmap' is invalid");
  });

  it('exits 0 on --help and lists contenders, workloads and options', async () => {
    const r = await cli(['alloc', '--help']);
    expect(r.code).toBe(0);
    for (const name of ['pool', 'pool-unchecked', 'tlsf', 'cpython', 'thing', 'native', 'startup', '--trace', '--allocators', '--heap', '--json', '--quick']) {
      expect(r.out).toContain(name);
    }
  });
});

describe('resolveObjectsOptions', () => {
  it('defaults to every objects workload on pool and tlsf, runtime checks off, scale 1', () => {
    const o = resolveObjectsOptions({});
    expect(o.workloads).toEqual(['churn', 'containers', 'deep_chain', 'mixed']);
    expect(o.allocators).toEqual(['pool', 'tlsf']);
    expect(o.settings).toEqual({
      heap: 'shared',
      warmup: DEFAULTS.warmup,
      runs: DEFAULTS.runs,
      budgetSeconds: DEFAULTS.budgetSeconds,
      timeoutSeconds: DEFAULTS.timeoutSeconds,
      checks: false,
      scale: 1,
    });
    expect(o.json).toBeNull();
  });

  it('takes --quick, --checks, --scale and lists', () => {
    const o = resolveObjectsOptions({ quick: true, checks: true, scale: '0.25', workloads: ['mixed'], allocators: ['tlsf'], heap: 'wasm' });
    expect(o.settings).toMatchObject({ warmup: DEFAULTS.quickWarmup, runs: DEFAULTS.quickRuns, checks: true, scale: 0.25, heap: 'wasm' });
    expect(o.workloads).toEqual(['mixed']);
    expect(o.allocators).toEqual(['tlsf']);
  });

  it.each(['0', '-1', 'abc', '', 'Infinity'])('refuses --scale %j', (scale) => {
    expect(() => resolveObjectsOptions({ scale })).toThrow(UsageError);
  });

  it('refuses empty lists', () => {
    expect(() => resolveObjectsOptions({ workloads: [] })).toThrow(/--workloads needs at least one name/);
    expect(() => resolveObjectsOptions({ allocators: [] })).toThrow(/--allocators needs at least one name/);
  });

  it('says in the top-level help that a bare run does all', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('With no arguments at all, `all --budget 8 --timeout 12` runs.');
    expect(r.out).toMatch(/objects \[options\]/);
    expect(r.out).toMatch(/gc \[options\]/);
  });
});
