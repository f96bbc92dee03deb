import { describe, expect, test } from 'vitest';
import { Frame, Statistic, StatisticDiff, Traceback, formatSize } from '../src/index.js';

// Expected strings are what CPython 3.12's tracemalloc._format_size returns.
describe('formatSize (CPython _format_size)', () => {
  test.each([
    [0, false, '0 B'],
    [83, false, '83 B'],
    [10239, false, '10239 B'],
    [10240, false, '10.0 KiB'],
    [163 * 1024, false, '163 KiB'],
    [102399, false, '100.0 KiB'],
    [102400, false, '100 KiB'],
    [10 * 1024 * 1024, false, '10.0 MiB'],
    [5 * 1024 ** 3, false, '5120 MiB'],
    [20000 * 1024 ** 4, false, '20000 TiB'],
    [-12, false, '-12 B'],
    [163 * 1024, true, '+163 KiB'],
    [-163 * 1024, true, '-163 KiB'],
    [0, true, '+0 B'],
    [-20480, true, '-20.0 KiB'],
  ])('%d sign=%s -> %s', (size, sign, text) => {
    expect(formatSize(size, sign)).toBe(text);
  });

  test('exact ties round half to even, as Python % formatting does', () => {
    expect(formatSize(2.5, false)).toBe('2 B');
    expect(formatSize(3.5, false)).toBe('4 B');
    expect(formatSize(0.5, false)).toBe('0 B');
    expect(formatSize(10.25 * 1024, false)).toBe('10.2 KiB');
    expect(formatSize(10.75 * 1024, false)).toBe('10.8 KiB');
    expect(formatSize(2.6, false)).toBe('3 B');
  });
});

describe('Statistic / StatisticDiff print like CPython', () => {
  const tb = new Traceback([new Frame('/app/main.ts', 12)]);
  test('statistic', () => {
    expect(String(new Statistic(tb, 166912, 2001))).toBe('/app/main.ts:12: size=163 KiB, count=2001, average=83 B');
  });
  test('diff', () => {
    expect(String(new StatisticDiff(tb, 166912, 166912, 2001, 2001))).toBe(
      '/app/main.ts:12: size=163 KiB (+163 KiB), count=2001 (+2001), average=83 B',
    );
  });
  test('diff of a group only the old snapshot had: no average', () => {
    expect(String(new StatisticDiff(tb, 0, -4096, 0, -3))).toBe('/app/main.ts:12: size=0 B (-4096 B), count=0 (-3)');
  });
  test('unchanged group shows +0', () => {
    expect(String(new StatisticDiff(tb, 48, 0, 1, 0))).toBe('/app/main.ts:12: size=48 B (+0 B), count=1 (+0), average=48 B');
  });
  test('traceback prints its oldest frame; format() lists frames', () => {
    const two = new Traceback([new Frame('/a.ts', 1), new Frame('/b.ts', 2)]);
    expect(String(two)).toBe('/a.ts:1');
    expect(two.format()).toEqual(['  File "/a.ts", line 1', '  File "/b.ts", line 2']);
    expect(two.format(1)).toEqual(['  File "/b.ts", line 2']);
    expect(two.format(-1)).toEqual(['  File "/a.ts", line 1']);
    expect(two.format(null, true)).toEqual(['  File "/b.ts", line 2', '  File "/a.ts", line 1']);
  });
});
