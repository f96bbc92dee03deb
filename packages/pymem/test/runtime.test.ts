/**
 * createRuntime itself: each option and its default, bad options (typed
 * errors), stats(), and the README's usage example, run as written.
 */
import { readFileSync } from 'node:fs';
import {
  IMMORTAL_REFCNT,
  InvalidObjectError,
  InvalidSizeError,
  PymemError,
  RefcountError,
  type Allocator,
  type GcStrategy,
  type HeapBackend,
} from '@pymem/core';
import { GenerationalGc } from '@pymem/gc-generational';
import { MarkSweepGc } from '@pymem/gc-marksweep';
import { TrialDeletionGc } from '@pymem/gc-trial-deletion';
import { describe, expect, it } from 'vitest';
import { NoGc, PoolAllocator, Tlsf, createPool, createRuntime, createTlsf, type CreateRuntimeOptions, type PyRuntime } from '../src/index.js';

const BACKENDS: readonly HeapBackend[] = ['arraybuffer', 'shared', 'wasm'];
const GC_NAMES = ['generational', 'trial-deletion', 'mark-sweep'] as const;
const GC_CLASSES = { generational: GenerationalGc, 'trial-deletion': TrialDeletionGc, 'mark-sweep': MarkSweepGc } as const;

/**
 * Work every runtime must do the same way: a few objects, an acyclic drop
 * (refcounting frees it), a self-holding list (only a cycle collector frees
 * it). Returns what collect() reported.
 */
function exercise(py: PyRuntime): { collected: number; leftover: number } {
  const base = py.stats().liveObjects;
  const d = py.fromJS({ a: [1, 2.5, 'three', [null, true]], b: new Uint8Array([1, 2]) });
  expect(py.toJS(d)).toEqual(new Map<string, unknown>([
    ['a', [1, 2.5, 'three', [null, true]]],
    ['b', new Uint8Array([1, 2])],
  ]));
  py.decref(d);
  expect(py.stats().liveObjects).toBe(base);
  const l = py.list.new();
  py.list.append(l, l);
  py.decref(l);
  const { collected } = py.collect();
  return { collected, leftover: py.stats().liveObjects - base };
}

describe('createRuntime(): defaults', () => {
  it('pool allocator on a resizable ArrayBuffer, no cycle collector, checked mode', () => {
    const py = createRuntime();
    expect(py.allocator).toBeInstanceOf(PoolAllocator);
    expect(py.allocator.name).toBe('pool');
    expect(py.heap.backend).toBe('arraybuffer');
    expect(py.heap).toBe(py.allocator.heap);
    expect(py.gc).toBeInstanceOf(NoGc);
    expect(py.gc.name).toBe('none');
    expect(py.rt.checks).toBe(true);
    expect(exercise(py)).toEqual({ collected: 0, leftover: 1 }); // the cycle leaks under 'none'
  });

  it('the built-in types are there, with their immortal singletons', () => {
    const py = createRuntime();
    expect(py.typeName(py.None)).toBe('NoneType');
    expect(py.isImmortal(py.True)).toBe(true);
    expect(py.refcount(py.int.new(7))).toBe(IMMORTAL_REFCNT);
    expect(py.tuple.new([])).toBe(py.tuple.empty);
  });
});

describe('createRuntime({ allocator })', () => {
  it("'tlsf' serves every block from TLSF", () => {
    const py = createRuntime({ allocator: 'tlsf' });
    expect(py.allocator).toBeInstanceOf(Tlsf);
    expect(py.allocator.name).toBe('tlsf');
    expect(exercise(py)).toEqual({ collected: 0, leftover: 1 });
  });

  it('an Allocator instance is used as is; its heap wins over the heap option', () => {
    const allocator = createTlsf({ backend: 'shared' });
    const py = createRuntime({ allocator, heap: { backend: 'wasm' } });
    expect(py.allocator).toBe(allocator);
    expect(py.heap).toBe(allocator.heap);
    expect(py.heap.backend).toBe('shared');
    exercise(py);
  });

  it('a custom Allocator (a counting wrapper) sees every object the runtime makes and frees', () => {
    const inner = createPool();
    let mallocs = 0;
    let frees = 0;
    const counting: Allocator = {
      name: 'counting',
      heap: inner.heap,
      malloc: (size) => (mallocs++, inner.malloc(size)),
      calloc: (count, size) => (mallocs++, inner.calloc(count, size)),
      realloc: (ptr, size) => inner.realloc(ptr, size),
      free: (ptr) => (frees++, inner.free(ptr)),
      usableSize: (ptr) => inner.usableSize(ptr),
      owns: (ptr) => inner.owns(ptr),
      stats: () => inner.stats(),
      checkHeap: () => inner.checkHeap(),
    };
    const py = createRuntime({ allocator: counting, gc: 'generational' });
    expect(py.allocator).toBe(counting);
    const [m0, f0] = [mallocs, frees];
    const l = py.list.new();
    expect(mallocs).toBe(m0 + 1);
    py.decref(l);
    expect(frees).toBe(f0 + 1);
    expect(exercise(py)).toEqual({ collected: 1, leftover: 0 });
    inner.checkHeap();
  });
});

describe('createRuntime({ gc })', () => {
  it.each(GC_NAMES)("'%s' plugs in a fresh collector of that strategy, which frees the cycle", (name) => {
    const py = createRuntime({ gc: name });
    expect(py.gc).toBeInstanceOf(GC_CLASSES[name]);
    expect(py.gc.name).toBe(name);
    expect(exercise(py)).toEqual({ collected: 1, leftover: 0 });
    expect(createRuntime({ gc: name }).gc).not.toBe(py.gc);
  });

  it.each(GC_NAMES)('a %s instance is used as is, with its options; it serves one runtime only', (name) => {
    const gc: GcStrategy =
      name === 'generational'
        ? new GenerationalGc({ thresholds: [700, 10, 10] })
        : name === 'trial-deletion'
          ? new TrialDeletionGc({ bufferSize: 16 })
          : new MarkSweepGc({ threshold: 500 });
    const py = createRuntime({ gc });
    expect(py.gc).toBe(gc);
    if (gc instanceof GenerationalGc) expect(gc.getThreshold()).toEqual([700, 10, 10]);
    if (gc instanceof TrialDeletionGc) expect(gc.bufferSize).toBe(16);
    if (gc instanceof MarkSweepGc) expect(gc.getThreshold()).toBe(500);
    expect(exercise(py)).toEqual({ collected: 1, leftover: 0 });
    expect(() => createRuntime({ gc })).toThrow(PymemError);
    expect(exercise(py)).toEqual({ collected: 1, leftover: 0 }); // the first runtime is unharmed
  });

  it("'none' and a NoGc instance: collect() is a no-op and cycles leak", () => {
    expect(exercise(createRuntime({ gc: 'none' }))).toEqual({ collected: 0, leftover: 1 });
    expect(exercise(createRuntime({ gc: new NoGc() }))).toEqual({ collected: 0, leftover: 1 });
  });
});

describe('createRuntime({ heap })', () => {
  describe.each(BACKENDS)('backend %s', (backend) => {
    it.each(['pool', 'tlsf'] as const)('with %s: objects, growth past the initial size, a collection', (allocator) => {
      const py = createRuntime({ allocator, heap: { backend, initialBytes: 1 << 16 }, gc: 'generational' });
      expect(py.heap.backend).toBe(backend);
      const start = py.heap.byteLength;
      const big = py.list.new();
      for (let i = 0; i < 20_000; i++) {
        const s = py.str.new(`item ${i}`);
        py.list.append(big, s);
        py.decref(s);
      }
      expect(py.heap.byteLength).toBeGreaterThan(start);
      expect(py.str.value(py.list.get(big, 19_999))).toBe('item 19999');
      py.decref(big);
      expect(exercise(py)).toEqual({ collected: 1, leftover: 0 });
      py.allocator.checkHeap();
    });
  });

  it('maxBytes caps the heap: exhaustion throws OutOfMemoryError (a PymemError) and the runtime lives on', () => {
    const py = createRuntime({ heap: { maxBytes: 4 << 20 } }); // room for a few 1 MiB arenas
    const l = py.list.new();
    expect(() => {
      for (;;) {
        const b = py.bytes.new(new Uint8Array(4096));
        py.list.append(l, b);
        py.decref(b);
      }
    }).toThrow(PymemError);
    const kept = py.list.size(l);
    expect(kept).toBeGreaterThan(0);
    py.decref(l);
    expect(exercise(py).leftover).toBe(1);
  });
});

describe('createRuntime({ checks })', () => {
  it('on (default): misuse throws typed errors naming the pointer, and changes nothing', () => {
    const py = createRuntime({ gc: 'generational' });
    const l = py.list.new();
    expect(() => py.decref(l + 8)).toThrow(InvalidObjectError);
    expect(() => py.incref(12_345)).toThrow(InvalidObjectError);
    expect(py.refcount(l)).toBe(1);
    py.decref(l);
    expect(() => py.decref(l)).toThrow(RefcountError);
    expect(() => py.list.append(l, py.None)).toThrow(PymemError);
  });

  it.each(['none', ...GC_NAMES] as const)('off under %s: the same work gives the same results', (gc) => {
    const py = createRuntime({ checks: false, gc });
    expect(py.rt.checks).toBe(false);
    const expected = gc === 'none' ? { collected: 0, leftover: 1 } : { collected: 1, leftover: 0 };
    expect(exercise(py)).toEqual(expected);
    py.allocator.checkHeap();
  });
});

describe('createRuntime(): bad options throw a typed error', () => {
  const bad: [string, CreateRuntimeOptions, new (...args: never[]) => Error, string | undefined][] = [
    ['an unknown allocator name', { allocator: 'jemalloc' as never }, PymemError, 'ERR_INVALID_OPTION'],
    ['a number as allocator', { allocator: 42 as never }, PymemError, 'ERR_INVALID_OPTION'],
    ['an object that is no Allocator', { allocator: {} as never }, PymemError, 'ERR_INVALID_OPTION'],
    ['an unknown gc name', { gc: 'refcount' as never }, PymemError, 'ERR_INVALID_OPTION'],
    ['a gc name in the wrong case', { gc: 'Generational' as never }, PymemError, 'ERR_INVALID_OPTION'],
    ['an object that is no GcStrategy', { gc: { name: 'x' } as never }, PymemError, 'ERR_INVALID_OPTION'],
    ['an unknown heap backend', { heap: { backend: 'mmap' as never } }, InvalidSizeError, undefined],
    ['a heap of more than 4 GiB', { heap: { maxBytes: 2 ** 33 } }, InvalidSizeError, undefined],
    ['initialBytes above maxBytes', { heap: { initialBytes: 1 << 24, maxBytes: 1 << 20 } }, InvalidSizeError, undefined],
  ];
  it.each(bad)('%s', (_what, options, errorClass, code) => {
    let caught: unknown = null;
    try {
      createRuntime(options);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(errorClass);
    expect(caught).toBeInstanceOf(PymemError);
    if (code !== undefined) expect((caught as PymemError).code).toBe(code);
  });
});

describe('createRuntime({ onUnraisable })', () => {
  it('receives what a finalizer throws, with where it happened; the object is freed all the same', () => {
    const seen: [unknown, string][] = [];
    const py = createRuntime({ gc: 'generational', onUnraisable: (error, where) => seen.push([error, where]) });
    const base = py.stats().liveObjects;
    const Bad = py.instances.defineClass({
      name: 'Bad',
      finalize: () => {
        throw new Error('boom');
      },
    });
    const b = Bad.new();
    Bad.setattr(b, 'me', b);
    py.decref(b);
    py.collect();
    expect(seen).toHaveLength(1);
    expect(String(seen[0][0])).toContain('boom');
    expect(seen[0][1]).toContain('Bad');
    expect(py.stats().liveObjects - base).toBe(1); // the interned attribute name 'me'
  });
});

describe('PyRuntime.stats()', () => {
  it('counts objects and weakrefs, and reports the allocator and heap figures', () => {
    const py = createRuntime({ gc: 'mark-sweep', heap: { backend: 'wasm' } });
    const s0 = py.stats();
    expect(s0.liveObjects).toBe(s0.createdObjects - s0.freedObjects);
    expect(s0.heapBytes).toBe(py.heap.byteLength);
    expect(s0.peakHeapBytes).toBeGreaterThanOrEqual(s0.heapBytes);
    expect(s0.allocatedBlocks).toBe(py.allocator.stats().allocatedBlocks);
    const l = py.list.new();
    const s = py.str.new('x'.repeat(1000)); // over 512 bytes: a TLSF block under the pool
    const w = py.instances.defineClass({ name: 'W' }).new();
    const wr = py.newWeakref(w);
    py.decref(w);
    let s1 = py.stats();
    expect(s1.createdObjects - s0.createdObjects).toBe(4); // list, str, instance, weakref
    expect(s1.freedObjects - s0.freedObjects).toBe(1); // the instance: nothing held it
    expect(s1.liveWeakrefs - s0.liveWeakrefs).toBe(1);
    expect(py.weakrefGet(wr)).toBe(0);
    expect(s1.allocatedBlocks - s0.allocatedBlocks).toBe(3);
    expect(s1.allocatedBytes - s0.allocatedBytes).toBeGreaterThanOrEqual(1000);
    for (const p of [l, s, wr]) py.decref(p);
    s1 = py.stats();
    expect(s1.liveObjects).toBe(s0.liveObjects);
    expect(s1.liveWeakrefs).toBe(s0.liveWeakrefs);
    expect(s1.allocatedBlocks).toBe(s0.allocatedBlocks);
    expect(s1.allocatedBytes).toBe(s0.allocatedBytes);
  });
});

describe('README usage example', () => {
  /** The README's example, verbatim (the test below checks that README.md still says exactly this). */
  const EXAMPLE = `const py = createRuntime();                      // pool allocator, refcounting, checked mode
const d = py.fromJS({ name: 'Ada', langs: ['en', 'fr'] }); // a dict in the heap
const langs = py.dict.getStr(d, 'langs');        // borrowed reference to the list
const de = py.str.new('de');
py.list.append(langs, de);                       // the list increfs what it stores
py.decref(de);
console.log(py.toJS(d));                         // Map { 'name' => 'Ada', 'langs' => ['en','fr','de'] }
console.log(py.refcount(py.int.new(7)));         // 1073741823: small ints are immortal

const Point = py.instances.defineClass({ name: 'Point', slots: ['x', 'y'] });
const p = Point.new({ x: py.int.new(3), y: py.int.new(4) });
console.log(py.int.value(Point.getattr(p, 'x'))); // 3

py.decref(p);
py.decref(d);                                    // frees the dict, its list and strs
py.decref(d);                                    // throws RefcountError: already freed`;

  it('README.md shows this example after its import line', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain("```ts\nimport { createRuntime } from 'pymem';\n\n" + EXAMPLE + '\n```');
  });

  it('runs as written and prints what its comments say', () => {
    const printed: unknown[] = [];
    let made: { py: PyRuntime; live: number } | null = null;
    const spy = (options?: CreateRuntimeOptions) => {
      const py = createRuntime(options);
      made = { py, live: py.stats().liveObjects };
      return py;
    };
    // The example is plain JS once its import line is gone: run the text itself.
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- running the README's own text is the point
    const run = new Function('createRuntime', 'console', EXAMPLE) as (c: typeof createRuntime, log: { log: (v: unknown) => void }) => void;
    expect(() => run(spy, { log: (v) => printed.push(v) })).toThrow(RefcountError);
    expect(printed).toEqual([new Map<string, unknown>([['name', 'Ada'], ['langs', ['en', 'fr', 'de']]]), IMMORTAL_REFCNT, 3]);
    expect(IMMORTAL_REFCNT).toBe(1073741823);
    // "frees the dict, its list and strs": nothing the example made is left.
    const { py, live } = made!;
    expect(py.stats().liveObjects).toBe(live);
  });
});
