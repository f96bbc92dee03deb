/**
 * Summary statistics of a contender's timed runs. Benchmarks are skewed (a
 * run can only be slowed down by noise, never sped up), so the centre is the
 * median and the spread is given twice: min..max, and the median absolute
 * deviation relative to the median (robust against one bad run).
 */
export interface RunSummary {
  /** Median of the samples. */
  median: number;
  min: number;
  max: number;
  /** median(|x - median|) / median; 0 for a single sample. */
  rmad: number;
}

/** Median of a non-empty list (the mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('median of an empty list');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Median absolute deviation from the median. */
export function medianAbsoluteDeviation(xs: readonly number[]): number {
  const m = median(xs);
  return median(xs.map((x) => Math.abs(x - m)));
}

/** Median, min, max and relative MAD of a non-empty list. */
export function summarize(xs: readonly number[]): RunSummary {
  const m = median(xs);
  return {
    median: m,
    min: Math.min(...xs),
    max: Math.max(...xs),
    rmad: m > 0 ? medianAbsoluteDeviation(xs) / m : 0,
  };
}
