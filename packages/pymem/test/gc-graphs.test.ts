/**
 * Random object graphs (lists, dicts, tuples, instances, instances with
 * finalizers) with random root sets, against the model of graph-model.ts:
 *
 * 1. build the graph (the test holds one reference to every node);
 * 2. mark-sweep only: register some nodes with addRoot;
 * 3. drop every reference the test does not keep as a root. Refcounting
 *    frees the acyclic garbage at once, under every strategy;
 * 4. collect(). Then: everything reachable from the roots is alive, its
 *    contents unchanged and its refcount what the model says; everything
 *    unreachable is freed (under 'none': only what refcounting frees); each
 *    finalizer of a freed node ran exactly once, none of a live node;
 * 5. drop the roots and collect (under 'none': break the cycles by hand):
 *    nothing is left, every finalizer ran exactly once.
 *
 * A runtime serves many graphs (making one costs ~5 ms): each run ends
 * with the runtime back at its baseline, which step 5 asserts. A failed run
 * throws the runtime away, so a shrinking replay starts clean.
 */
import type { Ptr } from '@pymem/core';
import { MarkSweepGc } from '@pymem/gc-marksweep';
import { assertProperty } from '@pymem/testing';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import type { PyRuntime } from '../src/index.js';
import { KINDS, SLOT_NAMES, buildContents, expectedRefcounts, mustBeTracked, reachable, survivorsOfRefcounting, type GraphSpec, type NodeContents } from './graph-model.js';
import { CYCLE_STRATEGIES, NONE, type StrategyCase } from './helpers.js';

const MAX_NODES = 24;
const MAX_EDGES_PER_NODE = 3;
const MAX_EXPLICIT_ROOTS = 3;
/** Graphs per strategy and heap backend: 3 cycle strategies x 2 backends x 1,700 + 'none' x 2 x 500 = 11,200. */
const RUNS_PER_CYCLE_STRATEGY = 1_700;
const RUNS_FOR_NONE = 500;
const BACKENDS = ['arraybuffer', 'wasm'] as const;

const graphArb = (explicitRoots: boolean): fc.Arbitrary<GraphSpec> =>
  fc.integer({ min: 1, max: MAX_NODES }).chain((n) =>
    fc.record({
      kinds: fc.array(fc.constantFrom(...KINDS), { minLength: n, maxLength: n }),
      edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: MAX_EDGES_PER_NODE * n }),
      roots: fc.uniqueArray(fc.nat(n - 1), { maxLength: n }),
      explicitRoots: explicitRoots ? fc.uniqueArray(fc.nat(n - 1), { maxLength: MAX_EXPLICIT_ROOTS }) : fc.constant([]),
      collectAt: fc.nat(2 * MAX_EDGES_PER_NODE * n),
    }),
  );

/** One runtime and what it needs to build graphs: the classes, the finalizer log. */
class GraphWorld {
  readonly py: PyRuntime;
  /** The collector's explicit roots, when it has them (mark-sweep). */
  readonly rooting: MarkSweepGc | null;
  private readonly baseline: number;
  readonly classes;
  /** Finalizer calls by node index, for the graph being run. */
  finalized = new Map<number, number>();
  private indexOf = new Map<Ptr, number>();

  constructor(s: StrategyCase, backend: (typeof BACKENDS)[number]) {
    // Automatic collection on (the strategy's defaults): it may run at any allocation or decref.
    this.py = s.runtime({ heap: { backend } }, { automatic: true });
    this.rooting = this.py.gc instanceof MarkSweepGc ? this.py.gc : null;
    for (let m = 0; m < MAX_EDGES_PER_NODE * MAX_NODES; m++) this.py.str.intern(`k${m}`);
    const record = (self: Ptr) => {
      const i = this.indexOf.get(self)!;
      this.finalized.set(i, (this.finalized.get(i) ?? 0) + 1);
    };
    this.classes = {
      inst: this.py.instances.defineClass({ name: 'Inst' }),
      slots: this.py.instances.defineClass({ name: 'Slots', slots: SLOT_NAMES }),
      fin: this.py.instances.defineClass({ name: 'Fin', finalize: (_o, self) => record(self) }),
    };
    this.baseline = this.py.stats().liveObjects;
  }

  /** Make the nodes and their references; the test holds one reference to each node. */
  build(spec: GraphSpec, nodes: readonly NodeContents[]): Ptr[] {
    const { py } = this;
    const ptrs: Ptr[] = new Array<Ptr>(nodes.length).fill(0);
    nodes.forEach((node, i) => {
      if (node.kind !== 'tuple') ptrs[i] = this.makeEmpty(node);
    });
    nodes.forEach((node, i) => {
      if (node.kind === 'tuple') ptrs[i] = py.tuple.new([py.None, ...node.items.map((c) => ptrs[c])]);
    });
    this.indexOf = new Map(ptrs.map((p, i) => [p, i]));
    this.finalized = new Map();
    spec.edges.forEach(([from, to], m) => {
      if (m === spec.collectAt) this.collectWhileBuilding(ptrs.length);
      this.addEdge(nodes[from], ptrs[from], ptrs[to], m);
    });
    return ptrs;
  }

  /** Everything is held while building: a collection then must free none of it. */
  private collectWhileBuilding(nodeCount: number): void {
    const live = this.py.stats().liveObjects;
    this.py.collect();
    if (this.py.stats().liveObjects !== live) throw new Error(`a collection while building freed objects (${nodeCount} nodes, all held)`);
  }

  /** Throw unless a live node's contents are what the model built. */
  checkContents(node: NodeContents, p: Ptr, ptrs: readonly Ptr[], i: number): void {
    const { py } = this;
    const want = (children: readonly number[]) => children.map((c) => ptrs[c]);
    switch (node.kind) {
      case 'list':
        sameItems(py.list.items(p), want(node.items), i);
        return;
      case 'tuple':
        sameItems(py.tuple.items(p), [py.None, ...want(node.items)], i);
        return;
      case 'dict':
        check(py.dict.size(p) === node.entries.size, i, 'dict size');
        for (const [key, c] of node.entries) check(py.dict.getStr(p, key) === ptrs[c], i, `d['${key}']`);
        return;
      default: {
        const cls = this.classes[node.kind];
        const names = [...node.entries.keys()];
        if (node.kind === 'slots') names.sort();
        sameItems(cls.attrs(p), names, i);
        for (const [name, c] of node.entries) check(cls.getattr(p, name) === ptrs[c], i, `attribute ${name}`);
      }
    }
  }

  /** The runtime is back where it started: every object a graph made is gone. */
  checkBaseline(): void {
    const live = this.py.stats().liveObjects;
    if (live !== this.baseline) throw new Error(`${live - this.baseline} objects left after cleanup`);
  }

  private makeEmpty(node: NodeContents): Ptr {
    switch (node.kind) {
      case 'list':
        return this.py.list.new();
      case 'dict':
        return this.py.dict.new();
      case 'tuple':
        throw new Error('tuples are made with their items');
      default:
        return this.classes[node.kind].new();
    }
  }

  private addEdge(node: NodeContents, from: Ptr, to: Ptr, m: number): void {
    switch (node.kind) {
      case 'list':
        this.py.list.append(from, to);
        return;
      case 'tuple':
        return; // made with its items
      case 'dict':
        this.py.dict.setStr(from, `k${m}`, to);
        return;
      case 'slots':
        this.classes.slots.setattr(from, SLOT_NAMES[m % SLOT_NAMES.length], to);
        return;
      default:
        this.classes[node.kind].setattr(from, `k${m}`, to);
    }
  }
}

/** Run one graph through build, drop, collect and cleanup in `world`, asserting the model at each step. */
function runGraph(world: GraphWorld, s: StrategyCase, spec: GraphSpec): void {
  const { py } = world;
  const nodes = buildContents(spec);
  const ptrs = world.build(spec, nodes);
  const roots = new Set(spec.roots);
  const explicit = world.rooting === null ? new Set<number>() : new Set(spec.explicitRoots);
  const handles = [...explicit].map((i) => world.rooting!.addRoot(ptrs[i]));
  // Outside references once the test has dropped its others: its roots and the root table's.
  const outside = new Map<number, number>();
  for (const i of roots) outside.set(i, 1);
  for (const i of explicit) outside.set(i, (outside.get(i) ?? 0) + 1);
  ptrs.forEach((p, i) => {
    if (!roots.has(i)) py.decref(p);
  });

  // Refcounting frees the acyclic garbage at once, whatever the strategy.
  const afterRefcounting = survivorsOfRefcounting(nodes, outside);
  ptrs.forEach((p, i) => {
    if (!afterRefcounting.has(i)) check(!py.rt.isObject(p), i, 'not freed by refcounting');
  });

  py.collect();
  const alive = s.collectsCycles ? reachable(nodes, outside.keys()) : afterRefcounting;
  const refcounts = expectedRefcounts(nodes, alive, outside);
  ptrs.forEach((p, i) => {
    const node = nodes[i];
    if (!alive.has(i)) {
      check(!py.rt.isObject(p), i, `${node.kind} not freed by collect()`);
      if (node.kind === 'fin') check(world.finalized.get(i) === 1, i, `finalizer ran ${world.finalized.get(i) ?? 0} times`);
      return;
    }
    check(py.rt.isObject(p), i, `${node.kind} freed though alive`);
    check(py.refcount(p) === refcounts.get(i), i, `refcount ${py.refcount(p)}, expected ${refcounts.get(i)}`);
    world.checkContents(node, p, ptrs, i);
    check(!world.finalized.has(i), i, 'finalizer ran on a live object');
    if (s.collectsCycles && mustBeTracked(nodes, i)) check(py.rt.isTracked(p), i, `${node.kind} holding containers is untracked`);
  });

  // Cleanup: drop the roots; 'none' breaks the cycles it leaked by hand.
  if (!s.collectsCycles) breakCycles(world, nodes, ptrs, alive);
  for (const i of roots) py.decref(ptrs[i]);
  for (const h of handles) world.rooting!.removeRoot(h);
  py.collect();
  world.checkBaseline();
  nodes.forEach((node, i) => {
    if (node.kind === 'fin') check(world.finalized.get(i) === 1, i, `finalizer ran ${world.finalized.get(i) ?? 0} times by the end`);
  });
}

/** Throw (a property failure naming the node) unless `ok`. Plain code: expect() per check costs too much for 10^4 graphs. */
function check(ok: boolean, node: number, what: string): void {
  if (!ok) throw new Error(`node ${node}: ${what}`);
}

function sameItems<T>(got: readonly T[], want: readonly T[], node: number): void {
  check(got.length === want.length && got.every((x, k) => x === want[k]), node, `items [${String(got)}], expected [${String(want)}]`);
}

/** Empty every leaked container (holding a reference to each meanwhile), so refcounting frees them. */
function breakCycles(world: GraphWorld, nodes: readonly NodeContents[], ptrs: readonly Ptr[], alive: ReadonlySet<number>): void {
  const { py } = world;
  const held = [...alive].map((i) => ptrs[i]);
  for (const p of held) py.incref(p);
  for (const i of alive) {
    const p = ptrs[i];
    const node = nodes[i];
    if (node.kind === 'list') py.list.clear(p);
    else if (node.kind === 'dict') py.dict.clear(p);
    else if (node.kind !== 'tuple') {
      const cls = world.classes[node.kind];
      for (const name of node.entries.keys()) if (cls.hasattr(p, name)) cls.delattr(p, name);
    }
  }
  for (const p of held) py.decref(p);
}

function checkGraphs(s: StrategyCase, backend: (typeof BACKENDS)[number], numRuns: number): void {
  let world: GraphWorld | null = null;
  assertProperty(
    fc.property(graphArb(s.name === 'mark-sweep'), (spec) => {
      world ??= new GraphWorld(s, backend);
      try {
        runGraph(world, s, spec);
      } catch (error) {
        world = null; // a failed run may leave objects behind: the next one starts clean
        throw error;
      }
    }),
    { numRuns },
  );
}

describe.each(CYCLE_STRATEGIES)('random object graphs under $name', (s) => {
  it.each(BACKENDS)('on a %s heap: reachable objects intact, all garbage freed, finalizers once', (backend) => {
    checkGraphs(s, backend, RUNS_PER_CYCLE_STRATEGY);
  });
});

describe("random object graphs under 'none'", () => {
  it.each(BACKENDS)('on a %s heap: reachable objects and leaked cycles intact, acyclic garbage freed', (backend) => {
    checkGraphs(NONE, backend, RUNS_FOR_NONE);
  });
});
