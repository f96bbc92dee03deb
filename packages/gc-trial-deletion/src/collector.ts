/**
 * TrialDeletionGc: Bacon and Rajan's synchronous cycle collection
 * ("Concurrent Cycle Collection in Reference Counted Systems", ECOOP 2001,
 * section 3) as a pymem GC strategy.
 *
 * Reference counting frees everything but cycles. A garbage cycle can only
 * appear when a reference into it is dropped and the count of its target
 * stays above zero (the cycle's own references keep it up). So every decref
 * to a non-zero count makes its object a *candidate*: purple, in the buffer
 * (buffer.ts). When the buffer fills, or on collect(), trial deletion runs
 * over the candidates and what they reach (phases.ts): markRoots, scanRoots,
 * collectRoots. The whites it finds are handed to gc-common's
 * GarbageDisposer, so weakrefs, finalizers (once), resurrection and clear
 * behave exactly as under the other collectors.
 *
 * ```
 *   runtime hook         what happens here                                cost
 *   onCreate(p)          TRACKED set, black                               O(1)
 *   onDecref(p, n > 0)   PossibleRoot: purple + buffered, if tracked and   O(1)
 *                        in no list; buffer full -> collect()
 *   track(p)             TRACKED set, and p becomes a candidate            O(1)
 *   untrack(p)           out of any list, GC bits cleared                  O(1)
 *   onDestroy(p)         same as untrack (already done by the runtime)     O(1)
 *   collect()            markRoots, scanRoots, collectRoots, dispose       O(gray set + its edges)
 * ```
 *
 * Decisions beyond the paper:
 * - The runtime frees objects itself when their count reaches zero, so the
 *   paper's Release ("free if not buffered") becomes: a dying object leaves
 *   the buffer (untrack, then onDestroy). A decref to zero never buffers.
 * - track() of an untracked object makes it a candidate. The runtime tracks
 *   an object again when its finalizer resurrects it from dealloc, and drops
 *   its count by one without a decref; if the finalizer stored it in a new
 *   garbage cycle (itself, say), only that makes it examined.
 * - Survivors of a disposal (resurrected by a finalizer, or left alive by a
 *   clear) are held over as purple roots of the next collection (`held`), as
 *   CPython moves them to an older generation. They do not count toward
 *   bufferSize, so uncollectable cycles (types without clear) cannot make
 *   every decref collect.
 * - Untracked objects (immortal ones, those a type or user untracked) take
 *   no part: never candidates, never traversed; their references count as
 *   external, as under CPython's collector.
 * - Collection never runs inside another: an automatic one is skipped while
 *   one runs (the buffer may then exceed bufferSize until the next decref),
 *   and collect() called by a finalizer or callback returns zeros, as
 *   CPython's gc.collect() does during a collection.
 */
import { HeapCorruptionError, InvalidSizeError, ObjectTypeError, formatPtr, type GcHost, type GcResult, type GcStrategy, type Heap, type Ptr } from '@pymem/core';
import { GarbageDisposer, PREV_FLAGS, UnreachableFinder, gcNext, gcPrev, listInit, listIsEmpty, listSize, nextIndex, prevIndex } from '@pymem/gc-common';
import {
  DEFAULT_BUFFER_SIZE,
  GcAttachError,
  MAX_BUFFER_SIZE,
  type Colour,
  type TrialDeletionOptions,
  type TrialDeletionStats,
} from './api.js';
import { bufferAppend, bufferLength, forget, markTracked, resetLength } from './buffer.js';
import { BUFFERED, COLOUR_MASK, PURPLE, TRACKED, colourName, setColour, typeIndex } from './colour.js';
import { TrialDeletion } from './phases.js';
import {
  FLAG_COLLECTING,
  STATE_AUTOMATIC,
  STATE_BUFFER,
  STATE_BUFFER_SIZE,
  STATE_BYTES,
  STATE_COLLECTED,
  STATE_COLLECTIONS,
  STATE_EXAMINED,
  STATE_FLAGS,
  STATE_GARBAGE,
  STATE_HELD,
  STATE_LAST_COLLECTED,
  STATE_LAST_EXAMINED,
  STATE_LENGTH,
  STATE_MAX_BUFFER,
  stateF64Index,
  stateIndex,
} from './state.js';

export class TrialDeletionGc implements GcStrategy {
  readonly name = 'trial-deletion';
  readonly wantsDecref = true;
  /** Candidates that make a decref collect (see TrialDeletionOptions). */
  readonly bufferSize: number;
  private host: GcHost | null = null;
  /** The runtime's heap (set by attach; read its views afresh in every call). */
  private heap!: Heap;
  /** The state block (state.ts); 0 until attach. */
  private state: Ptr = 0;
  private phases!: TrialDeletion;
  private disposer!: GarbageDisposer;

  constructor(options: TrialDeletionOptions = {}) {
    const size = options.bufferSize ?? DEFAULT_BUFFER_SIZE;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > MAX_BUFFER_SIZE) {
      throw new InvalidSizeError(size, `bufferSize must be an integer from 1 to ${MAX_BUFFER_SIZE}`);
    }
    this.bufferSize = size;
  }

  // ------------------------------------------------------------- hooks

  attach(host: GcHost): void {
    if (this.host !== null) throw new GcAttachError('already attached to a runtime (a strategy serves one runtime)');
    const state = host.allocator.malloc(STATE_BYTES);
    const u32 = host.heap.u32;
    u32.fill(0, state >>> 2, (state + STATE_BYTES) >>> 2);
    for (const list of [STATE_BUFFER, STATE_HELD, STATE_GARBAGE]) listInit(u32, state + list);
    u32[stateIndex(state, STATE_BUFFER_SIZE)] = this.bufferSize;
    this.host = host;
    this.heap = host.heap;
    this.state = state;
    this.phases = new TrialDeletion(host);
    this.disposer = new GarbageDisposer(host, new UnreachableFinder(host), host.allocator);
  }

  onCreate(p: Ptr): void {
    markTracked(this.heap.u32, p);
  }

  onDestroy(p: Ptr): void {
    forget(this.heap.u32, this.state, p);
  }

  track(p: Ptr): void {
    const u32 = this.heap.u32;
    if ((u32[typeIndex(p)] & TRACKED) !== 0) return;
    markTracked(u32, p);
    bufferAppend(u32, this.state, p);
  }

  untrack(p: Ptr): void {
    forget(this.heap.u32, this.state, p);
  }

  isTracked(p: Ptr): boolean {
    return (this.heap.u32[typeIndex(p)] & TRACKED) !== 0;
  }

  /**
   * PossibleRoot. Untracked objects are no candidates; buffered ones already
   * are; one in another list (held over, or being disposed of) will be
   * examined anyway.
   */
  onDecref(p: Ptr, _newCount: number): void {
    const u32 = this.heap.u32;
    if ((u32[typeIndex(p)] & (TRACKED | BUFFERED)) !== TRACKED || u32[nextIndex(p)] !== 0) return;
    if (bufferAppend(u32, this.state, p) >= this.bufferSize) this.bufferFull();
  }

  // ----------------------------------------------------------- collect

  /** Run a collection now (`generation` is ignored). Returns zeros when called during one. */
  collect(_generation?: number): GcResult {
    this.attached();
    return this.run(false);
  }

  private bufferFull(): void {
    if ((this.heap.u32[stateIndex(this.state, STATE_FLAGS)] & FLAG_COLLECTING) === 0) this.run(true);
  }

  private run(automatic: boolean): GcResult {
    const state = this.state;
    const flags = stateIndex(state, STATE_FLAGS);
    if ((this.heap.u32[flags] & FLAG_COLLECTING) !== 0) return { collected: 0, uncollectable: 0 };
    this.heap.u32[flags] |= FLAG_COLLECTING;
    let examined = 0;
    let collected = 0;
    try {
      examined = this.phases.markRoots(state + STATE_BUFFER, state + STATE_HELD);
      resetLength(this.heap.u32, state);
      if (examined !== 0) collected = this.scanAndCollect();
    } finally {
      this.heap.u32[flags] &= ~FLAG_COLLECTING;
    }
    this.record(automatic, examined, collected);
    return { collected, uncollectable: 0 };
  }

  /** Phases 2 and 3, then disposal of the whites; survivors are held over, purple. */
  private scanAndCollect(): number {
    const garbage = this.state + STATE_GARBAGE;
    const held = this.state + STATE_HELD;
    this.phases.scanRoots();
    if (this.phases.collectRoots(garbage) === 0) return 0;
    const { collected } = this.disposer.dispose(garbage, held);
    const u32 = this.heap.u32; // disposal ran user code: the views may be new
    for (let p = gcNext(u32, held); p !== held; p = gcNext(u32, p)) setColour(u32, p, PURPLE);
    return collected;
  }

  private record(automatic: boolean, examined: number, collected: number): void {
    const state = this.state;
    const u32 = this.heap.u32;
    const f64 = this.heap.f64;
    u32[stateIndex(state, STATE_COLLECTIONS)]++;
    if (automatic) u32[stateIndex(state, STATE_AUTOMATIC)]++;
    u32[stateIndex(state, STATE_LAST_EXAMINED)] = examined;
    u32[stateIndex(state, STATE_LAST_COLLECTED)] = collected;
    f64[stateF64Index(state, STATE_EXAMINED)] += examined;
    f64[stateF64Index(state, STATE_COLLECTED)] += collected;
  }

  // ------------------------------------------------------- inspection

  /** Candidates in the buffer now. */
  candidates(): number {
    this.attached();
    return bufferLength(this.heap.u32, this.state);
  }

  stats(): TrialDeletionStats {
    this.attached();
    const state = this.state;
    const u32 = this.heap.u32;
    const f64 = this.heap.f64;
    return {
      collections: u32[stateIndex(state, STATE_COLLECTIONS)],
      automatic: u32[stateIndex(state, STATE_AUTOMATIC)],
      collected: f64[stateF64Index(state, STATE_COLLECTED)],
      examined: f64[stateF64Index(state, STATE_EXAMINED)],
      lastExamined: u32[stateIndex(state, STATE_LAST_EXAMINED)],
      lastCollected: u32[stateIndex(state, STATE_LAST_COLLECTED)],
      maxBuffer: u32[stateIndex(state, STATE_MAX_BUFFER)],
      candidates: u32[stateIndex(state, STATE_LENGTH)],
      held: listSize(u32, state + STATE_HELD),
    };
  }

  /** The colour of a GC object. InvalidObjectError / ObjectTypeError (checked runtime) for anything else. */
  colourOf(p: Ptr): Colour {
    this.expectGcObject(p);
    return colourName(this.heap.u32[typeIndex(p)] & COLOUR_MASK);
  }

  /** Whether a GC object is in the candidate buffer. Errors as colourOf. */
  isBuffered(p: Ptr): boolean {
    this.expectGcObject(p);
    return (this.heap.u32[typeIndex(p)] & BUFFERED) !== 0;
  }

  /** Whether a collection is running (a finalizer or callback may ask). */
  isCollecting(): boolean {
    this.attached();
    return (this.heap.u32[stateIndex(this.state, STATE_FLAGS)] & FLAG_COLLECTING) !== 0;
  }

  /**
   * Walk the buffer and the held list and check the invariants of
   * colour.ts, buffer.ts and state.ts. HeapCorruptionError on the first
   * broken one. Between collections only. Cost: O(buffer + held).
   */
  checkInvariants(): void {
    this.attached();
    const u32 = this.heap.u32;
    const state = this.state;
    const buffer = state + STATE_BUFFER;
    const n = this.checkList(buffer, true);
    if (n !== bufferLength(u32, state)) corrupt('buffer length == buffer list size', buffer, `${bufferLength(u32, state)} != ${n}`);
    if (u32[stateIndex(state, STATE_MAX_BUFFER)] < n) corrupt('maxBuffer >= length', buffer);
    this.checkList(state + STATE_HELD, false);
    if (!listIsEmpty(u32, state + STATE_GARBAGE)) corrupt('garbage list empty between collections', state + STATE_GARBAGE);
    if ((u32[stateIndex(state, STATE_FLAGS)] & FLAG_COLLECTING) !== 0) corrupt('COLLECTING clear between collections', state);
  }

  private checkList(list: Ptr, buffered: boolean): number {
    const u32 = this.heap.u32;
    let n = 0;
    let prev = list;
    for (let p = gcNext(u32, list); p !== list; p = gcNext(u32, p)) {
      if (gcPrev(u32, p) !== prev || (u32[prevIndex(p)] & PREV_FLAGS) !== 0) corrupt('prev(next(x)) == x, no flags', p);
      const w = u32[typeIndex(p)];
      if ((w & TRACKED) === 0) corrupt('list member is TRACKED', p);
      if ((w & COLOUR_MASK) !== PURPLE) corrupt('list member is PURPLE', p, colourName(w));
      if (((w & BUFFERED) !== 0) !== buffered) corrupt(buffered ? 'buffer member is BUFFERED' : 'held member is not BUFFERED', p);
      prev = p;
      n++;
    }
    return n;
  }

  private expectGcObject(p: Ptr): void {
    this.attached();
    const type = this.host!.typeOf(p); // checked runtimes: InvalidObjectError unless p is a live object
    if (type.headSize === 0) throw new ObjectTypeError(p, `'${type.name}' object at ${formatPtr(p)} is not a GC object`);
  }

  private attached(): void {
    if (this.host === null) throw new GcAttachError('not attached to a runtime yet');
  }
}

function corrupt(invariant: string, ptr: Ptr, detail = ''): never {
  throw new HeapCorruptionError(invariant, ptr, detail);
}

/** Factory: `trialDeletionGc({ bufferSize })`. */
export function trialDeletionGc(options: TrialDeletionOptions = {}): TrialDeletionGc {
  return new TrialDeletionGc(options);
}
