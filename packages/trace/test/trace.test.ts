import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  OP_CALLOC,
  OP_FREE,
  OP_MALLOC,
  OP_REALLOC,
  ReplayError,
  TraceFormatError,
  readTrace,
  replay,
  replayChecked,
  traceStats,
  writeTrace,
  type Trace,
} from '../src/index.js';
import { BumpAllocator } from './model-allocator.js';

const bundled = new URL('../../../traces/startup.pymtrace', import.meta.url);
const bundledStats = JSON.parse(readFileSync(new URL('../../../traces/startup.stats.json', import.meta.url), 'utf8')) as Record<string, number>;

function tiny(events: [number, number, number][], nids: number): Trace {
  return {
    name: 'tiny',
    nevents: events.length,
    nids,
    flags: 12,
    ops: Uint8Array.from(events.map((e) => e[0])),
    ids: Uint32Array.from(events.map((e) => e[1])),
    sizes: Uint32Array.from(events.map((e) => e[2])),
  };
}

describe('readTrace', () => {
  const trace = readTrace(readFileSync(bundled), 'startup');

  it('decodes the bundled CPython startup trace and agrees with its recorded statistics', () => {
    expect(trace.nevents).toBe(bundledStats.events);
    expect(trace.nids).toBe(bundledStats.nids);
    expect(trace.flags).toBe(12);
    const s = traceStats(trace);
    expect(s.mallocs).toBe(bundledStats.n_malloc);
    expect(s.frees).toBe(bundledStats.n_free);
    expect(s.reallocs).toBe(bundledStats.n_realloc);
    expect(s.callocs).toBe(bundledStats.n_calloc);
    expect(s.peakLiveBytes).toBe(bundledStats.peak_live_bytes);
    expect(s.peakLiveBlocks).toBe(bundledStats.peak_live_blocks);
    expect(s.liveAtEnd).toBe(bundledStats.end_live_blocks);
    expect(s.size0).toBe(bundledStats.size0);
    expect(s.large).toBe(bundledStats.large);
    expect(s.fracSmall).toBeCloseTo(bundledStats.frac_small, 4);
    // The commonest class in CPython's startup is 49..64 bytes (index 3).
    expect(s.sizeClassCounts.indexOf(Math.max(...s.sizeClassCounts))).toBe(3);
  });

  it('round-trips through writeTrace', () => {
    const again = readTrace(writeTrace(trace), 'startup');
    expect(again.nevents).toBe(trace.nevents);
    const same = (a: ArrayBufferView, b: ArrayBufferView) =>
      Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    expect(same(again.ops, trace.ops)).toBe(0);
    expect(same(again.ids, trace.ids)).toBe(0);
    expect(same(again.sizes, trace.sizes)).toBe(0);
  });

  it('rejects bad bytes with TraceFormatError naming the offset', () => {
    const good = writeTrace(tiny([[OP_MALLOC, 0, 8], [OP_FREE, 0, 8]], 1));
    expect(() => readTrace(good.subarray(0, 10))).toThrow(TraceFormatError);
    const badMagic = good.slice();
    badMagic[0] = 0x58;
    expect(() => readTrace(badMagic)).toThrow(/magic/);
    const badOp = good.slice();
    badOp[32] = 9;
    expect(() => readTrace(badOp)).toThrow(/op 9/);
    const badId = good.slice();
    badId[33] = 5;
    expect(() => readTrace(badId)).toThrow(/id 5/);
    const cut = good.subarray(0, good.length - 1);
    expect(() => readTrace(cut)).toThrow(/holds 1/);
    expect(readTrace(cut, 'cut', true).nevents).toBe(1);
  });

  it('traceStats rejects a trace that frees a dead id', () => {
    expect(() => traceStats(tiny([[OP_FREE, 0, 8]], 1))).toThrow(/not live/);
    expect(() => traceStats(tiny([[OP_MALLOC, 0, 8], [OP_CALLOC, 0, 8]], 1))).toThrow(/is live/);
  });
});

describe('replay', () => {
  const trace = tiny(
    [
      [OP_MALLOC, 0, 24],
      [OP_CALLOC, 1, 100],
      [OP_REALLOC, 0, 600],
      [OP_FREE, 1, 100],
      [OP_MALLOC, 1, 0],
    ],
    2,
  );

  it('replayChecked drives an allocator through every op and checks the heap', () => {
    const a = new BumpAllocator();
    const report = replayChecked(a, trace, { checkEvery: 2 });
    expect(report).toMatchObject({ events: 5, liveAtEnd: 2 });
    expect(report.checks).toBe(2 + 2); // two interval checks, one at the end, one after freeing
    expect(a.checks).toBe(report.checks);
    expect(a.stats().allocatedBlocks).toBe(0);
  });

  it('replayChecked catches an allocator that hands out overlapping blocks', () => {
    const t = tiny(
      Array.from({ length: 40 }, (_, i) => [OP_MALLOC, i, 32] as [number, number, number]).concat(
        Array.from({ length: 40 }, (_, i) => [OP_FREE, i, 32] as [number, number, number]),
      ),
      40,
    );
    expect(() => replayChecked(new BumpAllocator(3), t)).toThrow(ReplayError);
    expect(() => replayChecked(new BumpAllocator(0), t)).not.toThrow();
  });

  it('replay leaves the live blocks in the returned table', () => {
    const a = new BumpAllocator();
    const ptrs = replay(a, trace);
    expect(a.stats().allocatedBlocks).toBe(2);
    expect(a.owns(ptrs[0]) && a.owns(ptrs[1])).toBe(true);
    expect(a.usableSize(ptrs[0])).toBe(600);
  });
});
