import { OBJECT_HEADER_SIZE, TypeFlags, type ObjectContext, type Ptr, type VisitProc } from '@pymem/core';
import type { Runtime } from '@pymem/refcount';
import { WORD, type Objects } from '@pymem/objects';
import type { Facts, Laps, RuntimeWorkloadSpec, WorkloadRun } from '../../runtime/api.js';

/*
 * deep_chain: two chains DEPTH objects deep, each dropped by one decref of
 * its head. Freeing them is the runtime's trashcan at work: every object
 * whose refcount reaches zero inside a dealloc waits on the deferred stack,
 * so the JS stack stays flat however deep the chain.
 *
 * ```
 *   lists:  head = [ [ [ ... [ ] ... ] ] ]     each list holds the next in item 0
 *   nodes:  head -> node -> node -> ... -> node -> NULL
 *
 *   ChainNode (a user type, GC):  +0 header | +8 u32 next (owned reference, 0 at the tail)
 * ```
 *
 * Phases: `build` makes both chains (lists first, by append; nodes by storing
 * the previous head), `dealloc` decrefs both heads. One op = one object: a
 * list counts once although its item array is a second block. The headline
 * is `dealloc`; `build` is reported beside it.
 */

/** Chain depth at --scale 1 (the 10^6). */
const DEEP_CHAIN_SIZE = 1_000_000;
/** Objects per chain link: one list plus one node. */
const CHAINS = 2;
const PHASE_BUILD = 0;
const PHASE_DEALLOC = 1;

/** The node type's one field: the next node (an owned reference) or 0. */
export const NODE_NEXT = OBJECT_HEADER_SIZE;
const NODE_BASIC_SIZE = NODE_NEXT + WORD;

function nextOf(heap: ObjectContext['heap'], node: Ptr): Ptr {
  return heap.u32[(node + NODE_NEXT) >>> 2];
}

/** Register the chain's node type on `rt`; returns its type id. */
export function registerChainNode(rt: Runtime): number {
  return rt.registerType({
    name: 'ChainNode',
    basicSize: NODE_BASIC_SIZE,
    flags: TypeFlags.GC,
    dealloc: (ctx: ObjectContext, node: Ptr) => ctx.xdecref(nextOf(ctx.heap, node)),
    traverse: (node: Ptr, visit: VisitProc, arg: number) => {
      const next = nextOf(rt.heap, node);
      return next === 0 ? 0 : visit(next, arg);
    },
  });
}

class DeepChainRun implements WorkloadRun {
  private readonly rt: Runtime;
  private readonly nodeType: number;

  constructor(
    private readonly o: Objects,
    private readonly depth: number,
  ) {
    this.rt = o.rt;
    this.nodeType = registerChainNode(o.rt);
  }

  run(laps: Laps, facts: Facts | null): void {
    const liveBefore = facts === null ? 0 : this.rt.stats().liveObjects;
    const lists = this.buildLists();
    const nodes = this.buildNodes();
    if (facts !== null) {
      facts.listChainDepth = this.listDepth(lists);
      facts.nodeChainDepth = this.nodeDepth(nodes);
      facts.liveAfterBuild = this.rt.stats().liveObjects - liveBefore;
    }
    laps.mark();
    this.rt.decref(lists);
    this.rt.decref(nodes);
  }

  /** [[[...]]]: each new list appends the previous head, then the head's own reference is dropped. */
  private buildLists(): Ptr {
    const { o, rt } = this;
    let head = o.list.new();
    for (let i = 1; i < this.depth; i++) {
      const outer = o.list.new();
      o.list.append(outer, head);
      rt.decref(head);
      head = outer;
    }
    return head;
  }

  /** Each new node takes over the reference to the previous head. */
  private buildNodes(): Ptr {
    const rt = this.rt;
    let head: Ptr = 0;
    for (let i = 0; i < this.depth; i++) {
      const node = rt.newObject(this.nodeType);
      rt.heap.u32[(node + NODE_NEXT) >>> 2] = head;
      head = node;
    }
    return head;
  }

  private listDepth(head: Ptr): number {
    let depth = 1;
    for (let l = head; this.o.list.size(l) > 0; l = this.o.list.get(l, 0)) depth++;
    return depth;
  }

  private nodeDepth(head: Ptr): number {
    let depth = 0;
    for (let n = head; n !== 0; n = nextOf(this.rt.heap, n)) depth++;
    return depth;
  }
}

export const deepChainWorkload: RuntimeWorkloadSpec = {
  name: 'deep_chain',
  suite: 'objects',
  summary: 'a list nested 10^6 deep and a 10^6-node chain of a user type, each dropped by one decref; ns/object freed, build apart',
  unit: 'object',
  phases: ['build', 'dealloc'],
  headline: PHASE_DEALLOC,
  size: DEEP_CHAIN_SIZE,
  ops: (depth) => {
    const ops = [0, 0];
    ops[PHASE_BUILD] = CHAINS * depth;
    ops[PHASE_DEALLOC] = CHAINS * depth;
    return ops;
  },
  prepare: (py, depth) => new DeepChainRun(py, depth),
};
