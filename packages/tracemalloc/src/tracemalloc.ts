/**
 * Tracemalloc: CPython's tracemalloc module over pymem allocators.
 *
 * States:
 *   stopped  wrapped allocators pass straight through; no traces
 *   tracing  every block allocated through a wrapped allocator gets a Trace
 *            (domain, requested size, traceback of the user code)
 *   start() moves stopped -> tracing; stop() moves back and drops every trace.
 *
 * Traces are a JS-side table (one Map per domain, pointer -> Trace), like
 * CPython's, which keeps them in its own hash tables outside the Python
 * heap: they describe the heap but are not allocator state, and putting
 * them in the heap would change the heap being measured.
 *
 * Invariants:
 *   current == sum of size over all traces
 *   peak >= current; peak is the largest current since start/clearTraces/resetPeak
 *   !tracing => no traces, current == peak == 0
 */
import { GC_HEAD_SIZE, type Allocator, type Ptr, type RawAllocator } from '@pymem/core';
import { StackCapture } from './capture.js';
import type { Traceback } from './frames.js';
import { Snapshot } from './snapshot.js';
import { Trace } from './trace.js';
import { TracedAllocator } from './traced-allocator.js';

/** Largest nframe (CPython's MAX_NFRAME: frame counts are u16). */
export const MAX_NFRAME = 0xffff;
/** Domain of blocks from wrapped allocators (CPython's DEFAULT_DOMAIN). */
export const DEFAULT_DOMAIN = 0;

/**
 * Estimated bytes per object kind, for getTracemallocMemory(): V8 on 64-bit
 * with pointer compression. A Map entry costs about 3 tagged words in its
 * hash table (key, value, chain) at a load factor of 1/2; a small object is
 * a header (map, properties, elements) plus one word per field.
 */
const MAP_ENTRY_BYTES = 24;
const TRACE_OBJECT_BYTES = 24;
const TRACEBACK_OBJECT_BYTES = 32;
const FRAME_OBJECT_BYTES = 20;
/** A raw-position trie node: header plus 2 fields. */
const RAW_NODE_OBJECT_BYTES = 20;
/** A Map with few entries: object plus its smallest hash table (one per trie node at most). */
const SMALL_MAP_BYTES = 64;
const ARRAY_SLOT_BYTES = 4;
/** One-byte strings: header plus one byte per character; two-byte would double it. */
const STRING_HEADER_BYTES = 16;

export interface TracemallocOptions {
  /**
   * Call `process.setSourceMapsEnabled(true)` (Node) on start(), so frames name
   * TypeScript lines. Node only maps files loaded after this call: for full
   * coverage run Node with `--enable-source-maps`.
   * @defaultValue true
   */
  sourceMaps?: boolean;
}

/** Something that can tell an object's GC head size (a pymem Runtime). */
export interface HeadSizeSource {
  typeOf(ptr: Ptr): { readonly headSize: number };
}

export class Tracemalloc {
  /** Read by wrapped allocators on every call. */
  tracing = false;
  private nframe = 1;
  private readonly domains = new Map<number, Map<Ptr, Trace>>();
  private current = 0;
  private peak = 0;
  /** Captures stop at addTrace: it and the frames above it are never user code. */
  // eslint-disable-next-line @typescript-eslint/unbound-method
  private readonly stacks = new StackCapture(Tracemalloc.prototype.addTrace);
  private readonly sourceMaps: boolean;

  constructor(options: TracemallocOptions = {}) {
    this.sourceMaps = options.sourceMaps ?? true;
  }

  /** A tracing allocator over the same heap as `allocator` (CPython's hooks). */
  wrap(allocator: RawAllocator, domain?: number): RawAllocator;
  wrap(allocator: Allocator, domain?: number): Allocator;
  wrap(allocator: Allocator, domain = DEFAULT_DOMAIN): Allocator {
    checkDomain(domain);
    return new TracedAllocator(allocator, this, domain);
  }

  /** Start tracing, keeping `nframe` frames per traceback. RangeError outside [1, 65535]. Does nothing if tracing. */
  start(nframe = 1): void {
    if (!Number.isInteger(nframe) || nframe < 1 || nframe > MAX_NFRAME) {
      throw new RangeError(`the number of frames must be in range [1; ${MAX_NFRAME}]`);
    }
    if (this.tracing) return;
    if (this.sourceMaps) enableSourceMaps();
    this.nframe = nframe;
    this.tracing = true;
  }

  /** Stop tracing and drop every trace (and the interned tracebacks). */
  stop(): void {
    this.tracing = false;
    this.clearTraces();
    this.stacks.clear();
  }

  isTracing(): boolean {
    return this.tracing;
  }

  /** Frames kept per traceback (CPython's get_traceback_limit). */
  getTracebackLimit(): number {
    return this.nframe;
  }

  /** Drop every trace; current and peak go to 0. */
  clearTraces(): void {
    this.domains.clear();
    this.current = 0;
    this.peak = 0;
  }

  /** [current, peak] bytes of traced blocks; [0, 0] when not tracing. */
  getTracedMemory(): [number, number] {
    return this.tracing ? [this.current, this.peak] : [0, 0];
  }

  /** Set the peak to the current size. */
  resetPeak(): void {
    if (this.tracing) this.peak = this.current;
  }

  /**
   * Estimated bytes tracemalloc's own tables take: per trace a Map entry and
   * a Trace; per interned traceback its object, frame array and key string;
   * per raw-position trie node its object, Map entry and Maps; per interned
   * frame its object. An estimate from V8's object layout (see the
   * constants above), not a measurement.
   */
  getTracemallocMemory(): number {
    let traces = 0;
    for (const table of this.domains.values()) traces += table.size;
    const s = this.stacks;
    const tracebacks = s.internedCount;
    return (
      traces * (MAP_ENTRY_BYTES + TRACE_OBJECT_BYTES) +
      tracebacks * (MAP_ENTRY_BYTES + TRACEBACK_OBJECT_BYTES + STRING_HEADER_BYTES + this.nframe * ARRAY_SLOT_BYTES) +
      s.internedChars() +
      s.rawNodeCount * (MAP_ENTRY_BYTES + RAW_NODE_OBJECT_BYTES + SMALL_MAP_BYTES) +
      s.internedFrameCount * (MAP_ENTRY_BYTES + FRAME_OBJECT_BYTES)
    );
  }

  /** The traceback of the block at `ptr` (a block pointer), or null if untraced. */
  getTraceback(ptr: Ptr, domain = DEFAULT_DOMAIN): Traceback | null {
    return this.domains.get(domain)?.get(ptr)?.traceback ?? null;
  }

  /**
   * The traceback of the object at `ptr`. Its block starts `headSize` bytes
   * earlier (GC_HEAD_SIZE for GC types): pass the number, or the runtime to
   * ask. Without either, `ptr` is tried as a block, then `ptr - GC_HEAD_SIZE`
   * (sound: a GC object's pointer is inside its block, never a block start).
   */
  getObjectTraceback(ptr: Ptr, head?: number | HeadSizeSource): Traceback | null {
    if (typeof head === 'number') return this.getTraceback(ptr - head);
    if (head !== undefined) return this.getTraceback(ptr - head.typeOf(ptr).headSize);
    return this.getTraceback(ptr) ?? this.getTraceback(ptr - GC_HEAD_SIZE);
  }

  /** The traces now. RuntimeError-like Error when not tracing (as CPython). */
  takeSnapshot(): Snapshot {
    if (!this.tracing) throw new Error('the tracemalloc module must be tracing memory allocations to take a snapshot');
    const traces: Trace[] = [];
    for (const table of this.domains.values()) for (const trace of table.values()) traces.push(trace);
    return new Snapshot(traces, this.nframe);
  }

  /** Trace a block of another domain (CPython's PyTraceMalloc_Track). False when not tracing. */
  track(domain: number, ptr: Ptr, size: number): boolean {
    checkDomain(domain);
    if (!this.tracing) return false;
    this.addTrace(domain, ptr, size);
    return true;
  }

  /** Forget a block of another domain (PyTraceMalloc_Untrack). False when not tracing. */
  untrack(domain: number, ptr: Ptr): boolean {
    if (!this.tracing) return false;
    this.removeTrace(domain, ptr);
    return true;
  }

  /** @internal Record a block; replaces a trace already at (domain, ptr). */
  addTrace(domain: number, ptr: Ptr, size: number): void {
    let table = this.domains.get(domain);
    if (table === undefined) {
      table = new Map();
      this.domains.set(domain, table);
    }
    const old = table.get(ptr);
    if (old !== undefined) this.current -= old.size;
    table.set(ptr, new Trace(domain, size, this.stacks.capture(this.nframe)));
    this.current += size;
    if (this.current > this.peak) this.peak = this.current;
  }

  /** @internal Forget a block (untraced blocks are ignored: allocated before start). */
  removeTrace(domain: number, ptr: Ptr): void {
    const table = this.domains.get(domain);
    const trace = table?.get(ptr);
    if (trace === undefined) return;
    table!.delete(ptr);
    this.current -= trace.size;
  }
}

export function createTracemalloc(options?: TracemallocOptions): Tracemalloc {
  return new Tracemalloc(options);
}

function checkDomain(domain: number): void {
  if (!Number.isInteger(domain) || domain < 0 || domain > 0xffffffff) {
    throw new RangeError(`domain must be a u32, got ${String(domain)}`);
  }
}

/** Cold path: ask Node (if this is Node) to source-map stack traces. */
function enableSourceMaps(): void {
  const proc = (globalThis as { process?: { setSourceMapsEnabled?: (on: boolean) => void } }).process;
  proc?.setSourceMapsEnabled?.(true);
}
