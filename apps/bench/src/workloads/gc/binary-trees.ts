import type { Ptr } from '@pymem/core';
import type { Objects } from '@pymem/objects';
import type { Runtime } from '@pymem/refcount';
import type { Facts, Laps, RuntimeWorkloadSpec, WorkloadRun } from '../../runtime/api.js';
import { collectionsSoFar, expectCollected, PHASE_COLLECT, PHASE_TEARDOWN } from './common.js';

/*
 * binary_trees: the benchmarks game's binary-trees (Boehm's GCBench shape):
 * many short-lived complete binary trees built, walked and dropped while one
 * long-lived tree stays live. No cycles: refcounting frees every tree, and a
 * cycle collector only costs (tracking, automatic collections that walk the
 * live tree, trial deletion's candidates). That cost is what it shows.
 *
 * ```
 *   TreeNode: __slots__ left, right     a leaf has neither set (NULL, not None)
 *
 *   depth 0: leaf            depth d: TreeNode(left = tree(d-1), right = tree(d-1))
 *   nodes(d) = 2^(d+1) - 1, edges(d) = nodes(d) - 1
 *
 *   D = max(MIN_DEPTH + 2, size)
 *   stretch tree of depth D+1: build, walk, drop
 *   long-lived tree of depth D: build, keep
 *   for d = MIN_DEPTH, MIN_DEPTH+2, ..., D:
 *       2^(D - d + MIN_DEPTH) trees of depth d: build, walk, drop
 *       collect()                                 the periodic collection
 * ```
 *
 * Phases of one run:
 * - `trees`: all of the above, automatic collections included;
 * - `collect` (the headline): one full collection with the long-lived tree
 *   live (GCBench's live data): it must find 0;
 * - `teardown`: the long-lived tree is dropped.
 * The run's total (all three) is the figure to compare; `collections` counts
 * the strategy's collections in one run (periodic, automatic, the headline).
 */

/** The smallest trees (the benchmarks game's min_depth). */
const MIN_DEPTH = 4;
/** The benchmarks game's D is at least MIN_DEPTH + 2. */
const MIN_MAX_DEPTH = MIN_DEPTH + 2;
/** Depth step between batches of short-lived trees. */
const DEPTH_STEP = 2;
/** D at --scale 1: 5,458 trees, 674,478 nodes made per run (about 0.3 s under refcounting alone). */
const BINARY_TREES_DEPTH = 12;

type PyClass = ReturnType<Objects['instances']['defineClass']>;

/** Nodes of a complete binary tree of depth d. */
export function treeNodes(depth: number): number {
  return 2 ** (depth + 1) - 1;
}

/** The depth D a size stands for. */
export function binaryTreesDepth(size: number): number {
  return Math.max(MIN_MAX_DEPTH, size);
}

class BinaryTreesRun implements WorkloadRun {
  private readonly rt: Runtime;
  private readonly node: PyClass;
  private readonly maxDepth: number;

  constructor(o: Objects, size: number) {
    this.rt = o.rt;
    this.node = o.instances.defineClass({ name: 'TreeNode', slots: ['left', 'right'], weakrefable: false });
    this.maxDepth = binaryTreesDepth(size);
  }

  run(laps: Laps, facts: Facts | null): void {
    const { rt, maxDepth } = this;
    const gc = rt.gc;
    const collectionsBefore = facts === null ? 0 : collectionsSoFar(gc);
    let walked = this.stretch(maxDepth + 1);
    const longLived = this.makeTree(maxDepth);
    let trees = 2;
    for (let d = MIN_DEPTH; d <= maxDepth; d += DEPTH_STEP) {
      const iterations = 2 ** (maxDepth - d + MIN_DEPTH);
      for (let i = 0; i < iterations; i++) walked += this.stretch(d);
      trees += iterations;
      expectCollected('binary_trees', gc, gc.collect().collected, 0);
    }
    laps.mark();
    const found = gc.collect().collected;
    expectCollected('binary_trees', gc, found, 0);
    laps.mark();
    const longLivedNodes = this.checkTree(longLived);
    rt.decref(longLived);
    if (facts !== null) {
      facts.depth = maxDepth;
      facts.trees = trees;
      facts.nodesWalked = walked + longLivedNodes;
      facts.objects = longLivedNodes;
      facts.edges = longLivedNodes - 1;
      facts.collected = found;
      facts.collections = collectionsSoFar(gc) - collectionsBefore;
    }
  }

  /** Build a tree, walk it, drop it; returns its nodes as counted by the walk. */
  private stretch(depth: number): number {
    const tree = this.makeTree(depth);
    const nodes = this.checkTree(tree);
    this.rt.decref(tree);
    return nodes;
  }

  /** A new tree (new reference). The children's references pass to their parent, as TreeNode(make(d-1), make(d-1)) does. */
  private makeTree(depth: number): Ptr {
    const { rt, node } = this;
    const tree = node.new();
    if (depth === 0) return tree;
    const left = this.makeTree(depth - 1);
    const right = this.makeTree(depth - 1);
    node.setattr(tree, 'left', left);
    node.setattr(tree, 'right', right);
    rt.decref(left);
    rt.decref(right);
    return tree;
  }

  /** check_tree: nodes of the tree, walked. */
  private checkTree(tree: Ptr): number {
    const node = this.node;
    if (!node.hasattr(tree, 'left')) return 1;
    return 1 + this.checkTree(node.getattr(tree, 'left')) + this.checkTree(node.getattr(tree, 'right'));
  }
}

export const binaryTreesWorkload: RuntimeWorkloadSpec = {
  name: 'binary_trees',
  suite: 'gc',
  summary: 'binary-trees / GCBench: trees of depth 4..12 built, walked and dropped beside a live one of depth 12, a collect() per depth; one full collection with it live',
  unit: 'collection',
  phases: ['trees', PHASE_COLLECT, PHASE_TEARDOWN],
  headline: 1,
  size: BINARY_TREES_DEPTH,
  ops: () => [1, 1, 1],
  prepare: (py, size) => new BinaryTreesRun(py, size),
};
