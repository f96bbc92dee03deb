import { createDebug } from '@pymem/debug';
import { createPool } from '@pymem/pool';
import { describe, expect, test } from 'vitest';
import { createTracemalloc, tracebackLookup } from '../src/index.js';
import { allocA1 } from './site-a.js';
import { frameOf } from './where.js';

describe('with @pymem/debug', () => {
  test('a broken guard report shows the block allocation traceback', () => {
    const tm = createTracemalloc();
    const reports: string[] = [];
    const debug = createDebug(createPool(), { traceback: tracebackLookup(tm), write: (t) => reports.push(t) });
    const a = tm.wrap(debug);
    tm.start();
    const p = allocA1(a, 24);
    a.heap.u8[p + 24] = 0x41; // one byte past the end: the tail guard
    expect(() => a.free(p)).toThrow();
    const report = reports.join('');
    const [file, line] = [frameOf('site-a.ts', '@site-a1').replace(/:\d+$/, ''), frameOf('site-a.ts', '@site-a1').split(':').at(-1)];
    expect(report).toContain(`Memory block allocated at (most recent call first):\n  File "${file}", line ${line}\n`);
    // The failed free changed nothing: the block is still traced.
    expect(tm.getTraceback(p)).not.toBeNull();
  });

  test('without tracing the report says how to get a traceback', () => {
    const tm = createTracemalloc();
    const reports: string[] = [];
    const a = tm.wrap(createDebug(createPool(), { write: (t) => reports.push(t) }));
    const p = a.malloc(8);
    a.heap.u8[p - 1] = 0;
    expect(() => a.free(p)).toThrow();
    expect(reports.join('')).toContain('Enable tracemalloc to get the memory block allocation traceback');
  });
});
