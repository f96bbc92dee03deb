import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { HeapBackend } from '@pymem/core';
import { readTrace, replayChecked } from '@pymem/trace';
import { createPool } from '../src/index.js';
import { BACKENDS } from './helpers.js';

const bundled = fileURLToPath(new URL('../../../traces/startup.pymtrace', import.meta.url));
const sharedDir = fileURLToPath(new URL('../../../../shared/traces/', import.meta.url));
const sharedExists = existsSync(sharedDir);
const sharedTraces = sharedExists
  ? readdirSync(sharedDir)
      .filter((f) => f.endsWith('.pymtrace'))
      .sort()
  : [];

/** checkHeap interval per trace: coarse for the big ones so the file stays well under a minute. */
const CHECK_EVERY: Record<string, number> = { startup: 20_000, test_gc: 150_000, etree: 800_000 };

function load(path: string, name: string) {
  return readTrace(new Uint8Array(readFileSync(path)), name);
}

describe('replay of the bundled startup trace', () => {
  const trace = load(bundled, 'startup');
  const configs: [HeapBackend, boolean][] = [
    ...BACKENDS.flatMap((b): [HeapBackend, boolean][] => [
      [b, true],
      [b, false],
    ]),
    ['shared', true],
  ];
  for (const [backend, checks] of configs) {
    it(`${backend} heap, checks ${checks ? 'on' : 'off'}: data intact, checkHeap clean, everything given back`, () => {
      const a = createPool({ backend }, { checks });
      const initial = a.heap.byteLength;
      const report = replayChecked(a, trace, { checkEvery: CHECK_EVERY.startup });
      expect(report.events).toBe(trace.nevents);
      expect(report.checks).toBeGreaterThan(trace.nevents / CHECK_EVERY.startup);
      const s = a.stats();
      expect([s.allocatedBlocks, s.rawAllocatedBlocks]).toEqual([0, 0]);
      expect(s.arenasHighwater).toBeGreaterThanOrEqual(4); // 4.6 MiB live at peak
      expect(s.arenasAllocatedCurrent).toBeLessThanOrEqual(1);
      a.trim();
      if (a.heap.canShrink) expect(a.heap.byteLength).toBe(initial);
      a.checkHeap();
    });
  }
});

/** The traces /work/shared/traces documents, plus any other found there. */
const SHARED_NAMES = [
  ...new Set(['startup', 'test_gc', 'etree', ...sharedTraces.map((f) => f.replace(/\.pymtrace$/, ''))]),
];

describe('replay of the shared traces', () => {
  for (const name of SHARED_NAMES) {
    const path = `${sharedDir}${name}.pymtrace`;
    const present = existsSync(path);
    const every = CHECK_EVERY[name] ?? 200_000;
    const title = present
      ? `${name}: wasm heap, checks on, checkHeap every ${every} events`
      : `${name}: not replayed, ${
          sharedExists ? `${name}.pymtrace missing from ../shared/traces` : '../shared/traces missing'
        }`;
    it.skipIf(!present)(title, () => {
      const trace = load(path, name);
      const a = createPool({ backend: 'wasm' });
      const report = replayChecked(a, trace, { checkEvery: every });
      expect(report.events).toBe(trace.nevents);
      expect(a.stats().allocatedBlocks).toBe(0);
      a.checkHeap();
    });
  }
});
