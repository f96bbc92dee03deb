import { describe, expect, it } from 'vitest';
import { median, medianAbsoluteDeviation, summarize } from '../src/index.js';
import { prng } from './fixtures.js';

/** The model: sort, take the middle (or the mean of the two middles). */
function modelMedian(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

function randomSamples(rand: () => number): number[] {
  const n = 1 + Math.floor(rand() * 15);
  return Array.from({ length: n }, () => Math.round(rand() * 1000) / 10);
}

describe('median', () => {
  it('takes the middle of an odd count and the mean of the middles of an even count', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('throws on an empty list', () => {
    expect(() => median([])).toThrow(RangeError);
  });

  it('does not reorder its input', () => {
    const xs = [3, 1, 2];
    median(xs);
    expect(xs).toEqual([3, 1, 2]);
  });

  it('matches the sorting model on random samples', () => {
    const rand = prng(42);
    for (let k = 0; k < 500; k++) {
      const xs = randomSamples(rand);
      expect(median(xs)).toBe(modelMedian(xs));
    }
  });
});

describe('summarize', () => {
  it('gives median, min, max and MAD / median', () => {
    const s = summarize([10, 11, 12, 100]);
    expect(s.median).toBe(11.5);
    expect(s.min).toBe(10);
    expect(s.max).toBe(100);
    // |x - 11.5| = 1.5, 0.5, 0.5, 88.5 -> median 1.0
    expect(medianAbsoluteDeviation([10, 11, 12, 100])).toBe(1);
    expect(s.rmad).toBeCloseTo(1 / 11.5, 12);
  });

  it('has no spread for one sample or identical samples', () => {
    expect(summarize([42]).rmad).toBe(0);
    expect(summarize([3, 3, 3]).rmad).toBe(0);
  });

  it('keeps min <= median <= max and a robust rmad on random samples', () => {
    const rand = prng(7);
    for (let k = 0; k < 500; k++) {
      const xs = randomSamples(rand).map((x) => x + 1);
      const s = summarize(xs);
      expect(s.min).toBe(Math.min(...xs));
      expect(s.max).toBe(Math.max(...xs));
      expect(s.min).toBeLessThanOrEqual(s.median);
      expect(s.median).toBeLessThanOrEqual(s.max);
      expect(s.rmad).toBeGreaterThanOrEqual(0);
      // One wild outlier does not move the MAD much (it would move a standard deviation).
      const withOutlier = summarize([...xs, ...xs, 1e9]);
      expect(withOutlier.rmad * withOutlier.median).toBeLessThanOrEqual((s.max - s.min) + 1e-9);
    }
  });
});
