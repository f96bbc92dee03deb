import { TrialDeletionGc } from 'pymem';
import { describe, expect, it } from 'vitest';
import {
  binaryTreesDepth,
  DEFAULT_GC_CONTENDERS,
  GC_STRATEGIES,
  getRuntimeWorkload,
  resolveGcContenders,
  resolveRuntimeWorkloads,
  RING_NODES,
  RuntimeSubject,
  suiteWorkloads,
  treeNodes,
  UsageError,
  type RuntimeWorkerInit,
} from '../src/index.js';
import { expectCollected } from '../src/workloads/gc/common.js';

/*
 * The GC workloads in-process (timing needs workers; correctness does not):
 * every workload under every strategy, on wasm and arraybuffer heaps, run
 * several times on one runtime. The subject checks that each run leaves no
 * object and no block behind and the workloads check every collection's
 * count; here the first run's facts are held against the shape, computed
 * from the size by a model written here.
 */

const SIZES: Record<string, number> = { gc_collect: 7, gc_traversal: 60, binary_trees: 6 };

function init(workload: string, contender: string, backend: RuntimeWorkerInit['backend'], allocator = 'pool'): RuntimeWorkerInit {
  return { job: 'runtime', suite: 'gc', workload, contender, backend, checks: false, allocator, size: SIZES[workload] };
}

/** Nodes a binary_trees run walks at depth D: the stretch tree, every short-lived tree, the long-lived one. */
function binaryTreesWalked(depth: number): number {
  let nodes = 2 ** (depth + 2) - 1 + (2 ** (depth + 1) - 1);
  for (let d = 4; d <= depth; d += 2) nodes += 2 ** (depth - d + 4) * (2 ** (d + 1) - 1);
  return nodes;
}

/** What the first run must report for `workload` at `size` under `strategy`. */
function expectedFacts(workload: string, size: number, strategy: string): Record<string, number> {
  const cyclic = strategy !== 'none';
  switch (workload) {
    case 'gc_collect': {
      const nodes = size * 21;
      return { rings: size, objects: nodes, edges: 2 * nodes, collected: cyclic ? nodes : 0, objectsCreated: nodes + 1, objectsFreed: nodes + 1 };
    }
    case 'gc_traversal':
      return { levels: size, objects: size, edges: (size * (size - 1)) / 2, collected: 0, objectsCreated: 0, topRefcount: 1 };
    case 'binary_trees': {
      const depth = Math.max(6, size);
      const longLived = 2 ** (depth + 1) - 1;
      return { depth, objects: longLived, edges: longLived - 1, collected: 0, nodesWalked: binaryTreesWalked(depth), objectsCreated: binaryTreesWalked(depth) };
    }
    default:
      throw new Error(`no model for ${workload}`);
  }
}

const cases = suiteWorkloads('gc').flatMap((w) => GC_STRATEGIES.map((s) => [w.name, s] as const));

describe.each(cases)('%s under %s', (workload, strategy) => {
  it.each(['wasm', 'arraybuffer'] as const)('builds the shape, collects what it must and leaves nothing behind (%s heap)', (backend) => {
    const subject = new RuntimeSubject(init(workload, strategy, backend));
    expect(subject.rt.gc.name).toBe(strategy);
    const { facts } = subject.measure();
    expect(facts).toMatchObject(expectedFacts(workload, SIZES[workload], strategy));
    expect(facts.liveObjectsAfter).toBe(facts.liveObjectsBefore);
    expect(facts.allocatedBlocksAfter).toBe(facts.allocatedBlocksBefore);
    expect(facts.collections).toBeGreaterThanOrEqual(strategy === 'none' ? 0 : 1);
    if (strategy === 'none') expect(facts.collections).toBe(0);
    const phases = getRuntimeWorkload(workload).phases;
    for (let k = 0; k < 3; k++) {
      const { ns, phasesNs } = subject.replay(k + 1);
      expect(phasesNs).toHaveLength(phases.length);
      expect(ns).toBe(phasesNs.reduce((a, b) => a + b, 0));
    }
    expect(subject.rt.stats().liveObjects).toBe(facts.liveObjectsBefore);
    subject.rt.allocator.checkHeap();
  });
});

describe('gc workloads', () => {
  it('run over every allocator --allocator names', () => {
    for (const allocator of ['pool-unchecked', 'tlsf']) {
      const subject = new RuntimeSubject(init('gc_collect', 'generational', 'wasm', allocator));
      expect(subject.measure().facts).toMatchObject({ collected: SIZES.gc_collect * RING_NODES });
      subject.replay(2);
      subject.rt.allocator.checkHeap();
    }
  });

  it('give trial deletion every list of gc_traversal as a candidate, and it examines them all', () => {
    const subject = new RuntimeSubject(init('gc_traversal', 'trial-deletion', 'wasm'));
    subject.measure();
    subject.replay(1);
    const gc = subject.rt.gc;
    expect(gc).toBeInstanceOf(TrialDeletionGc);
    expect((gc as TrialDeletionGc).stats().lastExamined).toBe(SIZES.gc_traversal);
    expect((gc as TrialDeletionGc).stats().lastCollected).toBe(0);
  });

  it('fail a run whose collection finds the wrong count, naming the strategy and both counts', () => {
    const subject = new RuntimeSubject(init('gc_collect', 'none', 'wasm'));
    expect(() => expectCollected('gc_collect', subject.rt.gc, 3, 0)).toThrow(
      'gc_collect: a full collection under none found 3 unreachable objects; the shape makes 0',
    );
    expect(() => expectCollected('gc_collect', subject.rt.gc, 0, 0)).not.toThrow();
  });

  it('size the shapes as the issue says at --scale 1', () => {
    expect(suiteWorkloads('gc').map((w) => [w.name, w.size])).toEqual([
      ['gc_collect', 100],
      ['gc_traversal', 1000],
      ['binary_trees', 12],
    ]);
    expect(100 * RING_NODES).toBe(2100);
    expect(treeNodes(12)).toBe(8191);
    expect(binaryTreesDepth(1)).toBe(6);
    for (const w of suiteWorkloads('gc')) expect(w.phases[w.headline]).toBe('collect');
  });
});

describe('gc registries', () => {
  it('know the strategies and cpython, in table order, and drop repeats', () => {
    expect(DEFAULT_GC_CONTENDERS).toEqual(['none', 'generational', 'trial-deletion', 'mark-sweep', 'cpython']);
    const picked = resolveGcContenders(['cpython', 'mark-sweep', 'cpython', 'none']);
    expect(picked.order).toEqual(['cpython', 'mark-sweep', 'none']);
    expect(picked.strategies.map((s) => s.name)).toEqual(['mark-sweep', 'none']);
    expect(picked.cpython).toBe(true);
    expect(resolveGcContenders(['generational']).cpython).toBe(false);
  });

  it('reject unknown strategies and workloads, listing the known ones', () => {
    expect(() => resolveGcContenders(['generational', 'refcount'])).toThrow(UsageError);
    expect(() => resolveGcContenders(['refcount', 'boehm'])).toThrow(
      'unknown GC strategies "refcount", "boehm"; known: none, generational, trial-deletion, mark-sweep, cpython',
    );
    expect(() => resolveRuntimeWorkloads('gc', ['gc_collect', 'churn'])).toThrow('unknown gc workload "churn"; known: gc_collect, gc_traversal, binary_trees');
  });
});
