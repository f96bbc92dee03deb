import { describe, expect, it } from 'vitest';
import {
  ContenderError,
  DEFAULT_RUNTIME_CONTENDERS,
  ELEMENTS_PER_ROUND,
  PhaseClock,
  RUNTIME_CONTENDERS,
  RuntimeSubject,
  UsageError,
  getRuntimeWorkload,
  resolveRuntimeContenders,
  resolveRuntimeWorkloads,
  scaledSize,
  suiteWorkloads,
  type RuntimeWorkerInit,
} from '../src/index.js';
import { DICT_ENTRIES, LIST_LENGTH, TUPLE_LENGTH } from '../src/workloads/objects/containers.js';

/*
 * The runtime workloads in-process (timing needs workers; correctness does
 * not): every workload on every runtime contender, on wasm and arraybuffer
 * heaps, checked and unchecked, run several times on one runtime. The
 * subject itself checks that each run leaves no object and no block behind;
 * here the measuring pass's facts are held against what each workload
 * should build, computed from its size.
 */

/** churn keeps this many objects live (README: Workloads). */
const CHURN_RING = 64;
const SIZES: Record<string, number> = { churn: 500, containers: 3, deep_chain: 2000, mixed: 100 };

function init(workload: string, contender: string, backend: RuntimeWorkerInit['backend'], checks: boolean): RuntimeWorkerInit {
  return { job: 'runtime', suite: 'objects', workload, contender, backend, checks, allocator: contender, size: SIZES[workload] };
}

/** What the measuring pass must report for `workload` at `size`, beyond the counts every workload reports. */
function expectedFacts(workload: string, size: number): Record<string, number> {
  switch (workload) {
    case 'churn':
      // One object per step (a tuple's items are objects of earlier steps); the ring holds the last 64.
      return { objectsCreated: size, objectsFreed: size, ringLiveAtEnd: Math.min(size, CHURN_RING) };
    case 'containers':
      // Per round: list + LIST_LENGTH ints, dict + DICT_ENTRIES (str + int), tuple + TUPLE_LENGTH ints.
      return {
        objectsCreated: size * (3 + LIST_LENGTH + 2 * DICT_ENTRIES + TUPLE_LENGTH),
        listLength: LIST_LENGTH,
        dictEntries: DICT_ENTRIES,
        tupleLength: TUPLE_LENGTH,
      };
    case 'deep_chain':
      return { objectsCreated: 2 * size, objectsFreed: 2 * size, listChainDepth: size, nodeChainDepth: size, liveAfterBuild: 2 * size };
    case 'mixed':
      // Per step: Point + its attribute dict + int + float + str, Pair + int.
      return { objectsCreated: 7 * size, objectsFreed: 7 * size, pointAttributes: 3, pairAttributes: 2 };
    default:
      throw new Error(`no model for ${workload}`);
  }
}

const cases = suiteWorkloads('objects').flatMap((w) => RUNTIME_CONTENDERS.map((c) => [w.name, c.name] as const));

describe.each(cases)('%s on a runtime over %s', (workload, contender) => {
  it.each([
    ['wasm', false],
    ['arraybuffer', true],
  ] as const)('builds what it should and leaves nothing behind (%s heap, checks %s)', (backend, checks) => {
    const subject = new RuntimeSubject(init(workload, contender, backend, checks));
    const { facts, peakReservedBytes } = subject.measure();
    expect(facts).toMatchObject(expectedFacts(workload, SIZES[workload]));
    expect(facts.liveObjectsAfter).toBe(facts.liveObjectsBefore);
    expect(facts.allocatedBlocksAfter).toBe(facts.allocatedBlocksBefore);
    expect(peakReservedBytes).toBe(subject.rt.heap.peakByteLength);
    const spec = getRuntimeWorkload(workload);
    for (let k = 0; k < 2; k++) {
      const { ns, phasesNs } = subject.replay(k + 1);
      expect(phasesNs).toHaveLength(spec.phases.length);
      for (const p of phasesNs) expect(p).toBeGreaterThan(0);
      expect(ns).toBe(phasesNs.reduce((a, b) => a + b, 0));
    }
    expect(subject.rt.stats().liveObjects).toBe(facts.liveObjectsBefore);
    subject.rt.allocator.checkHeap();
  });
});

describe('RuntimeSubject', () => {
  it('fails a run that leaves objects behind, naming the contender and the counts', () => {
    const subject = new RuntimeSubject(init('churn', 'tlsf', 'wasm', false));
    const leak = subject.rt.newObject(subject.rt.weakrefType);
    expect(leak).toBeGreaterThan(0);
    expect(() => subject.replay(1)).toThrow(ContenderError);
    expect(() => subject.replay(1)).toThrow(/^tlsf: churn: a run left 1 objects and 1 blocks behind/);
  });
});

describe('PhaseClock', () => {
  it('splits a run at its marks and refuses a wrong number of them', () => {
    const clock = new PhaseClock(2);
    const ns = [0, 0];
    clock.start();
    clock.mark();
    expect(clock.stop(ns)).toBe(true);
    expect(ns[0]).toBeGreaterThan(0);
    expect(ns[1]).toBeGreaterThan(0);
    clock.start();
    expect(clock.stop(ns)).toBe(false);
    clock.start();
    clock.mark();
    clock.mark();
    expect(clock.stop(ns)).toBe(false);
  });
});

describe('runtime registries', () => {
  it('default to pool against tlsf and know every objects workload', () => {
    expect(DEFAULT_RUNTIME_CONTENDERS).toEqual(['pool', 'tlsf']);
    expect(suiteWorkloads('objects').map((w) => w.name)).toEqual(['churn', 'containers', 'deep_chain', 'mixed']);
    expect(getRuntimeWorkload('deep_chain').size).toBe(1_000_000);
  });

  it('reject unknown names, listing the known ones; keep order, drop repeats', () => {
    expect(() => resolveRuntimeContenders(['pool', 'thing'])).toThrow(UsageError);
    expect(() => resolveRuntimeContenders(['thing', 'native'])).toThrow(/unknown runtime allocators "thing", "native"; a runtime needs a pymem heap: pool, pool-unchecked, tlsf/);
    expect(() => resolveRuntimeWorkloads('objects', ['churn', 'gc_cycles'])).toThrow(/unknown objects workload "gc_cycles"; known: churn, containers, deep_chain, mixed/);
    expect(resolveRuntimeContenders(['tlsf', 'pool', 'tlsf']).map((c) => c.name)).toEqual(['tlsf', 'pool']);
    expect(resolveRuntimeWorkloads('objects', ['mixed', 'churn', 'mixed']).map((w) => w.name)).toEqual(['mixed', 'churn']);
  });

  it('scale sizes, never below one', () => {
    const chain = getRuntimeWorkload('deep_chain');
    expect(scaledSize(chain, 1)).toBe(1_000_000);
    expect(scaledSize(chain, 0.001)).toBe(1000);
    expect(scaledSize(chain, 1e-12)).toBe(1);
  });

  it('count ops per phase from the size', () => {
    expect(getRuntimeWorkload('churn').ops(10)).toEqual([10]);
    expect(getRuntimeWorkload('containers').ops(3)).toEqual([3 * ELEMENTS_PER_ROUND]);
    expect(getRuntimeWorkload('deep_chain').ops(7)).toEqual([14, 14]);
    expect(getRuntimeWorkload('mixed').ops(5)).toEqual([10]);
  });
});
