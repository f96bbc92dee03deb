import { OP_FREE, OP_MALLOC, OP_REALLOC, traceStats, type Trace } from '@pymem/trace';
import { describe, expect, it } from 'vitest';
import { CONTENDERS, getWorkerContender, idsLiveAtEnd, type ReplayJob } from '../src/index.js';
import { thingBufferBytes } from '../src/contenders/thing.js';
import { HeapSubject } from '../src/contenders/heap-subject.js';
import { syntheticTrace } from './fixtures.js';

/*
 * The subjects' correctness, in-process (timing needs workers; correctness
 * does not). Every contender replays the same synthetic traces several times
 * on one allocator, as the bench does.
 */

function jobFor(trace: Trace, backend: ReplayJob['backend'] = 'wasm'): ReplayJob {
  const stats = traceStats(trace);
  return { trace, backend, peakLiveBytes: stats.peakLiveBytes, peakLiveBlocks: stats.peakLiveBlocks, liveAtEnd: idsLiveAtEnd(trace) };
}

/** The ids live at the end, by a plain Set model. */
function modelLiveAtEnd(trace: Trace): number[] {
  const live = new Set<number>();
  for (let i = 0; i < trace.nevents; i++) {
    if (trace.ops[i] === OP_FREE) live.delete(trace.ids[i]);
    else live.add(trace.ids[i]);
  }
  return [...live].sort((a, b) => a - b);
}

describe('idsLiveAtEnd', () => {
  it('matches a Set model on random traces', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const trace = syntheticTrace(500 + seed * 50, seed);
      expect([...idsLiveAtEnd(trace)]).toEqual(modelLiveAtEnd(trace));
    }
  });
});

describe.each(CONTENDERS.filter((c) => c.kind === 'worker').map((c) => [c.name]))('%s subject', (name) => {
  it.each(['wasm', 'arraybuffer'] as const)('replays a trace again and again on one allocator (%s)', (backend) => {
    const spec = getWorkerContender(name);
    for (const seed of [1, 2]) {
      const job = jobFor(syntheticTrace(4000, seed), backend);
      const subject = spec.create(job);
      const { peakReservedBytes } = subject.measure(() => undefined);
      expect(Number.isFinite(peakReservedBytes)).toBe(true);
      if (name !== 'native') expect(peakReservedBytes).toBeGreaterThanOrEqual(job.peakLiveBytes);
      for (let run = 0; run < 3; run++) {
        subject.replay();
        subject.releaseLeftovers();
      }
      if (subject instanceof HeapSubject) {
        expect(subject.allocator.stats().allocatedBlocks).toBe(0);
        subject.allocator.checkHeap();
      }
    }
  });

  it('labels its heap', () => {
    const label = getWorkerContender(name).heapLabel('shared');
    expect(label.length).toBeGreaterThan(0);
    if (['pool', 'pool-unchecked', 'tlsf'].includes(name)) expect(label).toBe('shared');
  });
});

describe('pool and tlsf peak reserved', () => {
  it('is the heap high-water of the fresh pass, a whole number of 64 KiB pages', () => {
    for (const name of ['pool', 'tlsf']) {
      const job = jobFor(syntheticTrace(3000, 5));
      const subject = getWorkerContender(name).create(job) as HeapSubject;
      const { peakReservedBytes } = subject.measure(() => undefined);
      expect(peakReservedBytes).toBe(subject.allocator.heap.peakByteLength);
      expect(peakReservedBytes % 65536).toBe(0);
    }
  });
});

describe('thing', () => {
  it('gets a buffer of 4x peak live plus per-block overhead, page-rounded', () => {
    const bytes = thingBufferBytes({ peakLiveBytes: 1_000_000, peakLiveBlocks: 1000 });
    expect(bytes % 65536).toBe(0);
    expect(bytes).toBeGreaterThanOrEqual(4_000_000 + 1000 * 24);
    expect(() => thingBufferBytes({ peakLiveBytes: 2 ** 31, peakLiveBlocks: 0 })).toThrow(/u32 address range/);
  });

  it('reports the high-water of top, below the buffer and at least the live bytes', () => {
    const job = jobFor(syntheticTrace(4000, 9));
    const { peakReservedBytes } = getWorkerContender('thing').create(job).measure(() => undefined);
    expect(peakReservedBytes).toBeGreaterThanOrEqual(job.peakLiveBytes);
    expect(peakReservedBytes).toBeLessThan(thingBufferBytes(job));
  });

  it('reports the blocks MemPool.realloc leaks when it moves a block', () => {
    // a = malloc(16); b = malloc(16); a = realloc(a, 256) -> a moves; free a; free b
    const trace: Trace = {
      name: 'move',
      nevents: 5,
      nids: 2,
      flags: 0,
      ops: Uint8Array.of(OP_MALLOC, OP_MALLOC, OP_REALLOC, OP_FREE, OP_FREE),
      ids: Uint32Array.of(0, 1, 0, 0, 1),
      sizes: Uint32Array.of(16, 16, 256, 256, 16),
    };
    const found = getWorkerContender('thing').create(jobFor(trace)).measure(() => undefined);
    expect(found.remark).toMatch(/^MemPool leaked 1 blocks/);
  });
});

describe('native', () => {
  it('reports progress up to the last event and a non-negative peak', () => {
    const job = jobFor(syntheticTrace(70_000, 4));
    const seen: number[] = [];
    const { peakReservedBytes } = getWorkerContender('native').create(job).measure((n) => seen.push(n));
    expect(peakReservedBytes).toBeGreaterThanOrEqual(0);
    expect(seen.at(-1)).toBe(job.trace.nevents);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });
});
