/**
 * Statistic and StatisticDiff: one group of traces (by file, line or
 * traceback), printed exactly like CPython's tracemalloc:
 *
 *   file:line: size=163 KiB, count=2001, average=83 B
 *   file:line: size=163 KiB (+163 KiB), count=2001 (+2001), average=83 B
 *
 * The average is left out when count is 0 (a group only the old snapshot had).
 */
import { formatSignedCount, formatSize } from './format.js';
import { compareTracebacks, type Traceback } from './frames.js';

export class Statistic {
  readonly traceback: Traceback;
  size: number;
  count: number;
  constructor(traceback: Traceback, size: number, count: number) {
    this.traceback = traceback;
    this.size = size;
    this.count = count;
  }
  toString(): string {
    let text = `${this.traceback.toString()}: size=${formatSize(this.size, false)}, count=${this.count}`;
    if (this.count !== 0) text += `, average=${formatSize(this.size / this.count, false)}`;
    return text;
  }
}

export class StatisticDiff {
  readonly traceback: Traceback;
  readonly size: number;
  readonly sizeDiff: number;
  readonly count: number;
  readonly countDiff: number;
  constructor(traceback: Traceback, size: number, sizeDiff: number, count: number, countDiff: number) {
    this.traceback = traceback;
    this.size = size;
    this.sizeDiff = sizeDiff;
    this.count = count;
    this.countDiff = countDiff;
  }
  toString(): string {
    let text =
      `${this.traceback.toString()}: size=${formatSize(this.size, false)} (${formatSize(this.sizeDiff, true)}), ` +
      `count=${this.count} (${formatSignedCount(this.countDiff)})`;
    if (this.count !== 0) text += `, average=${formatSize(this.size / this.count, false)}`;
    return text;
  }
}

/** Biggest first: CPython sorts by (size, count, traceback), reversed. */
export function compareStatistics(a: Statistic, b: Statistic): number {
  return b.size - a.size || b.count - a.count || compareTracebacks(b.traceback, a.traceback);
}

/** CPython's StatisticDiff order: (|size_diff|, size, |count_diff|, count, traceback), reversed. */
export function compareStatisticDiffs(a: StatisticDiff, b: StatisticDiff): number {
  return (
    Math.abs(b.sizeDiff) - Math.abs(a.sizeDiff) ||
    b.size - a.size ||
    Math.abs(b.countDiff) - Math.abs(a.countDiff) ||
    b.count - a.count ||
    compareTracebacks(b.traceback, a.traceback)
  );
}
