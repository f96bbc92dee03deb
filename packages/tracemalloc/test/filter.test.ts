import fc from 'fast-check';
import { assertProperty } from '@pymem/testing';
import { describe, expect, test } from 'vitest';
import { DomainFilter, Filter, Frame, Snapshot, Trace, Traceback, fnmatchRegExp } from '../src/index.js';

describe('fnmatch', () => {
  test.each([
    ['*.ts', '/a/b/c.ts', true],
    ['*.ts', '/a/b/c.js', false],
    ['/a/*', '/a/b/c.ts', true],
    ['/a/?.ts', '/a/b.ts', true],
    ['/a/?.ts', '/a/bb.ts', false],
    ['/a/[bc].ts', '/a/c.ts', true],
    ['/a/[!bc].ts', '/a/c.ts', false],
    ['/a/[!bc].ts', '/a/d.ts', true],
    ['/a/[a-c]x', '/a/bx', true],
    ['/a/[', '/a/[', true],
    ['a.ts', 'A.ts', false],
    ['(x)+.ts', '(x)+.ts', true],
  ])('%s ~ %s = %s', (pattern, name, result) => {
    expect(fnmatchRegExp(pattern).test(name)).toBe(result);
  });
});

// Traces with tracebacks over a few files and lines (oldest first).
const files = ['/app/a.ts', '/app/b.ts', '/lib/c.js'];
const frameArb = fc.record({ file: fc.constantFrom(...files), line: fc.integer({ min: 1, max: 3 }) });
const traceArb = fc
  .record({ domain: fc.integer({ min: 0, max: 2 }), size: fc.integer({ min: 0, max: 999 }), frames: fc.array(frameArb, { minLength: 1, maxLength: 3 }) })
  .map((t) => new Trace(t.domain, t.size, new Traceback(t.frames.map((f) => new Frame(f.file, f.line)))));
const filterArb = fc.oneof(
  fc
    .record({
      inclusive: fc.boolean(),
      pattern: fc.constantFrom('/app/*', '*.js', '/app/a.ts', '*'),
      lineno: fc.option(fc.integer({ min: 1, max: 3 })),
      allFrames: fc.boolean(),
      domain: fc.option(fc.integer({ min: 0, max: 2 })),
    })
    .map((f) => new Filter(f.inclusive, f.pattern, f.lineno, f.allFrames, f.domain)),
  fc.record({ inclusive: fc.boolean(), domain: fc.integer({ min: 0, max: 2 }) }).map((f) => new DomainFilter(f.inclusive, f.domain)),
);

/** CPython's Filter._match written out directly. */
function modelMatch(f: Filter | DomainFilter, t: Trace): boolean {
  if (f instanceof DomainFilter) return f.inclusive ? t.domain === f.domain : t.domain !== f.domain;
  const re = fnmatchRegExp(f.filenamePattern);
  const hit = (fr: Frame) => re.test(fr.filename) && (f.lineno === null || fr.lineno === f.lineno);
  let res: boolean;
  if (f.allFrames) res = t.traceback.frames.some(hit) ? f.inclusive : !f.inclusive;
  else res = f.inclusive ? hit(t.traceback.frames.at(-1)!) : !hit(t.traceback.frames.at(-1)!);
  if (f.domain === null) return res;
  return f.inclusive ? res && t.domain === f.domain : res || t.domain !== f.domain;
}

describe('filterTraces', () => {
  test('matches CPython semantics (model)', () => {
    assertProperty(
      fc.property(fc.array(traceArb, { maxLength: 30 }), fc.array(filterArb, { maxLength: 4 }), (traces, filters) => {
        const snap = new Snapshot(traces, 3);
        const got = snap.filterTraces(filters).traces;
        const inc = filters.filter((f) => f.inclusive);
        const exc = filters.filter((f) => !f.inclusive);
        const want = traces.filter((t) => (inc.length === 0 || inc.some((f) => modelMatch(f, t))) && exc.every((f) => modelMatch(f, t)));
        expect(got).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  test('examples', () => {
    const t1 = new Trace(0, 10, new Traceback([new Frame('/app/a.ts', 1), new Frame('/lib/c.js', 5)]));
    const t2 = new Trace(1, 20, new Traceback([new Frame('/app/b.ts', 2)]));
    const snap = new Snapshot([t1, t2], 2);
    expect(snap.filterTraces([]).traces).toEqual([t1, t2]);
    expect(snap.filterTraces([]).traceback_limit).toBe(2);
    // Only the most recent frame unless allFrames.
    expect(snap.filterTraces([new Filter(true, '/app/*')]).traces).toEqual([t2]);
    expect(snap.filterTraces([new Filter(true, '/app/*', null, true)]).traces).toEqual([t1, t2]);
    expect(snap.filterTraces([new Filter(false, '*.js')]).traces).toEqual([t2]);
    expect(snap.filterTraces([new Filter(true, '/lib/c.js', 5)]).traces).toEqual([t1]);
    expect(snap.filterTraces([new Filter(true, '/lib/c.js', 6)]).traces).toEqual([]);
    expect(snap.filterTraces([new DomainFilter(false, 1)]).traces).toEqual([t1]);
    expect(snap.filterTraces([new DomainFilter(true, 1)]).traces).toEqual([t2]);
    expect(() => snap.filterTraces('x' as unknown as Filter[])).toThrow(TypeError);
  });
});
