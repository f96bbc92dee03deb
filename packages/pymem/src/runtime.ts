/**
 * `createRuntime`: the one-line way in. It builds the stack of DESIGN.md
 * bottom-up: a Heap, an allocator over it (pymalloc's pool with TLSF for
 * large blocks, or TLSF alone, or yours), the refcount runtime with a cycle
 * collector plugged in, and the built-in types.
 *
 * ```
 *   createRuntime({ allocator, gc, heap })
 *        │
 *        ├─ Heap(heap)                      @pymem/core
 *        ├─ 'pool' | 'tlsf' | Allocator     @pymem/pool, @pymem/tlsf
 *        ├─ Runtime({ allocator, gc })      @pymem/refcount   (+ 'none' | GcStrategy)
 *        └─ Objects(runtime)                @pymem/objects    (None, int, str, list, dict, ...)
 * ```
 */
import { PymemError, type Allocator, type GcResult, type GcStrategy, type HeapOptions, type Ptr, type TypeSpec } from '@pymem/core';
import { Objects } from '@pymem/objects';
import { createDebug } from '@pymem/debug';
import { GenerationalGc } from '@pymem/gc-generational';
import { MarkSweepGc } from '@pymem/gc-marksweep';
import { TrialDeletionGc } from '@pymem/gc-trial-deletion';
import { createPool } from '@pymem/pool';
import { NoGc, Runtime, type RuntimeStats, type WeakrefCallback } from '@pymem/refcount';
import { createTlsf } from '@pymem/tlsf';

export type AllocatorChoice = 'pool' | 'tlsf' | 'debug' | Allocator;
/** A cycle collector by name, or an instance (a strategy serves one runtime). */
export type GcChoice = 'none' | 'generational' | 'trial-deletion' | 'mark-sweep' | GcStrategy;

export interface CreateRuntimeOptions {
  /**
   * Where objects live: `'pool'` (CPython's pymalloc, with TLSF for blocks
   * over 512 bytes), `'tlsf'` (TLSF for everything), `'debug'` (the pool
   * under CPython's PYTHONMALLOC=debug hooks: guard bytes, fills, reports),
   * or any Allocator (its heap is used and `heap` is ignored).
   * @defaultValue 'pool'
   */
  allocator?: AllocatorChoice;
  /**
   * The cycle collector: `'none'` (refcounting alone; cycles leak, as after
   * `gc.disable()`), `'generational'` (CPython's gc module), `'trial-deletion'`
   * (Bacon-Rajan), `'mark-sweep'` (tracing from roots), or a GcStrategy
   * instance. A strategy serves one runtime.
   * @defaultValue 'none'
   */
  gc?: GcChoice;
  /** Options of the Heap that `'pool'` and `'tlsf'` create (backend, initial and maximum size). */
  heap?: HeapOptions;
  /**
   * Validate every object pointer in incref/decref and the object
   * operations; misuse then throws RefcountError / InvalidObjectError and
   * changes nothing. Off, it is faster and misuse corrupts the heap.
   * @defaultValue true
   */
  checks?: boolean;
  /** Where errors from finalizers and weakref callbacks go (default: console.error). */
  onUnraisable?: (error: unknown, where: string) => void;
}

/** A runtime's figures: objects, and the allocator's blocks and heap. */
export interface PyRuntimeStats extends RuntimeStats {
  allocatedBlocks: number;
  allocatedBytes: number;
  heapBytes: number;
  peakHeapBytes: number;
}

/**
 * A working runtime: every built-in type of {@link Objects} (`py.int`,
 * `py.str`, `py.list`, `py.dict`, ..., `py.toJS`, `py.fromJS`), plus the
 * refcount operations of the underlying {@link Runtime} (`py.rt`).
 */
export class PyRuntime extends Objects {
  get heap() {
    return this.rt.heap;
  }

  get allocator(): Allocator {
    return this.rt.allocator;
  }

  get gc(): GcStrategy {
    return this.rt.gc;
  }

  incref(ptr: Ptr): void {
    this.rt.incref(ptr);
  }

  decref(ptr: Ptr): void {
    this.rt.decref(ptr);
  }

  xincref(ptr: Ptr): void {
    this.rt.xincref(ptr);
  }

  xdecref(ptr: Ptr): void {
    this.rt.xdecref(ptr);
  }

  refcount(ptr: Ptr): number {
    return this.rt.refcount(ptr);
  }

  /** The name of an object's type (`int`, `list`, a class name, ...). */
  typeName(ptr: Ptr): string {
    return this.rt.typeOf(ptr).name;
  }

  isImmortal(ptr: Ptr): boolean {
    return this.rt.isImmortal(ptr);
  }

  isFinalized(ptr: Ptr): boolean {
    return this.rt.isFinalized(ptr);
  }

  newWeakref(obj: Ptr, callback?: WeakrefCallback): Ptr {
    return this.rt.newWeakref(obj, callback);
  }

  weakrefGet(weakref: Ptr): Ptr {
    return this.rt.weakrefGet(weakref);
  }

  /** Register a type of your own (see @pymem/refcount); returns its id for `rt.newObject`. */
  registerType(spec: TypeSpec): number {
    return this.rt.registerType(spec);
  }

  /** Run the cycle collector. */
  collect(generation?: number): GcResult {
    return this.rt.collect(generation);
  }

  stats(): PyRuntimeStats {
    const a = this.rt.allocator.stats();
    return {
      ...this.rt.stats(),
      allocatedBlocks: a.allocatedBlocks,
      allocatedBytes: a.allocatedBytes,
      heapBytes: a.heapBytes,
      peakHeapBytes: a.peakHeapBytes,
    };
  }
}

/** A runtime with the built-in types registered. See {@link CreateRuntimeOptions}. */
export function createRuntime(options: CreateRuntimeOptions = {}): PyRuntime {
  if (options.checks !== undefined && typeof options.checks !== 'boolean') {
    throw new PymemError('ERR_INVALID_OPTION', `checks must be a boolean, got ${describe(options.checks)}`);
  }
  const allocator = makeAllocator(options.allocator ?? 'pool', options.heap);
  const gc = makeGc(options.gc ?? 'none');
  const rt = new Runtime({ allocator, gc, checks: options.checks, onUnraisable: options.onUnraisable });
  return new PyRuntime(rt);
}

function makeAllocator(choice: AllocatorChoice, heap: HeapOptions | undefined): Allocator {
  if (choice === 'pool') return createPool(heap);
  if (choice === 'tlsf') return createTlsf(heap);
  if (choice === 'debug') return createDebug(createPool(heap));
  if (typeof choice === 'object' && choice !== null && typeof choice.malloc === 'function') return choice;
  throw new PymemError('ERR_INVALID_OPTION', `allocator must be 'pool', 'tlsf', 'debug' or an Allocator, got ${describe(choice)}`);
}

function makeGc(choice: GcChoice): GcStrategy {
  if (choice === 'none') return new NoGc();
  if (choice === 'generational') return new GenerationalGc();
  if (choice === 'trial-deletion') return new TrialDeletionGc();
  if (choice === 'mark-sweep') return new MarkSweepGc();
  if (typeof choice === 'object' && choice !== null && typeof choice.collect === 'function') return choice;
  throw new PymemError('ERR_INVALID_OPTION', `gc must be 'none', 'generational', 'trial-deletion', 'mark-sweep' or a GcStrategy, got ${describe(choice)}`);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : typeof value === 'object' ? (value === null ? 'null' : 'an object that is not one') : typeof value;
}
