/**
 * Test helpers shared by pymem's packages. Private: tests import it from
 * source (the `source` export condition); it is never built or published.
 */
import fc from 'fast-check';

/** Longest a failing property test spends shrinking its counterexample. */
export const SHRINK_BUDGET_MS = 30_000;

/**
 * fc.assert with a bounded failure. The runs go without shrinking, so a
 * passing property does exactly its numRuns runs however slow the machine;
 * a failure is then replayed from its seed and path and shrunk for at most
 * SHRINK_BUDGET_MS (fast-check's interruptAfterTimeLimit), and reported by
 * fc.assert with the smallest counterexample found by then and the seed and
 * path that replay it. (Unbounded, shrinking a 2,000-operation sequence
 * took over four minutes.)
 */
export function assertProperty<Ts>(property: fc.IProperty<Ts>, params: fc.Parameters<Ts> = {}): void {
  const found = fc.check(property, { ...params, endOnFailure: true });
  if (!found.failed) return;
  if (found.counterexamplePath !== null) {
    fc.assert(property, {
      ...params,
      seed: found.seed,
      path: found.counterexamplePath,
      endOnFailure: false,
      interruptAfterTimeLimit: SHRINK_BUDGET_MS,
    });
  }
  // No counterexample to replay (too many skips), or the replay passed (a
  // property that depends on more than its input): report the first run.
  throw new Error(fc.defaultReportMessage(found) ?? `property failed (seed ${found.seed})`);
}
