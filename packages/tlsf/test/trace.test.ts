/**
 * Replays the bundled CPython startup trace (every raw, mem and object
 * allocation of `python -c pass`, ~160k events) straight through a Tlsf, with
 * @pymem/trace's checked replayer: contents verified on free/realloc, calloc
 * memory zero, checkHeap() every CHECK_EVERY events and at the end, then
 * everything left is freed.
 */
import { readFileSync } from 'node:fs';
import { readTrace, replayChecked } from '@pymem/trace';
import { describe, expect, it } from 'vitest';
import { BLOCK_OVERHEAD, FIRST_BLOCK } from '../src/index.js';
import { BACKENDS, fresh } from './helpers.js';

const CHECK_EVERY = 10_000;
const trace = readTrace(readFileSync(new URL('../../../traces/startup.pymtrace', import.meta.url)), 'startup');

describe.each(BACKENDS)('trace replay (%s heap)', (backend) => {
  it('replays startup.pymtrace with every check on and ends empty', () => {
    const t = fresh(backend);
    const initial = t.heap.byteLength;
    const report = replayChecked(t, trace, { checkEvery: CHECK_EVERY });
    expect(report.events).toBe(trace.nevents);
    expect(report.checks).toBe(Math.floor(trace.nevents / CHECK_EVERY) + 2);
    expect(report.liveAtEnd).toBeGreaterThan(0);
    // The heap had to hold the trace's peak: each live block costs its size plus a header.
    expect(report.peakHeapBytes).toBeGreaterThan(initial);
    const s = t.stats();
    expect(s.allocatedBlocks).toBe(0);
    expect(s.freeBlocks).toBe(1);
    expect(s.freeBytes).toBe(t.heap.byteLength - FIRST_BLOCK - 2 * BLOCK_OVERHEAD);
    if (t.heap.canShrink) expect(t.heap.byteLength).toBe(initial);
    t.checkHeap();
  });
});
