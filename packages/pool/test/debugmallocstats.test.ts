import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ARENA_SIZE, POOL_SIZE } from '@pymem/core';
import { formatDebugMallocStats, type PoolStats } from '../src/index.js';
import { BACKENDS, freshPool } from './helpers.js';

/** `python3.11 -c "import sys; sys._debugmallocstats()"` captured on this machine (stderr). */
const FIXTURE = readFileSync(new URL('./fixtures/cpython-3.11-debugmallocstats.txt', import.meta.url), 'utf8');
const cpython = FIXTURE.split('\n');
/** CPython's allocator part ends with the first `Total` line; then come the arena map and type free lists. */
const cpythonTotal = cpython.findIndex((l) => l.startsWith('Total'));
const ROW = /^ *(\d+) +(\d+) +(\d+) +(\d+) +(\d+)$/;

/** The value of a `label = value` line. */
function valueOf(line: string): number {
  return Number(line.slice(line.indexOf('=') + 1).replace(/[ ,]/g, ''));
}

/** The figures CPython printed, as a PoolStats. */
function statsFromFixture(): PoolStats {
  const sizeClasses = [];
  for (let i = 0; i < 32; i++)
    sizeClasses.push({ sizeClass: i, blockSize: (i + 1) * 16, pools: 0, blocksInUse: 0, availableBlocks: 0 });
  for (const line of cpython) {
    const m = ROW.exec(line);
    if (m) Object.assign(sizeClasses[Number(m[1])], { pools: +m[3], blocksInUse: +m[4], availableBlocks: +m[5] });
  }
  const find = (label: string): number => valueOf(cpython.find((l) => l.startsWith(label))!);
  const unusedLine = cpython.find((l) => / unused pools \* /.test(l))!;
  return {
    allocatedBlocks: 0,
    allocatedBytes: 0,
    freeBytes: 0,
    heapBytes: 0,
    peakHeapBytes: 0,
    smallBlockThreshold: 512,
    sizeClasses,
    arenasAllocatedTotal: find('# arenas allocated total'),
    arenasReclaimed: find('# arenas reclaimed'),
    arenasHighwater: find('# arenas highwater mark'),
    arenasAllocatedCurrent: find('# arenas allocated current'),
    arenaBytes: find('# arenas allocated current') * ARENA_SIZE,
    bytesInAllocatedBlocks: find('# bytes in allocated blocks'),
    bytesInAvailableBlocks: find('# bytes in available blocks'),
    unusedPools: parseInt(unusedLine, 10),
    bytesInUnusedPools: valueOf(unusedLine),
    bytesLostToPoolHeaders: find('# bytes lost to pool headers'),
    bytesLostToQuantization: find('# bytes lost to quantization'),
    bytesLostToArenaAlignment: find('# bytes lost to arena alignment'),
    rawAllocatedBlocks: 0,
    rawAllocatedBytes: 0,
  };
}

describe("debugMallocStats() in the layout of CPython's sys._debugmallocstats()", () => {
  it('prints CPython’s own figures exactly as CPython did, line for line', () => {
    const ours = formatDebugMallocStats(statsFromFixture()).split('\n');
    expect(cpythonTotal).toBeGreaterThan(40);
    for (let i = 0; i <= cpythonTotal; i++) expect(ours[i], `line ${i + 1}`).toBe(cpython[i]);
    // No "arena map counts" section: arenas are found with address_in_range,
    // as in a CPython built without the radix tree, which prints none either.
    expect(ours[cpythonTotal + 1]).toBe('');
    expect(ours.length).toBe(cpythonTotal + 2);
  });

  it.each(BACKENDS)('describes a live %s heap with the same line formats and figures that add up', (backend) => {
    const a = freshPool(backend);
    const live: number[] = [];
    for (let i = 0; i < 150_000; i++) live.push(a.malloc(1 + ((i * 7919) % 512)));
    for (let i = 0; i < live.length; i += 3) a.free(live[i]);
    const s = a.stats();
    const lines = a.debugMallocStats().split('\n');
    // Header, column titles and rules are CPython's.
    for (let i = 0; i < 4; i++) expect(lines[i]).toBe(cpython[i]);
    // One row per size class with pools, in CPython's column widths.
    const rows = lines.filter((l) => ROW.test(l));
    const cpythonRow = cpython.find((l) => ROW.test(l))!;
    const columnEnds = (l: string): number[] => [...l.matchAll(/\d+/g)].map((m) => m.index + m[0].length);
    for (const row of rows) {
      expect(row.length).toBe(cpythonRow.length);
      expect(columnEnds(row)).toEqual(columnEnds(cpythonRow));
      const [c, size, pools, used, avail] = ROW.exec(row)!.slice(1).map(Number);
      expect([size, pools, used, avail]).toEqual([
        s.sizeClasses[c].blockSize,
        s.sizeClasses[c].pools,
        s.sizeClasses[c].blocksInUse,
        s.sizeClasses[c].availableBlocks,
      ]);
    }
    expect(rows.length).toBe(s.sizeClasses.filter((c) => c.pools > 0).length);
    expect(rows.length).toBe(32);
    // Every `=` line: the same labels as CPython (counts replaced), '=' in column 36, same width.
    const label = (l: string): string => l.slice(0, l.indexOf('=')).trim().replace(/^\d+/, 'N');
    const ourEq = lines.filter((l) => l.includes('=') && !l.startsWith('Small'));
    const theirEq = cpython.slice(0, cpythonTotal + 1).filter((l) => l.includes('=') && !l.startsWith('Small'));
    expect(ourEq.slice(0, theirEq.length).map(label)).toEqual(theirEq.map(label));
    for (const l of ourEq) {
      expect(l.indexOf('=')).toBe(35);
      expect(l.length).toBe(theirEq[0].length);
    }
    // The blank lines fall where CPython's do.
    const blanks = (ls: string[]): number[] =>
      ls.slice(0, cpythonTotal + 1).flatMap((l, i) => (l === '' ? [i - ls.findIndex((x) => x.startsWith('#'))] : []));
    expect(blanks(lines)).toEqual(blanks(cpython));
    // The figures: arenas * ARENA_SIZE, unused pools * POOL_SIZE, and a Total that adds up.
    const v = (prefix: string): number => valueOf(lines.find((l) => l.startsWith(prefix))!);
    expect(v(`${s.arenasAllocatedCurrent} arenas * ${ARENA_SIZE} bytes/arena`)).toBe(
      s.arenasAllocatedCurrent * ARENA_SIZE,
    );
    expect(v(`${s.unusedPools} unused pools * ${POOL_SIZE} bytes`)).toBe(s.unusedPools * POOL_SIZE);
    expect(v('Total')).toBe(s.arenasAllocatedCurrent * ARENA_SIZE);
    // Nothing before the first pool; 16 bytes at the end of each arena whose last pool is in use.
    expect(v('# bytes lost to arena alignment')).toBe(s.bytesLostToArenaAlignment);
    expect(s.bytesLostToArenaAlignment % 16).toBe(0);
    expect(s.bytesLostToArenaAlignment).toBeLessThanOrEqual(16 * s.arenasAllocatedCurrent);
    expect(v('# bytes in allocated blocks')).toBe(s.bytesInAllocatedBlocks);
    expect(v('# arenas allocated current')).toBeGreaterThan(1);
    a.checkHeap();
  });
});
