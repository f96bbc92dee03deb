import fc from 'fast-check';
import { assertProperty } from '@pymem/testing';
import { describe, expect, test } from 'vitest';
import { Frame, Snapshot, SnapshotFormatError, Trace, Traceback } from '../src/index.js';

const frameArb = fc.record({ file: fc.string({ unit: 'grapheme', maxLength: 12 }), line: fc.nat() }).map((f) => new Frame(f.file, f.line));
const tracebackArb = fc
  .record({ frames: fc.array(frameArb, { minLength: 1, maxLength: 4 }), total: fc.option(fc.nat(1000)) })
  .map((t) => new Traceback(t.frames, t.total));
const snapshotArb = fc
  .record({
    tracebacks: fc.array(tracebackArb, { minLength: 1, maxLength: 5 }),
    traces: fc.array(fc.record({ domain: fc.nat(), size: fc.nat(), tb: fc.nat() }), { maxLength: 20 }),
    limit: fc.integer({ min: 1, max: 65535 }),
  })
  .map((s) => new Snapshot(s.traces.map((t) => new Trace(t.domain, t.size, s.tracebacks[t.tb % s.tracebacks.length])), s.limit));

/** A plain picture of a snapshot for comparison. */
function plain(s: Snapshot) {
  return {
    limit: s.traceback_limit,
    traces: s.traces.map((t) => ({ d: t.domain, s: t.size, f: t.traceback.frames.map((f) => [f.filename, f.lineno]), n: t.traceback.totalNframe })),
  };
}

describe('dump / load', () => {
  test('round-trips exactly', () => {
    assertProperty(
      fc.property(snapshotArb, (snap) => {
        const bytes = snap.dump();
        const back = Snapshot.load(bytes);
        expect(plain(back)).toEqual(plain(snap));
        expect(back.dump()).toEqual(bytes);
      }),
      { numRuns: 200 },
    );
  });

  test('shared tracebacks stay shared after load', () => {
    const tb = new Traceback([new Frame('/a.ts', 1)]);
    const back = Snapshot.load(new Snapshot([new Trace(0, 1, tb), new Trace(0, 2, tb)], 1).dump());
    expect(back.traces[0].traceback).toBe(back.traces[1].traceback);
  });

  test('every truncation and bad magic is a SnapshotFormatError', () => {
    const tb = new Traceback([new Frame('/a.ts', 1), new Frame('/b.ts', 2)]);
    const bytes = new Snapshot([new Trace(0, 10, tb), new Trace(1, 20, tb)], 2).dump();
    for (let n = 0; n < bytes.length; n++) expect(() => Snapshot.load(bytes.subarray(0, n))).toThrow(SnapshotFormatError);
    const bad = bytes.slice();
    bad[0] ^= 0xff;
    expect(() => Snapshot.load(bad)).toThrow(/bad magic/);
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(() => Snapshot.load(longer)).toThrow(/trailing/);
  });
});
