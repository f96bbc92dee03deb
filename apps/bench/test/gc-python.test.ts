import { beforeAll, describe, expect, it } from 'vitest';
import {
  GC_SCRIPT,
  parseGcScriptLine,
  probePython,
  runCpythonGc,
  RuntimeSubject,
  suiteWorkloads,
  type PythonProbe,
} from '../src/index.js';

/*
 * The cpython contender's script (python/gc_bench.py). When python3 runs
 * here, its output is parsed and its shapes are held against the pymem
 * workloads' at the same sizes (same objects, edges, collected counts). When
 * it does not, those assertions give way to the skip note, and the test
 * says so instead of being skipped. The parser, a timeout and a failing
 * script are tested either way.
 */

const SIZES: Record<string, number> = { gc_collect: 5, gc_traversal: 40, binary_trees: 6 };
/** Facts both sides report about the shape. */
const SHAPE_FACTS = ['objects', 'edges', 'collected'];

let probe: PythonProbe;

beforeAll(async () => {
  probe = await probePython();
});

/** The pymem side's facts for a workload at its test size (under generational: it collects cycles, as CPython does). */
function pymemFacts(workload: string): Record<string, number> {
  const subject = new RuntimeSubject({ job: 'runtime', suite: 'gc', workload, contender: 'generational', backend: 'wasm', checks: false, allocator: 'pool', size: SIZES[workload] });
  return subject.measure().facts;
}

describe('python/gc_bench.py', () => {
  it.each(suiteWorkloads('gc').map((w) => w.name))('builds %s as the pymem workload does, or the contender says why it is skipped', async (workload) => {
    if (!probe.ok) {
      expect(probe.reason).toMatch(/failed|cannot find|no Python version/);
      return;
    }
    const outcome = await runCpythonGc(probe, { workload, size: SIZES[workload], runs: 2, warmup: 1, timeoutSeconds: 60 });
    if (outcome.status !== 'ok') throw new Error(`${outcome.status}: ${outcome.note}`);
    const r = outcome.result;
    expect(r.python).toBe(probe.version);
    expect(r.runs).toBe(2);
    expect(r.warmup).toBe(1);
    expect(r.runsNs).toHaveLength(2);
    expect(r.collectNs).toBeGreaterThan(0);
    expect(r.replaysPerRun).toBeGreaterThanOrEqual(1);
    expect(r.phases.map((p) => p.phase)).toEqual(suiteWorkloads('gc').find((w) => w.name === workload)!.phases);
    const ours = pymemFacts(workload);
    for (const key of SHAPE_FACTS) expect([key, r.facts[key]]).toEqual([key, ours[key]]);
    for (const key of ['rings', 'levels', 'depth', 'trees', 'nodesWalked']) {
      if (key in ours) expect([key, r.facts[key]]).toEqual([key, ours[key]]);
    }
    expect(r.collections).toBeGreaterThanOrEqual(1);
  });

  it('is stopped after its timeout, and a failing run is an error with its message', async () => {
    if (!probe.ok) {
      expect(probe.reason.length).toBeGreaterThan(0);
      return;
    }
    const slow = await runCpythonGc(probe, { workload: 'binary_trees', size: 12, runs: 7, warmup: 2, timeoutSeconds: 0.001 });
    expect(slow).toEqual({ status: 'timeout', note: `${GC_SCRIPT} took over 0.001 s and was stopped` });
    const bad = await runCpythonGc(probe, { workload: 'gc_collect', size: 0, runs: 1, warmup: 0, timeoutSeconds: 60 });
    expect(bad.status).toBe('error');
    expect(bad.status !== 'ok' && bad.note).toMatch(/gc_bench\.py failed: .*--size and --runs must be >= 1/);
  });
});

describe('probePython', () => {
  it('reports a missing Python as a reason, not an error', async () => {
    const missing = await probePython('/nonexistent/python3');
    expect(missing.ok).toBe(false);
    expect(!missing.ok && missing.reason).toMatch(/^`\/nonexistent\/python3 --version` failed \(.*ENOENT/);
  });
});

describe('parseGcScriptLine', () => {
  const good = {
    kind: 'gc-result',
    workload: 'gc_collect',
    size: 100,
    python: '3.13.1',
    collectNs: 150000,
    mad: 2000,
    runsNs: [150000, 149000, 152000],
    totalNs: 400000,
    phases: [
      { phase: 'build', ns: 240000 },
      { phase: 'collect', ns: 150000 },
      { phase: 'teardown', ns: 10 },
    ],
    replaysPerRun: 64,
    runs: 3,
    warmup: 1,
    thresholds: [2000, 10, 10],
    rings: 100,
    objects: 2100,
    edges: 4200,
    collected: 2100,
    collections: 2,
  };

  it('reads a result line, keeping the shape facts apart from the timings', () => {
    const r = parseGcScriptLine(JSON.stringify(good));
    expect(r).toMatchObject({ python: '3.13.1', collectNs: 150000, objects: 2100, edges: 4200, collected: 2100, collections: 2, replaysPerRun: 64 });
    expect(r.phases[1]).toEqual({ phase: 'collect', ns: 150000 });
    expect(r.facts).toEqual({ rings: 100, objects: 2100, edges: 4200, collected: 2100, collections: 2 });
  });

  it.each([
    ['{"kind":"failed","message":"RuntimeError: boom"}', /^RuntimeError: boom$/],
    ['Traceback (most recent call last):', /^not a JSON line: Traceback/],
    ['{"kind":"ready"}', /^unknown line/],
    [JSON.stringify({ ...good, collectNs: 'fast' }), /without a number "collectNs"/],
    [JSON.stringify({ ...good, runsNs: null }), /without runsNs/],
    [JSON.stringify({ ...good, phases: [{ phase: 'collect' }] }), /malformed phase/],
  ])('refuses %s', (line, message) => {
    expect(() => parseGcScriptLine(line)).toThrow(message);
  });
});
