/*
 * Who replays when. Every workload is measured in rounds; in each round each
 * active contender replays once, always in the same order, so drift of the
 * machine (thermal, other load) hits every contender alike:
 *
 * ```
 *   round      0        1 .. W            W+1 .. W+R
 *              measure  warm-up (untimed) timed
 *   pool       M        w w               t t t t t t t
 *   thing      M        . .               t t t .  .  .   (slow: fewer runs)
 * ```
 *
 * Round 0 is the measuring pass on the fresh allocator (peak reserved); its
 * duration sizes the rest. A run repeats a short replay until it lasts
 * MIN_RUN_SECONDS. A contender whose runs would overrun the time budget gets
 * fewer warm-ups first, then fewer timed runs (at least one); its timed
 * rounds still start with everyone else's.
 */

/** A timed run lasts at least this long: short replays are repeated within one run. */
export const MIN_RUN_SECONDS = 0.1;
/** Upper bound on the replays one run repeats. */
export const MAX_REPLAYS_PER_RUN = 64;

/**
 * Replays per run for a contender whose replay takes `replaySeconds`: enough
 * that a run lasts MIN_RUN_SECONDS, so timer resolution and short hiccups
 * (another isolate's GC, a context switch) weigh less in each sample.
 */
export function replaysPerRun(replaySeconds: number): number {
  if (!(replaySeconds > 0)) return MAX_REPLAYS_PER_RUN;
  return Math.max(1, Math.min(MAX_REPLAYS_PER_RUN, Math.ceil(MIN_RUN_SECONDS / replaySeconds)));
}

export interface RunSettings {
  /** Untimed runs before the timed ones. */
  warmup: number;
  /** Timed runs. */
  runs: number;
  /** Seconds one contender may spend on one workload's warm-up and timed replays. */
  budgetSeconds: number;
}

/** How many warm-up and timed runs one contender gets on one workload. */
export interface RunPlan {
  warmup: number;
  runs: number;
  /** True when the budget cut warm-ups or runs below the settings. */
  reduced: boolean;
}

/** Fit a contender's runs into the budget, given how long one run takes. */
export function planRuns(runSeconds: number, settings: RunSettings): RunPlan {
  const { warmup, runs, budgetSeconds } = settings;
  const fit = runSeconds > 0 ? Math.floor(budgetSeconds / runSeconds) : Infinity;
  if (fit >= warmup + runs) return { warmup, runs, reduced: false };
  const timed = Math.max(1, Math.min(runs, fit));
  const warm = Math.max(0, Math.min(warmup, fit - timed));
  return { warmup: warm, runs: timed, reduced: warm !== warmup || timed !== runs };
}

/** What a contender does in a round after the measuring pass. */
export type RoundRole = 'idle' | 'warmup' | 'timed';

/** Warm-up rounds everyone's timed rounds wait for: the largest warm-up count. */
export function warmupRounds(plans: readonly RunPlan[]): number {
  return plans.reduce((w, p) => Math.max(w, p.warmup), 0);
}

/** Rounds after the measuring pass: the warm-up rounds, then the longest timed series. */
export function roundCount(plans: readonly RunPlan[]): number {
  return warmupRounds(plans) + plans.reduce((r, p) => Math.max(r, p.runs), 0);
}

/** The role of a contender with `plan` in round `round` (0-based, after the measuring pass). */
export function roundRole(plan: RunPlan, warmup: number, round: number): RoundRole {
  if (round < warmup - plan.warmup) return 'idle';
  if (round < warmup) return 'warmup';
  return round < warmup + plan.runs ? 'timed' : 'idle';
}
