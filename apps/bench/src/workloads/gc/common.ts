import { GenerationalGc, MarkSweepGc, TrialDeletionGc, type GcStrategy } from 'pymem';

/*
 * What the three GC workloads share: how many collections a strategy has run,
 * and the per-run check that a collection found what the shape says it must.
 * The checks run in every run (a comparison, on the clock, too cheap to
 * matter), so a strategy that misses garbage, or frees live objects, fails
 * its series instead of posting a fast time.
 */

/** The strategy that never collects (refcounting alone). */
export const NO_GC = 'none';

/** Phase names shared by the workloads. */
export const PHASE_COLLECT = 'collect';
export const PHASE_TEARDOWN = 'teardown';

/** Whether `gc` finds cycles at all: every strategy but `none`. */
export function collectsCycles(gc: GcStrategy): boolean {
  return gc.name !== NO_GC;
}

/**
 * Collections the strategy has run so far, automatic and on demand, from its
 * own statistics. `none` runs none (its collect() returns at once), and a
 * strategy this bench does not know reports 0.
 */
export function collectionsSoFar(gc: GcStrategy): number {
  if (gc instanceof GenerationalGc) {
    // Each collection is counted once, under the oldest generation it took in.
    return gc.getStats().reduce((sum, generation) => sum + generation.collections, 0);
  }
  if (gc instanceof TrialDeletionGc) return gc.stats().collections;
  if (gc instanceof MarkSweepGc) return gc.stats().collections;
  return 0;
}

/** Throw unless a collection found `expected` objects (the run then fails its contender, with this message). */
export function expectCollected(workload: string, gc: GcStrategy, found: number, expected: number): void {
  if (found !== expected) {
    throw new Error(`${workload}: a full collection under ${gc.name} found ${found} unreachable objects; the shape makes ${expected}`);
  }
}
