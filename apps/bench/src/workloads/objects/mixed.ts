import type { Ptr } from '@pymem/core';
import type { Runtime } from '@pymem/refcount';
import type { Objects } from '@pymem/objects';
import type { Facts, Laps, RuntimeWorkloadSpec, WorkloadRun } from '../../runtime/api.js';
import { FIRST_UNCACHED_INT, shortStrings } from './inputs.js';

/*
 * mixed: user-class instances, the objects application code makes most.
 * Each step makes two instances and keeps them in a ring of RING_SIZE steps:
 *
 * ```
 *   Point  (attribute dict)   x = new int, y = new float, label = new str   -> instance + dict + keys table
 *   Pair   (slots a, b)       a = the new Point, b = new int               -> instance with two words
 *   ring[i % 16] := the Pair; the Pair it replaces goes, and its Point with it
 * ```
 *
 * One op = one instance made (two per step), its attributes included. The
 * attribute names are interned once, in prepare (interned strs are immortal),
 * so a run leaves no object behind.
 */

/** A user class, as defineClass returns it. */
type PyClass = ReturnType<Objects['instances']['defineClass']>;

const RING_SIZE = 16;
const RING_MASK = RING_SIZE - 1;
/** Instances made per step: a Point and a Pair. */
const INSTANCES_PER_STEP = 2;
const LABELS = 64;
const LABEL_MASK = LABELS - 1;
const FLOAT_OFFSET = 0.25;
/** Steps at --scale 1. */
const MIXED_SIZE = 50_000;

class MixedRun implements WorkloadRun {
  private readonly rt: Runtime;
  private readonly point: PyClass;
  private readonly pair: PyClass;
  private readonly ring = new Uint32Array(RING_SIZE);
  private readonly labels: readonly string[];

  constructor(
    private readonly o: Objects,
    private readonly steps: number,
  ) {
    this.rt = o.rt;
    this.point = this.o.instances.defineClass({ name: 'Point' });
    this.pair = this.o.instances.defineClass({ name: 'Pair', slots: ['a', 'b'] });
    this.labels = shortStrings(LABELS);
    // Intern the attribute names now: the first setattr of a name makes its immortal str.
    this.rt.decref(this.makePair(0));
  }

  run(_laps: Laps, facts: Facts | null): void {
    const { rt, ring } = this;
    for (let i = 0; i < this.steps; i++) {
      const slot = i & RING_MASK;
      const old = ring[slot];
      ring[slot] = this.makePair(i);
      if (old !== 0) rt.decref(old);
    }
    if (facts !== null && this.steps > 0) this.record(facts, ring[(this.steps - 1) & RING_MASK]);
    for (let slot = 0; slot < RING_SIZE; slot++) {
      if (ring[slot] !== 0) rt.decref(ring[slot]);
      ring[slot] = 0;
    }
  }

  private makePair(i: number): Ptr {
    const o = this.o;
    const point = this.point.new();
    this.setNew(this.point, point, 'x', o.int.new(FIRST_UNCACHED_INT + i));
    this.setNew(this.point, point, 'y', o.float.new(i + FLOAT_OFFSET));
    this.setNew(this.point, point, 'label', o.str.new(this.labels[i & LABEL_MASK]));
    const pair = this.pair.new();
    this.setNew(this.pair, pair, 'a', point);
    this.setNew(this.pair, pair, 'b', o.int.new(-(FIRST_UNCACHED_INT + i)));
    return pair;
  }

  /** The measuring pass: the attributes of the last Pair made, and of its Point. */
  private record(facts: Facts, pair: Ptr): void {
    facts.pairAttributes = this.pair.attrs(pair).length;
    facts.pointAttributes = this.point.attrs(this.pair.getattr(pair, 'a')).length;
  }

  /** setattr of a new reference: the instance increfs it, so drop ours. */
  private setNew(cls: PyClass, obj: Ptr, name: string, value: Ptr): void {
    cls.setattr(obj, name, value);
    this.rt.decref(value);
  }
}

export const mixedWorkload: RuntimeWorkloadSpec = {
  name: 'mixed',
  suite: 'objects',
  summary: 'instances: a Point with an attribute dict (int, float, str) in a Pair with two slots; ns/instance',
  unit: 'instance',
  phases: ['mixed'],
  headline: 0,
  size: MIXED_SIZE,
  ops: (steps) => [steps * INSTANCES_PER_STEP],
  prepare: (py, steps) => new MixedRun(py, steps),
};
