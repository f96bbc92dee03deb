/**
 * MarkSweepGc: a tracing collector for the garbage reference counting
 * cannot free (cycles), plugged into a pymem runtime as its GcStrategy.
 *
 * Every tracked GC object sits in one gc-common list, `all`. A collection:
 *
 * ```
 *   all ──1 updateRefs──> gc_refs = refcount             (gc-common, one list walk)
 *       ──2 subtractRefs─> gc_refs -= references from     (one traverse per object)
 *                          tracked objects: what is left
 *                          comes from outside the heap's
 *                          tracked objects
 *       ──3 mark─────────> from explicit roots, then from  (mark.ts: explicit stack,
 *                          every object with gc_refs > 0     one traverse per marked object)
 *       ──4 sweep────────> marked stay in all; unmarked    (sweep.ts, one list walk)
 *                          move to unreachable
 *       ──5 dispose──────> weakrefs, finalizers (once),    (gc-common's GarbageDisposer)
 *                          resurrection, tp_clear: the
 *                          runtime frees what falls to 0
 * ```
 *
 * States of the collector (flags in the state block, state.ts):
 *
 * ```
 *   idle ──collect() or count reaches threshold (ENABLED)──> collecting ──done──> idle
 *   collecting: automatic collections are skipped, collect() returns {0, 0}
 * ```
 *
 * States of a GC object as this strategy sees it: tracked (in `all`, or in
 * `unreachable` during step 5) or untracked (gc_next 0). `untrack` unlinks
 * from whichever list holds the object, as gc-common requires.
 *
 * Refcounting is untouched: the runtime frees any object whose refcount
 * reaches zero at once, whatever the strategy, and only tells the strategy
 * (untrack, onDestroy). The tracer only ever meets what refcounting could
 * not free.
 *
 * A traverse that throws (a broken type) aborts steps 1-3: the list is
 * relinked as it was and the error propagates. Errors of finalizers and
 * weakref callbacks in step 5 go to the runtime's unraisable hook.
 *
 * Invariants (between collections):
 * - an object is tracked iff it is in `all` (gc-common's list invariants hold);
 * - `unreachable` is empty and no gc_prev in `all` carries a flag;
 * - count <= GC objects created since the last collection.
 */
import { InvalidObjectError, RefcountError, checkSize, formatPtr, HeapCorruptionError, OB_TYPE, OB_TYPE_ID_MASK } from '@pymem/core';
import type { GcHost, GcResult, GcStrategy, Heap, Ptr } from '@pymem/core';
import { GarbageDisposer, PREV_FLAGS, UnreachableFinder, gcNext, gcPrev, listAppend, listIsEmpty, listRemove, newList } from '@pymem/gc-common';
import { DEFAULT_THRESHOLD, GcAttachError, type MarkSweepOptions, type MarkSweepStats, type RootEntry, type RootHandle } from './api.js';
import { Marker } from './mark.js';
import { RootTable } from './roots.js';
import {
  FLAG_COLLECTING,
  FLAG_ENABLED,
  STATE_ALL,
  STATE_BYTES,
  STATE_COLLECTED,
  STATE_COLLECTIONS,
  STATE_COUNT,
  STATE_FLAGS,
  STATE_LAST_PAUSE,
  STATE_MARKED,
  STATE_RESURRECTED,
  STATE_SWEPT,
  STATE_THRESHOLD,
  STATE_TOTAL_COLLECTED,
  STATE_UNREACHABLE,
  stateF64Index,
  stateIndex,
} from './state.js';
import { sweep, type SweepCounts } from './sweep.js';

/** Largest threshold: it is a u32 in the state block. */
const MAX_THRESHOLD = 2 ** 32 - 1;
const GC_NEXT_OFFSET = 8;
const GC_PREV_OFFSET = 4;

export class MarkSweepGc implements GcStrategy {
  readonly name = 'mark-sweep';
  readonly wantsDecref = false;

  private host: GcHost | null = null;
  private heap!: Heap;
  private state = 0;
  /** Cached list sentinels (also in the state block). */
  private all = 0;
  private unreachable = 0;
  /** Cached u32 index of the state block's count word (hot path). */
  private countIndex = 0;
  /**
   * Cache of (flags, threshold): the count at which onCreate collects, or
   * Infinity when automatic collection is off (disabled or threshold 0).
   */
  private trigger = Infinity;
  private rootTable!: RootTable;
  private finder!: UnreachableFinder;
  private disposer!: GarbageDisposer;
  private marker!: Marker;
  private readonly swept: SweepCounts = { survivors: 0, garbage: 0 };
  private readonly initialThreshold: number;
  private readonly initialEnabled: boolean;

  /** InvalidSizeError for a threshold that is not an integer in [0, 2^32). */
  constructor(options: MarkSweepOptions = {}) {
    const threshold = options.threshold ?? DEFAULT_THRESHOLD;
    checkSize(threshold, MAX_THRESHOLD);
    this.initialThreshold = threshold;
    this.initialEnabled = options.enabled ?? true;
  }

  // ------------------------------------------------------- GcStrategy hooks

  /** Allocates the state block and the two list sentinels in the runtime's heap. */
  attach(host: GcHost): void {
    if (this.host !== null) throw new GcAttachError('already attached to a runtime (a strategy serves one runtime)');
    const allocator = host.allocator;
    const state = allocator.malloc(STATE_BYTES);
    const all = newList(allocator);
    const unreachable = newList(allocator);
    this.host = host;
    this.heap = host.heap;
    this.state = state;
    this.all = all;
    this.unreachable = unreachable;
    this.countIndex = stateIndex(state, STATE_COUNT);
    this.initState();
    this.rootTable = new RootTable(host.heap, allocator, state);
    this.finder = new UnreachableFinder(host);
    this.disposer = new GarbageDisposer(host, this.finder, allocator);
    this.marker = new Marker(host.heap, host.types);
    this.updateTrigger();
  }

  /** Hot: link the new object, count it, collect when the count reaches the threshold. */
  onCreate(p: Ptr): void {
    const u32 = this.heap.u32;
    listAppend(u32, this.all, p);
    const i = this.countIndex;
    const count = u32[i] + 1;
    u32[i] = count;
    if (count >= this.trigger) this.collectAutomatically();
  }

  /** Hot: one creation fewer to count (never below zero). */
  onDestroy(_p: Ptr): void {
    const u32 = this.heap.u32;
    const i = this.countIndex;
    const count = u32[i];
    if (count !== 0) u32[i] = count - 1;
  }

  track(p: Ptr): void {
    const u32 = this.heap.u32;
    if (u32[(p - GC_NEXT_OFFSET) >>> 2] === 0) listAppend(u32, this.all, p);
  }

  /** Unlinks `p` from whichever list holds it (`all`, or a collection's scratch list). */
  untrack(p: Ptr): void {
    const u32 = this.heap.u32;
    if (u32[(p - GC_NEXT_OFFSET) >>> 2] !== 0) listRemove(u32, p);
  }

  isTracked(p: Ptr): boolean {
    return this.heap.u32[(p - GC_NEXT_OFFSET) >>> 2] !== 0;
  }

  onDecref(_p: Ptr, _newCount: number): void {}

  /**
   * A full collection (the generation argument is ignored). Returns the
   * objects freed; `uncollectable` is always 0 (since CPython 3.4 no garbage
   * is uncollectable, finalizers or not). Inside a collection (from a
   * finalizer or weakref callback) it does nothing and returns zeros.
   */
  collect(_generation?: number): GcResult {
    this.attached();
    const flags = stateIndex(this.state, STATE_FLAGS);
    if ((this.heap.u32[flags] & FLAG_COLLECTING) !== 0) return { collected: 0, uncollectable: 0 };
    this.heap.u32[flags] |= FLAG_COLLECTING;
    const started = performance.now();
    let collected = 0;
    try {
      collected = this.collectMarkSweep();
    } finally {
      this.heap.u32[stateIndex(this.state, STATE_FLAGS)] &= ~FLAG_COLLECTING;
    }
    this.heap.f64[stateF64Index(this.state, STATE_LAST_PAUSE)] = performance.now() - started;
    return { collected, uncollectable: 0 };
  }

  // ------------------------------------------------------------------ roots

  /**
   * Register `ptr` as a root and return its handle. The root holds a strong
   * reference (the object is increfed) until `removeRoot`: a rooted object
   * is never freed, by refcounting or by the collector, and neither is
   * anything reachable from it. The same object may be rooted many times
   * (each handle holds its own reference).
   *
   * Fails, before anything changes: InvalidObjectError for a pointer that is
   * not a live object (checked runtimes; unchecked ones get a plausibility
   * test only), RefcountError for an object being deallocated,
   * OutOfMemoryError when the table cannot grow, GcRootError at 2^21 roots.
   */
  addRoot(ptr: Ptr): RootHandle {
    const host = this.attached();
    this.checkRootable(host, ptr);
    const handle = this.rootTable.add(ptr);
    host.incref(ptr);
    return handle;
  }

  /**
   * Unregister a root and drop its reference: the object may be freed at
   * once by refcounting (nothing else holds it), or by the next collection
   * (only a cycle holds it). GcRootError (ERR_GC_ROOT), before anything
   * changes, for a handle that was already removed or never issued.
   */
  removeRoot(handle: RootHandle): void {
    const host = this.attached();
    const ptr = this.rootTable.remove(handle);
    host.decref(ptr);
  }

  /** The object a root holds (borrowed). GcRootError like removeRoot. */
  rootObject(handle: RootHandle): Ptr {
    this.attached();
    return this.rootTable.get(handle);
  }

  /** Every registered root, in table order (allocates). */
  roots(): RootEntry[] {
    this.attached();
    return this.rootTable.entries();
  }

  // ------------------------------------------------- automatic collection

  /** Allow automatic collections. */
  enable(): void {
    this.setFlag(FLAG_ENABLED, true);
  }

  /** No more automatic collections (collect() still works), as gc.disable(). */
  disable(): void {
    this.setFlag(FLAG_ENABLED, false);
  }

  isEnabled(): boolean {
    return (this.stateWord(STATE_FLAGS) & FLAG_ENABLED) !== 0;
  }

  /** Whether a collection is running (e.g. when asked from a finalizer). */
  isCollecting(): boolean {
    return (this.stateWord(STATE_FLAGS) & FLAG_COLLECTING) !== 0;
  }

  getThreshold(): number {
    return this.stateWord(STATE_THRESHOLD);
  }

  /** Set the threshold (0: no automatic collection). InvalidSizeError unless an integer in [0, 2^32). */
  setThreshold(threshold: number): void {
    this.attached();
    checkSize(threshold, MAX_THRESHOLD);
    this.heap.u32[stateIndex(this.state, STATE_THRESHOLD)] = threshold;
    this.updateTrigger();
  }

  /** GC objects created minus destroyed since the last collection (never below 0). */
  getCount(): number {
    return this.stateWord(STATE_COUNT);
  }

  stats(): MarkSweepStats {
    this.attached();
    const f64 = this.heap.f64;
    return {
      collections: this.stateWord(STATE_COLLECTIONS),
      marked: this.stateWord(STATE_MARKED),
      swept: this.stateWord(STATE_SWEPT),
      collected: this.stateWord(STATE_COLLECTED),
      resurrected: this.stateWord(STATE_RESURRECTED),
      totalCollected: f64[stateF64Index(this.state, STATE_TOTAL_COLLECTED)],
      lastPauseMs: f64[stateF64Index(this.state, STATE_LAST_PAUSE)],
    };
  }

  /** The tracked objects (allocates; for tests and tools). */
  trackedObjects(): Ptr[] {
    this.attached();
    const out: Ptr[] = [];
    const u32 = this.heap.u32;
    for (let p = u32[(this.all - GC_NEXT_OFFSET) >>> 2]; p !== this.all; p = u32[(p - GC_NEXT_OFFSET) >>> 2]) out.push(p);
    return out;
  }

  /**
   * Walk the collector's structures and throw HeapCorruptionError at the
   * first broken invariant: the list of tracked objects (links, flags, GC
   * objects with a positive refcount), the empty garbage list, the root
   * table. Cost: one pass over the tracked objects and the roots.
   */
  checkInvariants(): void {
    const host = this.attached();
    const u32 = this.heap.u32;
    if (!listIsEmpty(u32, this.unreachable)) throw new HeapCorruptionError('mark-sweep: the garbage list is empty between collections', this.unreachable);
    let prev = this.all;
    for (let p = gcNext(u32, this.all); p !== this.all; p = gcNext(u32, p)) {
      if (gcPrev(u32, p) !== prev) throw new HeapCorruptionError('mark-sweep: prev(next(x)) == x along the list', p);
      if ((u32[(p - GC_PREV_OFFSET) >>> 2] & PREV_FLAGS) !== 0) throw new HeapCorruptionError('mark-sweep: no gc_prev flag between collections', p);
      const type = host.types[u32[(p + OB_TYPE) >>> 2] & OB_TYPE_ID_MASK];
      if (type === null || type === undefined || type.headSize === 0) throw new HeapCorruptionError('mark-sweep: only GC objects are tracked', p);
      if (this.heap.i32[p >>> 2] <= 0) throw new HeapCorruptionError('mark-sweep: tracked objects have a positive refcount', p);
      prev = p;
    }
    if (gcPrev(u32, this.all) !== prev) throw new HeapCorruptionError('mark-sweep: the list closes on its sentinel', this.all);
    this.rootTable.check((p) => this.isLiveObject(host, p));
  }

  // ---------------------------------------------------------------- private

  /** Steps 1-5 of the file comment; the flags say COLLECTING. Returns the objects freed. */
  private collectMarkSweep(): number {
    const u32 = this.heap.u32;
    u32[this.countIndex] = 0;
    try {
      this.finder.refresh();
      this.finder.updateRefs(this.all);
      this.finder.subtractRefs(this.all);
      this.marker.markFromRoots(this.all, this.rootTable.table(), this.rootTable.used());
    } catch (error) {
      this.relinkAll(); // a traverse threw (a broken type): leave the list as it was
      throw error;
    }
    sweep(u32, this.all, this.unreachable, this.swept);
    this.marker.trimStack();
    const disposed = this.disposer.dispose(this.unreachable, this.all);
    this.recordStats(disposed.collected, disposed.resurrected);
    return disposed.collected;
  }

  /**
   * Undo steps 1-3 after a traverse threw: gc_next links are intact through
   * them, so walking them restores every prev pointer and clears the flags.
   */
  private relinkAll(): void {
    const u32 = this.heap.u32;
    this.marker.reset();
    let prev = this.all;
    for (let p = u32[(this.all - GC_NEXT_OFFSET) >>> 2]; p !== this.all; p = u32[(p - GC_NEXT_OFFSET) >>> 2]) {
      u32[(p - GC_PREV_OFFSET) >>> 2] = prev;
      prev = p;
    }
  }

  private recordStats(collected: number, resurrected: number): void {
    const u32 = this.heap.u32; // dispose may have grown the heap
    const s = this.state;
    u32[stateIndex(s, STATE_COLLECTIONS)]++;
    u32[stateIndex(s, STATE_MARKED)] = this.swept.survivors;
    u32[stateIndex(s, STATE_SWEPT)] = this.swept.garbage;
    u32[stateIndex(s, STATE_COLLECTED)] = collected;
    u32[stateIndex(s, STATE_RESURRECTED)] = resurrected;
    this.heap.f64[stateF64Index(s, STATE_TOTAL_COLLECTED)] += collected;
  }

  /** The slow half of onCreate: the count reached the trigger. */
  private collectAutomatically(): void {
    if ((this.heap.u32[stateIndex(this.state, STATE_FLAGS)] & FLAG_COLLECTING) !== 0) return;
    this.collect();
  }

  private initState(): void {
    const u32 = this.heap.u32;
    const s = this.state;
    u32.fill(0, s >>> 2, (s + STATE_BYTES) >>> 2);
    u32[stateIndex(s, STATE_ALL)] = this.all;
    u32[stateIndex(s, STATE_UNREACHABLE)] = this.unreachable;
    u32[stateIndex(s, STATE_THRESHOLD)] = this.initialThreshold;
    u32[stateIndex(s, STATE_FLAGS)] = this.initialEnabled ? FLAG_ENABLED : 0;
  }

  private updateTrigger(): void {
    const threshold = this.stateWord(STATE_THRESHOLD);
    this.trigger = this.isEnabled() && threshold !== 0 ? threshold : Infinity;
  }

  private setFlag(flag: number, on: boolean): void {
    this.attached();
    const i = stateIndex(this.state, STATE_FLAGS);
    if (on) this.heap.u32[i] |= flag;
    else this.heap.u32[i] &= ~flag;
    this.updateTrigger();
  }

  private stateWord(field: number): number {
    this.attached();
    return this.heap.u32[stateIndex(this.state, field)];
  }

  private attached(): GcHost {
    if (this.host === null) throw new GcAttachError('not attached: create a runtime with this strategy first');
    return this.host;
  }

  /** addRoot's validation: a live object that is not being deallocated. */
  private checkRootable(host: GcHost, ptr: Ptr): void {
    if (!isPlausibleObject(ptr, this.heap.byteLength)) {
      throw new InvalidObjectError(ptr, 'objects are non-NULL, 8-byte aligned offsets inside the heap');
    }
    const count = host.refcount(ptr); // checked runtimes throw InvalidObjectError / RefcountError here
    if (count <= 0) throw new RefcountError(ptr, `cannot root ${formatPtr(ptr)}: its refcount is ${count} (it is being deallocated)`);
  }

  private isLiveObject(host: GcHost, p: Ptr): boolean {
    if (!isPlausibleObject(p, this.heap.byteLength)) return false;
    try {
      return host.refcount(p) > 0;
    } catch {
      return false;
    }
  }
}

/** Objects are 8-byte aligned: the low bits of an object pointer are clear. */
const OBJECT_ALIGN_MASK = 7;

function isPlausibleObject(ptr: number, heapBytes: number): boolean {
  return typeof ptr === 'number' && Number.isInteger(ptr) && ptr > 0 && (ptr & OBJECT_ALIGN_MASK) === 0 && ptr < heapBytes;
}

/** A mark-sweep strategy for `createRuntime({ gc })` / `new Runtime({ gc })`. */
export function markSweepGc(options?: MarkSweepOptions): MarkSweepGc {
  return new MarkSweepGc(options);
}
