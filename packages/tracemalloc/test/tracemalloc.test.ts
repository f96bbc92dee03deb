import { DoubleFreeError, GC_HEAD_SIZE, Heap, InvalidSizeError, OutOfMemoryError, type HeapBackend } from '@pymem/core';
import { createPool } from '@pymem/pool';
import { Runtime } from '@pymem/refcount';
import { Tlsf } from '@pymem/tlsf';
import { describe, expect, test } from 'vitest';
import { Tracemalloc, createTracemalloc, isHiddenFile, tracebackLookup } from '../src/index.js';
import { relay1 } from './relay.js';
import { allocA1, allocA2 } from './site-a.js';
import { allocB1 } from './site-b.js';
import { fileOf, frameOf } from './where.js';

const backends: HeapBackend[] = ['arraybuffer', 'wasm'];

describe('start / stop / isTracing', () => {
  test('states and CPython errors', () => {
    const tm = createTracemalloc();
    expect(tm.isTracing()).toBe(false);
    expect(() => tm.takeSnapshot()).toThrow(/must be tracing/);
    expect(() => tm.start(0)).toThrow(RangeError);
    expect(() => tm.start(65536)).toThrow('the number of frames must be in range [1; 65535]');
    expect(() => tm.start(1.5)).toThrow(RangeError);
    tm.start(5);
    expect(tm.isTracing()).toBe(true);
    expect(tm.getTracebackLimit()).toBe(5);
    tm.start(2); // already tracing: nothing changes
    expect(tm.getTracebackLimit()).toBe(5);
    tm.stop();
    expect(tm.isTracing()).toBe(false);
    expect(tm.getTracedMemory()).toEqual([0, 0]);
  });

  test('blocks allocated while stopped are not traced; stop drops traces', () => {
    const tm = new Tracemalloc();
    const a = tm.wrap(createPool());
    const before = allocA1(a, 32);
    tm.start();
    const during = allocA1(a, 64);
    expect(tm.getTraceback(before)).toBeNull();
    expect(tm.getTraceback(during)).not.toBeNull();
    a.free(before); // untraced block: ignored
    expect(tm.getTracedMemory()).toEqual([64, 64]);
    tm.stop();
    expect(tm.getTraceback(during)).toBeNull();
    tm.start();
    expect(tm.takeSnapshot().traces).toHaveLength(0);
  });
});

describe.each(backends)('traced memory on %s', (backend) => {
  test.each(['pool', 'tlsf'] as const)('current and peak over %s', (kind) => {
    const tm = createTracemalloc();
    const a = tm.wrap(kind === 'pool' ? createPool({ backend }) : new Tlsf(new Heap({ backend })));
    expect(a.heap.backend).toBe(backend);
    tm.start();
    const p = a.malloc(100);
    const q = a.calloc(3, 200);
    expect(tm.getTracedMemory()).toEqual([700, 700]);
    a.free(p);
    expect(tm.getTracedMemory()).toEqual([600, 700]);
    tm.resetPeak();
    expect(tm.getTracedMemory()).toEqual([600, 600]);
    const r = a.realloc(q, 1000);
    expect(tm.getTracedMemory()).toEqual([1000, 1000]);
    expect(tm.getTraceback(r)).not.toBeNull();
    if (r !== q) expect(tm.getTraceback(q)).toBeNull();
    tm.clearTraces();
    expect(tm.getTracedMemory()).toEqual([0, 0]);
    expect(tm.isTracing()).toBe(true);
    a.free(r);
    expect(tm.getTracedMemory()).toEqual([0, 0]);
    a.checkHeap();
  });
});

describe('errors leave traces intact', () => {
  test('double free, bad size and OOM change nothing', () => {
    const tm = createTracemalloc();
    const a = tm.wrap(createPool({ maxBytes: 4 << 20 }));
    tm.start();
    const p = allocA1(a, 48);
    const q = allocA1(a, 16);
    a.free(q);
    const before = tm.takeSnapshot().statistics('traceback').map(String);
    expect(() => a.free(q)).toThrow(DoubleFreeError);
    expect(() => a.malloc(-1)).toThrow(InvalidSizeError);
    expect(() => a.malloc((4 << 20) - 4096)).toThrow(OutOfMemoryError);
    expect(() => a.realloc(p, (4 << 20) - 4096)).toThrow(OutOfMemoryError);
    expect(tm.takeSnapshot().statistics('traceback').map(String)).toEqual(before);
    expect(tm.getTracedMemory()[0]).toBe(48);
    expect(tm.getTraceback(p)).not.toBeNull();
  });
});

describe('frames', () => {
  test('the allocating line of the user file, most recent last; nframe kept', () => {
    const tm = createTracemalloc();
    const a = tm.wrap(createPool());
    tm.start(2);
    const p = relay1(allocA2, a, 24);
    const tb = tm.getTraceback(p)!;
    expect(tb.frames.map(String)).toEqual([frameOf('relay.ts', '@relay-1'), frameOf('site-a.ts', '@site-a2')]);
    expect(tm.takeSnapshot().traceback_limit).toBe(2);
    tm.stop();
    tm.start(1);
    const q = allocB1(a, 24);
    expect(tm.getTraceback(q)!.frames.map(String)).toEqual([frameOf('site-b.ts', '@site-b1')]);
  });

  test('same site interns one Traceback object', () => {
    const tm = createTracemalloc();
    const a = tm.wrap(createPool());
    tm.start();
    const ps = Array.from({ length: 10 }, () => allocA1(a, 8));
    const tbs = new Set(ps.map((p) => tm.getTraceback(p)));
    expect(tbs.size).toBe(1);
  });

  test('pymem frames are never shown, under the runtime too', () => {
    const tm = createTracemalloc();
    const rt = new Runtime({ allocator: tm.wrap(createPool()) });
    const type = rt.registerType({ name: 'node', basicSize: 16, flags: 1 });
    tm.start(20);
    const obj = rt.newObject(type);
    const tb = tm.getObjectTraceback(obj, rt)!;
    expect(tb).not.toBeNull();
    for (const f of tb.frames) {
      expect(isHiddenFile(f.filename)).toBe(false);
      expect(f.filename).not.toMatch(/packages\/(?!tracemalloc\/test)[^/]+\/src\//);
    }
    expect(tb.frames.at(-1)!.filename).toBe(fileOf('tracemalloc.test.ts'));
    expect(tm.getObjectTraceback(obj)).toBe(tb);
    const head = rt.typeOf(obj).headSize;
    expect(tm.getObjectTraceback(obj, head)).toBe(tb);
    if (head !== 0) expect(tm.getTraceback(obj - GC_HEAD_SIZE)).toBe(tb);
    rt.decref(obj);
    expect(tm.getObjectTraceback(obj, head)).toBeNull();
  });

  test('pymem frames deeper than the first capture depth: the depth grows, the user line is found', () => {
    const tm = createTracemalloc();
    const rt = new Runtime({ allocator: tm.wrap(createPool()) });
    const type = rt.registerType({ name: 'leaf', basicSize: 16, flags: 0 });
    tm.start(1);
    const objs = [0, 1].map(() => rt.newObject(type)); // @deep-site
    const tb = tm.getObjectTraceback(objs[0], rt)!;
    expect(tb.frames.map(String)).toEqual([frameOf('tracemalloc.test.ts', '@deep-site')]);
    expect(tm.getObjectTraceback(objs[1], rt)).toBe(tb);
    const p = allocA1(tm.wrap(createPool()), 8);
    expect(tm.getTraceback(p)!.frames.map(String)).toEqual([frameOf('site-a.ts', '@site-a1')]);
  });

  test('hidden files', () => {
    expect(isHiddenFile('node:internal/foo')).toBe(true);
    expect(isHiddenFile(null)).toBe(true);
    expect(isHiddenFile('/x/node_modules/@pymem/pool/dist/index.js')).toBe(true);
    expect(isHiddenFile('/x/node_modules/.pnpm/pymem@1.0.0/node_modules/pymem/dist/index.cjs')).toBe(true);
    expect(isHiddenFile('/x/node_modules/pymemo/index.js')).toBe(false);
    expect(isHiddenFile('/app/src/main.ts')).toBe(false);
    expect(isHiddenFile(fileOf('site-a.ts'))).toBe(false);
  });
});

describe('other domains and the memory estimate', () => {
  test('track / untrack', () => {
    const tm = createTracemalloc();
    expect(tm.track(5, 0x1000, 10)).toBe(false);
    tm.start();
    expect(tm.track(5, 0x1000, 10)).toBe(true);
    expect(tm.getTraceback(0x1000)).toBeNull();
    expect(tm.getTraceback(0x1000, 5)).not.toBeNull();
    expect(tm.takeSnapshot().traces.map((t) => [t.domain, t.size])).toEqual([[5, 10]]);
    expect(tm.untrack(5, 0x1000)).toBe(true);
    expect(tm.getTracedMemory()[0]).toBe(0);
    expect(() => tm.track(-1, 16, 1)).toThrow(RangeError);
  });

  test('getTracemallocMemory grows with traces and falls after stop', () => {
    const tm = createTracemalloc();
    const a = tm.wrap(createPool());
    tm.start();
    const m0 = tm.getTracemallocMemory();
    for (let i = 0; i < 100; i++) allocA1(a, 16);
    const m1 = tm.getTracemallocMemory();
    expect(m1).toBeGreaterThan(m0);
    for (let i = 0; i < 100; i++) allocB1(a, 16);
    expect(tm.getTracemallocMemory()).toBeGreaterThan(m1);
    tm.stop();
    expect(tm.getTracemallocMemory()).toBe(0);
  });
});

describe('debug hook', () => {
  test('tracebackLookup returns CPython-style lines, most recent first', () => {
    const tm = createTracemalloc();
    const a = tm.wrap(createPool());
    const lookup = tracebackLookup(tm);
    const early = a.malloc(8);
    tm.start(2);
    const p = relay1(allocA1, a, 24);
    expect(lookup(p)).toEqual([
      `File "${fileOf('site-a.ts')}", line ${frameOf('site-a.ts', '@site-a1').split(':').at(-1)}`,
      `File "${fileOf('relay.ts')}", line ${frameOf('relay.ts', '@relay-1').split(':').at(-1)}`,
    ]);
    expect(lookup(early)).toBeNull();
  });
});
