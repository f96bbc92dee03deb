import type { Ptr } from '@pymem/core';
import type { Objects } from '@pymem/objects';
import type { Runtime } from '@pymem/refcount';
import type { Facts, Laps, RuntimeWorkloadSpec, WorkloadRun } from '../../runtime/api.js';
import { collectionsSoFar, expectCollected, PHASE_COLLECT } from './common.js';

/*
 * gc_traversal: pyperformance's bm_gc_traversal. LEVELS lists, built once,
 * where list n holds n references to list n-1: a graph with no cycle and no
 * garbage whose edges all have to be walked by a full collection.
 *
 * ```
 *   list 0:   []
 *   list 1:   [l0]
 *   list 2:   [l1, l1]
 *   ...
 *   list 999: [l998, l998, ..., l998]          999 items; the workload holds list 999
 *
 *   objects = LEVELS lists, edges = 0 + 1 + ... + (LEVELS-1) = LEVELS (LEVELS-1) / 2  (499,500)
 * ```
 *
 * Built in prepare (create_recursive_containers: the first, empty `current`
 * list is dropped once list 0 replaces it), kept for every run.
 *
 * Phases of one run:
 * - `touch`: each list is increfed and decrefed once, as Python code
 *   holding and releasing a reference to each does (`for l in lists: pass`).
 *   Refcounting alone ignores that; to trial deletion each such decref to a
 *   non-zero count makes the list a purple candidate, so its collect has
 *   LEVELS candidates to examine. The generational and mark-sweep collectors
 *   do not look at decrefs.
 * - `collect` (the headline): one full collection. Everything is live, so
 *   it must find 0. What each strategy walks is in the README
 *   (gc_traversal).
 */

/** Lists at --scale 1 (pyperformance's n_levels). */
const GC_TRAVERSAL_LEVELS = 1000;

class GcTraversalRun implements WorkloadRun {
  private readonly rt: Runtime;
  /** Every list, in build order (borrowed: list n+1 holds list n, the workload holds the last). */
  private readonly lists: Uint32Array;
  /** The workload's own reference to the last list. */
  private readonly top: Ptr;
  private readonly edges: number;

  constructor(o: Objects, levels: number) {
    this.rt = o.rt;
    this.lists = new Uint32Array(levels);
    let current = o.list.new();
    let edges = 0;
    for (let n = 0; n < levels; n++) {
      const next = o.list.new();
      for (let i = 0; i < n; i++) o.list.append(next, current);
      edges += o.list.size(next);
      this.rt.decref(current);
      current = next;
      this.lists[n] = next;
    }
    this.top = current;
    this.edges = edges;
  }

  run(laps: Laps, facts: Facts | null): void {
    const { rt, lists } = this;
    const gc = rt.gc;
    const collectionsBefore = facts === null ? 0 : collectionsSoFar(gc);
    for (let n = 0; n < lists.length; n++) {
      rt.incref(lists[n]);
      rt.decref(lists[n]);
    }
    laps.mark();
    const found = gc.collect().collected;
    expectCollected('gc_traversal', gc, found, 0);
    if (facts !== null) {
      facts.levels = lists.length;
      facts.objects = lists.length;
      facts.edges = this.edges;
      facts.collected = found;
      facts.collections = collectionsSoFar(gc) - collectionsBefore;
      facts.topRefcount = rt.refcount(this.top);
    }
  }
}

export const gcTraversalWorkload: RuntimeWorkloadSpec = {
  name: 'gc_traversal',
  suite: 'gc',
  summary: "pyperformance's gc_traversal: 1000 lists, list n holding n references to list n-1 (499,500 edges), all live; one full collection finds 0",
  unit: 'collection',
  phases: ['touch', PHASE_COLLECT],
  headline: 1,
  size: GC_TRAVERSAL_LEVELS,
  ops: () => [1, 1],
  prepare: (py, levels) => new GcTraversalRun(py, levels),
};
