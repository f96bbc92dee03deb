import { describe, expect, it } from 'vitest';
import {
  MAX_REPLAYS_PER_RUN,
  MIN_RUN_SECONDS,
  planRuns,
  replaysPerRun,
  roundCount,
  roundRole,
  warmupRounds,
  type RunPlan,
} from '../src/index.js';
import { prng } from './fixtures.js';

const settings = { warmup: 2, runs: 7, budgetSeconds: 30 };

describe('planRuns', () => {
  it('keeps the settings when every replay fits in the budget', () => {
    expect(planRuns(0.05, settings)).toEqual({ warmup: 2, runs: 7, reduced: false });
    expect(planRuns(30 / 9, settings)).toEqual({ warmup: 2, runs: 7, reduced: false });
  });

  it('drops warm-ups before timed runs', () => {
    expect(planRuns(30 / 8, settings)).toEqual({ warmup: 1, runs: 7, reduced: true });
    expect(planRuns(4, settings)).toEqual({ warmup: 0, runs: 7, reduced: true });
  });

  it('then cuts timed runs, down to one', () => {
    expect(planRuns(8.5, settings)).toEqual({ warmup: 0, runs: 3, reduced: true });
    expect(planRuns(1000, settings)).toEqual({ warmup: 0, runs: 1, reduced: true });
  });

  it('never plans more than the settings nor less than one timed run', () => {
    const rand = prng(3);
    for (let k = 0; k < 1000; k++) {
      const s = { warmup: Math.floor(rand() * 5), runs: 1 + Math.floor(rand() * 10), budgetSeconds: 1 + rand() * 60 };
      const seconds = rand() * 20;
      const p = planRuns(seconds, s);
      expect(p.runs).toBeGreaterThanOrEqual(1);
      expect(p.runs).toBeLessThanOrEqual(s.runs);
      expect(p.warmup).toBeLessThanOrEqual(s.warmup);
      expect(p.warmup).toBeGreaterThanOrEqual(0);
      expect(p.reduced).toBe(p.runs !== s.runs || p.warmup !== s.warmup);
      if (p.reduced && p.runs > 1) expect((p.runs + p.warmup) * seconds).toBeLessThanOrEqual(s.budgetSeconds + 1e-9);
    }
  });
});

describe('rounds', () => {
  it('starts everyone’s timed rounds together', () => {
    const fast: RunPlan = { warmup: 2, runs: 7, reduced: false };
    const slow: RunPlan = { warmup: 0, runs: 3, reduced: true };
    const w = warmupRounds([fast, slow]);
    expect(w).toBe(2);
    expect(roundCount([fast, slow])).toBe(9);
    const roles = (p: RunPlan) => Array.from({ length: 9 }, (_, r) => roundRole(p, w, r));
    expect(roles(fast)).toEqual(['warmup', 'warmup', ...Array<string>(7).fill('timed')]);
    expect(roles(slow)).toEqual(['idle', 'idle', 'timed', 'timed', 'timed', 'idle', 'idle', 'idle', 'idle']);
  });

  it('gives every plan exactly its warm-ups and runs', () => {
    const rand = prng(11);
    for (let k = 0; k < 300; k++) {
      const plans = Array.from({ length: 1 + Math.floor(rand() * 5) }, () => ({
        warmup: Math.floor(rand() * 4),
        runs: 1 + Math.floor(rand() * 8),
        reduced: false,
      }));
      const w = warmupRounds(plans);
      const n = roundCount(plans);
      for (const p of plans) {
        const roles = Array.from({ length: n }, (_, r) => roundRole(p, w, r));
        expect(roles.filter((r) => r === 'warmup').length).toBe(p.warmup);
        expect(roles.filter((r) => r === 'timed').length).toBe(p.runs);
        // Warm-ups come right before the first timed round, which is round w for everyone.
        expect(roles.indexOf('timed')).toBe(w);
      }
    }
  });
});

describe('replaysPerRun', () => {
  it('repeats short replays until a run lasts MIN_RUN_SECONDS, within bounds', () => {
    expect(replaysPerRun(1)).toBe(1);
    expect(replaysPerRun(MIN_RUN_SECONDS)).toBe(1);
    expect(replaysPerRun(MIN_RUN_SECONDS / 4)).toBe(4);
    expect(replaysPerRun(MIN_RUN_SECONDS / 4.5)).toBe(5);
    expect(replaysPerRun(1e-9)).toBe(MAX_REPLAYS_PER_RUN);
    expect(replaysPerRun(0)).toBe(MAX_REPLAYS_PER_RUN);
  });

  it('makes every run reach MIN_RUN_SECONDS unless capped', () => {
    const rand = prng(5);
    for (let k = 0; k < 1000; k++) {
      const seconds = rand() * 0.3;
      const n = replaysPerRun(seconds);
      if (n < MAX_REPLAYS_PER_RUN) expect(n * seconds).toBeGreaterThanOrEqual(MIN_RUN_SECONDS - 1e-12);
      if (n > 1) expect((n - 1) * seconds).toBeLessThan(MIN_RUN_SECONDS);
    }
  });
});
