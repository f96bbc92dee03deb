/**
 * GenerationalGc: CPython's gc module (Modules/gcmodule.c, 3.12/3.13) as a
 * pymem GC strategy.
 *
 * ## Generations
 *
 * ```
 *   onCreate ──> gen0 ──collect(0)──> gen1 ──collect(1)──> gen2 ──collect(2)──┐
 *                 ▲  survivors move one generation up;        ▲ survivors stay │
 *   track ────────┘  garbage is freed                          └──────────────┘
 *
 *   freeze():   gen0 + gen1 + gen2 ──> permanent   (never examined again)
 *   unfreeze(): permanent ──> gen2
 * ```
 *
 * Every list is circular around a sentinel in the heap (gc-common), and the
 * counts, thresholds and flags sit in a state block in the heap (state.ts).
 *
 * ## When a collection runs
 *
 * Each GC object created adds 1 to count0, each one destroyed takes 1 off.
 * When count0 exceeds threshold0 (and collection is enabled, threshold0 is
 * not 0 and no collection is running), the oldest generation whose count
 * exceeds its threshold is collected together with all younger ones;
 * generation 2 only when the objects promoted into it since the last full
 * collection (long_lived_pending) reach a quarter of those it then held
 * (long_lived_total), so full collections stay linear overall.
 *
 * ## One collection of generation g (collectMain)
 *
 * 1. counts: count[g+1] += 1, count[0..g] = 0;
 * 2. merge generations 0..g-1 into g: `young`; `old` = g+1 (g itself for 2);
 * 3. deduce the unreachable set (update_refs, subtract_refs,
 *    move_unreachable: gc-common's UnreachableFinder); references from
 *    older generations, the permanent one and JS count as external;
 * 4. untrack atomic tuples (and, in full collections, dicts);
 * 5. survivors join `old` (long-lived bookkeeping);
 * 6. dispose of the garbage (gc-common's GarbageDisposer): weakrefs,
 *    finalizers once, resurrection, tp_clear; resurrected objects join `old`;
 * 7. statistics and the DEBUG_STATS lines.
 *
 * States: IDLE ──collect──> COLLECTING ──> IDLE. A collection requested
 * while COLLECTING (from a finalizer, a weakref callback, a gc callback, an
 * allocation) does nothing and returns {0, 0}, as in CPython.
 */
import {
  GC_HEAD_SIZE,
  OB_TYPE,
  OB_TYPE_ID_MASK,
  type GcHost,
  type GcResult,
  type GcStrategy,
  type Heap,
  type Ptr,
} from '@pymem/core';
import {
  GarbageDisposer,
  UnreachableFinder,
  listAppend,
  listInit,
  listMerge,
  listRemove,
  listSize,
  listToArray,
  newList,
  type DisposeOptions,
} from '@pymem/gc-common';
import {
  DEBUG_COLLECTABLE,
  DEBUG_SAVEALL,
  DEBUG_STATS,
  GcArgumentError,
  GcGenerationError,
  type CollectionInfo,
  type GcCallback,
  type GenerationStats,
  type GenerationalGcOptions,
  type Thresholds,
} from './api.js';
import { AtomicUntracker } from './atomic.js';
import { collectingLine, cycleLine, doneLine, generationSizesLine, permanentSizeLine, writeToConsole } from './debug.js';
import { referentsOf, referrersIn } from './introspect.js';
import { checkLists } from './invariants.js';
import {
  COLLECTING,
  DEBUG,
  DEFAULT_THRESHOLDS,
  ENABLED,
  FLAGS,
  GEN_COUNT,
  GEN_HEAD,
  GEN_THRESHOLD,
  LONG_LIVED_PENDING,
  LONG_LIVED_TOTAL,
  NUM_GENERATIONS,
  OLDEST,
  PERMANENT_HEAD,
  STATE_BYTES,
  STAT_COLLECTED,
  STAT_COLLECTIONS,
  STAT_UNCOLLECTABLE,
  UNREACHABLE_HEAD,
  clearState,
  genWord,
  stateWord,
  statIndex,
} from './state.js';

/** Largest value a u32 state word holds (thresholds, debug flags). */
const MAX_U32 = 0xffffffff;
/** long_lived_pending must reach long_lived_total / 4 (>> 2) before a full collection. */
const LONG_LIVED_RATIO_SHIFT = 2;
/** What a collection that could not start reports. */
const NOTHING: GcResult = Object.freeze({ collected: 0, uncollectable: 0 });

export class GenerationalGc implements GcStrategy {
  readonly name = 'generational';
  readonly wantsDecref = false;
  /** gc.callbacks: called with ('start' | 'stop', info) around every collection. */
  readonly callbacks: GcCallback[] = [];
  /** gc.garbage: objects saved under DEBUG_SAVEALL. Each entry holds a reference (see clearGarbage). */
  readonly garbage: Ptr[] = [];

  private host: GcHost | null = null;
  private heap!: Heap;
  /** The state block (state.ts); the fields below cache words of it. */
  private state = 0;
  private heads: Ptr[] = [];
  private gen0 = 0;
  private permanent = 0;
  private unreachable = 0;
  private count0Word = 0;
  private threshold0Word = 0;
  private flagsWord = 0;
  private finder!: UnreachableFinder;
  private disposer!: GarbageDisposer;
  private untracker!: AtomicUntracker;

  private readonly initialThresholds: Thresholds;
  private readonly initialEnabled: boolean;
  private readonly initialDebug: number;
  private readonly untrackAtomic: boolean;
  private readonly write: (line: string) => void;
  /** DEBUG_COLLECTABLE's per-object printer, created once. */
  private readonly printCollectable: (p: Ptr) => void;

  constructor(options: GenerationalGcOptions = {}) {
    const t = options.thresholds ?? DEFAULT_THRESHOLDS;
    if (!Array.isArray(t) || t.length !== NUM_GENERATIONS) {
      throw new GcArgumentError(`invalid thresholds ${String(t)}: expected [threshold0, threshold1, threshold2]`);
    }
    this.initialThresholds = [checkU32(t[0], 'threshold0'), checkU32(t[1], 'threshold1'), checkU32(t[2], 'threshold2')];
    this.initialDebug = checkU32(options.debug ?? 0, 'debug flags');
    this.initialEnabled = options.enabled ?? true;
    this.untrackAtomic = options.untrackAtomic ?? true;
    this.write = options.write ?? writeToConsole;
    this.printCollectable = (p) => this.write(cycleLine('collectable', this.typeName(p), p));
  }

  // ------------------------------------------------------------------ hooks

  attach(host: GcHost): void {
    if (this.host !== null) throw new GcArgumentError('this collector is already attached to a runtime (a strategy serves one runtime)');
    const allocator = host.allocator;
    const heads = [newList(allocator), newList(allocator), newList(allocator)];
    const permanent = newList(allocator);
    const unreachable = newList(allocator);
    const state = allocator.malloc(STATE_BYTES);
    clearState(host.heap, state);
    const u32 = host.heap.u32;
    for (let gen = 0; gen < NUM_GENERATIONS; gen++) {
      u32[genWord(state, gen, GEN_HEAD)] = heads[gen];
      u32[genWord(state, gen, GEN_THRESHOLD)] = this.initialThresholds[gen];
    }
    u32[stateWord(state, PERMANENT_HEAD)] = permanent;
    u32[stateWord(state, UNREACHABLE_HEAD)] = unreachable;
    u32[stateWord(state, FLAGS)] = this.initialEnabled ? ENABLED : 0;
    u32[stateWord(state, DEBUG)] = this.initialDebug;
    this.host = host;
    this.heap = host.heap;
    this.cacheState(state);
    this.finder = new UnreachableFinder(host);
    this.disposer = new GarbageDisposer(host, this.finder, allocator);
    this.untracker = new AtomicUntracker(host);
  }

  /** A GC object was created: track it in generation 0; maybe collect (CPython's _PyObject_GC_Link). */
  onCreate(p: Ptr): void {
    const u32 = this.heap.u32;
    listAppend(u32, this.gen0, p);
    const count = u32[this.count0Word] + 1;
    u32[this.count0Word] = count;
    const threshold = u32[this.threshold0Word];
    if (count > threshold && threshold !== 0 && (u32[this.flagsWord] & (ENABLED | COLLECTING)) === ENABLED) {
      this.collectGenerations();
    }
  }

  /** A GC object is about to be freed (already untracked): count0 -= 1, not below 0. */
  onDestroy(_p: Ptr): void {
    const u32 = this.heap.u32;
    if (u32[this.count0Word] > 0) u32[this.count0Word]--;
  }

  /** Hook: start tracking (into generation 0). User code calls the runtime's track, which checks the type. */
  track(p: Ptr): void {
    const u32 = this.heap.u32;
    if (u32[(p - GC_HEAD_SIZE) >>> 2] === 0) listAppend(u32, this.gen0, p);
  }

  /** Hook: stop tracking; `p` may sit in any list, a collection's scratch list included. */
  untrack(p: Ptr): void {
    const u32 = this.heap.u32;
    if (u32[(p - GC_HEAD_SIZE) >>> 2] !== 0) listRemove(u32, p);
  }

  onDecref(_p: Ptr, _newCount: number): void {}

  // -------------------------------------------------------------- collect

  /**
   * gc.collect(generation=2): collect `generation` and every younger one.
   * Returns what was found: collected + uncollectable objects. A call made
   * while a collection runs returns {0, 0}. GcGenerationError outside 0..2.
   */
  collect(generation: number = OLDEST): GcResult {
    if (typeof generation !== 'number' || !Number.isInteger(generation) || generation < 0 || generation > OLDEST) {
      throw new GcGenerationError(generation);
    }
    this.attached();
    if ((this.heap.u32[this.flagsWord] & COLLECTING) !== 0) return { ...NOTHING };
    return this.collectGuarded(generation);
  }

  /** Automatic collection: the oldest generation over its threshold (CPython's collect_generations). */
  private collectGenerations(): void {
    const u32 = this.heap.u32;
    for (let gen = OLDEST; gen >= 0; gen--) {
      if (u32[genWord(this.state, gen, GEN_COUNT)] <= u32[genWord(this.state, gen, GEN_THRESHOLD)]) continue;
      if (gen === OLDEST && !this.longLivedRuleAllows()) continue;
      this.collectGuarded(gen);
      return;
    }
  }

  /** The 25% rule: long_lived_pending >= long_lived_total / 4. */
  private longLivedRuleAllows(): boolean {
    const u32 = this.heap.u32;
    const total = u32[stateWord(this.state, LONG_LIVED_TOTAL)];
    return u32[stateWord(this.state, LONG_LIVED_PENDING)] >= total >>> LONG_LIVED_RATIO_SHIFT;
  }

  private collectGuarded(gen: number): GcResult {
    this.heap.u32[this.flagsWord] |= COLLECTING;
    try {
      return this.collectWithCallbacks(gen);
    } finally {
      this.heap.u32[this.flagsWord] &= ~COLLECTING;
    }
  }

  private collectWithCallbacks(gen: number): GcResult {
    if (this.callbacks.length > 0) this.invokeCallbacks('start', { generation: gen, collected: 0, uncollectable: 0 });
    const result = this.collectMain(gen);
    if (this.callbacks.length > 0) this.invokeCallbacks('stop', { generation: gen, ...result });
    return result;
  }

  /** One collection of generation `gen`: the steps of the file comment. */
  private collectMain(gen: number): GcResult {
    const debug = this.heap.u32[stateWord(this.state, DEBUG)];
    const start = (debug & DEBUG_STATS) !== 0 ? this.printStart(gen) : 0;
    this.updateCounts(gen);
    const young = this.mergeYounger(gen);
    const old = gen < OLDEST ? this.heads[gen + 1] : young;
    listInit(this.heap.u32, this.unreachable);
    this.finder.deduceUnreachable(young, this.unreachable);
    if (this.untrackAtomic) this.untracker.untrackAtomic(young, gen === OLDEST);
    this.promoteSurvivors(young, old, gen);
    const { collected } = this.disposer.dispose(this.unreachable, old, this.disposeOptions(debug));
    const uncollectable = 0; // only legacy tp_del finalizers are uncollectable in CPython; pymem has none
    this.recordStats(gen, collected, uncollectable);
    if ((debug & DEBUG_STATS) !== 0) this.write(doneLine(collected + uncollectable, uncollectable, now() - start));
    return { collected, uncollectable };
  }

  /** Step 1: count[gen+1] += 1, count[0..gen] = 0. */
  private updateCounts(gen: number): void {
    const u32 = this.heap.u32;
    if (gen < OLDEST) u32[genWord(this.state, gen + 1, GEN_COUNT)]++;
    for (let i = 0; i <= gen; i++) u32[genWord(this.state, i, GEN_COUNT)] = 0;
  }

  /** Step 2: generations 0..gen-1 join gen; returns its head. */
  private mergeYounger(gen: number): Ptr {
    const young = this.heads[gen];
    for (let i = 0; i < gen; i++) listMerge(this.heap.u32, this.heads[i], young);
    return young;
  }

  /** Step 5: survivors join `old`, with CPython's long-lived bookkeeping. */
  private promoteSurvivors(young: Ptr, old: Ptr, gen: number): void {
    const u32 = this.heap.u32;
    if (young !== old) {
      if (gen === OLDEST - 1) u32[stateWord(this.state, LONG_LIVED_PENDING)] += listSize(u32, young);
      listMerge(u32, young, old);
    } else {
      u32[stateWord(this.state, LONG_LIVED_PENDING)] = 0;
      u32[stateWord(this.state, LONG_LIVED_TOTAL)] = listSize(u32, young);
    }
  }

  private disposeOptions(debug: number): DisposeOptions {
    return {
      saveAll: (debug & DEBUG_SAVEALL) !== 0,
      garbage: this.garbage,
      onCollectable: (debug & DEBUG_COLLECTABLE) !== 0 ? this.printCollectable : undefined,
    };
  }

  private recordStats(gen: number, collected: number, uncollectable: number): void {
    const f64 = this.heap.f64;
    f64[statIndex(this.state, gen, STAT_COLLECTIONS)]++;
    f64[statIndex(this.state, gen, STAT_COLLECTED)] += collected;
    f64[statIndex(this.state, gen, STAT_UNCOLLECTABLE)] += uncollectable;
  }

  /** gc.callbacks, in order; an error in one goes to the runtime's unraisable hook. */
  private invokeCallbacks(phase: 'start' | 'stop', info: CollectionInfo): void {
    for (let i = 0; i < this.callbacks.length; i++) {
      try {
        this.callbacks[i](phase, info);
      } catch (error) {
        this.host!.unraisable(error, `gc callback (${phase})`);
      }
    }
  }

  /** DEBUG_STATS at the start of a collection; returns the start time. */
  private printStart(gen: number): number {
    this.write(collectingLine(gen));
    this.write(generationSizesLine(this.heads.map((head) => listSize(this.heap.u32, head))));
    this.write(permanentSizeLine(listSize(this.heap.u32, this.permanent)));
    return now();
  }

  // ---------------------------------------------------------- gc module API

  /** gc.enable(): automatic collection on. */
  enable(): void {
    this.attached();
    this.heap.u32[this.flagsWord] |= ENABLED;
  }

  /** gc.disable(): automatic collection off (collect() still works). */
  disable(): void {
    this.attached();
    this.heap.u32[this.flagsWord] &= ~ENABLED;
  }

  /** gc.isenabled(). */
  isEnabled(): boolean {
    this.attached();
    return (this.heap.u32[this.flagsWord] & ENABLED) !== 0;
  }

  /** gc.get_count(): [count0, count1, count2]. */
  getCount(): Thresholds {
    return this.perGeneration(GEN_COUNT);
  }

  /** gc.get_threshold(). */
  getThreshold(): Thresholds {
    return this.perGeneration(GEN_THRESHOLD);
  }

  /**
   * gc.set_threshold(threshold0[, threshold1[, threshold2]]): the ones
   * given change. GcArgumentError (nothing changed) unless each is an
   * integer from 0 to 2^32 - 1. threshold0 = 0 stops automatic collection.
   */
  setThreshold(threshold0: number, threshold1?: number, threshold2?: number): void {
    this.attached();
    const given = [threshold0, threshold1, threshold2];
    for (let gen = 0; gen < NUM_GENERATIONS; gen++) {
      if (gen === 0 || given[gen] !== undefined) checkU32(given[gen], `threshold${gen}`);
    }
    const u32 = this.heap.u32;
    for (let gen = 0; gen < NUM_GENERATIONS; gen++) {
      if (given[gen] !== undefined) u32[genWord(this.state, gen, GEN_THRESHOLD)] = given[gen]!;
    }
  }

  /** gc.get_stats(): per generation, collections, collected, uncollectable. */
  getStats(): GenerationStats[] {
    this.attached();
    const f64 = this.heap.f64;
    const stats: GenerationStats[] = [];
    for (let gen = 0; gen < NUM_GENERATIONS; gen++) {
      stats.push({
        collections: f64[statIndex(this.state, gen, STAT_COLLECTIONS)],
        collected: f64[statIndex(this.state, gen, STAT_COLLECTED)],
        uncollectable: f64[statIndex(this.state, gen, STAT_UNCOLLECTABLE)],
      });
    }
    return stats;
  }

  /**
   * gc.get_objects(generation=None): the tracked objects of one generation,
   * or of all three (not the permanent one), as borrowed pointers.
   * GcGenerationError outside 0..2.
   */
  getObjects(generation?: number): Ptr[] {
    if (generation !== undefined && (typeof generation !== 'number' || !Number.isInteger(generation) || generation < 0 || generation > OLDEST)) {
      throw new GcGenerationError(generation);
    }
    this.attached();
    if (generation !== undefined) return listToArray(this.heap.u32, this.heads[generation]);
    return this.heads.flatMap((head) => listToArray(this.heap.u32, head));
  }

  /** gc.get_referrers(*objs): tracked objects (generations 0-2) whose traverse visits one of `objs`. */
  getReferrers(...objs: Ptr[]): Ptr[] {
    return referrersIn(this.attached(), this.heads, objs);
  }

  /** gc.get_referents(*objs): what the traverse of each GC object among `objs` visits. */
  getReferents(...objs: Ptr[]): Ptr[] {
    return referentsOf(this.attached(), objs);
  }

  /** gc.is_tracked(obj): false for objects that are not GC objects. InvalidObjectError for a dead pointer (checked runtimes). */
  isTracked(p: Ptr): boolean {
    return this.attached().isGc(p) && this.heap.u32[(p - GC_HEAD_SIZE) >>> 2] !== 0;
  }

  /** gc.is_finalized(obj): whether a GC object's finalizer has run. */
  isFinalized(p: Ptr): boolean {
    const host = this.attached();
    return host.isGc(p) && host.isFinalized(p);
  }

  /** gc.freeze(): every tracked object moves to the permanent generation; count0 = 0. */
  freeze(): void {
    this.attached();
    const u32 = this.heap.u32;
    for (const head of this.heads) listMerge(u32, head, this.permanent);
    u32[this.count0Word] = 0;
  }

  /** gc.unfreeze(): the permanent generation joins the oldest one. */
  unfreeze(): void {
    this.attached();
    listMerge(this.heap.u32, this.permanent, this.heads[OLDEST]);
  }

  /** gc.get_freeze_count(): objects in the permanent generation. */
  getFreezeCount(): number {
    this.attached();
    return listSize(this.heap.u32, this.permanent);
  }

  /** gc.set_debug(flags). GcArgumentError unless an integer from 0 to 2^32 - 1. */
  setDebug(flags: number): void {
    this.attached();
    this.heap.u32[stateWord(this.state, DEBUG)] = checkU32(flags, 'debug flags');
  }

  /** gc.get_debug(). */
  getDebug(): number {
    this.attached();
    return this.heap.u32[stateWord(this.state, DEBUG)];
  }

  /** `del gc.garbage[:]`: drop the references `garbage` holds (objects may be freed) and empty it. */
  clearGarbage(): void {
    const host = this.attached();
    while (this.garbage.length > 0) host.decref(this.garbage.pop()!);
  }

  /** Verify the lists (invariants.ts). HeapCorruptionError naming the first broken invariant. */
  checkInvariants(): void {
    const host = this.attached();
    const lists = this.heads.map((head, gen) => ({ name: `generation ${gen}`, head }));
    lists.push({ name: 'permanent generation', head: this.permanent });
    const collecting = (this.heap.u32[this.flagsWord] & COLLECTING) !== 0;
    checkLists(host, lists, this.unreachable, collecting);
  }

  // -------------------------------------------------------------- helpers

  /** Cache the state block's pointers and word indices (all rebuildable from it). */
  private cacheState(state: Ptr): void {
    const u32 = this.heap.u32;
    this.state = state;
    this.heads = [0, 1, 2].map((gen) => u32[genWord(state, gen, GEN_HEAD)]);
    this.gen0 = this.heads[0];
    this.permanent = u32[stateWord(state, PERMANENT_HEAD)];
    this.unreachable = u32[stateWord(state, UNREACHABLE_HEAD)];
    this.count0Word = genWord(state, 0, GEN_COUNT);
    this.threshold0Word = genWord(state, 0, GEN_THRESHOLD);
    this.flagsWord = stateWord(state, FLAGS);
  }

  private perGeneration(field: number): Thresholds {
    this.attached();
    const u32 = this.heap.u32;
    return [u32[genWord(this.state, 0, field)], u32[genWord(this.state, 1, field)], u32[genWord(this.state, 2, field)]];
  }

  private typeName(p: Ptr): string {
    return this.host!.types[this.heap.u32[(p + OB_TYPE) >>> 2] & OB_TYPE_ID_MASK]!.name;
  }

  /** The host, or GcArgumentError when the collector has no runtime yet. */
  private attached(): GcHost {
    if (this.host === null) throw new GcArgumentError('this collector is not attached to a runtime yet (create a runtime with it first)');
    return this.host;
  }
}

/** A fresh generational collector for one runtime (`createRuntime({ gc: generationalGc() })`). */
export function generationalGc(options?: GenerationalGcOptions): GenerationalGc {
  return new GenerationalGc(options);
}

function checkU32(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_U32) {
    throw new GcArgumentError(`invalid ${what} ${String(value)}: expected an integer from 0 to ${MAX_U32}`);
  }
  return value;
}

function now(): number {
  return performance.now();
}
