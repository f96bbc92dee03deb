/**
 * What the GC suites share: the strategies they run over, a runtime per test
 * with automatic collection off (CPython's test_gc runs under gc.disable()),
 * and a baseline of live objects to count against.
 */
import type { Ptr } from '@pymem/core';
import { GenerationalGc } from '@pymem/gc-generational';
import { MarkSweepGc } from '@pymem/gc-marksweep';
import { MAX_BUFFER_SIZE, TrialDeletionGc } from '@pymem/gc-trial-deletion';
import { createRuntime, type CreateRuntimeOptions, type PyRuntime } from '../src/index.js';

export type StrategyName = 'generational' | 'trial-deletion' | 'mark-sweep' | 'none';

export interface StrategyCase {
  readonly name: StrategyName;
  /** Whether collect() frees garbage cycles (false for 'none': cycles leak). */
  readonly collectsCycles: boolean;
  /**
   * A runtime under this strategy. By default automatic collection is off
   * (collections happen when a test asks, as test_gc runs under
   * gc.disable()); `automatic: true` keeps the strategy's defaults.
   */
  runtime: (options?: RuntimeOptions, mode?: { automatic?: boolean }) => PyRuntime;
}

export type RuntimeOptions = Omit<CreateRuntimeOptions, 'gc'>;

function makeRuntime(name: StrategyName, options: RuntimeOptions = {}, automatic = false): PyRuntime {
  // Trial deletion collects when its candidate buffer fills, and has no switch: a buffer it never fills.
  if (name === 'trial-deletion' && !automatic) return createRuntime({ ...options, gc: new TrialDeletionGc({ bufferSize: MAX_BUFFER_SIZE }) });
  const py = createRuntime({ ...options, gc: name });
  if (!automatic && (py.gc instanceof GenerationalGc || py.gc instanceof MarkSweepGc)) py.gc.disable();
  return py;
}

const strategy = (name: StrategyName): StrategyCase => ({
  name,
  collectsCycles: name !== 'none',
  runtime: (options, mode) => makeRuntime(name, options, mode?.automatic ?? false),
});

/** The cycle collectors every scenario runs over. */
export const CYCLE_STRATEGIES: readonly StrategyCase[] = [strategy('generational'), strategy('trial-deletion'), strategy('mark-sweep')];

/** Refcounting alone: the scenarios that say what must leak. */
export const NONE: StrategyCase = strategy('none');

/**
 * Attribute names the tests use. Interning makes an immortal str (a live
 * object), so they are interned before the baseline is taken.
 */
export const ATTR_NAMES = ['a', 'b', 'me', 'cargo', 'laz', 'wr', 'other', 'attr', 'x', 'loop', 'i', 'c', 'keep', 'next', 'k0', 'k1', 'k2', 'k3'];

export interface Fixture {
  py: PyRuntime;
  /** Live objects now minus live objects at the baseline. */
  live: () => number;
  /** Throw unless exactly the baseline's objects are alive: nothing made since is left. */
  atBaseline: () => void;
}

/** A runtime under `s` with the attribute names interned and a baseline taken. */
export function fixture(s: StrategyCase, options?: RuntimeOptions): Fixture {
  const py = s.runtime(options);
  for (const name of ATTR_NAMES) py.str.intern(name);
  const objects = py.stats().liveObjects;
  return {
    py,
    live: () => py.stats().liveObjects - objects,
    atBaseline: () => {
      if (py.stats().liveObjects !== objects) {
        throw new Error(`expected ${objects} live objects (the baseline), found ${py.stats().liveObjects}`);
      }
    },
  };
}

/** Counts finalizer calls per object. */
export class FinalizerLog {
  readonly calls = new Map<Ptr, number>();
  record(p: Ptr): void {
    this.calls.set(p, (this.calls.get(p) ?? 0) + 1);
  }
  count(p: Ptr): number {
    return this.calls.get(p) ?? 0;
  }
  get total(): number {
    let n = 0;
    for (const c of this.calls.values()) n += c;
    return n;
  }
}
