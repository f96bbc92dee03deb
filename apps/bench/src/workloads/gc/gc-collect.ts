import type { Ptr } from '@pymem/core';
import type { Objects } from '@pymem/objects';
import type { Runtime } from '@pymem/refcount';
import type { Facts, Laps, RuntimeWorkloadSpec, WorkloadRun } from '../../runtime/api.js';
import { collectionsSoFar, collectsCycles, expectCollected, PHASE_COLLECT, PHASE_TEARDOWN } from './common.js';

/*
 * gc_collect: pyperformance's bm_gc_collect. RINGS rings of RING_NODES
 * doubly linked nodes are built, dropped, and one full collection frees them.
 *
 * ```
 *   cycles = [head_0, head_1, ..., head_99]          a list, dropped before the clock
 *
 *   one ring (RING_NODES = 21 nodes, each a Node with __slots__ next, prev):
 *
 *        ┌──────────────── next ─────────────────┐
 *        ▼                                       │
 *     head ⇄ n1 ⇄ n2 ⇄ ... ⇄ n19 ⇄ n20 ──────────┘      ⇄ : next one way, prev the other
 *        └──────────────── prev ─────────────────▲
 * ```
 *
 * Phases of one run:
 * - `build`: make the rings as create_gc_cycles does (each new node's
 *   reference is dropped once it is linked, so refcounting sees the decrefs
 *   Python code makes), hold every head in the list `cycles`, then drop the
 *   list (`del all_cycles`): the rings are now unreachable, each node held by
 *   its two neighbours only. Automatic collections the strategy runs while
 *   the rings are built happen here.
 * - `collect` (the headline): one `collect()`. It must find every node,
 *   RINGS x RING_NODES (2,100), under a cycle collector and 0 under `none`;
 *   the nodes have slots, not attribute dicts, so nodes are all there is.
 *   The time includes freeing them (dealloc), as CPython's does.
 * - `teardown`: under `none` only, break the rings by hand (clear every
 *   prev, then one next per ring) so the run leaves nothing behind; empty
 *   under the other strategies.
 */

/** Rings at --scale 1 (pyperformance's CYCLES). */
const GC_COLLECT_RINGS = 100;
/** Nodes linked after a ring's head (pyperformance's LINKS). */
const LINKS = 20;
/** Nodes per ring: the head and its LINKS. */
export const RING_NODES = LINKS + 1;
/** References per node: next and prev. */
const EDGES_PER_NODE = 2;

type PyClass = ReturnType<Objects['instances']['defineClass']>;

class GcCollectRun implements WorkloadRun {
  private readonly rt: Runtime;
  private readonly node: PyClass;
  /** Borrowed head pointers, kept for the teardown under `none` (the rings outlive the list then). */
  private readonly heads: Uint32Array;
  private readonly cyclic: boolean;

  constructor(
    private readonly o: Objects,
    private readonly rings: number,
  ) {
    this.rt = o.rt;
    this.node = o.instances.defineClass({ name: 'Node', slots: ['next', 'prev'], weakrefable: false });
    this.heads = new Uint32Array(rings);
    this.cyclic = collectsCycles(o.rt.gc);
  }

  run(laps: Laps, facts: Facts | null): void {
    const gc = this.rt.gc;
    const collectionsBefore = facts === null ? 0 : collectionsSoFar(gc);
    const nodes = this.build();
    laps.mark();
    const found = gc.collect().collected;
    laps.mark();
    if (!this.cyclic) this.breakRings();
    expectCollected('gc_collect', gc, found, this.cyclic ? nodes : 0);
    if (facts !== null) {
      facts.rings = this.rings;
      facts.objects = nodes;
      facts.edges = nodes * EDGES_PER_NODE;
      facts.collected = found;
      facts.collections = collectionsSoFar(gc) - collectionsBefore;
    }
  }

  /** create_gc_cycles, then `del all_cycles`; returns the nodes made. */
  private build(): number {
    const { o, rt, node } = this;
    const cycles = o.list.new();
    let made = 0;
    for (let r = 0; r < this.rings; r++) {
      const head = node.new();
      o.list.append(cycles, head);
      made += this.linkRing(head);
      this.heads[r] = head;
      rt.decref(head);
    }
    rt.decref(cycles);
    return made;
  }

  /** create_cycle(head, LINKS): LINKS new nodes after `head`, the last one linked back to it. Returns the ring's nodes. */
  private linkRing(head: Ptr): number {
    const { rt, node } = this;
    let current = head;
    for (let i = 0; i < LINKS; i++) {
      const next = node.new();
      node.setattr(current, 'next', next);
      node.setattr(next, 'prev', current);
      rt.decref(next); // `current = next_node`: the ring holds it now
      current = next;
    }
    node.setattr(current, 'next', head);
    node.setattr(head, 'prev', current);
    return RING_NODES;
  }

  /** `none` left the rings alive: clear every prev, then the head's next, and the ring falls apart by refcounting. */
  private breakRings(): void {
    const { rt, node } = this;
    for (let r = 0; r < this.rings; r++) {
      const head = this.heads[r];
      rt.incref(head);
      let n = head;
      do {
        node.delattr(n, 'prev');
        n = node.getattr(n, 'next');
      } while (n !== head);
      node.delattr(head, 'next');
      rt.decref(head);
      this.heads[r] = 0;
    }
  }
}

export const gcCollectWorkload: RuntimeWorkloadSpec = {
  name: 'gc_collect',
  suite: 'gc',
  summary: "pyperformance's gc_collect: 100 rings of 21 doubly linked nodes (slots next, prev), dropped, then one full collection",
  unit: 'collection',
  phases: ['build', PHASE_COLLECT, PHASE_TEARDOWN],
  headline: 1,
  size: GC_COLLECT_RINGS,
  ops: () => [1, 1, 1],
  prepare: (py, rings) => new GcCollectRun(py, rings),
};
