/**
 * The model behind gc-graphs.test.ts: a random object graph described as
 * data, what refcounting alone frees of it, what a cycle collector frees of
 * it, and the references each surviving node must hold.
 *
 * A graph has n nodes of six kinds and a list of edges `from -> to`:
 *
 * ```
 *   list    edges append (duplicates allowed)          list.items == children
 *   dict    edge m sets d['k<m>'] = to                 one str key per edge
 *   tuple   [None, ...children], fixed at creation:    only edges to non-tuples and to
 *           its edges must exist before it             tuples of lower index count;
 *                                                      others are dropped
 *   inst    a dict class; edge m sets attribute k<m>
 *   slots   a slot class (s0, s1, s2); edge m sets s<m % 3>: later edges overwrite
 *   fin     a dict class with a finalizer (counts its calls)
 * ```
 *
 * Tuples get a leading None so that none is empty (the empty tuple is an
 * immortal singleton, not a node). Cycles through tuples go through the
 * mutable kinds, as in Python.
 */

export const KINDS = ['list', 'dict', 'tuple', 'inst', 'slots', 'fin'] as const;
export type Kind = (typeof KINDS)[number];
export const SLOT_NAMES = ['s0', 's1', 's2'] as const;

export interface GraphSpec {
  kinds: Kind[];
  edges: [number, number][];
  /** Nodes the test keeps its own reference to. */
  roots: number[];
  /** Nodes registered with mark-sweep's addRoot (the test then drops its reference). */
  explicitRoots: number[];
  /**
   * A full collection while building, before edge `collectAt` is added (none
   * when beyond the last edge): everything is held then, so nothing may be
   * freed, but generational untracks the empty dicts and atomic tuples that
   * the edges then fill.
   */
  collectAt: number;
}

/** What one node holds once built: [key, child] in the order the container reports them. */
export interface NodeContents {
  kind: Kind;
  /** list / tuple: children in order (tuple: after its leading None). */
  items: number[];
  /** dict / inst / slots / fin: key or attribute name -> child, in insertion order. */
  entries: Map<string, number>;
}

/** The contents each node ends up with, from the spec (edges applied in order). */
export function buildContents(spec: GraphSpec): NodeContents[] {
  const nodes: NodeContents[] = spec.kinds.map((kind) => ({ kind, items: [], entries: new Map() }));
  spec.edges.forEach(([from, to], m) => {
    const node = nodes[from];
    switch (node.kind) {
      case 'list':
        node.items.push(to);
        break;
      case 'tuple':
        if (spec.kinds[to] !== 'tuple' || to < from) node.items.push(to);
        break;
      case 'slots':
        node.entries.set(SLOT_NAMES[m % SLOT_NAMES.length], to);
        break;
      default:
        node.entries.set(`k${m}`, to);
    }
  });
  return nodes;
}

/** The children of a node, with multiplicity (every strong reference it holds to a node). */
export function childrenOf(node: NodeContents): number[] {
  return node.kind === 'list' || node.kind === 'tuple' ? node.items : [...node.entries.values()];
}

/**
 * Whether a live node must be tracked: lists and instances always; a dict or
 * tuple once it holds a container that is not a tuple (CPython untracks only
 * containers whose contents cannot take part in a cycle).
 */
export function mustBeTracked(nodes: readonly NodeContents[], i: number): boolean {
  const node = nodes[i];
  if (node.kind !== 'dict' && node.kind !== 'tuple') return true;
  return childrenOf(node).some((c) => nodes[c].kind !== 'tuple');
}

/** Nodes reachable from `from` (what a cycle collector keeps). */
export function reachable(nodes: readonly NodeContents[], from: Iterable<number>): Set<number> {
  const seen = new Set<number>();
  const stack = [...from];
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (seen.has(i)) continue;
    seen.add(i);
    for (const c of childrenOf(nodes[i])) if (!seen.has(c)) stack.push(c);
  }
  return seen;
}

/**
 * What refcounting alone keeps: repeatedly free a node whose count (references
 * from nodes still alive, plus outside references) is zero. What remains is
 * everything reachable from the outside references plus everything a garbage
 * cycle holds.
 */
export function survivorsOfRefcounting(nodes: readonly NodeContents[], outside: ReadonlyMap<number, number>): Set<number> {
  const counts = nodes.map((_node, i) => outside.get(i) ?? 0);
  nodes.forEach((node) => {
    for (const c of childrenOf(node)) counts[c]++;
  });
  const alive = new Set(nodes.map((_node, i) => i));
  const dying = [...alive].filter((i) => counts[i] === 0);
  while (dying.length > 0) {
    const i = dying.pop()!;
    alive.delete(i);
    for (const c of childrenOf(nodes[i])) if (--counts[c] === 0) dying.push(c);
  }
  return alive;
}

/** The refcount each node of `alive` must have: references from alive nodes plus outside ones. */
export function expectedRefcounts(nodes: readonly NodeContents[], alive: ReadonlySet<number>, outside: ReadonlyMap<number, number>): Map<number, number> {
  const counts = new Map<number, number>();
  for (const i of alive) counts.set(i, outside.get(i) ?? 0);
  for (const i of alive) for (const c of childrenOf(nodes[i])) counts.set(c, counts.get(c)! + 1);
  return counts;
}
